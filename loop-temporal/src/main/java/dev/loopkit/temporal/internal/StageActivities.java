package dev.loopkit.temporal.internal;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Not API: the stages of an attempt as they run on a worker host. */
@ActivityInterface
public interface StageActivities {

  /**
   * Runs the stage {@code call.stage()} with this host's parts; heartbeats while it runs.
   *
   * @param call the stage to run and what it needs
   * @return the stage's answer
   */
  @ActivityMethod(name = "LoopStage")
  Wire.StageReply stage(Wire.StageCall call);
}

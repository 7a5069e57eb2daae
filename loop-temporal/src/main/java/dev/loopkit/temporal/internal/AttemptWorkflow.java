package dev.loopkit.temporal.internal;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Not API: one attempt on one ticket (workflow id {@code <run id>/<ticket id>/<attempt>}). The coordinator sends
 * each stage of the attempt as an update; the workflow runs it as an activity, the workspace on the shared task
 * queue (any free host) and every later stage on the task queue of the host that opened the workspace.
 */
@WorkflowInterface
public interface AttemptWorkflow {

  /**
   * Lives until the coordinator signals {@link #finish()} (or cancels the attempt).
   *
   * @param input the run, ticket and attempt, and the task queue and timeouts of its stages
   */
  @WorkflowMethod(name = "LoopAttempt")
  void run(Wire.AttemptInput input);

  /**
   * Runs one stage of the attempt as an activity and answers with its result.
   *
   * @param call the stage to run and what it needs
   * @return the worker host's answer
   */
  @UpdateMethod(name = "stage")
  Wire.StageReply stage(Wire.StageCall call);

  /**
   * Rejects an unknown stage, or a stage other than the workspace's before a workspace is open.
   *
   * @param call the stage to check
   */
  @UpdateValidatorMethod(updateName = "stage")
  void validateStage(Wire.StageCall call);

  /** The attempt is over: the workflow completes once running stages have answered. */
  @SignalMethod(name = "finish")
  void finish();
}

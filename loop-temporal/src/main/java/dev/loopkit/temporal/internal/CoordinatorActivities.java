package dev.loopkit.temporal.internal;

import dev.loopkit.temporal.BatchWorkflow;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Not API: what runs on a coordinator (a host with the run's tracker, oracle and run directory). */
@ActivityInterface
public interface CoordinatorActivities {

  /**
   * Runs (or resumes) one session of the core engine on the run directory; heartbeats while it runs.
   *
   * @param input the batch workflow's input
   * @return how the session ended
   */
  @ActivityMethod(name = "LoopSession")
  Wire.SessionOutcome session(Wire.BatchInput input);

  /**
   * Files a discovered ticket through the live attempt that found it (on the coordinator running it).
   *
   * @param discovery the drafted ticket and the attempt that found it
   * @return the filed ticket
   */
  @ActivityMethod(name = "LoopFileDiscovered")
  Wire.TicketData fileDiscovered(Wire.Discovery discovery);

  /**
   * Records a person's decision in the run's decision log.
   *
   * @param runDirectory the run directory, as a path on the coordinator
   * @param decision the ticket, {@code done} or {@code cancelled}, and why
   * @return the ticket id
   */
  @ActivityMethod(name = "LoopRecordDecision")
  String recordDecision(String runDirectory, BatchWorkflow.Decision decision);
}

package dev.loopkit.temporal;

import dev.loopkit.temporal.internal.Wire;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The batch workflow of one run: its workflow id is the run id, so starting a run twice attaches to the same
 * workflow. Hosts and tools call it through a {@code WorkflowClient}:
 *
 * <pre>{@code
 * BatchWorkflow batch = client.newWorkflowStub(BatchWorkflow.class, "run-7");
 * batch.status();                                        // query: sessions, decisions, discoveries, the ending
 * batch.decide(new BatchWorkflow.Decision("T-3", "done", "checked by hand on staging"));  // update, validated
 * }</pre>
 *
 * <p>The workflow runs the run's sessions of the core engine as one heartbeating activity on a coordinator
 * (the host that started the run, or any host that runs {@link TemporalLoopEngine} for the same run); a
 * coordinator that dies is noticed by the heartbeat timeout and the session resumes from the journal on another.
 */
@WorkflowInterface
public interface BatchWorkflow {

  /**
   * Runs the batch to its ending; returns how the last session ended. Started by {@link TemporalLoopEngine}.
   *
   * @param input the run, its directory, and the queues and timeouts of its activities
   * @return how the last session of the core engine ended
   */
  @WorkflowMethod(name = "LoopBatch")
  Wire.SessionOutcome run(Wire.BatchInput input);

  /**
   * The batch as the workflow knows it; answered without I/O.
   *
   * @return the run id, the counts of workflow runs, sessions, decisions and discoveries, and the ending once
   *     there is one
   */
  @QueryMethod(name = "status")
  Status status();

  /**
   * Records a person's decision on a ticket of this run, as {@code loop approve} does: the run's next pass takes
   * it in. Returns the ticket id once the decision is in the run's decision log.
   *
   * @param decision the ticket, {@code done} or {@code cancelled}, and why
   * @return the ticket id
   */
  @UpdateMethod(name = "decide")
  String decide(Decision decision);

  /**
   * Rejects a decision before it enters the history: a bad ticket id, an unknown decision, a blank reason.
   *
   * @param decision the decision to check
   */
  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(Decision decision);

  /**
   * Files a ticket a worker discovered during an attempt, through the coordinator running that attempt (the core
   * engine's discovery path: the cap, the journal, the idempotency key). Sent by worker hosts; returns the filed
   * ticket.
   *
   * @param discovery the drafted ticket, the attempt that found it and the task queue of that attempt's
   *     coordinator
   * @return the filed ticket
   */
  @UpdateMethod(name = "discover")
  Wire.TicketData discover(Wire.Discovery discovery);

  /**
   * Rejects a discovery without a title, a valid ticket id or an attempt number.
   *
   * @param discovery the discovery to check
   */
  @UpdateValidatorMethod(updateName = "discover")
  void validateDiscover(Wire.Discovery discovery);

  /**
   * A person's decision: {@code decision} is {@code done} (approve the work) or {@code cancelled}.
   *
   * @param ticketId the ticket
   * @param decision {@code done} or {@code cancelled}
   * @param reason why, in a person's words
   */
  record Decision(String ticketId, String decision, String reason) {}

  /**
   * What the batch workflow knows without reading the run directory.
   *
   * @param runId the run (and workflow) id
   * @param workflowRuns how many runs of the workflow there have been (1, then one more per continue-as-new)
   * @param sessions how many sessions of the core engine were scheduled, across those runs
   * @param decisions decisions recorded through {@link #decide}, in this run of the workflow
   * @param discoveries tickets filed through {@link #discover}, in this run of the workflow
   * @param ending the ending kind ({@code DONE}, {@code CAPPED}, ...) once the batch ended, else empty
   * @param detail what ended it, else empty
   */
  record Status(String runId, int workflowRuns, int sessions, int decisions, int discoveries, String ending,
      String detail) {}
}

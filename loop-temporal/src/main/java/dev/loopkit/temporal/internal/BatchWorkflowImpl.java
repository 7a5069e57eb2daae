package dev.loopkit.temporal.internal;

import dev.loopkit.core.Ticket;
import dev.loopkit.temporal.BatchWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;

/**
 * Not API: the batch workflow. Deterministic: it schedules the session activity on a coordinator and waits for
 * it, answers queries from its own fields, and turns updates into activities. It continues as new, carrying its
 * counters, when Temporal suggests it or after the configured number of updates; the session in flight is then
 * stopped (its attempts are counted as interrupted) and the next run of the workflow resumes it from the journal.
 */
public final class BatchWorkflowImpl implements BatchWorkflow {
  /** Sessions lost to coordinators that died or broke, before the batch workflow gives up and fails. */
  static final int MAX_SESSION_ATTEMPTS = 50;
  private final Wire.BatchInput input;
  private final CoordinatorActivities anyCoordinator;
  private int sessions;
  private int decisions;
  private int discoveries;
  private String ending = "";
  private String detail = "";

  /**
   * Temporal calls this with the workflow's input before any handler runs.
   *
   * @param input the batch's input, the same the workflow method gets
   */
  @WorkflowInit
  public BatchWorkflowImpl(Wire.BatchInput input) {
    this.input = input;
    this.sessions = input.sessionsBefore();
    this.anyCoordinator = Workflow.newActivityStub(CoordinatorActivities.class, ActivityOptions.newBuilder()
        .setTaskQueue(Queues.coordinators(input.taskQueue()))
        .setStartToCloseTimeout(Duration.ofMillis(input.sessionTimeoutMillis()))
        .setHeartbeatTimeout(Duration.ofMillis(input.sessionHeartbeatMillis()))
        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(250))
            .setMaximumInterval(Duration.ofSeconds(5)).setMaximumAttempts(MAX_SESSION_ATTEMPTS)
            .setDoNotRetry(Failures.INPUT).build())
        .build());
  }

  @Override
  public Wire.SessionOutcome run(Wire.BatchInput input) {
    sessions++;
    Promise<Wire.SessionOutcome> session = Async.function(anyCoordinator::session, input);
    Workflow.await(() -> session.isCompleted() || continueAsNew());
    if (!session.isCompleted()) {
      Workflow.await(Workflow::isEveryHandlerFinished);
      Workflow.continueAsNew(input.next(sessions));
    }
    Wire.SessionOutcome outcome = session.get();
    ending = outcome.kind();
    detail = outcome.detail();
    Workflow.await(Workflow::isEveryHandlerFinished);
    return outcome;
  }

  private boolean continueAsNew() {
    return decisions + discoveries >= input.continueAsNewAfterUpdates()
        || Workflow.getInfo().isContinueAsNewSuggested();
  }

  @Override
  public Status status() {
    return new Status(input.runId(), input.priorRuns() + 1, sessions, decisions, discoveries, ending, detail);
  }

  @Override
  public String decide(Decision decision) {
    CoordinatorActivities any = Workflow.newActivityStub(CoordinatorActivities.class, ActivityOptions.newBuilder()
        .setTaskQueue(Queues.coordinators(input.taskQueue()))
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).setDoNotRetry(Failures.INPUT).build())
        .build());
    String id = any.recordDecision(input.runDirectory(), decision);
    decisions++;
    return id;
  }

  @Override
  public void validateDecide(Decision decision) {
    if (!input.decisionsByUpdate()) {
      throw new IllegalStateException("run " + input.runId() + " takes no decisions by update (enable it with"
          + " TemporalLoopEngine.Builder.decisionsByUpdate, loop run --decisions-by-update): record the decision with"
          + " loop approve, which seals it with the run's key");
    }
    if (!Ticket.isValidId(decision.ticketId())) {
      throw new IllegalArgumentException("ticket id '" + decision.ticketId() + "' is not valid: expected letters,"
          + " digits, '-', '_' or '.'");
    }
    if (!decision.decision().equals("done") && !decision.decision().equals("cancelled")) {
      throw new IllegalArgumentException("decision '" + decision.decision() + "' on " + decision.ticketId()
          + ": expected done or cancelled");
    }
    if (decision.reason().isBlank()) {
      throw new IllegalArgumentException("the decision on " + decision.ticketId() + " has no reason: say why");
    }
    if (!ending.isEmpty()) {
      throw new IllegalStateException("run " + input.runId() + " has ended " + ending + ": continue it first");
    }
  }

  @Override
  public Wire.TicketData discover(Wire.Discovery discovery) {
    CoordinatorActivities owner = Workflow.newActivityStub(CoordinatorActivities.class, ActivityOptions.newBuilder()
        .setTaskQueue(discovery.coordinatorQueue())
        .setStartToCloseTimeout(Duration.ofMinutes(5))
        .setScheduleToStartTimeout(Duration.ofMillis(input.sessionHeartbeatMillis()).multipliedBy(3))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
    Wire.TicketData filed = owner.fileDiscovered(discovery);
    discoveries++;
    return filed;
  }

  @Override
  public void validateDiscover(Wire.Discovery discovery) {
    if (discovery.draft().title().isBlank()) {
      throw new IllegalArgumentException("a discovered ticket from " + discovery.ticketId() + " has a blank title");
    }
    if (!Ticket.isValidId(discovery.ticketId()) || discovery.attempt() < 1) {
      throw new IllegalArgumentException("discovery from ticket '" + discovery.ticketId() + "' attempt "
          + discovery.attempt() + ": expected a valid ticket id and an attempt of at least 1");
    }
    if (!discovery.runId().equals(input.runId())) {
      throw new IllegalArgumentException("discovery for run '" + discovery.runId() + "' sent to run '"
          + input.runId() + "'");
    }
  }
}

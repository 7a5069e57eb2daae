package dev.loopkit.temporal.internal;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.Set;

/**
 * Not API: the ticket (attempt) workflow. Deterministic: it only schedules activities and waits. The workspace is
 * opened on the shared task queue, retried while hosts answer that they are full; every later stage goes to the
 * opening host's own queue, tried once (the engine, not Temporal, decides whether a ticket gets another attempt),
 * with a schedule-to-start timeout so a host that died between stages is noticed. A stage's start-to-close is the
 * engine's stage timeout, and for the work (the stage with a budget) at most the run's wall clock left plus
 * {@link #PAST_THE_CAP}.
 */
public final class AttemptWorkflowImpl implements AttemptWorkflow {
  static final Set<String> STAGES = Set.of("workspace", "work", "review", "verify", "close");
  /** The change that lets an abandoned attempt end (version 1); histories from before it replay without it. */
  static final String IDLE_END = "attempt-ends-when-abandoned";
  /**
   * The change that bounds a budgeted stage (the work) by the run's wall clock left (version 1): a stage whose
   * coordinator died cannot outlive the run's cap by more than {@link #PAST_THE_CAP}.
   */
  static final String BUDGET_TIMEOUT = "stage-timeout-from-wall-clock";
  /** How long a budgeted stage may run past the wall-clock cap: the engine ends the run first, and cancels it. */
  static final Duration PAST_THE_CAP = Duration.ofMinutes(1);
  private final Wire.AttemptInput input;
  private boolean finished;
  private int stagesSeen;
  private int running;

  /**
   * Temporal calls this with the workflow's input before any handler runs.
   *
   * @param input the attempt's input, the same the workflow method gets
   */
  @WorkflowInit
  public AttemptWorkflowImpl(Wire.AttemptInput input) {
    this.input = input;
  }

  @Override
  public void run(Wire.AttemptInput input) {
    if (Workflow.getVersion(IDLE_END, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      Workflow.await(() -> finished);
    } else {
      // A coordinator that died never sends the next stage or finish: once no stage has run for this long, the
      // attempt is abandoned (the resumed session counted it as interrupted) and its workflow ends.
      Duration idle = Duration.ofMillis(Math.max(60_000, 6 * input.stageHeartbeatMillis()));
      while (!finished) {
        if (running > 0) {
          Workflow.await(() -> finished || running == 0);
          continue;
        }
        int seen = stagesSeen;
        if (!Workflow.await(idle, () -> finished || stagesSeen != seen)) {
          break;
        }
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
  }

  @Override
  public Wire.StageReply stage(Wire.StageCall call) {
    stagesSeen++;
    running++;
    try {
      return runStage(call);
    } finally {
      running--;
    }
  }

  private Wire.StageReply runStage(Wire.StageCall call) {
    Duration heartbeat = Duration.ofMillis(input.stageHeartbeatMillis());
    Duration timeout = Duration.ofMillis(input.stageTimeoutMillis());
    if (call.wallClockLeftMillis() > 0
        && Workflow.getVersion(BUDGET_TIMEOUT, Workflow.DEFAULT_VERSION, 1) == 1) {
      Duration left = Duration.ofMillis(call.wallClockLeftMillis()).plus(PAST_THE_CAP);
      timeout = left.compareTo(timeout) < 0 ? left : timeout;
    }
    ActivityOptions.Builder options = ActivityOptions.newBuilder()
        .setStartToCloseTimeout(timeout)
        .setHeartbeatTimeout(heartbeat)
        .setCancellationType(ActivityCancellationType.TRY_CANCEL);
    if (call.stage().equals("workspace")) {
      options.setTaskQueue(input.taskQueue()).setScheduleToCloseTimeout(timeout)
          .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(200))
              .setMaximumInterval(Duration.ofSeconds(2)).setBackoffCoefficient(1.5)
              .setDoNotRetry(Failures.STAGE_FAILED).build());
    } else {
      Wire.WorkspaceData workspace = java.util.Objects.requireNonNull(call.workspace());
      options.setTaskQueue(workspace.attributes().get(Queues.HOST_ATTRIBUTE))
          .setScheduleToStartTimeout(heartbeat.multipliedBy(3))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build());
    }
    return Workflow.newActivityStub(StageActivities.class, options.build()).stage(call);
  }

  @Override
  public void validateStage(Wire.StageCall call) {
    if (!STAGES.contains(call.stage())) {
      throw new IllegalArgumentException("stage '" + call.stage() + "': expected one of " + STAGES);
    }
    if (!call.stage().equals("workspace")) {
      Wire.WorkspaceData w = call.workspace();
      if (w == null || w.attributes().get(Queues.HOST_ATTRIBUTE) == null) {
        throw new IllegalArgumentException("stage '" + call.stage() + "' of " + call.ticket().id()
            + " came without the workspace of a worker host (attribute " + Queues.HOST_ATTRIBUTE + ")");
      }
    }
    if (finished) {
      throw new IllegalStateException("attempt " + call.attempt() + " of " + call.ticket().id() + " is finished");
    }
  }

  @Override
  public void finish() {
    finished = true;
  }
}

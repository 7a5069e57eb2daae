package dev.loopkit.temporal.internal;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.Cap;
import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.Review;
import dev.loopkit.core.ReviewRequest;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import dev.loopkit.core.Workspaces;
import io.grpc.StatusRuntimeException;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.enums.v1.TimeoutType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Not API: the coordinator's stand-ins for the parts that run on worker hosts. The core engine calls them from its
 * attempt threads exactly as it calls local parts; each call becomes a stage update on the attempt's workflow,
 * which runs it as an activity on a worker host. So the engine's pipeline, journal and decisions are the core's,
 * unchanged. How remote outcomes map to the core's:
 * <ul>
 *   <li>a part that threw on its host: an exception with the host's message (a failed attempt);</li>
 *   <li>a host that stopped heartbeating or stopped polling its queue (it died): {@link InterruptedException}, so
 *       the attempt is counted as interrupted, not charged to the ticket, and the next attempt may run
 *       elsewhere;</li>
 *   <li>a fatal fault on the host (its sandbox gone) or Temporal itself unreachable: {@link FatalAdapterException},
 *       which stops the run charging no ticket;</li>
 *   <li>the attempt thread interrupted (the run ends, a person decided the ticket): the attempt's workflow is
 *       cancelled, and the cancellation reaches the worker through its heartbeat.</li>
 * </ul>
 */
public final class RemoteStages implements Workspaces, Worker, Reviewer, Verifier {
  private final WorkflowClient client;
  private final String taskQueue;
  private final String coordinatorQueue;
  private final Path runDirectory;
  private final Duration stageHeartbeat;
  private final Duration stageTimeout;
  private final LiveAttempts live;
  private final @Nullable Verifier localVerifier;
  private final java.time.Clock clock;
  private final Map<String, WorkflowStub> attempts = new ConcurrentHashMap<>();

  /**
   * Stand-ins that send stages to the hosts polling {@code taskQueue}. A workspace no host opened (the candidate
   * an integrator on the coordinator checked out) is verified here with {@code localVerifier}.
   *
   * @param client the client the attempt workflows are started and updated through
   * @param taskQueue the run's task queue, where the attempt workflows and their workspace stages go
   * @param coordinatorQueue this coordinator's own queue, where worker hosts send the discoveries of its attempts
   * @param runDirectory the run directory, sent with every stage
   * @param stageHeartbeat the heartbeat timeout of every stage activity
   * @param stageTimeout the start-to-close timeout of every stage activity
   * @param live where the discovery sinks of the attempts at work are registered
   * @param localVerifier verifies the candidates an integrator checks out on the coordinator; null when this
   *     process has no verifier
   * @param clock the engine's clock, which measures the wall clock left sent with a stage that has a budget
   */
  public RemoteStages(WorkflowClient client, String taskQueue, String coordinatorQueue, Path runDirectory,
      Duration stageHeartbeat, Duration stageTimeout, LiveAttempts live, @Nullable Verifier localVerifier,
      java.time.Clock clock) {
    this.client = client;
    this.taskQueue = taskQueue;
    this.coordinatorQueue = coordinatorQueue;
    this.runDirectory = runDirectory;
    this.stageHeartbeat = stageHeartbeat;
    this.stageTimeout = stageTimeout;
    this.live = live;
    this.localVerifier = localVerifier;
    this.clock = clock;
  }

  @Override
  public Workspace open(WorkspaceRequest request) throws Exception {
    String id = Queues.attemptId(request.runId(), request.ticket().id(), request.attempt());
    if (request.attempt() > 1) { // an earlier attempt a stopped session left running on a host: stop it
      cancelQuietly(client.newUntypedWorkflowStub(
          Queues.attemptId(request.runId(), request.ticket().id(), request.attempt() - 1)));
    }
    WorkflowStub stub = client.newUntypedWorkflowStub("LoopAttempt", WorkflowOptions.newBuilder()
        .setWorkflowId(id).setTaskQueue(taskQueue).build());
    Wire.AttemptInput input = new Wire.AttemptInput(request.runId(), request.ticket().id(), request.attempt(),
        taskQueue, stageHeartbeat.toMillis(), stageTimeout.toMillis());
    try {
      stub.start(input);
    } catch (WorkflowExecutionAlreadyStarted e) {
      stub = client.newUntypedWorkflowStub(id);
    } catch (StatusRuntimeException e) {
      throw unreachable(e);
    }
    attempts.put(id, stub);
    Wire.StageReply reply = call(stub, call("workspace", request.runId(), request.ticket(), request.attempt(), null,
        List.of(), null, "", List.of(), false));
    return Wire.workspace(java.util.Objects.requireNonNull(reply.workspace()));
  }

  @Override
  public void close(Workspace workspace, boolean succeeded) throws Exception {
    String id = null;
    for (String key : attempts.keySet()) {
      if (key.contains("/" + workspace.ticketId() + "/")) {
        id = key;
      }
    }
    if (id == null) {
      return;
    }
    WorkflowStub stub = java.util.Objects.requireNonNull(attempts.remove(id));
    String[] parts = id.split("/");
    Ticket ticket = Ticket.builder(workspace.ticketId()).title(workspace.ticketId()).build();
    try {
      call(stub, call("close", parts[0], ticket, Integer.parseInt(parts[parts.length - 1]), workspace, List.of(),
          null, "", List.of(), succeeded));
    } finally {
      try {
        stub.signal("finish");
      } catch (RuntimeException e) {
        // the attempt's workflow already ended (cancelled, or the server lost it): nothing is left to finish
      }
    }
  }

  @Override
  public WorkResult work(Assignment a) throws Exception {
    String id = Queues.attemptId(a.runId(), a.ticket().id(), a.attempt());
    live.register(id, a.discoveries());
    Wire.StageReply r;
    try {
      r = call(stub(id), call("work", a.runId(), a.ticket(), a.attempt(), a.workspace(), Wire.findings(a.findings()),
          Wire.budget(a.budget()), "", List.of(), false));
    } finally {
      live.remove(id);
    }
    switch (r.outcome()) {
      case "passed":
        return new WorkResult.Completed(r.summary(), Wire.usage(r.usage()));
      case "failed":
        return new WorkResult.Failed(r.findings(), Wire.usage(r.usage()));
      default:
        return new WorkResult.NeedsHuman(r.summary(), Wire.evidenceOf(r.evidence()), Wire.usage(r.usage()));
    }
  }

  @Override
  public Review review(ReviewRequest q) throws Exception {
    List<Wire.TicketData> filed = new ArrayList<>();
    q.filed().forEach(t -> filed.add(Wire.ticket(t)));
    Wire.StageReply r = call(stub(Queues.attemptId(q.runId(), q.ticket().id(), q.attempt())), call("review",
        q.runId(), q.ticket(), q.attempt(), q.workspace(), Wire.findings(q.findings()), null, q.claim(), filed, false));
    return r.outcome().equals("passed") ? new Review.Approved(r.summary(), Wire.usage(r.usage()), r.attributes())
        : new Review.ChangesRequested(r.findings(), Wire.usage(r.usage()), r.attributes());
  }

  @Override
  public Verification verify(VerifyRequest q) throws Exception {
    if (!q.workspace().attributes().containsKey(Queues.HOST_ATTRIBUTE)) {
      if (localVerifier == null) {
        throw new FatalAdapterException("the integrator built a candidate on the coordinator (" + q.workspace()
            .directory() + ") but the coordinator has no verifier to check it: set worker and verifier on the"
            + " TemporalLoopEngine too", null);
      }
      return localVerifier.verify(q);
    }
    Wire.StageReply r = call(stub(Queues.attemptId(q.runId(), q.ticket().id(), q.attempt())), call("verify",
        q.runId(), q.ticket(), q.attempt(), q.workspace(), List.of(), null, "", List.of(), false));
    return r.outcome().equals("passed") ? Verification.passed(Wire.evidenceOf(r.evidence()))
        : new Verification.Failed(r.findings(), Wire.evidenceOf(r.evidence()));
  }

  private WorkflowStub stub(String id) {
    return attempts.computeIfAbsent(id, client::newUntypedWorkflowStub);
  }

  private Wire.StageCall call(String stage, String runId, Ticket ticket, int attempt, @Nullable Workspace workspace,
      List<Wire.FindingData> findings, Wire.@Nullable BudgetData budget, String claim, List<Wire.TicketData> filed,
      boolean succeeded) {
    return new Wire.StageCall(stage, runId, runDirectory.toString(), Wire.ticket(ticket), attempt,
        workspace == null ? null : Wire.workspace(workspace), findings, budget, claim, filed, succeeded,
        coordinatorQueue, budget == null ? 0 : wallClockLeftMillis(Wire.budget(budget).deadline()));
  }

  /** The run's wall clock left at {@code deadline}, by the engine's clock; at least 1 ms, 0 when unbounded. */
  private long wallClockLeftMillis(java.time.Instant deadline) {
    try {
      return Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
    } catch (ArithmeticException e) {
      return 0; // no wall-clock cap to speak of
    }
  }

  /** Sends one stage and waits for its answer; interruptible: an interrupt cancels the attempt's workflow. */
  private Wire.StageReply call(WorkflowStub stub, Wire.StageCall call) throws Exception {
    try {
      return stub.startUpdate(UpdateOptions.newBuilder(Wire.StageReply.class).setUpdateName("stage")
          .setWaitForStage(WorkflowUpdateStage.ACCEPTED).build(), call).getResultAsync().get();
    } catch (InterruptedException e) {
      cancelQuietly(stub);
      throw e;
    } catch (ExecutionException e) {
      throw translate(e.getCause(), call);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        cancelQuietly(stub);
        throw new InterruptedException("interrupted while sending the " + call.stage() + " stage");
      }
      throw translate(e, call);
    }
  }

  private Exception translate(@Nullable Throwable failure, Wire.StageCall call) {
    String where = "the " + call.stage() + " stage of " + call.ticket().id() + " attempt " + call.attempt();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure a) {
        String type = String.valueOf(a.getType());
        if (type.equals(Failures.FATAL)) {
          return new FatalAdapterException(a.getOriginalMessage(), a);
        }
        if (type.equals(Failures.CAP)) {
          Cap cap = Cap.valueOf(a.getDetails().get(String.class));
          return new CapReachedException(cap, a.getOriginalMessage());
        }
        if (type.equals(Failures.INTERRUPTED)) {
          return new InterruptedException(a.getOriginalMessage());
        }
        return new LoopException(a.getOriginalMessage(), a);
      }
      if (t instanceof TimeoutFailure timeout) {
        TimeoutType kind = timeout.getTimeoutType();
        if (kind == TimeoutType.TIMEOUT_TYPE_HEARTBEAT || kind == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
          return new InterruptedException("the worker host running " + where + " stopped answering ("
              + kind.name().substring("TIMEOUT_TYPE_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '-')
              + " timeout): the attempt is retried on a live host");
        }
        return new LoopException(where + " ran past its timeout of " + stageTimeout, timeout);
      }
      if (t instanceof CanceledFailure) {
        return new InterruptedException(where + " was cancelled");
      }
      if (t instanceof StatusRuntimeException s) {
        return unreachable(s);
      }
    }
    return new LoopException(where + " failed: " + failure, failure);
  }

  private static FatalAdapterException unreachable(StatusRuntimeException e) {
    return new FatalAdapterException("the Temporal service did not answer (" + e.getStatus().getCode() + "): "
        + e.getStatus().getDescription(), e);
  }

  private static void cancelQuietly(WorkflowStub stub) {
    try {
      stub.cancel();
    } catch (RuntimeException e) {
      // already ended or never started: nothing runs that could be stopped
    }
  }
}

package dev.loopkit.temporal.internal;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.Review;
import dev.loopkit.core.ReviewRequest;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.SandboxUnavailableException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Not API: a worker host's stages. Each call rebuilds what the core stage would hand its host part (the
 * assignment, the review or verify request, with processes confined by this host's sandbox to the workspace),
 * calls the part once under a background heartbeat, and answers with ids, summaries and findings. A part that
 * throws answers with a non-retryable failure whose type says what the coordinator makes of it.
 */
public final class StageActivitiesImpl implements StageActivities {
  private final HostParts parts;
  private final String hostQueue;
  private final WorkflowClient client;
  private final Slots slots;

  /**
   * A host's stages: its parts, its own task queue, the client its workers file discoveries through, and the most
   * attempts it takes at once (a host that is full answers a workspace request with a retryable failure, so
   * another host takes the attempt).
   *
   * @param parts the parts the stages run with
   * @param hostQueue this host's own task queue
   * @param client the client its workers file discoveries through
   * @param maxAttempts the most attempts this host takes at once; at least 1
   */
  public StageActivitiesImpl(HostParts parts, String hostQueue, WorkflowClient client, int maxAttempts) {
    this.parts = parts;
    this.hostQueue = hostQueue;
    this.client = client;
    this.slots = new Slots(maxAttempts);
  }

  @Override
  public Wire.StageReply stage(Wire.StageCall call) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Map<String, String> where = Map.of("ticket", call.ticket().id(), "attempt", String.valueOf(call.attempt()),
        "stage", call.stage(), "host", hostQueue);
    java.util.concurrent.atomic.AtomicReference<String> reported = new java.util.concurrent.atomic.AtomicReference<>("");
    java.util.function.Supplier<Map<String, String>> progress = () -> {
      String line = reported.get();
      if (line.isEmpty()) {
        return where;
      }
      Map<String, String> details = new LinkedHashMap<>(where);
      details.put("progress", line); // what the worker said last (StageProgress.report)
      return details;
    };
    String attempt = Queues.attemptId(call.runId(), call.ticket().id(), call.attempt());
    if (call.stage().equals("workspace") && !slots.take(attempt, System.currentTimeMillis(),
        3 * context.getInfo().getHeartbeatTimeout().toMillis())) {
      throw ApplicationFailure.newFailure("worker host " + hostQueue + " is running as many attempts as it may",
          Failures.HOST_FULL); // retried: the next free host takes it
    }
    slots.enter(attempt, System.currentTimeMillis());
    try (Heartbeats beat = Heartbeats.start(context, progress)) {
      try {
        Wire.StageReply reply;
        dev.loopkit.temporal.StageProgress.enter(reported);
        try {
          reply = run(call);
        } finally {
          dev.loopkit.temporal.StageProgress.exit();
        }
        if (call.stage().equals("close")) {
          slots.release(attempt);
        }
        return reply;
      } catch (Exception e) {
        if (call.stage().equals("workspace") || call.stage().equals("close")) {
          slots.release(attempt);
        }
        if (beat.cancelled() || e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw ApplicationFailure.newNonRetryableFailure("the " + call.stage() + " stage of " + call.ticket().id()
              + " was cancelled on " + hostQueue + ": " + e, Failures.INTERRUPTED);
        }
        throw failure(e);
      }
    } finally {
      slots.exit(attempt, System.currentTimeMillis());
    }
  }

  private Wire.StageReply run(Wire.StageCall call) throws Exception {
    Ticket ticket = Wire.ticket(call.ticket());
    if (call.stage().equals("workspace")) {
      Workspace opened = parts.workspaces().open(new WorkspaceRequest(call.runId(), ticket, call.attempt()));
      Map<String, String> attributes = new LinkedHashMap<>(opened.attributes());
      attributes.put(Queues.HOST_ATTRIBUTE, hostQueue);
      Workspace tagged = new Workspace(opened.ticketId(), opened.directory(), attributes, opened.readOnlyPaths());
      return reply("passed", "", List.of(), List.of(), dev.loopkit.core.Usage.ZERO, Map.of(), Wire.workspace(tagged));
    }
    Workspace workspace = Wire.workspace(java.util.Objects.requireNonNull(call.workspace()));
    ProcessRunner processes = ProcessRunner.confined(parts.sandbox(),
        Jail.of(workspace.directory()).withReadOnly(workspace.readOnlyPaths()));
    switch (call.stage()) {
      case "work": {
        Assignment assignment = new Assignment(call.runId(), ticket, workspace, call.attempt(),
            Wire.findingsOf(call.findings()), Wire.budget(java.util.Objects.requireNonNull(call.budget())),
            new RemoteDiscoveries(client, call), Path.of(call.runDirectory()), processes);
        WorkResult result = parts.worker().work(assignment);
        if (result instanceof WorkResult.Completed c) {
          return reply("passed", c.summary(), List.of(), List.of(), c.usage(), Map.of(), null);
        }
        if (result instanceof WorkResult.Failed f) {
          return reply("failed", "", f.findings(), List.of(), f.usage(), Map.of(), null);
        }
        WorkResult.NeedsHuman h = (WorkResult.NeedsHuman) result;
        return reply("needs-human", h.reason(), List.of(), h.evidence(), h.usage(),
            Map.of(), null);
      }
      case "review": {
        Reviewer reviewer = parts.reviewer();
        if (reviewer == null) {
          throw new FatalAdapterException("worker host " + hostQueue + " has no reviewer, but the run reviews"
              + " every attempt: configure the same reviewer on every host", null);
        }
        List<Ticket> filed = new ArrayList<>();
        call.filed().forEach(t -> filed.add(Wire.ticket(t)));
        Review review = reviewer.review(new ReviewRequest(call.runId(), ticket, workspace, call.attempt(),
            call.claim(), Wire.findingsOf(call.findings()), processes, filed));
        if (review instanceof Review.ChangesRequested c) {
          return reply("failed", "", c.findings(), List.of(), c.usage(), c.attributes(), null);
        }
        Review.Approved a = (Review.Approved) review;
        return reply("passed", a.notes(), List.of(), List.of(), a.usage(), a.attributes(), null);
      }
      case "verify": {
        Verification v = parts.verifier().verify(new VerifyRequest(call.runId(), ticket, workspace, call.attempt(),
            processes));
        if (v instanceof Verification.Passed p) {
          return reply("passed", "verified", List.of(), p.evidence(), dev.loopkit.core.Usage.ZERO, Map.of(), null);
        }
        Verification.Failed f = (Verification.Failed) v;
        return reply("failed", "", f.findings(), f.evidence(), dev.loopkit.core.Usage.ZERO, Map.of(), null);
      }
      case "close":
        parts.workspaces().close(workspace, call.succeeded());
        return reply("passed", "", List.of(), List.of(), dev.loopkit.core.Usage.ZERO, Map.of(), null);
      default:
        throw new IllegalArgumentException("stage '" + call.stage() + "' is not one a worker host runs");
    }
  }

  private static Wire.StageReply reply(String outcome, String summary, List<String> findings,
      List<dev.loopkit.core.Evidence> evidence, dev.loopkit.core.Usage usage, Map<String, String> attributes,
      Wire.@org.jspecify.annotations.Nullable WorkspaceData workspace) {
    return new Wire.StageReply(outcome, summary, findings, Wire.evidence(evidence), Wire.usage(usage), attributes,
        workspace);
  }

  private ApplicationFailure failure(Exception e) {
    String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
        + " (on worker host " + hostQueue + ")";
    if (e instanceof FatalAdapterException || e instanceof SandboxUnavailableException) {
      return ApplicationFailure.newNonRetryableFailure(message, Failures.FATAL);
    }
    if (e instanceof CapReachedException c) {
      return ApplicationFailure.newNonRetryableFailure(String.valueOf(c.getMessage()), Failures.CAP, c.cap().name());
    }
    return ApplicationFailure.newNonRetryableFailure(message, Failures.STAGE_FAILED);
  }
}

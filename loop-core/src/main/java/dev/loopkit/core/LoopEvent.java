package dev.loopkit.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One thing that happened in a run. Every event is appended to the run journal as one JSON line (with a
 * {@code type} field naming the case) before the engine acts on it, then passed to the listeners. The
 * journal is the run's memory: a resumed run rebuilds its state from these events.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LoopEvent.RunStarted.class, name = "run-started"),
    @JsonSubTypes.Type(value = LoopEvent.OracleConsulted.class, name = "oracle-consulted"),
    @JsonSubTypes.Type(value = LoopEvent.PassStarted.class, name = "pass-started"),
    @JsonSubTypes.Type(value = LoopEvent.TicketDispatched.class, name = "ticket-dispatched"),
    @JsonSubTypes.Type(value = LoopEvent.WorkspaceOpened.class, name = "workspace-opened"),
    @JsonSubTypes.Type(value = LoopEvent.WorkerFinished.class, name = "worker-finished"),
    @JsonSubTypes.Type(value = LoopEvent.ReviewCompleted.class, name = "review-completed"),
    @JsonSubTypes.Type(value = LoopEvent.IntegrationCompleted.class, name = "integration-completed"),
    @JsonSubTypes.Type(value = LoopEvent.VerificationCompleted.class, name = "verification-completed"),
    @JsonSubTypes.Type(value = LoopEvent.AttemptFailed.class, name = "attempt-failed"),
    @JsonSubTypes.Type(value = LoopEvent.AttemptDeferred.class, name = "attempt-deferred"),
    @JsonSubTypes.Type(value = LoopEvent.AttemptInterrupted.class, name = "attempt-interrupted"),
    @JsonSubTypes.Type(value = LoopEvent.TicketDone.class, name = "ticket-done"),
    @JsonSubTypes.Type(value = LoopEvent.HumanGated.class, name = "human-gated"),
    @JsonSubTypes.Type(value = LoopEvent.TicketDiscovered.class, name = "ticket-discovered"),
    @JsonSubTypes.Type(value = LoopEvent.ResourceWaited.class, name = "resource-waited"),
    @JsonSubTypes.Type(value = LoopEvent.ResourcesReleased.class, name = "resources-released"),
    @JsonSubTypes.Type(value = LoopEvent.CapReached.class, name = "cap-reached"),
    @JsonSubTypes.Type(value = LoopEvent.HealAttempted.class, name = "heal-attempted"),
    @JsonSubTypes.Type(value = LoopEvent.TripwireTripped.class, name = "tripwire-tripped"),
    @JsonSubTypes.Type(value = LoopEvent.RunEnded.class, name = "run-ended"),
})
public sealed interface LoopEvent {

  /** When it happened, by the engine's clock. */
  Instant at();

  /** Events about one attempt on one ticket. */
  sealed interface AttemptEvent extends LoopEvent {
    String ticketId();

    int attempt();
  }

  /**
   * A process started (or resumed) the run.
   *
   * @param fingerprint the tripwire's fingerprint of the definition of done, recorded at the first start
   */
  record RunStarted(Instant at, String runId, int tickets, boolean resumed, Map<String, String> fingerprint,
      Map<String, String> caps) implements LoopEvent {}

  record OracleConsulted(Instant at, boolean done, String summary, List<String> outstanding)
      implements LoopEvent {}

  record PassStarted(Instant at, int pass, List<String> ready, int inFlight) implements LoopEvent {}

  /** An attempt started in a worker slot (0-based; for timelines). */
  record TicketDispatched(Instant at, String ticketId, int attempt, int slot) implements AttemptEvent {}

  record WorkspaceOpened(Instant at, String ticketId, int attempt, String directory,
      Map<String, String> attributes) implements AttemptEvent {}

  /** The worker returned; {@code outcome} is {@code completed}, {@code failed}, {@code needs-human} or {@code error}. */
  record WorkerFinished(Instant at, String ticketId, int attempt, String outcome, String summary, Usage usage)
      implements AttemptEvent {}

  record ReviewCompleted(Instant at, String ticketId, int attempt, boolean approved, List<String> findings,
      Usage usage, Map<String, String> attributes) implements AttemptEvent {}

  record IntegrationCompleted(Instant at, String ticketId, int attempt, boolean integrated, String summary,
      List<String> findings, Map<String, String> attributes) implements AttemptEvent {}

  record VerificationCompleted(Instant at, String ticketId, int attempt, boolean passed, List<String> findings,
      List<Evidence> evidence) implements AttemptEvent {}

  /** The attempt failed at {@code stage}; the findings go on the ticket and to the next attempt. */
  record AttemptFailed(Instant at, String ticketId, int attempt, String stage, List<String> findings)
      implements AttemptEvent {}

  /** The worker filed blockers for its own ticket; the ticket waits for them, and no failure is counted. */
  record AttemptDeferred(Instant at, String ticketId, int attempt, List<String> blockers)
      implements AttemptEvent {}

  /** The attempt was cut short (the process died, or the run ended around it); it is retried. */
  record AttemptInterrupted(Instant at, String ticketId, int attempt, String reason) implements AttemptEvent {}

  record TicketDone(Instant at, String ticketId, int attempt, List<Evidence> evidence)
      implements AttemptEvent {}

  /** The ticket waits for a person: attempts exhausted, or a worker's request with evidence. */
  record HumanGated(Instant at, String ticketId, int attempt, String reason, List<Evidence> evidence)
      implements AttemptEvent {}

  record TicketDiscovered(Instant at, String originId, String ticketId, String title, String idempotencyKey,
      boolean blocksOrigin) implements LoopEvent {}

  /** A ticket that was otherwise ready waited for a resource held by {@code holder}. */
  record ResourceWaited(Instant at, String ticketId, String resource, String holder, long waitedMillis)
      implements LoopEvent {}

  record ResourcesReleased(Instant at, String ticketId, List<String> resources, long heldMillis)
      implements LoopEvent {}

  record CapReached(Instant at, Cap cap, String detail) implements LoopEvent {}

  record HealAttempted(Instant at, String reason, String outcome, String summary, String diff)
      implements LoopEvent {}

  record TripwireTripped(Instant at, List<String> changes) implements LoopEvent {}

  /** The run ended; {@code ending} is the {@link RunEnding.Kind} name. */
  record RunEnded(Instant at, String ending, String detail) implements LoopEvent {}
}

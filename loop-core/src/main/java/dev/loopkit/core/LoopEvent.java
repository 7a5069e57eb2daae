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
    @JsonSubTypes.Type(value = LoopEvent.StageCompleted.class, name = "stage-completed"),
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
    @JsonSubTypes.Type(value = LoopEvent.HealReverted.class, name = "heal-reverted"),
    @JsonSubTypes.Type(value = LoopEvent.TripwireTripped.class, name = "tripwire-tripped"),
    @JsonSubTypes.Type(value = LoopEvent.CallRetried.class, name = "call-retried"),
    @JsonSubTypes.Type(value = LoopEvent.CallAbandoned.class, name = "call-abandoned"),
    @JsonSubTypes.Type(value = LoopEvent.InfrastructureInterrupted.class, name = "infrastructure-interrupted"),
    @JsonSubTypes.Type(value = LoopEvent.TicketReclaimed.class, name = "ticket-reclaimed"),
    @JsonSubTypes.Type(value = LoopEvent.RunEnded.class, name = "run-ended"),
    @JsonSubTypes.Type(value = LoopEvent.BatchFrozen.class, name = "batch-frozen"),
    @JsonSubTypes.Type(value = LoopEvent.InterventionDetected.class, name = "intervention-detected"),
    @JsonSubTypes.Type(value = LoopEvent.DecisionRecorded.class, name = "decision-recorded"),
    @JsonSubTypes.Type(value = LoopEvent.FinalGateChecked.class, name = "final-gate-checked"),
    @JsonSubTypes.Type(value = LoopEvent.TicketRegressed.class, name = "ticket-regressed"),
})
public sealed interface LoopEvent {

  /** The most ticket ids an event lists; beyond it an event gives a count, so no event grows with the batch. */
  int MAX_LISTED_IDS = 10;

  /** {@return when it happened, by the engine's clock} */
  Instant at();

  /** Events about one attempt on one ticket. */
  sealed interface AttemptEvent extends LoopEvent {
    /** {@return the ticket's id} */
    String ticketId();

    /** {@return the attempt's number on its ticket, from 1} */
    int attempt();
  }

  /**
   * A process started (or resumed) the run.
   *
   * @param fingerprint the tripwire's fingerprint of the definition of done, recorded at the first start
   * @param sandbox how this session confines the processes of tickets ({@link
   *     dev.loopkit.core.process.Sandbox#describe()}); {@code unrecorded} in journals older than the field
   */
  record RunStarted(Instant at, String runId, int tickets, boolean resumed, Map<String, String> fingerprint,
      Map<String, String> caps, String sandbox) implements LoopEvent {
    /**
     * Copies the maps; a missing sandbox (an older journal) reads as {@code unrecorded}.
     *
     * @param at when the session started
     * @param runId the run's id
     * @param tickets how many tickets the batch held at the start
     * @param resumed whether an earlier session of this run had started
     * @param fingerprint the tripwire's fingerprint of the definition of done, recorded at the first start
     * @param caps the caps as {@link Caps#describe()} spells them
     * @param sandbox how this session confines the processes of tickets ({@link
     *     dev.loopkit.core.process.Sandbox#describe()}); {@code unrecorded} in journals older than the field
     */
    public RunStarted {
      fingerprint = Map.copyOf(fingerprint);
      caps = Map.copyOf(caps);
      sandbox = sandbox == null ? "unrecorded" : sandbox;
    }

    /**
     * A start whose sandbox is not known (tests, tools that write journals of their own).
     *
     * @param at when the session started
     * @param runId the run's id
     * @param tickets how many tickets the batch held at the start
     * @param resumed whether an earlier session of this run had started
     * @param fingerprint the tripwire's fingerprint of the definition of done
     * @param caps the caps as {@link Caps#describe()} spells them
     */
    public RunStarted(Instant at, String runId, int tickets, boolean resumed, Map<String, String> fingerprint,
        Map<String, String> caps) {
      this(at, runId, tickets, resumed, fingerprint, caps, "unrecorded");
    }

    /** {@return whether the session ran tickets' processes without any confinement ({@code Sandbox.none()})} */
    public boolean unsandboxed() {
      return sandbox.startsWith("none");
    }
  }

  /**
   * The oracle judged the batch.
   *
   * @param outstanding how many tickets keep the batch from being done
   * @param sample the first of them, at most {@link #MAX_LISTED_IDS}
   */
  record OracleConsulted(Instant at, boolean done, String summary, int outstanding, List<String> sample)
      implements LoopEvent {}

  /** A pass planned: {@code ready} are the tickets it may start (at most the free worker slots). */
  record PassStarted(Instant at, int pass, List<String> ready, int inFlight) implements LoopEvent {}

  /** An attempt started in a worker slot (0-based; for timelines). */
  record TicketDispatched(Instant at, String ticketId, int attempt, int slot) implements AttemptEvent {}

  /**
   * One stage of an attempt ended: the workspace opened, the worker returned, the review, the integration,
   * the verification, or a stage the host added ({@code kind} {@link StageKind#CHECK}, told apart by
   * {@code stage}, its name).
   *
   * @param summary one line: what the worker claimed, the review's notes, the integrated commit, ...
   * @param findings why it failed; empty when it passed
   * @param evidence what it checked (verify and added stages)
   * @param usage tokens and money it used
   */
  record StageCompleted(Instant at, String ticketId, int attempt, StageKind kind, String stage,
      StageOutcome outcome, String summary, List<String> findings, List<Evidence> evidence, Usage usage,
      Map<String, String> attributes) implements AttemptEvent {}

  /** The attempt failed at a stage; the findings go on the ticket and to the next attempt. */
  record AttemptFailed(Instant at, String ticketId, int attempt, StageKind kind, String stage,
      List<String> findings) implements AttemptEvent {}

  /** The worker filed blockers for its own ticket; the ticket waits for them, and no failure is counted. */
  record AttemptDeferred(Instant at, String ticketId, int attempt, List<String> blockers)
      implements AttemptEvent {}

  /** The attempt was cut short (the process died, or the run ended around it); it is retried. */
  record AttemptInterrupted(Instant at, String ticketId, int attempt, String reason) implements AttemptEvent {}

  /**
   * The engine decided the ticket is done, with the evidence of its verification. Journaled before the tracker
   * is told, so a crash in between is finished by the next session.
   */
  record TicketDone(Instant at, String ticketId, int attempt, List<Evidence> evidence)
      implements AttemptEvent {}

  /** The ticket waits for a person: attempts exhausted, or a worker's request with evidence. */
  record HumanGated(Instant at, String ticketId, int attempt, String reason, List<Evidence> evidence)
      implements AttemptEvent {}

  /**
   * A worker filed a ticket as discovered work during an attempt on {@code originId}.
   *
   * @param at when the ticket was filed
   * @param originId the ticket whose attempt filed it
   * @param ticketId the id the tracker filed it under
   * @param title its one-line summary
   * @param idempotencyKey the key that makes the filing safe to repeat after a crash
   * @param blocksOrigin whether the origin ticket now waits for it
   */
  record TicketDiscovered(Instant at, String originId, String ticketId, String title, String idempotencyKey,
      boolean blocksOrigin) implements LoopEvent {}

  /** A ticket that was otherwise ready waited for a resource held by {@code holder}. */
  record ResourceWaited(Instant at, String ticketId, String resource, String holder, long waitedMillis)
      implements LoopEvent {}

  /**
   * A ticket's attempt ended and gave back the resources it held.
   *
   * @param at when they were released
   * @param ticketId the ticket that held them
   * @param resources the resources' names
   * @param heldMillis how long they were held
   */
  record ResourcesReleased(Instant at, String ticketId, List<String> resources, long heldMillis)
      implements LoopEvent {}

  /**
   * A cap of the run was reached; the run ends {@code CAPPED}.
   *
   * @param at when the cap was checked
   * @param cap which cap
   * @param detail one line with the figures, such as {@code used 5000 tokens of 5000}
   */
  record CapReached(Instant at, Cap cap, String detail) implements LoopEvent {}

  /**
   * A healer was asked to patch the harness.
   *
   * @param heal the heal's number in the run (1, 2, ...): its id in the report and the heal's transcript
   * @param usage what asking cost, counted in the run's usage and against its caps ({@link Usage#ZERO} in
   *     journals older than the field)
   */
  record HealAttempted(Instant at, HealContext.Reason reason, Heal.Outcome outcome, String summary, String diff,
      int heal, Usage usage) implements LoopEvent {

    /**
     * A missing usage (an older journal) reads as {@link Usage#ZERO}.
     *
     * @param at when the healer answered
     * @param reason why the healer was asked
     * @param outcome what it did
     * @param summary one line saying what it did or why it did nothing
     * @param diff the patch it applied; empty when none
     * @param heal the heal's number in the run (1, 2, ...): its id in the report and the heal's transcript
     * @param usage what asking cost, counted in the run's usage and against its caps ({@link Usage#ZERO} in
     *     journals older than the field)
     */
    public HealAttempted {
      usage = usage == null ? Usage.ZERO : usage;
    }

    /**
     * A heal that cost nothing.
     *
     * @param at when the healer answered
     * @param reason why the healer was asked
     * @param outcome what it did
     * @param summary one line saying what it did or why it did nothing
     * @param diff the patch it applied; empty when none
     * @param heal the heal's number in the run
     */
    public HealAttempted(Instant at, HealContext.Reason reason, Heal.Outcome outcome, String summary, String diff,
        int heal) {
      this(at, reason, outcome, summary, diff, heal, Usage.ZERO);
    }

    /**
     * A heal without a number (tools and journals older than the field).
     *
     * @param at when the healer answered
     * @param reason why the healer was asked
     * @param outcome what it did
     * @param summary one line saying what it did or why it did nothing
     * @param diff the patch it applied; empty when none
     */
    public HealAttempted(Instant at, HealContext.Reason reason, Heal.Outcome outcome, String summary, String diff) {
      this(at, reason, outcome, summary, diff, 0, Usage.ZERO);
    }
  }

  /**
   * An applied heal brought no progress (no ticket done) within its attempts and was undone.
   *
   * @param heal the number of the heal undone ({@link HealAttempted#heal()})
   * @param reverted whether the healer restored the harness; false when it cannot revert (the heal stays, and
   *     the reason says so)
   * @param reason why it was judged without progress, and what was done
   */
  record HealReverted(Instant at, int heal, boolean reverted, String reason) implements LoopEvent {}

  /**
   * The definition of done changed under the run (the tripwire's fingerprint differs); the run ends
   * {@code TAMPERED}.
   *
   * @param at when the change was found
   * @param changes one line per change found
   */
  record TripwireTripped(Instant at, List<String> changes) implements LoopEvent {}

  /**
   * A call to a part around the tickets (the tracker) failed with a retryable error and is tried again after
   * {@code delayMillis}; {@code failedTries} calls have failed so far.
   */
  record CallRetried(Instant at, String part, String call, int failedTries, String error, long delayMillis)
      implements LoopEvent {}

  /**
   * A call to a part around the tickets did not answer within {@code waitedMillis} (its per-call timeout, or what
   * was left of the run's wall clock): the engine stopped waiting and interrupted it; {@code thread} names the
   * thread left running it, which the engine does not wait for.
   */
  record CallAbandoned(Instant at, String part, String call, String thread, long waitedMillis)
      implements LoopEvent {}

  /**
   * An attempt ended because a part of the harness (the workspace, git, a vendor) failed in a way that may pass
   * if tried again ({@link LoopException#isRetryable()}): the ticket is reopened and not charged an attempt; the
   * run counts these against {@link Caps#maxInfrastructureInterruptions()}.
   */
  record InfrastructureInterrupted(Instant at, String ticketId, int attempt, String part, String error)
      implements AttemptEvent {}

  /**
   * A ticket an earlier run of the batch claimed (its journal shows the claim) and left in progress is reopened by
   * this run; {@code earlierRun} is that run's id.
   */
  record TicketReclaimed(Instant at, String ticketId, String earlierRun) implements LoopEvent {}

  /** The run's session ended. */
  record RunEnded(Instant at, RunEnding.Kind ending, String detail) implements LoopEvent {}

  /** The most tickets one {@link BatchFrozen} event holds; a larger batch is frozen in several. */
  int FROZEN_PER_EVENT = 500;

  /**
   * Part of the definition of done: tickets of the batch with their status and finish line as the run first saw
   * them (every ticket at the run's first start, in events of at most {@link #FROZEN_PER_EVENT}; a ticket that
   * arrives later when it is first seen). A frozen ticket that leaves the batch, or whose finish line changes,
   * trips the run.
   */
  record BatchFrozen(Instant at, List<FrozenTicket> tickets) implements LoopEvent {
    /**
     * Copies the list.
     *
     * @param at when the tickets were frozen
     * @param tickets the tickets as frozen
     */
    public BatchFrozen {
      tickets = List.copyOf(tickets);
    }
  }

  /**
   * One ticket as frozen.
   *
   * @param finishLine a digest of what the verifier reads of the ticket ({@link Verifier#finishLine})
   */
  record FrozenTicket(String id, Status status, String finishLine) {}

  /**
   * Someone other than the engine changed the batch: a ticket added outside the discovery path, or a done or
   * cancelled the engine did not write (reopened unless a person recorded that decision).
   */
  record InterventionDetected(Instant at, String ticketId, RunReport.InterventionKind kind, String detail)
      implements LoopEvent {}

  /**
   * A person's recorded decision on a ticket ({@link RunDirectory#recordDecision}, {@code loop approve}): the
   * only way besides the engine's own verification that a ticket counts as done (or cancelled). It wins over an
   * attempt in flight on the ticket, which is stopped and whose outcome is not applied.
   *
   * @param logOffset how far the run's decision log has been read with this decision
   */
  record DecisionRecorded(Instant at, String ticketId, Status status, String reason, long logOffset)
      implements LoopEvent {}

  /**
   * The final gate: before the run could end DONE, the finish line of every ticket the run marked done ran once
   * more on the integration branch's head.
   *
   * @param head what was checked out (the integrator's description, such as the commit)
   * @param regressed how many no longer pass; {@code sample} names at most {@link #MAX_LISTED_IDS}
   */
  record FinalGateChecked(Instant at, String head, int checked, int regressed, List<String> sample)
      implements LoopEvent {}

  /** A done ticket's finish line failed on the integration head: it is reopened for a fresh worker. */
  record TicketRegressed(Instant at, String ticketId, String head, List<String> findings) implements LoopEvent {}
}

package dev.loopkit.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The one place ticket statuses are written. Every decision is journaled first (a {@link LoopEvent}) and
 * becomes an {@link Effect} on the tracker that the engine applies after the journal is synced, so a crash
 * between the two is finished on resume ({@link #recover}) and never loses or invents a status.
 */
final class Settler {
  /** A tracker write a decision calls for: an optional comment, then a transition with its note. */
  record Effect(String ticketId, @Nullable String comment, Status to, String note) {}

  /** How an attempt ends that a person's recorded decision overruled. */
  static final AttemptOutcome.Interrupted OVERRULED = new AttemptOutcome.Interrupted("a person recorded a decision"
      + " on the ticket while this attempt ran");

  private final Tracker tracker;
  private final Ledger ledger;
  private final Caps caps;
  private final HarnessCalls calls;
  private final EarlierRuns earlierRuns;
  private int consecutiveFailures;
  private AttemptOutcome.@org.jspecify.annotations.Nullable Fatal fatal;

  Settler(Tracker tracker, Ledger ledger, Caps caps, HarnessCalls calls, EarlierRuns earlierRuns) {
    this.earlierRuns = earlierRuns;
    this.tracker = tracker;
    this.ledger = ledger;
    this.caps = caps;
    this.calls = calls;
  }

  /**
   * Journals the decisions for attempts that finished and returns their tracker writes. When {@code tampered}
   * names changes to the definition of done, an attempt that succeeded is not marked done: it was measured
   * against a finish line that moved.
   */
  List<Effect> settle(List<Inbox.Finished> finished, Dispatcher dispatcher, List<String> tampered) {
    List<Effect> effects = new ArrayList<>();
    for (Inbox.Finished f : finished) {
      boolean overruled = dispatcher.takeOverruled(f.ticketId());
      Dispatcher.InFlight done = dispatcher.finish(f.ticketId());
      if (done == null) {
        continue;
      }
      if (!done.ticket().resources().isEmpty()) {
        ledger.append(new LoopEvent.ResourcesReleased(ledger.now(), f.ticketId(),
            List.copyOf(done.ticket().resources()),
            java.time.Duration.between(done.since(), ledger.now()).toMillis()));
      }
      if (overruled) { // a person decided the ticket meanwhile: the attempt is recorded, its outcome not applied
        decide(f.ticketId(), done.attempt(), OVERRULED);
        continue;
      }
      AttemptOutcome outcome = f.outcome();
      if (outcome instanceof AttemptOutcome.Succeeded && !tampered.isEmpty()) {
        outcome = new AttemptOutcome.Interrupted("the definition of done changed during the attempt; not marked"
            + " done (" + String.join("; ", tampered) + ")");
      }
      if (outcome instanceof AttemptOutcome.Fatal fatal) {
        this.fatal = fatal;
        outcome = new AttemptOutcome.Interrupted("the run stopped: " + fatal.reason());
      }
      if (outcome instanceof AttemptOutcome.Infrastructure i && fatal == null
          && ledger.history().infrastructureInterruptions() + 1 >= caps.maxInfrastructureInterruptions()) {
        String why = "the run reached its cap of " + caps.maxInfrastructureInterruptions() + " attempt(s) cut short"
            + " by the infrastructure (" + Cap.INFRASTRUCTURE_INTERRUPTIONS + "); the last: " + i.part() + ": "
            + i.error();
        this.fatal = new AttemptOutcome.Fatal(why, new FatalAdapterException(why, null));
      }
      if (outcome instanceof AttemptOutcome.Failed) {
        consecutiveFailures++;
      } else if (outcome instanceof AttemptOutcome.Succeeded) {
        consecutiveFailures = 0;
      }
      effects.add(decide(f.ticketId(), done.attempt(), outcome));
    }
    return effects;
  }

  int maxAttemptsPerTicket() {
    return caps.maxAttemptsPerTicket();
  }

  /** The first fatal fault an attempt met, if one did: the run stops on it, charging no ticket. */
  AttemptOutcome.@org.jspecify.annotations.Nullable Fatal fatal() {
    return fatal;
  }

  /** Failed attempts since the last success (for the healer's trigger). */
  int consecutiveFailures() {
    return consecutiveFailures;
  }

  void resetConsecutiveFailures() {
    consecutiveFailures = 0;
  }

  /** Journals what an attempt's outcome decides and returns the tracker write it calls for. */
  Effect decide(String id, int attempt, AttemptOutcome outcome) {
    if (outcome instanceof AttemptOutcome.Succeeded s) {
      ledger.append(new LoopEvent.TicketDone(ledger.now(), id, attempt, s.evidence()));
      return new Effect(id, null, Status.DONE, doneNote(attempt, s.evidence()));
    }
    if (outcome instanceof AttemptOutcome.Failed f) {
      ledger.append(new LoopEvent.AttemptFailed(ledger.now(), id, attempt, f.kind(), f.stage(), f.findings()));
      StringBuilder note = new StringBuilder("Attempt " + attempt + " failed at " + f.stage() + ":");
      f.findings().forEach(x -> note.append("\n- ").append(x));
      if (ledger.history().failedAttempts(id) >= caps.maxAttemptsPerTicket()) {
        Effect gate = gateExhausted(id);
        return new Effect(id, note.toString(), gate.to(), gate.note());
      }
      return new Effect(id, note.toString(), Status.OPEN,
          "attempt " + attempt + " failed; a fresh worker retries with the findings");
    }
    if (outcome instanceof AttemptOutcome.Deferred d) {
      ledger.append(new LoopEvent.AttemptDeferred(ledger.now(), id, attempt, d.blockers()));
      return new Effect(id, null, Status.OPEN, "waiting for discovered blocker(s) " + String.join(", ", d.blockers()));
    }
    if (outcome instanceof AttemptOutcome.NeedsHuman h) {
      return gate(id, attempt, "the worker asked for a human: " + h.reason(), h.evidence());
    }
    if (outcome instanceof AttemptOutcome.Infrastructure inf) {
      ledger.append(new LoopEvent.InfrastructureInterrupted(ledger.now(), id, attempt, inf.part(), inf.error()));
      return new Effect(id, null, Status.OPEN, "attempt " + attempt + " was interrupted by the infrastructure ("
          + inf.part() + ": " + inf.error() + "); not charged to the ticket");
    }
    AttemptOutcome.Interrupted i = (AttemptOutcome.Interrupted) outcome;
    ledger.append(new LoopEvent.AttemptInterrupted(ledger.now(), id, attempt, i.reason()));
    return new Effect(id, null, Status.OPEN, "attempt " + attempt + " was interrupted: " + i.reason());
  }

  /** Gates a ticket whose failed attempts reached the cap, with one piece of evidence per attempt. */
  Effect gateExhausted(String id) {
    RunHistory h = ledger.history();
    return gate(id, h.nextAttempt(id) - 1, h.failedAttempts(id) + " failed attempt(s) reached the cap of "
        + caps.maxAttemptsPerTicket() + " attempts per ticket", attemptEvidence(id));
  }

  private Effect gate(String id, int attempt, String reason, List<Evidence> evidence) {
    ledger.append(new LoopEvent.HumanGated(ledger.now(), id, attempt, reason, evidence));
    StringBuilder note = new StringBuilder("Waiting for a human: " + reason);
    evidence.forEach(e -> note.append("\n- ").append(e));
    return new Effect(id, null, Status.HUMAN_GATED, note.toString());
  }

  /**
   * Applies journaled decisions to the tracker, in order. Call only after the journal is synced. Retryable
   * failures are retried (a transition to the status a ticket has is a no-op, so repeating one is safe; a comment
   * whose answer was lost may be posted twice).
   */
  void apply(List<Effect> effects) {
    List<HarnessCalls.Call<@Nullable Void>> writes = new ArrayList<>();
    for (Effect e : effects) {
      String comment = e.comment();
      if (comment != null) {
        writes.add(new HarnessCalls.Call<>("comment on " + e.ticketId(), () -> {
          tracker.comment(e.ticketId(), comment);
          return null;
        }));
      }
      writes.add(new HarnessCalls.Call<>("transition " + e.ticketId() + " to " + e.to().wireName(), () -> {
        tracker.transition(e.ticketId(), e.to(), e.note());
        return null;
      }));
    }
    calls.callEach("the tracker", writes, (i, nothing) -> { });
  }

  /** Syncs the journal (which holds the decisions), then applies their writes; returns them. */
  List<Effect> commit(List<Effect> effects) {
    if (!effects.isEmpty()) {
      ledger.sync();
      apply(effects);
    }
    return effects;
  }

  /** Applies each write on its own, logging one that fails: for the end of a session, which must not fail. */
  void applyEach(List<Effect> effects) {
    for (Effect e : effects) {
      try {
        apply(List.of(e));
      } catch (RuntimeException ex) {
        org.slf4j.LoggerFactory.getLogger(Settler.class).warn("could not move ticket {} to {} after the run"
            + " ended; it stays as it is until the run is resumed", e.ticketId(), e.to(), ex);
      }
    }
  }

  /**
   * Settles what an earlier session left behind: attempts it started and never ended are interrupted, a
   * decision it journaled but did not apply is applied, a ticket it left in progress is reopened, and an open
   * ticket out of attempts is gated. Costs the batch once per session.
   */
  List<Effect> recover(BatchView batch, String runId) {
    RunHistory history = ledger.history();
    List<Effect> effects = new ArrayList<>();
    Map<String, Status> status = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> open : history.openAttempts().entrySet()) {
      String id = open.getKey();
      Effect reopen = decide(id, open.getValue(), new AttemptOutcome.Interrupted("the process running it ended"));
      Ticket t = batch.find(id).orElse(null);
      if (t != null && t.status() == Status.IN_PROGRESS) {
        effects.add(reopen); // a person may have settled it meanwhile: only our own claim is undone
        status.put(id, Status.OPEN);
      }
    }
    for (Ticket t : batch.withStatus(Status.IN_PROGRESS, Integer.MAX_VALUE)) {
      RunHistory.TicketHistory th = history.find(t.id());
      if (th == null && !status.containsKey(t.id())) {
        String earlier = earlierRuns.claimant(t.id());
        if (earlier != null) { // an earlier run of the batch claimed it and ended: reclaim it
          ledger.append(new LoopEvent.TicketReclaimed(ledger.now(), t.id(), earlier));
          effects.add(new Effect(t.id(), null, Status.OPEN, "left in progress by the earlier run " + earlier
              + "; reclaimed by run " + runId));
          status.put(t.id(), Status.OPEN);
        }
        continue; // otherwise not ours: another run may hold it
      }
      if (status.containsKey(t.id())) {
        continue;
      }
      if (th.outcome() == RunReport.TicketOutcome.DONE) {
        effects.add(new Effect(t.id(), null, Status.DONE, doneNote(th.lastAttempt(), th.evidence())));
      } else if (th.outcome() == RunReport.TicketOutcome.HUMAN_GATED) {
        effects.add(new Effect(t.id(), null, Status.HUMAN_GATED, "Waiting for a human: " + th.gateReason()));
      } else {
        effects.add(new Effect(t.id(), null, Status.OPEN, "left in progress by an earlier session of run " + runId));
        status.put(t.id(), Status.OPEN);
      }
    }
    for (Ticket t : batch.withStatus(Status.OPEN, Integer.MAX_VALUE)) {
      status.putIfAbsent(t.id(), Status.OPEN);
    }
    for (Map.Entry<String, Status> e : status.entrySet()) {
      if (e.getValue() == Status.OPEN && history.failedAttempts(e.getKey()) >= caps.maxAttemptsPerTicket()) {
        effects.add(gateExhausted(e.getKey()));
      }
    }
    return effects;
  }

  /** One piece of evidence per failed attempt, with its findings. */
  private List<Evidence> attemptEvidence(String id) {
    Map<Integer, List<Finding>> byAttempt = new TreeMap<>();
    for (Finding f : ledger.history().findings(id)) {
      if (!f.stage().equals(StageKind.ENGINE.wireName())) {
        byAttempt.computeIfAbsent(f.attempt(), k -> new ArrayList<>()).add(f);
      }
    }
    List<Evidence> out = new ArrayList<>();
    byAttempt.forEach((attempt, list) -> {
      Map<String, String> attrs = new LinkedHashMap<>();
      for (int i = 0; i < list.size(); i++) {
        attrs.put("finding-" + (i + 1), list.get(i).stage() + ": " + list.get(i).message());
      }
      out.add(new Evidence("attempt", "attempt " + attempt + ": " + list.get(0).stage() + " failed", attrs));
    });
    return out;
  }

  private static String doneNote(int attempt, List<Evidence> evidence) {
    StringBuilder note = new StringBuilder("Done: attempt " + attempt + " verified with evidence:");
    evidence.forEach(e -> note.append("\n- ").append(e));
    return note.toString();
  }
}

package dev.loopkit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The batch as part of the definition of done. At the run's first start every ticket is frozen with its status
 * and a digest of its finish line ({@link Verifier#finishLine}); afterwards each pass's changes are held
 * against it: a frozen ticket that leaves the batch or whose finish line changed trips the run; a ticket that
 * arrives other than through discovery is reported (and frozen, then worked); a done or cancelled the engine
 * did not write, without a person's recorded decision, is reported and reopened. Engine thread only.
 */
final class Membership {
  /** What a pass's changes call for. */
  record Check(List<String> tampered, List<Settler.Effect> reopen) {
    static final Check NOTHING = new Check(List.of(), List.of());
  }

  private final Verifier verifier;
  private final Ledger ledger;

  Membership(Verifier verifier, Ledger ledger) {
    this.verifier = verifier;
    this.ledger = ledger;
  }

  /** Freezes the whole batch at the run's first start; on a resume checks what changed while it was stopped. */
  Check start(BatchChanges first, Predicate<String> inFlight) {
    if (ledger.history().batchFrozen()) {
      return check(first, inFlight);
    }
    List<LoopEvent.FrozenTicket> chunk = new ArrayList<>();
    for (Ticket t : first.tickets()) {
      chunk.add(frozen(t));
      if (chunk.size() == LoopEvent.FROZEN_PER_EVENT) {
        ledger.append(new LoopEvent.BatchFrozen(ledger.now(), chunk));
        chunk = new ArrayList<>();
      }
    }
    if (!chunk.isEmpty()) {
      ledger.append(new LoopEvent.BatchFrozen(ledger.now(), chunk));
    }
    return decisions(first);
  }

  /** Holds one read's changes against the frozen batch. Costs what changed. */
  Check check(BatchChanges changes, Predicate<String> inFlight) {
    return check(changes, inFlight, List.of());
  }

  /**
   * Holds one read's changes against the frozen batch, with the tripwire's own findings ({@code definition}:
   * changes to the oracle's and verifiers' definition) first. Costs what changed.
   */
  Check check(BatchChanges changes, Predicate<String> inFlight, List<String> definition) {
    RunHistory history = ledger.history();
    List<String> tampered = new ArrayList<>(definition);
    List<Settler.Effect> reopen = new ArrayList<>();
    for (String id : changes.removed()) {
      if (history.frozen(id) != null) {
        tampered.add("ticket " + id + " left the batch after the run froze it (deleted, moved or relabelled)");
      }
    }
    if (changes.full()) {
      // a full read names no removals: every frozen ticket must still be there
      java.util.Set<String> seen = new java.util.HashSet<>();
      changes.tickets().forEach(t -> seen.add(t.id()));
      history.frozenIds().stream().filter(id -> !seen.contains(id)).limit(RunEnding.NAMED_TICKETS)
          .forEach(id -> tampered.add("ticket " + id + " left the batch after the run froze it (deleted, moved or"
              + " relabelled)"));
    }
    for (Ticket t : changes.tickets()) {
      LoopEvent.FrozenTicket f = history.frozen(t.id());
      if (f == null) {
        if (!history.discoveredByEngine(t.id())) {
          ledger.append(new LoopEvent.InterventionDetected(ledger.now(), t.id(),
              RunReport.InterventionKind.TICKET_ADDED, "ticket " + t.id() + " joined the batch during the run,"
              + " not through the engine's discovery path; its finish line is frozen now"));
        }
        ledger.append(new LoopEvent.BatchFrozen(ledger.now(), List.of(frozen(t))));
        continue;
      }
      if (!f.finishLine().equals(digest(verifier.finishLine(t)))) {
        tampered.add("the finish line of " + t.id() + " changed after the run froze it (" + String.join(", ",
            verifier.finishLine(t).keySet()) + ")");
        continue;
      }
      Status s = t.status();
      if ((s == Status.DONE || s == Status.CANCELLED) && !ours(history, t.id(), f, s) && !inFlight.test(t.id())) {
        ledger.append(new LoopEvent.InterventionDetected(ledger.now(), t.id(),
            RunReport.InterventionKind.STATUS_OVERRIDDEN, t.id() + " was set " + s.wireName() + " by someone other"
            + " than the engine, without a recorded decision; reopened (record one with `loop approve`)"));
        reopen.add(new Settler.Effect(t.id(), null, Status.OPEN, "reopened: set " + s.wireName() + " outside the"
            + " engine without a recorded decision (a ticket is done only when the engine verified it or a person"
            + " recorded the decision)"));
      }
    }
    List<Settler.Effect> decided = decisions(changes).reopen();
    reopen.addAll(decided);
    return tampered.isEmpty() && reopen.isEmpty() ? Check.NOTHING : new Check(tampered, reopen);
  }

  /** A person's recorded decisions the tracker does not show yet (they were recorded while the run was stopped). */
  private Check decisions(BatchChanges changes) {
    Map<String, Status> decisions = ledger.history().decisions();
    if (decisions.isEmpty()) {
      return Check.NOTHING;
    }
    List<Settler.Effect> writes = new ArrayList<>();
    for (Ticket t : changes.tickets()) {
      Status decided = decisions.get(t.id());
      if (decided != null && t.status() != decided) {
        writes.add(new Settler.Effect(t.id(), null, decided, "a person recorded this decision"));
      }
    }
    return writes.isEmpty() ? Check.NOTHING : new Check(List.of(), writes);
  }

  /** Whether the engine wrote this status, a person recorded it, or the ticket had it when the run froze it. */
  private static boolean ours(RunHistory history, String id, LoopEvent.FrozenTicket f, Status s) {
    if (f.status() == s || history.decision(id) == s) {
      return true;
    }
    RunHistory.TicketHistory th = history.find(id);
    return s == Status.DONE && th != null && th.outcome() == RunReport.TicketOutcome.DONE;
  }

  private LoopEvent.FrozenTicket frozen(Ticket t) {
    return new LoopEvent.FrozenTicket(t.id(), t.status(), digest(verifier.finishLine(t)));
  }

  static String digest(Map<String, String> finishLine) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      new java.util.TreeMap<>(finishLine).forEach((k, v) -> {
        sha.update(k.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(v.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      });
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}

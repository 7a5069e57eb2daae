package dev.loopkit.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The engine's memory of a run, derived from journal events only: a fresh run and a resumed one reach the
 * same state from the same events. Not thread-safe; {@link Run} guards it.
 */
final class RunState {
  private @Nullable String runId;
  private @Nullable Map<String, String> fingerprint;
  private boolean endedDone;
  private int passes;
  private Usage usage = Usage.ZERO;
  private Duration elapsedBefore = Duration.ZERO;
  private @Nullable Instant sessionStart;
  private @Nullable Instant lastAt;
  private final Map<String, Integer> lastAttempt = new HashMap<>();
  private final Map<String, Integer> failedAttempts = new HashMap<>();
  private final Map<String, List<Finding>> findings = new HashMap<>();
  private final Map<String, Integer> openAttempts = new LinkedHashMap<>();
  private final Map<String, List<Evidence>> passedEvidence = new HashMap<>();
  private final Map<String, String> discoveredByKey = new HashMap<>();
  private final List<Finding> recentFindings = new ArrayList<>();

  void apply(LoopEvent e) {
    if (e instanceof LoopEvent.RunStarted s) {
      if (sessionStart != null && lastAt != null && lastAt.isAfter(sessionStart)) {
        elapsedBefore = elapsedBefore.plus(Duration.between(sessionStart, lastAt));
      }
      sessionStart = s.at();
      if (runId == null) {
        runId = s.runId();
        fingerprint = s.fingerprint();
      }
    } else if (e instanceof LoopEvent.PassStarted p) {
      passes = Math.max(passes, p.pass());
    } else if (e instanceof LoopEvent.TicketDispatched d) {
      lastAttempt.merge(d.ticketId(), d.attempt(), Math::max);
      openAttempts.put(d.ticketId(), d.attempt());
    } else if (e instanceof LoopEvent.WorkerFinished w) {
      usage = usage.plus(w.usage());
    } else if (e instanceof LoopEvent.ReviewCompleted r) {
      usage = usage.plus(r.usage());
    } else if (e instanceof LoopEvent.VerificationCompleted v && v.passed()) {
      passedEvidence.put(key(v.ticketId(), v.attempt()), v.evidence());
    } else if (e instanceof LoopEvent.AttemptFailed f) {
      failedAttempts.merge(f.ticketId(), 1, Integer::sum);
      List<Finding> list = findings.computeIfAbsent(f.ticketId(), k -> new ArrayList<>());
      for (String text : f.findings()) {
        Finding finding = new Finding(f.attempt(), f.stage(), text);
        list.add(finding);
        recentFindings.add(finding);
      }
      while (recentFindings.size() > 20) {
        recentFindings.remove(0);
      }
      openAttempts.remove(f.ticketId());
    } else if (e instanceof LoopEvent.AttemptDeferred d) {
      openAttempts.remove(d.ticketId());
    } else if (e instanceof LoopEvent.AttemptInterrupted i) {
      openAttempts.remove(i.ticketId());
      findings.computeIfAbsent(i.ticketId(), k -> new ArrayList<>())
          .add(new Finding(i.attempt(), "engine", "attempt interrupted: " + i.reason()));
    } else if (e instanceof LoopEvent.TicketDone d) {
      openAttempts.remove(d.ticketId());
    } else if (e instanceof LoopEvent.HumanGated g) {
      openAttempts.remove(g.ticketId());
    } else if (e instanceof LoopEvent.TicketDiscovered t) {
      discoveredByKey.put(t.idempotencyKey(), t.ticketId());
    } else if (e instanceof LoopEvent.RunEnded r) {
      endedDone = r.ending().equals(RunEnding.Kind.DONE.name());
    }
    lastAt = e.at();
  }

  private static String key(String ticketId, int attempt) {
    return ticketId + "#" + attempt;
  }

  @Nullable String runId() {
    return runId;
  }

  @Nullable Map<String, String> fingerprint() {
    return fingerprint;
  }

  /** Whether the run's latest session ended DONE: the only ending a run cannot be continued from. */
  boolean endedDone() {
    return endedDone;
  }

  int passes() {
    return passes;
  }

  Usage usage() {
    return usage;
  }

  /** Running time of earlier sessions of this run, for the wall-clock cap. */
  Duration elapsedBefore() {
    return elapsedBefore;
  }

  int nextAttempt(String ticketId) {
    return lastAttempt.getOrDefault(ticketId, 0) + 1;
  }

  int failedAttempts(String ticketId) {
    return failedAttempts.getOrDefault(ticketId, 0);
  }

  List<Finding> findings(String ticketId) {
    return List.copyOf(findings.getOrDefault(ticketId, List.of()));
  }

  List<Finding> recentFindings() {
    return List.copyOf(recentFindings);
  }

  /** Attempts dispatched without an ending, by ticket: in flight now, or cut off by a crash. */
  Map<String, Integer> openAttempts() {
    return Map.copyOf(openAttempts);
  }

  /** The evidence of a passed verification of this attempt, if it passed. */
  @Nullable List<Evidence> passedEvidence(String ticketId, int attempt) {
    return passedEvidence.get(key(ticketId, attempt));
  }

  int discoveredCount() {
    return discoveredByKey.size();
  }

  @Nullable String discoveredTicket(String idempotencyKey) {
    return discoveredByKey.get(idempotencyKey);
  }

  boolean everDispatched(String ticketId) {
    return lastAttempt.containsKey(ticketId);
  }
}

package dev.loopkit.core;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a run has done so far, folded from its journal: the one fold of a run's events, which the engine keeps
 * in memory instead of the events (memory per ticket independent of the batch size), which a resumed run
 * rebuilds from the checkpoint and the journal's tail, and from which {@link RunReport} and the HTML report
 * are drawn. Read it with {@link RunDirectory#history()}.
 *
 * <p>A fresh run and a resumed one reach the same history from the same events. Instances handed out by
 * {@link RunDirectory} are read-only snapshots; the engine's own instance is confined to the engine.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
public final class RunHistory {
  private static final int RECENT_FINDINGS = 20;

  private @Nullable String runId;
  private @Nullable Map<String, String> fingerprint;
  private int sessions;
  private int passes;
  private int heals;
  /** The latest applied heal not yet judged (no ticket done since it, not reverted), 0 when none. */
  private int pendingHeal;
  private int dispatchesSinceHeal;
  private Usage usage = Usage.ZERO;
  private Duration elapsedBefore = Duration.ZERO;
  private @Nullable Instant sessionStart;
  private @Nullable Instant lastAt;
  private RunEnding.@Nullable Kind ending;
  private String endingDetail = "";
  private long events;
  private @Nullable Instant startedAt;
  private final Map<String, TicketHistory> tickets = new LinkedHashMap<>();
  private final Map<String, Integer> openAttempts = new LinkedHashMap<>();
  private final Map<String, String> discovered = new HashMap<>();
  private final List<RunReport.Intervention> interventions = new ArrayList<>();
  private final Map<String, Long> lockWaitMillis = new LinkedHashMap<>();
  private final List<Finding> recentFindings = new ArrayList<>();
  private final Map<String, LoopEvent.FrozenTicket> frozen = new HashMap<>();
  private final Map<String, Status> decisions = new HashMap<>();
  private final java.util.Set<String> discoveredIds = new java.util.HashSet<>();
  private @Nullable String finalGate;
  private long decisionLogOffset;
  private int infrastructureInterruptions;
  private @Nullable Map<String, String> caps;

  RunHistory() {}

  /**
   * {@return the history of these events, in order (for tools and tests; the engine folds as it appends)}
   *
   * @param events a run's events, as its journal holds them
   */
  public static RunHistory of(Collection<LoopEvent> events) {
    RunHistory h = new RunHistory();
    events.forEach(h::apply);
    return h;
  }

  void apply(LoopEvent e) {
    events++;
    if (e instanceof LoopEvent.RunStarted s) {
      closeSession();
      sessions++;
      sessionStart = s.at();
      if (startedAt == null) {
        startedAt = s.at();
      }
      if (runId == null) {
        runId = s.runId();
        fingerprint = Map.copyOf(s.fingerprint());
      }
      ending = null;
      endingDetail = "";
      capsChanged(s.caps());
    } else if (e instanceof LoopEvent.PassStarted p) {
      passes = Math.max(passes, p.pass());
    } else if (e instanceof LoopEvent.TicketDispatched d) {
      dispatchesSinceHeal++;
      TicketHistory t = acc(d.ticketId());
      t.attempts++;
      t.lastAttempt = Math.max(t.lastAttempt, d.attempt());
      t.openAttempt = d.attempt();
      t.openSince = d.at();
      t.attemptLog.add(new AttemptHistory(d.attempt(), d.slot(), d.at()));
      openAttempts.put(d.ticketId(), d.attempt());
    } else if (e instanceof LoopEvent.StageCompleted c) {
      TicketHistory t = acc(c.ticketId());
      t.usage = t.usage.plus(c.usage());
      usage = usage.plus(c.usage());
      AttemptHistory a = t.attempt(c.attempt());
      if (a != null && c.kind() != StageKind.WORKSPACE) { // the workspace's record is in the journal
        a.usage = a.usage.plus(c.usage());
        a.stages.add(new StageRecord(c.kind(), c.stage(), c.outcome(),
            c.summary().length() > 300 ? c.summary().substring(0, 297) + "..." : c.summary(), c.findings(),
            c.attributes()));
        if (c.kind() == StageKind.VERIFY || c.kind() == StageKind.CHECK) {
          a.evidence.addAll(c.evidence());
        }
      }
      if (c.kind() == StageKind.REVIEW) {
        t.reviews.add("attempt " + c.attempt() + " " + c.stage() + ": "
            + (c.outcome() == StageOutcome.PASSED ? "approved" : "changes requested"));
      }
    } else if (e instanceof LoopEvent.AttemptFailed f) {
      TicketHistory t = acc(f.ticketId());
      t.failed++;
      for (String text : f.findings()) {
        Finding finding = new Finding(f.attempt(), f.stage(), text);
        t.findings.add(finding);
        recentFindings.add(finding);
      }
      while (recentFindings.size() > RECENT_FINDINGS) {
        recentFindings.remove(0);
      }
      end(t, f.attempt(), f.at(), "failed at " + f.stage(), f.findings());
    } else if (e instanceof LoopEvent.AttemptDeferred d) {
      TicketHistory t = acc(d.ticketId());
      t.deferred++;
      end(t, d.attempt(), d.at(), "deferred", List.of("waits for " + String.join(", ", d.blockers())));
    } else if (e instanceof LoopEvent.AttemptInterrupted i) {
      TicketHistory t = acc(i.ticketId());
      t.interrupted++;
      t.findings.add(new Finding(i.attempt(), StageKind.ENGINE.wireName(), "attempt interrupted: " + i.reason()));
      end(t, i.attempt(), i.at(), "interrupted", List.of(i.reason()));
    } else if (e instanceof LoopEvent.InfrastructureInterrupted i) {
      TicketHistory t = acc(i.ticketId());
      t.interrupted++;
      infrastructureInterruptions++;
      String why = "interrupted by the infrastructure (" + i.part() + "): " + i.error();
      t.findings.add(new Finding(i.attempt(), StageKind.ENGINE.wireName(), "attempt " + why));
      end(t, i.attempt(), i.at(), "interrupted", List.of(why));
    } else if (e instanceof LoopEvent.TicketDone d) {
      pendingHeal = 0; // progress: the heal, if any, is kept
      TicketHistory t = acc(d.ticketId());
      t.outcome = RunReport.TicketOutcome.DONE;
      t.evidence = List.copyOf(d.evidence());
      t.gateReason = "";
      end(t, d.attempt(), d.at(), "done", List.of());
    } else if (e instanceof LoopEvent.HumanGated g) {
      TicketHistory t = acc(g.ticketId());
      t.outcome = RunReport.TicketOutcome.HUMAN_GATED;
      t.evidence = List.copyOf(g.evidence());
      t.gateReason = g.reason();
      end(t, g.attempt(), g.at(), "human-gated", List.of(g.reason()));
      interventions.add(new RunReport.Intervention(RunReport.InterventionKind.HUMAN_GATED, g.ticketId(),
          g.reason()));
    } else if (e instanceof LoopEvent.TicketDiscovered t) {
      discovered.put(t.idempotencyKey(), t.ticketId());
      discoveredIds.add(t.ticketId());
    } else if (e instanceof LoopEvent.BatchFrozen f) {
      f.tickets().forEach(t -> frozen.put(t.id(), t));
    } else if (e instanceof LoopEvent.InterventionDetected i) {
      interventions.add(new RunReport.Intervention(i.kind(), i.ticketId(), i.detail()));
    } else if (e instanceof LoopEvent.DecisionRecorded d) {
      decisions.put(d.ticketId(), d.status());
      decisionLogOffset = Math.max(decisionLogOffset, d.logOffset());
      interventions.add(new RunReport.Intervention(RunReport.InterventionKind.DECISION, d.ticketId(),
          d.status().wireName() + ": " + d.reason()));
      if (d.status() == Status.DONE) {
        TicketHistory t = acc(d.ticketId());
        t.outcome = RunReport.TicketOutcome.DONE;
        t.evidence = List.of(new Evidence("decision", "a person recorded it done: " + d.reason(), Map.of()));
        t.gateReason = "";
      }
      return; // recorded between sessions: not part of any session's time
    } else if (e instanceof LoopEvent.FinalGateChecked g) {
      finalGate = g.regressed() == 0 ? g.checked() + " done ticket(s) pass on " + g.head()
          : g.regressed() + " of " + g.checked() + " done ticket(s) regressed on " + g.head();
    } else if (e instanceof LoopEvent.TicketRegressed r) {
      TicketHistory t = acc(r.ticketId());
      t.outcome = RunReport.TicketOutcome.OPEN;
      t.failed++;
      for (String text : r.findings()) {
        Finding finding = new Finding(t.lastAttempt, "final-gate", text);
        t.findings.add(finding);
        recentFindings.add(finding);
      }
      while (recentFindings.size() > RECENT_FINDINGS) {
        recentFindings.remove(0);
      }
    } else if (e instanceof LoopEvent.ResourceWaited w) {
      lockWaitMillis.merge(w.resource(), w.waitedMillis(), Long::sum);
    } else if (e instanceof LoopEvent.HealAttempted h) {
      heals++;
      usage = usage.plus(h.usage());
      if (h.outcome() == Heal.Outcome.APPLIED) {
        pendingHeal = h.heal() > 0 ? h.heal() : heals;
        dispatchesSinceHeal = 0;
      }
      if (h.outcome() == Heal.Outcome.REJECTED) {
        interventions.add(new RunReport.Intervention(RunReport.InterventionKind.HEAL_REJECTED, null,
            h.summary()));
      } else if (h.outcome() == Heal.Outcome.APPLIED) {
        interventions.add(new RunReport.Intervention(RunReport.InterventionKind.HEALED, null,
            (h.heal() > 0 ? "heal " + h.heal() + ": " : "") + h.summary()));
      }
    } else if (e instanceof LoopEvent.HealReverted r) {
      pendingHeal = 0;
      interventions.add(new RunReport.Intervention(RunReport.InterventionKind.HEAL_REVERTED, null,
          "heal " + r.heal() + (r.reverted() ? " reverted: " : " not reverted: ") + r.reason()));
    } else if (e instanceof LoopEvent.RunEnded r) {
      ending = r.ending();
      endingDetail = r.detail();
      RunReport.InterventionKind kind = RunReport.InterventionKind.of(r.ending());
      if (kind != null) {
        interventions.add(new RunReport.Intervention(kind, null, r.detail()));
      }
    }
    lastAt = e.at();
  }

  /**
   * A person changed caps or concurrency between sessions (loop.yaml's caps, or the host's builder): allowed, and
   * counted as an intervention naming each change. Keys only one side knows (a cap added in a later version) are
   * not a change.
   */
  private void capsChanged(Map<String, String> now) {
    if (now.isEmpty()) {
      return;
    }
    Map<String, String> before = caps;
    caps = Map.copyOf(now);
    if (before == null) {
      return;
    }
    List<String> changes = new ArrayList<>();
    new java.util.TreeMap<>(now).forEach((k, v) -> {
      String old = before.get(k);
      if (old != null && !old.equals(v)) {
        changes.add(k + " " + old + " -> " + v);
      }
    });
    if (!changes.isEmpty()) {
      interventions.add(new RunReport.Intervention(RunReport.InterventionKind.CAPS_CHANGED, null,
          "caps changed between sessions: " + String.join(", ", changes)));
    }
  }

  private TicketHistory acc(String id) {
    return tickets.computeIfAbsent(id, TicketHistory::new);
  }

  private void end(TicketHistory t, int attempt, Instant at, String result, List<String> why) {
    AttemptHistory a = t.attempt(attempt);
    if (a != null && a.endedAt == null) {
      a.endedAt = at;
      a.result = result;
      a.findings.addAll(why);
    }
    if (t.openAttempt == attempt) {
      Instant since = t.openSince;
      if (since != null && at.isAfter(since)) {
        t.workTime = t.workTime.plus(Duration.between(since, at));
      }
      t.openAttempt = 0;
      t.openSince = null;
      openAttempts.remove(t.id);
    }
  }

  private void closeSession() {
    if (sessionStart != null && lastAt != null && lastAt.isAfter(sessionStart)) {
      elapsedBefore = elapsedBefore.plus(Duration.between(sessionStart, lastAt));
    }
    sessionStart = null;
  }

  // ---- reading ----

  /** {@return the run's id; empty before its first start} */
  public Optional<String> runId() {
    return Optional.ofNullable(runId);
  }

  /** {@return the definition-of-done fingerprint recorded at the run's first start; empty before it} */
  public Optional<Map<String, String>> fingerprint() {
    return Optional.ofNullable(fingerprint);
  }

  /** {@return how many sessions (processes) worked on the run} */
  public int sessions() {
    return sessions;
  }

  /** {@return how many passes the run made, over every session} */
  public int passes() {
    return passes;
  }

  /** {@return heals attempted, over every session} */
  public int heals() {
    return heals;
  }

  /** The number of the latest applied heal that no ticket has been done since (and not reverted); 0 when none. */
  int pendingHeal() {
    return pendingHeal;
  }

  /** Attempts started since the latest applied heal. */
  int dispatchesSinceHeal() {
    return dispatchesSinceHeal;
  }

  /** {@return tokens and money, over every session} */
  public Usage usage() {
    return usage;
  }

  /**
   * Running time of every session, up to the last event.
   *
   * @return the time, zero before the first event
   */
  public Duration elapsed() {
    Duration d = elapsedBefore;
    if (sessionStart != null && lastAt != null && lastAt.isAfter(sessionStart)) {
      d = d.plus(Duration.between(sessionStart, lastAt));
    }
    return d;
  }

  /** Running time of the sessions before the current one, for the wall-clock cap. */
  Duration elapsedBeforeSession() {
    return elapsedBefore;
  }

  /** {@return how the latest session ended; empty while it runs (or if it died)} */
  public Optional<RunEnding.Kind> ending() {
    return Optional.ofNullable(ending);
  }

  /** {@return one line on how the latest session ended, such as the cap reached; empty before it ended} */
  public String endingDetail() {
    return endingDetail;
  }

  /** {@return when the run first started; empty before it} */
  public Optional<Instant> startedAt() {
    return Optional.ofNullable(startedAt);
  }

  /** {@return when the latest event happened; empty before the first} */
  public Optional<Instant> lastEventAt() {
    return Optional.ofNullable(lastAt);
  }

  /** {@return events folded into this history} */
  public long events() {
    return events;
  }

  /** {@return every ticket the run dispatched, gated or finished, in the order it first met them} */
  public Collection<TicketHistory> tickets() {
    return Collections.unmodifiableCollection(tickets.values());
  }

  /**
   * {@return one ticket's history; empty if the run never met it}
   *
   * @param id the ticket's id
   */
  public Optional<TicketHistory> ticket(String id) {
    return Optional.ofNullable(tickets.get(id));
  }

  /** {@return every time a person had to act, in order} */
  public List<RunReport.Intervention> interventions() {
    return Collections.unmodifiableList(interventions);
  }

  /** {@return total time tickets waited for each resource, in milliseconds} */
  public Map<String, Long> lockWaitMillis() {
    return Collections.unmodifiableMap(lockWaitMillis);
  }

  /** {@return findings of the latest failed attempts, newest last (at most 20)} */
  public List<Finding> recentFindings() {
    return List.copyOf(recentFindings);
  }

  /** {@return how many distinct tickets workers filed as discovered work, over every session} */
  public int discoveredCount() {
    return discovered.size();
  }

  /** {@return what the last final gate found, if one ran} */
  public Optional<String> finalGate() {
    return Optional.ofNullable(finalGate);
  }

  /**
   * Tickets frozen as done at the run's start that the run itself never finished.
   *
   * @return the count, 0 when none
   */
  public int doneBeforeTheRun() {
    int n = 0;
    for (LoopEvent.FrozenTicket f : frozen.values()) {
      TicketHistory t = tickets.get(f.id());
      if (f.status() == Status.DONE && (t == null || t.outcome != RunReport.TicketOutcome.DONE)) {
        n++;
      }
    }
    return n;
  }

  /** {@return how many tickets the run froze as its batch} */
  public int frozenTickets() {
    return frozen.size();
  }

  /**
   * How many attempts, over every session, a transient fault of the harness cut short (not charged to their
   * tickets; counted against {@link Caps#maxInfrastructureInterruptions()}).
   *
   * @return the count, over every session
   */
  public int infrastructureInterruptions() {
    return infrastructureInterruptions;
  }

  // ---- for the engine ----

  @Nullable TicketHistory find(String id) {
    return tickets.get(id);
  }

  int nextAttempt(String ticketId) {
    TicketHistory t = tickets.get(ticketId);
    return t == null ? 1 : t.lastAttempt + 1;
  }

  int failedAttempts(String ticketId) {
    TicketHistory t = tickets.get(ticketId);
    return t == null ? 0 : t.failed;
  }

  List<Finding> findings(String ticketId) {
    TicketHistory t = tickets.get(ticketId);
    return t == null ? List.of() : List.copyOf(t.findings);
  }

  /** Attempts dispatched without an ending, by ticket: in flight now, or cut off by a crash. */
  Map<String, Integer> openAttempts() {
    return Map.copyOf(openAttempts);
  }

  /** The ticket as the run froze it, or null when it is not (yet) part of the frozen batch. */
  LoopEvent.@Nullable FrozenTicket frozen(String id) {
    return frozen.get(id);
  }

  java.util.Set<String> frozenIds() {
    return java.util.Collections.unmodifiableSet(frozen.keySet());
  }

  /** Whether the run froze its batch already (at its first start). */
  boolean batchFrozen() {
    return !frozen.isEmpty();
  }

  /** A person's recorded decision on the ticket, or null. */
  @Nullable Status decision(String id) {
    return decisions.get(id);
  }

  long decisionLogOffset() {
    return decisionLogOffset;
  }

  Map<String, Status> decisions() {
    return Map.copyOf(decisions);
  }

  /** Whether the engine's discovery path filed this ticket. */
  boolean discoveredByEngine(String id) {
    return discoveredIds.contains(id);
  }

  @Nullable String discoveredTicket(String idempotencyKey) {
    return discovered.get(idempotencyKey);
  }

  /** One ticket's part of the run. */
  @JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
      isGetterVisibility = Visibility.NONE)
  public static final class TicketHistory {
    private final String id;
    private RunReport.TicketOutcome outcome = RunReport.TicketOutcome.OPEN;
    private int attempts;
    private int lastAttempt;
    private int failed;
    private int interrupted;
    private int deferred;
    private int openAttempt;
    private @Nullable Instant openSince;
    private Duration workTime = Duration.ZERO;
    private Usage usage = Usage.ZERO;
    private final List<String> reviews = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private List<Evidence> evidence = List.of();
    private String gateReason = "";
    private final List<AttemptHistory> attemptLog = new ArrayList<>();

    private TicketHistory() {
      this("");
    }

    TicketHistory(String id) {
      this.id = id;
    }

    /** {@return the ticket's id} */
    public String id() {
      return id;
    }

    /** {@return where the ticket stands at the end of the journal} */
    public RunReport.TicketOutcome outcome() {
      return outcome;
    }

    /** {@return the number of its latest attempt (0 before the first)} */
    public int lastAttempt() {
      return lastAttempt;
    }

    /** {@return attempts dispatched, over every session} */
    public int attempts() {
      return attempts;
    }

    /** {@return attempts that failed at a stage, over every session} */
    public int failedAttempts() {
      return failed;
    }

    /** {@return attempts cut short (a process died, or the run ended around them), over every session} */
    public int interruptedAttempts() {
      return interrupted;
    }

    /** {@return attempts that ended with the worker filing blockers for its ticket, over every session} */
    public int deferredAttempts() {
      return deferred;
    }

    /** {@return time its attempts took, from dispatch to their end} */
    public Duration workTime() {
      return workTime;
    }

    /** {@return tokens and money its attempts used, over every session} */
    public Usage usage() {
      return usage;
    }

    /** {@return one line per review verdict} */
    public List<String> reviews() {
      return Collections.unmodifiableList(reviews);
    }

    /** {@return what its attempts found, oldest first} */
    public List<Finding> findings() {
      return Collections.unmodifiableList(findings);
    }

    /** {@return the evidence it was done (or gated) with} */
    public List<Evidence> evidence() {
      return evidence;
    }

    /** {@return why it waits for a person; empty unless gated} */
    public String gateReason() {
      return gateReason;
    }

    /** {@return every attempt, in order} */
    public List<AttemptHistory> attemptLog() {
      return Collections.unmodifiableList(attemptLog);
    }

    @Nullable AttemptHistory attempt(int number) {
      for (int i = attemptLog.size() - 1; i >= 0; i--) {
        if (attemptLog.get(i).number == number) {
          return attemptLog.get(i);
        }
      }
      return null;
    }
  }

  /** One attempt on one ticket: when and in which worker slot it ran, its stages and how it ended. */
  @JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
      isGetterVisibility = Visibility.NONE)
  public static final class AttemptHistory {
    private int number;
    private int slot;
    private Instant startedAt = Instant.EPOCH;
    private @Nullable Instant endedAt;
    private String result = "";
    private Usage usage = Usage.ZERO;
    private final List<StageRecord> stages = new ArrayList<>();
    private final List<String> findings = new ArrayList<>();
    private final List<Evidence> evidence = new ArrayList<>();

    private AttemptHistory() {}

    AttemptHistory(int number, int slot, Instant startedAt) {
      this.number = number;
      this.slot = slot;
      this.startedAt = startedAt;
    }

    /** {@return the attempt's number on its ticket, from 1} */
    public int number() {
      return number;
    }

    /** {@return the worker slot it ran in (0-based), for timelines} */
    public int slot() {
      return slot;
    }

    /** {@return when it was dispatched} */
    public Instant startedAt() {
      return startedAt;
    }

    /** {@return when it ended; empty while it runs or if its process died} */
    public Optional<Instant> endedAt() {
      return Optional.ofNullable(endedAt);
    }

    /**
     * {@code done}, {@code human-gated}, {@code failed at <stage>}, {@code deferred}, {@code interrupted}, or empty.
     *
     * @return the result, empty while it runs
     */
    public String result() {
      return result;
    }

    /** {@return its stages in the order they ended} */
    public List<StageRecord> stages() {
      return Collections.unmodifiableList(stages);
    }

    /**
     * {@return the stage of a kind, if it ran in this attempt (the first of that kind)}
     *
     * @param kind the stage's kind
     */
    public Optional<StageRecord> stage(StageKind kind) {
      return stages.stream().filter(s -> s.kind() == kind).findFirst();
    }

    /** {@return tokens and money its stages used} */
    public Usage usage() {
      return usage;
    }

    /**
     * Why it ended other than done: the failed stage's findings, the blockers it waits for, ...
     *
     * @return the findings, possibly empty
     */
    public List<String> findings() {
      return Collections.unmodifiableList(findings);
    }

    /** {@return what its verify and added stages checked} */
    public List<Evidence> evidence() {
      return Collections.unmodifiableList(evidence);
    }
  }

  /** One stage of an attempt as the journal recorded it (the summary cut to 300 characters). */
  public record StageRecord(StageKind kind, String stage, StageOutcome outcome, String summary,
      List<String> findings, Map<String, String> attributes) {
    /**
     * Copies the findings and attributes.
     *
     * @param kind the stage's kind
     * @param stage the stage's name, as journaled
     * @param outcome how it ended
     * @param summary one line on what it did, at most 300 characters
     * @param findings why it failed; empty when it passed
     * @param attributes facts it recorded
     */
    public StageRecord {
      findings = List.copyOf(findings);
      attributes = Map.copyOf(attributes);
    }
  }
}

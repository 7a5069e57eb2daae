package dev.loopkit.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a run did, computed from its journal alone, so a report of a crashed and resumed run counts every
 * process's work: per ticket attempts (failed, interrupted, deferred), time, tokens, cost, review verdicts
 * and evidence; per run the ending, passes, totals, lock waits and interventions (every time a person had
 * to act).
 */
public final class RunReport {
  private final String runId;
  private final String ending;
  private final String endingDetail;
  private final int sessions;
  private final int passes;
  private final Duration elapsed;
  private final Usage usage;
  private final List<TicketReport> tickets;
  private final List<Intervention> interventions;
  private final Map<String, Long> lockWaitMillis;

  private RunReport(String runId, String ending, String endingDetail, int sessions, int passes,
      Duration elapsed, Usage usage, List<TicketReport> tickets, List<Intervention> interventions,
      Map<String, Long> lockWaitMillis) {
    this.runId = runId;
    this.ending = ending;
    this.endingDetail = endingDetail;
    this.sessions = sessions;
    this.passes = passes;
    this.elapsed = elapsed;
    this.usage = usage;
    this.tickets = List.copyOf(tickets);
    this.interventions = List.copyOf(interventions);
    this.lockWaitMillis = Map.copyOf(lockWaitMillis);
  }

  /** One ticket's part of the run. {@code outcome} is {@code done}, {@code human-gated} or {@code open}. */
  public record TicketReport(String ticketId, String outcome, int attempts, int failedAttempts,
      int interruptedAttempts, int deferredAttempts, Duration workTime, Usage usage, List<String> reviews,
      List<String> findings, List<Evidence> evidence) {}

  /**
   * A time a person had to act. {@code kind} is {@code human-gated}, {@code capped}, {@code stalled},
   * {@code tampered}, {@code failed} or {@code heal-rejected}.
   */
  public record Intervention(String kind, @Nullable String ticketId, String detail) {}

  /** The report of the run whose journal holds these events. */
  public static RunReport of(List<LoopEvent> events) {
    Folder f = new Folder();
    events.forEach(f::apply);
    return f.report();
  }

  /** The report of the run in this run directory. */
  public static RunReport of(java.nio.file.Path runDirectory) {
    return of(RunJournal.read(runDirectory.resolve(RunJournal.FILE_NAME)));
  }

  public String runId() {
    return runId;
  }

  /** The {@link RunEnding.Kind} name, or {@code RUNNING} if the journal has no end (yet). */
  public String ending() {
    return ending;
  }

  public String endingDetail() {
    return endingDetail;
  }

  /** How many processes worked on the run (1 plus the number of resumes). */
  public int sessions() {
    return sessions;
  }

  public int passes() {
    return passes;
  }

  /** Time spent running, summed over every session. */
  public Duration elapsed() {
    return elapsed;
  }

  public Usage usage() {
    return usage;
  }

  public List<TicketReport> tickets() {
    return tickets;
  }

  public List<Intervention> interventions() {
    return interventions;
  }

  /** Total time tickets waited for each resource, in milliseconds. */
  public Map<String, Long> lockWaitMillis() {
    return lockWaitMillis;
  }

  public int attempts() {
    return tickets.stream().mapToInt(TicketReport::attempts).sum();
  }

  public int interruptedAttempts() {
    return tickets.stream().mapToInt(TicketReport::interruptedAttempts).sum();
  }

  /** A few lines for a terminal. */
  public String summary() {
    long done = tickets.stream().filter(t -> t.outcome().equals("done")).count();
    StringBuilder sb = new StringBuilder();
    sb.append("run ").append(runId).append(": ").append(ending)
        .append(endingDetail.isEmpty() ? "" : " (" + endingDetail + ")").append('\n');
    sb.append("  tickets ").append(done).append('/').append(tickets.size()).append(" done, attempts ")
        .append(attempts()).append(" (").append(interruptedAttempts()).append(" interrupted), passes ")
        .append(passes).append(", sessions ").append(sessions).append('\n');
    sb.append("  tokens ").append(usage.totalTokens()).append(", cost $").append(usage.costUsd().toPlainString())
        .append(", elapsed ").append(elapsed.toSeconds()).append("s, interventions ")
        .append(interventions.size());
    return sb.toString();
  }

  @Override
  public String toString() {
    return summary();
  }

  /** Folds journal events into a report. */
  private static final class Folder {
    private String runId = "";
    private String ending = "RUNNING";
    private String endingDetail = "";
    private int sessions;
    private int passes;
    private Duration elapsed = Duration.ZERO;
    private @Nullable Instant sessionStart;
    private @Nullable Instant lastAt;
    private Usage usage = Usage.ZERO;
    private final Map<String, TicketAcc> tickets = new LinkedHashMap<>();
    private final List<Intervention> interventions = new ArrayList<>();
    private final Map<String, Long> lockWaits = new LinkedHashMap<>();

    private TicketAcc ticket(String id) {
      return tickets.computeIfAbsent(id, TicketAcc::new);
    }

    void apply(LoopEvent e) {
      if (e instanceof LoopEvent.RunStarted s) {
        closeSession();
        sessions++;
        runId = s.runId();
        sessionStart = s.at();
      } else if (e instanceof LoopEvent.PassStarted p) {
        passes = Math.max(passes, p.pass());
      } else if (e instanceof LoopEvent.TicketDispatched d) {
        TicketAcc t = ticket(d.ticketId());
        t.attempts++;
        t.started.put(d.attempt(), d.at());
      } else if (e instanceof LoopEvent.WorkerFinished w) {
        ticket(w.ticketId()).usage = ticket(w.ticketId()).usage.plus(w.usage());
        usage = usage.plus(w.usage());
      } else if (e instanceof LoopEvent.ReviewCompleted r) {
        TicketAcc t = ticket(r.ticketId());
        t.usage = t.usage.plus(r.usage());
        usage = usage.plus(r.usage());
        t.reviews.add("attempt " + r.attempt() + ": " + (r.approved() ? "approved" : "changes requested"));
      } else if (e instanceof LoopEvent.AttemptFailed f) {
        TicketAcc t = ticket(f.ticketId());
        t.failed++;
        f.findings().forEach(x -> t.findings.add("attempt " + f.attempt() + " " + f.stage() + ": " + x));
        t.end(f.attempt(), f.at());
      } else if (e instanceof LoopEvent.AttemptDeferred d) {
        ticket(d.ticketId()).deferred++;
        ticket(d.ticketId()).end(d.attempt(), d.at());
      } else if (e instanceof LoopEvent.AttemptInterrupted i) {
        ticket(i.ticketId()).interrupted++;
        ticket(i.ticketId()).end(i.attempt(), i.at());
      } else if (e instanceof LoopEvent.TicketDone d) {
        TicketAcc t = ticket(d.ticketId());
        t.outcome = "done";
        t.evidence = d.evidence();
        t.end(d.attempt(), d.at());
      } else if (e instanceof LoopEvent.HumanGated g) {
        TicketAcc t = ticket(g.ticketId());
        t.outcome = "human-gated";
        t.evidence = g.evidence();
        t.end(g.attempt(), g.at());
        interventions.add(new Intervention("human-gated", g.ticketId(), g.reason()));
      } else if (e instanceof LoopEvent.ResourceWaited w) {
        lockWaits.merge(w.resource(), w.waitedMillis(), Long::sum);
      } else if (e instanceof LoopEvent.HealAttempted h && h.outcome().equals("rejected")) {
        interventions.add(new Intervention("heal-rejected", null, h.summary()));
      } else if (e instanceof LoopEvent.RunEnded r) {
        ending = r.ending();
        endingDetail = r.detail();
        if (!r.ending().equals(RunEnding.Kind.DONE.name())) {
          interventions.add(new Intervention(r.ending().toLowerCase(java.util.Locale.ROOT), null, r.detail()));
        }
      }
      lastAt = e.at();
    }

    private void closeSession() {
      if (sessionStart != null && lastAt != null && lastAt.isAfter(sessionStart)) {
        elapsed = elapsed.plus(Duration.between(sessionStart, lastAt));
      }
      sessionStart = null;
    }

    RunReport report() {
      closeSession();
      List<TicketReport> list = new ArrayList<>();
      for (TicketAcc t : tickets.values()) {
        list.add(new TicketReport(t.id, t.outcome, t.attempts, t.failed, t.interrupted, t.deferred, t.work,
            t.usage, List.copyOf(t.reviews), List.copyOf(t.findings), t.evidence));
      }
      return new RunReport(runId, ending, endingDetail, sessions, passes, elapsed, usage, list, interventions,
          lockWaits);
    }
  }

  private static final class TicketAcc {
    final String id;
    String outcome = "open";
    int attempts;
    int failed;
    int interrupted;
    int deferred;
    Duration work = Duration.ZERO;
    Usage usage = Usage.ZERO;
    final List<String> reviews = new ArrayList<>();
    final List<String> findings = new ArrayList<>();
    List<Evidence> evidence = List.of();
    final Map<Integer, Instant> started = new LinkedHashMap<>();

    TicketAcc(String id) {
      this.id = id;
    }

    void end(int attempt, Instant at) {
      Instant start = started.remove(attempt);
      if (start != null && at.isAfter(start)) {
        work = work.plus(Duration.between(start, at));
      }
    }
  }
}

package dev.loopkit.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a run did, drawn from its {@link RunHistory} (and so from its journal alone): a report of a crashed and
 * resumed run counts every process's work. Per ticket: attempts (failed, interrupted, deferred), time, tokens,
 * cost, review verdicts and evidence; per run: the ending, passes, totals, lock waits and interventions (every
 * time a person had to act), the honest metric.
 */
public final class RunReport {
  private final String runId;
  private final RunEnding.@Nullable Kind ending;
  private final String endingDetail;
  private final int sessions;
  private final int passes;
  private final Duration elapsed;
  private final Usage usage;
  private final List<TicketReport> tickets;
  private final List<Intervention> interventions;
  private final Map<String, Long> lockWaitMillis;
  private final int batchSize;
  private final int doneBefore;
  private final @Nullable String finalGate;

  private RunReport(RunHistory h) {
    this.runId = h.runId().orElse("");
    this.ending = h.ending().orElse(null);
    this.endingDetail = h.endingDetail();
    this.sessions = h.sessions();
    this.passes = h.passes();
    this.elapsed = h.elapsed();
    this.usage = h.usage();
    List<TicketReport> list = new ArrayList<>();
    for (RunHistory.TicketHistory t : h.tickets()) {
      List<String> findings = new ArrayList<>();
      t.findings().forEach(f -> findings.add(f.toString()));
      list.add(new TicketReport(t.id(), t.outcome(), t.attempts(), t.failedAttempts(), t.interruptedAttempts(),
          t.deferredAttempts(), t.workTime(), t.usage(), List.copyOf(t.reviews()), findings, t.evidence()));
    }
    this.tickets = List.copyOf(list);
    this.interventions = List.copyOf(h.interventions());
    this.lockWaitMillis = Map.copyOf(h.lockWaitMillis());
    this.doneBefore = h.doneBeforeTheRun();
    this.batchSize = Math.max(h.frozenTickets(), list.size() + doneBefore);
    this.finalGate = h.finalGate().orElse(null);
  }

  /** {@return how many tickets the batch holds: those the run froze (and any it met that it did not)} */
  public int batchSize() {
    return batchSize;
  }

  /**
   * Tickets that were already done when the run froze its batch (done by an earlier run or a person).
   *
   * @return the count, 0 for a run that met no done ticket
   */
  public int doneBeforeTheRun() {
    return doneBefore;
  }

  /** {@return what the final gate found the last time it ran, if it did} */
  public Optional<String> finalGate() {
    return Optional.ofNullable(finalGate);
  }

  /** Where a ticket stands at the end of the journal; in reports its lower-case, hyphenated wire name. */
  public enum TicketOutcome {
    /** Not done yet: open, in progress or failed when the journal ends. */
    OPEN,
    /** Done, with the evidence of its verification. */
    DONE,
    /** Waiting for a person. */
    HUMAN_GATED;

    /** {@return the outcome as reports spell it, e.g. {@code human-gated}} */
    @JsonValue
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** What a person had to act on; in reports its lower-case, hyphenated wire name. */
  public enum InterventionKind {
    /** A ticket waits for a person. */
    HUMAN_GATED,
    /** A healer's patch touched the definition of done and was rolled back. */
    HEAL_REJECTED,
    /** A session ended {@code CAPPED}. */
    CAPPED,
    /** A session ended {@code STALLED}. */
    STALLED,
    /** A session ended {@code TAMPERED}: the definition of done changed under it. */
    TAMPERED,
    /** A session ended {@code FAILED}. */
    FAILED,
    /** A ticket joined the batch other than through the engine's discovery path. */
    TICKET_ADDED,
    /** A ticket was set done or cancelled by someone other than the engine, without a recorded decision. */
    STATUS_OVERRIDDEN,
    /** A person recorded a decision on a ticket (approved it done, or cancelled it). */
    DECISION,
    /**
     * A healer's patch was applied: the machine improving itself, not a person doing work, counted on its own
     * so that the report shows how often the harness needed healing.
     */
    HEALED,
    /**
     * An applied heal brought no progress and was undone by the engine: the machine correcting itself, counted
     * with the heals.
     */
    HEAL_REVERTED,
    /**
     * A person changed the run's caps or concurrency between sessions (raised a cap to continue it): allowed, unlike
     * a change to the definition of done, and counted here.
     */
    CAPS_CHANGED;

    /** {@return whether this is the machine's own doing (a heal, or its revert) rather than a person's} */
    public boolean isHeal() {
      return this == HEALED || this == HEAL_REVERTED;
    }

    /** {@return the kind as reports spell it, e.g. {@code heal-rejected}} */
    @JsonValue
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The intervention a session's ending asks for, if any: DONE asks for none, and HUMAN_GATED is counted per
     * gated ticket instead.
     *
     * @param ending how a session ended
     * @return the intervention it asks for, or null for {@code DONE} and {@code HUMAN_GATED}
     */
    public static @Nullable InterventionKind of(RunEnding.Kind ending) {
      switch (ending) {
        case CAPPED:
          return CAPPED;
        case STALLED:
          return STALLED;
        case TAMPERED:
          return TAMPERED;
        case FAILED:
          return FAILED;
        default:
          return null;
      }
    }
  }

  /** One ticket's part of the run. */
  public record TicketReport(String ticketId, TicketOutcome outcome, int attempts, int failedAttempts,
      int interruptedAttempts, int deferredAttempts, Duration workTime, Usage usage, List<String> reviews,
      List<String> findings, List<Evidence> evidence) {}

  /** A time a person had to act. */
  public record Intervention(InterventionKind kind, @Nullable String ticketId, String detail) {}

  /**
   * {@return the report of a run's history}
   *
   * @param history the run's history, as {@link RunDirectory#history()} reads it
   */
  public static RunReport of(RunHistory history) {
    return new RunReport(history);
  }

  /**
   * {@return the report of the run whose journal holds these events}
   *
   * @param events the journal's events, in order
   */
  public static RunReport of(List<LoopEvent> events) {
    return new RunReport(RunHistory.of(events));
  }

  /**
   * {@return the report of the run in this run directory (read from its checkpoint and journal)}
   *
   * @param runDirectory the run's directory
   */
  public static RunReport of(Path runDirectory) {
    return RunDirectory.of(runDirectory).report();
  }

  /** {@return the run's id; empty if the run never started} */
  public String runId() {
    return runId;
  }

  /** {@return how the latest session ended; empty while the run is running (or if its process died)} */
  public java.util.Optional<RunEnding.Kind> ending() {
    return java.util.Optional.ofNullable(ending);
  }

  /** {@return one line on how the latest session ended, such as the cap reached; empty before it ended} */
  public String endingDetail() {
    return endingDetail;
  }

  /** {@return how many processes worked on the run (1 plus the number of resumes)} */
  public int sessions() {
    return sessions;
  }

  /** {@return how many passes the run made, over every session} */
  public int passes() {
    return passes;
  }

  /** {@return time spent running, summed over every session} */
  public Duration elapsed() {
    return elapsed;
  }

  /** {@return tokens and money, over every session} */
  public Usage usage() {
    return usage;
  }

  /** {@return every ticket the run dispatched, gated or finished, in the order it first met them} */
  public List<TicketReport> tickets() {
    return tickets;
  }

  /** {@return every time a person (or a healer) had to act, in order} */
  public List<Intervention> interventions() {
    return interventions;
  }

  /** {@return total time tickets waited for each resource, in milliseconds} */
  public Map<String, Long> lockWaitMillis() {
    return lockWaitMillis;
  }

  /** {@return attempts dispatched, over every ticket and session} */
  public int attempts() {
    return tickets.stream().mapToInt(TicketReport::attempts).sum();
  }

  /** {@return attempts cut short (a process died, or the run ended around them), over every ticket and session} */
  public int interruptedAttempts() {
    return tickets.stream().mapToInt(TicketReport::interruptedAttempts).sum();
  }

  /** {@return a few lines for a terminal} */
  public String summary() {
    long done = tickets.stream().filter(t -> t.outcome() == TicketOutcome.DONE).count();
    long gated = tickets.stream().filter(t -> t.outcome() == TicketOutcome.HUMAN_GATED).count();
    StringBuilder sb = new StringBuilder();
    sb.append("run ").append(runId).append(": ").append(ending == null ? "RUNNING" : ending.name())
        .append(endingDetail.isEmpty() ? "" : " (" + endingDetail + ")").append('\n');
    sb.append("  tickets ").append(done + doneBefore).append('/').append(batchSize).append(" done");
    if (doneBefore > 0) {
      sb.append(" (").append(doneBefore).append(" before the run)");
    }
    if (gated > 0) {
      sb.append(", ").append(gated).append(" waiting for a person");
    }
    sb.append(", attempts ").append(attempts()).append(" (").append(interruptedAttempts())
        .append(" interrupted), passes ").append(passes).append(", sessions ").append(sessions).append('\n');
    sb.append("  tokens ").append(usage.totalTokens()).append(", cost $").append(usage.costUsd().toPlainString());
    if (!usage.isMetered()) {
      sb.append(" (+").append(usage.unmeteredCalls()).append(" unmetered call(s))");
    }
    long heals = interventions.stream().filter(i -> i.kind() == InterventionKind.HEALED).count();
    long reverted = interventions.stream().filter(i -> i.kind() == InterventionKind.HEAL_REVERTED).count();
    sb.append(", elapsed ").append(elapsed.toSeconds()).append("s, interventions ")
        .append(interventions.size() - heals - reverted);
    if (heals > 0) {
      sb.append(", heals ").append(heals);
      if (reverted > 0) {
        sb.append(" (").append(reverted).append(" reverted)");
      }
    }
    if (finalGate != null) {
      sb.append('\n').append("  final gate: ").append(finalGate);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return summary();
  }
}

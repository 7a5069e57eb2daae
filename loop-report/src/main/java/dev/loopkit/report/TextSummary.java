package dev.loopkit.report;

import dev.loopkit.core.RunReport;

/**
 * A run's summary as a few lines for a terminal, in {@link Figures}' formats: what {@code loop run} prints at the
 * end and {@code loop status} shows for the newest run. People's interventions and the harness's heals are
 * counted apart.
 *
 * <pre>
 * run run-001: DONE (every ticket is done)
 *   tickets 7/7 done, attempts 9 (0 interrupted), passes 12, sessions 1
 *   tokens 41,200, cost $0.2100, elapsed 14.3s, interventions 0
 * </pre>
 */
public final class TextSummary {
  private TextSummary() {}

  /**
   * The summary of {@code report}, without a trailing newline.
   *
   * @param report the run's report
   * @return a few lines
   */
  public static String of(RunReport report) {
    long done = report.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count();
    long gated = report.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.HUMAN_GATED).count();
    StringBuilder sb = new StringBuilder();
    sb.append("run ").append(report.runId()).append(": ").append(report.ending().map(Enum::name).orElse("RUNNING"))
        .append(report.endingDetail().isEmpty() ? "" : " (" + report.endingDetail() + ")").append('\n');
    sb.append("  tickets ").append(done + report.doneBeforeTheRun()).append('/').append(report.batchSize())
        .append(" done");
    if (report.doneBeforeTheRun() > 0) {
      sb.append(" (").append(report.doneBeforeTheRun()).append(" before the run)");
    }
    if (gated > 0) {
      sb.append(", ").append(gated).append(" waiting for a person");
    }
    sb.append(", attempts ").append(report.attempts()).append(" (").append(report.interruptedAttempts())
        .append(" interrupted), passes ").append(report.passes()).append(", sessions ").append(report.sessions())
        .append('\n');
    sb.append("  tokens ").append(Figures.tokens(report.usage().totalTokens())).append(", cost ")
        .append(Figures.money(report.usage().costUsd()));
    if (!report.usage().isMetered()) {
      sb.append(" (+").append(report.usage().unmeteredCalls()).append(" unmetered call(s))");
    }
    long heals = report.interventions().stream().filter(i -> i.kind() == RunReport.InterventionKind.HEALED).count();
    long reverted = report.interventions().stream()
        .filter(i -> i.kind() == RunReport.InterventionKind.HEAL_REVERTED).count();
    sb.append(", elapsed ").append(Figures.duration(report.elapsed())).append(", interventions ")
        .append(report.interventions().stream().filter(i -> !i.kind().isHeal()).count());
    if (heals > 0) {
      sb.append(", heals ").append(heals);
      if (reverted > 0) {
        sb.append(" (").append(reverted).append(" reverted)");
      }
    }
    report.finalGate().ifPresent(g -> sb.append('\n').append("  final gate: ").append(g));
    return sb.toString();
  }
}

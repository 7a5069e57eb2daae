package dev.loopkit.spring;

import dev.loopkit.core.RunReport;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * Actuator's {@code loop} endpoint: the runs under {@code loop.runs.directory} and their endings, read from
 * their run directories ({@link RunReport}), and one run's tickets and interventions. Expose it with
 * {@code management.endpoints.web.exposure.include: health,loop}; then {@code GET /actuator/loop} and
 * {@code GET /actuator/loop/run-001}.
 *
 * <p>Read-only: there is no operation that starts, stops or changes a run. Each request reads the run
 * directories; a journal is folded again only when it changed.
 */
@Endpoint(id = "loop")
public class LoopEndpoint {
  private final LoopRuns runs;

  /**
   * The endpoint over these runs.
   *
   * @param runs the application's runs
   */
  public LoopEndpoint(LoopRuns runs) {
    this.runs = runs;
  }

  /**
   * Every run, oldest first.
   *
   * @return the runs' folder, the run in flight (or null) and each run's summary
   */
  @ReadOperation
  public Runs runs() {
    String active = runs.active().filter(r -> !r.isFinished()).map(LoopRun::runId).orElse(null);
    return new Runs(runs.directory().toString(), active, RunState.all(runs).stream().map(LoopEndpoint::summary)
        .toList());
  }

  /**
   * One run in detail.
   *
   * @param runId the run's directory name, e.g. {@code run-001}
   * @return its summary, tickets and interventions; null (404) when no such run exists
   */
  @ReadOperation
  public @Nullable RunDetail run(@Selector String runId) {
    return RunState.named(runs, runId).map(s -> {
      RunReport r = s.report();
      List<TicketLine> tickets = r == null ? List.of() : r.tickets().stream().map(t -> new TicketLine(t.ticketId(),
          t.outcome().wireName(), t.attempts(), t.failedAttempts(), t.interruptedAttempts(), t.findings())).toList();
      List<InterventionLine> interventions = r == null ? List.of() : r.interventions().stream()
          .map(i -> new InterventionLine(i.kind().wireName(), i.ticketId(), i.detail())).toList();
      return new RunDetail(summary(s), tickets, interventions);
    }).orElse(null);
  }

  private static RunSummary summary(RunState s) {
    RunReport r = s.report();
    if (r == null) {
      return new RunSummary(s.runId(), s.state(), s.detail(), 0, 0, 0, 0, 0, 0, 0, 0, 0, "0");
    }
    int done = (int) r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count()
        + r.doneBeforeTheRun();
    int gated = (int) r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.HUMAN_GATED).count();
    return new RunSummary(s.runId(), s.state(), s.detail(), r.sessions(), r.passes(), r.elapsed().toSeconds(),
        r.batchSize(), done, gated, r.attempts(), s.interventions(), r.usage().totalTokens(),
        r.usage().costUsd().toPlainString());
  }

  /**
   * The runs.
   *
   * @param directory the runs' folder
   * @param active the run this application is running, or null
   * @param runs every run, oldest first
   */
  public record Runs(String directory, @Nullable String active, List<RunSummary> runs) {}

  /**
   * One run.
   *
   * @param runId the run's directory name
   * @param state {@code RUNNING}, the ending of its latest session ({@code DONE}, {@code HUMAN_GATED},
   *     {@code CAPPED}, {@code STALLED}, {@code TAMPERED}, {@code FAILED}), {@code UNFINISHED} (no ending and not
   *     running here, as after a crash) or {@code UNREADABLE} (its journal is damaged)
   * @param detail the ending's one line (or why the journal cannot be read)
   * @param sessions processes that worked on it
   * @param passes passes of the outer loop
   * @param elapsedSeconds time spent running, over every session
   * @param tickets tickets in the batch
   * @param done tickets done
   * @param humanGated tickets waiting for a person
   * @param attempts attempts made
   * @param interventions times a person had to act
   * @param tokens model tokens used
   * @param costUsd money spent, US dollars, as far as known
   */
  public record RunSummary(String runId, String state, String detail, int sessions, int passes, long elapsedSeconds,
      int tickets, int done, int humanGated, int attempts, int interventions, long tokens, String costUsd) {}

  /**
   * One run in detail.
   *
   * @param run the summary
   * @param tickets each ticket the run worked on
   * @param interventions each time a person had to act
   */
  public record RunDetail(RunSummary run, List<TicketLine> tickets, List<InterventionLine> interventions) {}

  /**
   * One ticket of a run.
   *
   * @param id the ticket
   * @param outcome {@code done}, {@code human-gated} or {@code open}
   * @param attempts attempts made
   * @param failedAttempts attempts that failed
   * @param interruptedAttempts attempts interrupted (a stop, a crash)
   * @param findings why attempts failed
   */
  public record TicketLine(String id, String outcome, int attempts, int failedAttempts, int interruptedAttempts,
      List<String> findings) {}

  /**
   * A time a person had to act.
   *
   * @param kind {@code human-gated}, {@code capped}, {@code stalled}, {@code tampered}, {@code failed}, ...
   * @param ticketId the ticket, or null for the run
   * @param detail what happened
   */
  public record InterventionLine(String kind, @Nullable String ticketId, String detail) {}
}

package dev.loopkit.report;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One run as its journal tells it: the report, every attempt, when it started and last wrote. */
final class RunData {
  final String name;
  final RunDirectory directory;
  final RunReport report;
  final List<AttemptRow> attempts;
  final @Nullable Instant started;
  final Instant first;
  final Instant last;

  private RunData(RunDirectory directory, RunHistory history) {
    this.name = directory.path().getFileName() == null ? directory.path().toString()
        : directory.path().getFileName().toString();
    this.directory = directory;
    this.report = RunReport.of(history);
    this.attempts = AttemptRow.from(history, directory.path());
    this.started = history.startedAt().orElse(null);
    this.first = history.startedAt().orElse(Instant.EPOCH);
    this.last = history.lastEventAt().orElse(first);
  }

  /**
   * Reads a run directory's history.
   *
   * @throws dev.loopkit.core.InputException if the journal is damaged beyond a torn last line, naming it
   */
  static RunData read(RunDirectory directory) {
    return new RunData(directory, directory.history());
  }

  /** For tests and tools holding the events: {@code directory} is where transcripts are looked for. */
  static RunData of(RunDirectory directory, List<LoopEvent> events) {
    return new RunData(directory, RunHistory.of(events));
  }

  /** The ending's name for badges: the kind, or RUNNING while the journal has no end. */
  String ending() {
    return report.ending().map(Enum::name).orElse("RUNNING");
  }

  /** A run that started no attempt: nothing was worked, so its figures are not a point on a trend. */
  boolean empty() {
    return report.attempts() == 0;
  }

  /** The times a person had to act (heals, the machine's own repairs, left out). */
  long peopleInterventions() {
    return report.interventions().stream().filter(i -> !i.kind().isHeal()).count();
  }

  /** The heals applied during the run. */
  long heals() {
    return report.interventions().stream().filter(i -> i.kind() == RunReport.InterventionKind.HEALED).count();
  }

  /** One attempt on one ticket, drawn from the run's history. */
  static final class AttemptRow {
    final String ticket;
    final int attempt;
    final int slot;
    final Instant start;
    final @Nullable Instant end;
    final String outcome;
    final String stage;
    final String worker;
    final String review;
    final String integration;
    final List<String> findings;
    final List<Evidence> evidence;
    final Usage usage;
    /** The attempt's transcript relative to the run directory, when the worker wrote one. */
    final @Nullable String transcript;

    private AttemptRow(String ticket, RunHistory.AttemptHistory a, Path runDirectory) {
      this.ticket = ticket;
      this.attempt = a.number();
      this.slot = a.slot();
      this.start = a.startedAt();
      this.end = a.endedAt().orElse(null);
      String result = a.result().isEmpty() ? "running" : a.result();
      this.outcome = result.startsWith("failed at ") ? "failed" : result;
      this.stage = result.startsWith("failed at ") ? result.substring("failed at ".length()) : "";
      this.worker = a.stage(StageKind.WORK).map(w -> w.outcome().wireName() + ": "
          + (w.findings().isEmpty() ? w.summary() : String.join("; ", w.findings()))).orElse("");
      this.review = a.stage(StageKind.REVIEW).map(r -> (r.outcome() == StageOutcome.PASSED ? "approved"
          : "changes requested") + (r.findings().isEmpty() ? "" : ": " + String.join("; ", r.findings()))
          + (r.attributes().containsKey("vendor") ? " (" + r.attributes().get("vendor") + "/"
              + r.attributes().getOrDefault("model", "") + ")" : "")).orElse("");
      this.integration = a.stage(StageKind.INTEGRATE).map(i -> i.outcome() == StageOutcome.PASSED ? i.summary()
          : "not integrated: " + String.join("; ", i.findings())).orElse("");
      this.findings = a.findings();
      this.evidence = a.evidence();
      this.usage = a.usage();
      // the name every stock worker writes (ModelWorker.transcriptPath, CommandWorker): ticket ids hold no '/'
      String relative = "transcripts/" + ticket + "-attempt-" + attempt + ".jsonl";
      this.transcript = Files.isRegularFile(runDirectory.resolve(relative)) ? relative : null;
    }

    static List<AttemptRow> from(RunHistory history, Path runDirectory) {
      List<AttemptRow> rows = new ArrayList<>();
      for (RunHistory.TicketHistory t : history.tickets()) {
        for (RunHistory.AttemptHistory a : t.attemptLog()) {
          rows.add(new AttemptRow(t.id(), a, runDirectory));
        }
      }
      rows.sort(Comparator.comparing((AttemptRow r) -> r.start));
      return rows;
    }

    Duration duration(Instant runEnd) {
      Instant stop = end != null ? end : runEnd;
      return stop.isAfter(start) ? Duration.between(start, stop) : Duration.ZERO;
    }

    String label() {
      return outcome + (stage.isEmpty() ? "" : " at " + stage);
    }
  }
}

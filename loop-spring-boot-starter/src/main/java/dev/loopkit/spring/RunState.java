package dev.loopkit.spring;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a run directory says about its run, for the endpoint and the health indicator: its state (the ending of
 * its latest session; {@code RUNNING} while this application runs it; {@code UNFINISHED} when no session is
 * running it here and none recorded an ending, as after a crash; {@code UNREADABLE} when its journal cannot be
 * folded) and its report.
 */
record RunState(String runId, Path directory, String state, String detail, @Nullable RunReport report) {
  static final String RUNNING = "RUNNING";
  static final String UNFINISHED = "UNFINISHED";
  static final String UNREADABLE = "UNREADABLE";

  /** Every run of {@code runs}, oldest first. */
  static List<RunState> all(LoopRuns runs) {
    return runs.runDirectories().stream().map(d -> of(runs, d)).toList();
  }

  /** The run named {@code runId}, if its directory holds a journal. */
  static Optional<RunState> named(LoopRuns runs, String runId) {
    return runs.directories().named(runId).map(d -> of(runs, d));
  }

  /** The newest run (the one in flight, when there is one). */
  static Optional<RunState> latest(LoopRuns runs) {
    Optional<LoopRun> active = runs.active();
    if (active.isPresent()) {
      return Optional.of(of(runs, active.get().directory()));
    }
    List<Path> all = runs.runDirectories();
    return all.isEmpty() ? Optional.empty() : Optional.of(of(runs, all.get(all.size() - 1)));
  }

  static RunState of(LoopRuns runs, Path directory) {
    String id = directory.getFileName().toString();
    boolean running = runs.active().map(r -> r.directory().equals(directory) && !r.isFinished()).orElse(false);
    if (running && !RunDirectory.of(directory).exists()) {
      return new RunState(id, directory, RUNNING, "", null); // just started: no journal yet
    }
    RunReport report;
    try {
      report = runs.reports().report(directory);
    } catch (RuntimeException e) {
      return new RunState(id, directory, UNREADABLE, String.valueOf(e.getMessage()), null);
    }
    Optional<RunEnding.Kind> ending = report.ending();
    String state = running ? RUNNING : ending.map(Enum::name).orElse(UNFINISHED);
    return new RunState(id, directory, state, running ? "" : report.endingDetail(), report);
  }

  /** Interventions a person made or must make, as the report's summary counts them (heals excluded). */
  int interventions() {
    return report == null ? 0 : (int) report.interventions().stream()
        .filter(i -> i.kind() != RunReport.InterventionKind.HEALED).count();
  }

  /** A few details for the health indicator. */
  Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("run", runId);
    d.put("state", state);
    if (!detail.isEmpty()) {
      d.put("detail", detail);
    }
    if (report != null) {
      long done = report.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count()
          + report.doneBeforeTheRun();
      d.put("tickets", report.batchSize());
      d.put("done", done);
      d.put("interventions", interventions());
    }
    return d;
  }

  /**
   * The health of the application's loop from its newest run: {@code DOWN} when it failed (a part of the
   * harness failed, or the run was stopped and not resumed) or cannot be read, {@code OUT_OF_SERVICE} when the
   * definition of done changed under it ({@code TAMPERED}: a person must restore it), {@code UNKNOWN} when it is
   * unfinished and not running here, else {@code UP} (running, done, or waiting for a person or a raised cap).
   */
  String health() {
    switch (state) {
      case "FAILED":
      case UNREADABLE:
        return "DOWN";
      case "TAMPERED":
        return "OUT_OF_SERVICE";
      case UNFINISHED:
        return "UNKNOWN";
      default:
        return "UP";
    }
  }
}

package dev.loopkit.cli;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.InputException;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Tracker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code loop run [PROJECT]}: runs (or resumes) the project's batch to its ending. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs the batch of the project's loop.yaml to its ending, printing progress, and writes the"
        + " HTML report. Resumes the newest unfinished run in <project>/.loop/runs unless --new.",
        "With --json, standard output is one JSON object per event (the journal's form), then a result object"
            + " {\"type\":\"result\", \"ending\", \"exitCode\", \"report\", ...}; progress lines are not printed.",
        "Ctrl-C stops the run cleanly: attempts in flight are interrupted and their tickets reopened, the ending"
            + " and the report are written; loop run continues it.",
        "Exit codes: 0 DONE, 5 CAPPED, 3 STALLED or waiting for a human, 4 TAMPERED, 1 error, 2 usage error,"
            + " 130 stopped by Ctrl-C."})
final class RunCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Option(names = "--new", description = "Start a new run even if an unfinished one exists.")
  boolean fresh;

  @Option(names = "--model", paramLabel = "ROLE=VENDOR:MODEL",
      description = "Use a real model for a role, e.g. --model worker=anthropic:claude-sonnet-4-5"
          + " --model reviewer=openai:gpt-5 (keys from ANTHROPIC_API_KEY / OPENAI_API_KEY).")
  List<String> models = new ArrayList<>();

  @Option(names = "--json", description = "Print NDJSON: one JSON object per event, then the result.")
  boolean json;

  @Mixin
  TemporalOptions temporal = new TemporalOptions();

  @Override
  public Integer call() throws InterruptedException {
    ProjectConfig config = withModels(project.read(), models);
    return run(root.io, config, fresh, json, temporal.selected() ? temporal : null);
  }

  static ProjectConfig withModels(ProjectConfig config, List<String> overrides) {
    ProjectConfig out = config;
    for (String o : overrides) {
      int eq = o.indexOf('=');
      int colon = o.indexOf(':', eq + 1);
      if (eq <= 0 || colon < 0) {
        throw new InputException("--model " + o + ": expected ROLE=VENDOR:MODEL, e.g."
            + " worker=anthropic:claude-sonnet-4-5");
      }
      out = out.withModel(o.substring(0, eq), o.substring(eq + 1, colon), o.substring(colon + 1));
    }
    return out;
  }

  /** Runs or resumes the project's batch, prints the ending and the report's path, returns the exit code. */
  @SuppressWarnings("try") // the lock is held for the block, never read
  static int run(LoopCommand.Io io, ProjectConfig config, boolean fresh) throws InterruptedException {
    return run(io, config, fresh, false, null);
  }

  /**
   * As {@link #run(LoopCommand.Io, ProjectConfig, boolean)}; {@code json}: NDJSON events and result on stdout; on
   * Temporal when {@code temporal} is given.
   */
  @SuppressWarnings("try") // the lock is held for the block, never read
  static int run(LoopCommand.Io io, ProjectConfig config, boolean fresh, boolean json,
      @org.jspecify.annotations.Nullable TemporalOptions temporal) throws InterruptedException {
    // an unset credential or a sandbox that cannot start stops the command before anything is written (the
    // project lock, the repository, a run directory): never a silent fallback to running tickets' processes
    // unconfined
    config.tracker().requireCredentials(config.file(), io.environment());
    ProjectEngine.sandbox(config.sandbox(), io.environment()).check();
    try (ProjectLock lock = ProjectLock.acquire(config); StopOnSignal stop = StopOnSignal.install()) {
      return runLocked(io, config, fresh, json, temporal, stop);
    }
  }

  private static int runLocked(LoopCommand.Io io, ProjectConfig config, boolean fresh, boolean json,
      @org.jspecify.annotations.Nullable TemporalOptions temporal, StopOnSignal stop) throws InterruptedException {
    RunDirectories runs = RunDirectories.of(config.runsDirectory());
    // with --json, stdout carries JSON only: what a person reads goes to stderr
    java.io.PrintStream text = json ? io.err() : io.out();
    boolean created = ProjectEngine.prepareRepository(config);
    if (created) {
      text.println("created the git repository " + config.workspace().repository() + " from "
          + config.workspace().initFrom());
    }
    Tracker tracker = ProjectEngine.tracker(config, io.environment());
    Path runDir = fresh ? runs.next() : runs.unfinished().orElseGet(runs::next);
    RunResult result;
    dev.loopkit.core.LoopListener events = json ? e -> {
      synchronized (io.out()) {
        io.out().println(JsonOutput.event(e));
      }
    } : null;
    Progress progress = events != null ? null
        : new Progress(io.out(), io.terminal(), tracker.readBatch(), System::nanoTime);
    try {
      List<dev.loopkit.core.LoopListener> listeners = List.of(events != null ? events : progress);
      result = temporal != null ? temporal.run(config, tracker, runDir, io.environment(), listeners)
          : ProjectEngine.build(config, tracker, runDir, io.environment(), listeners).run();
    } finally {
      if (progress != null) {
        progress.close();
      }
    }
    // a stop by signal leaves the interrupt flag set: clear it, or the report's file channels refuse to work
    boolean interrupted = Thread.interrupted() || stop.signalled();
    text.println();
    text.println(dev.loopkit.report.TextSummary.of(result.report()));
    if (interrupted) {
      io.err().println("loop: stopped by a signal (Ctrl-C): attempts in flight were interrupted and their tickets"
          + " reopened; 'loop run " + config.project() + "' continues the run");
    } else if (result.ending() instanceof RunEnding.Failed failed && failed.cause() != null) {
      io.err().println("loop: the run failed: " + LoopCommand.message(failed.cause()));
    }
    Path report = ReportCommand.write(config, runs, result.runDirectory(), tracker);
    int code = interrupted ? LoopCommand.INTERRUPTED : exitCode(result.ending());
    if (json) {
      io.out().println(JsonOutput.line(JsonOutput.result(result.report(), result.runDirectory(), report, code)));
    } else {
      io.out().println("report: " + report);
    }
    io.out().flush();
    return code;
  }


  static int exitCode(RunEnding ending) {
    switch (ending.kind()) {
      case DONE:
        return LoopCommand.DONE;
      case HUMAN_GATED:
        return LoopCommand.STALLED_OR_HUMAN;
      case CAPPED:
        return LoopCommand.CAPPED;
      case STALLED:
        return LoopCommand.STALLED_OR_HUMAN;
      case TAMPERED:
        return LoopCommand.TAMPERED;
      default:
        return LoopCommand.ERROR;
    }
  }
}

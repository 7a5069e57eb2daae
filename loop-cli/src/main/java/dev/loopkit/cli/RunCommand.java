package dev.loopkit.cli;

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
        "Exit codes: 0 DONE, 2 CAPPED, 3 STALLED or waiting for a human, 4 TAMPERED, 1 error."})
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

  @Mixin
  TemporalOptions temporal = new TemporalOptions();

  @Override
  public Integer call() throws InterruptedException {
    ProjectConfig config = withModels(project.read(), models);
    return run(root.io, config, fresh, temporal.selected() ? temporal : null);
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
    return run(io, config, fresh, null);
  }

  /** As {@link #run(LoopCommand.Io, ProjectConfig, boolean)}, on Temporal when {@code temporal} is given. */
  @SuppressWarnings("try") // the lock is held for the block, never read
  static int run(LoopCommand.Io io, ProjectConfig config, boolean fresh,
      @org.jspecify.annotations.Nullable TemporalOptions temporal) throws InterruptedException {
    // an unset credential or a sandbox that cannot start stops the command before anything is written (the
    // project lock, the repository, a run directory): never a silent fallback to running tickets' processes
    // unconfined
    config.tracker().requireCredentials(config.file(), io.environment());
    ProjectEngine.sandbox(config.sandbox(), io.environment()).check();
    try (ProjectLock lock = ProjectLock.acquire(config)) {
      return runLocked(io, config, fresh, temporal);
    }
  }

  private static int runLocked(LoopCommand.Io io, ProjectConfig config, boolean fresh,
      @org.jspecify.annotations.Nullable TemporalOptions temporal) throws InterruptedException {
    Runs runs = new Runs(config.runsDirectory());
    boolean created = ProjectEngine.prepareRepository(config);
    if (created) {
      io.out().println("created the git repository " + config.workspace().repository() + " from "
          + config.workspace().initFrom());
    }
    Tracker tracker = ProjectEngine.tracker(config, io.environment());
    Path runDir = fresh ? runs.next() : runs.unfinished().orElseGet(runs::next);
    RunResult result;
    try (Progress progress = new Progress(io.out(), io.terminal(), tracker.readBatch(), System::nanoTime)) {
      result = temporal != null ? temporal.run(config, tracker, runDir, io.environment(), List.of(progress))
          : ProjectEngine.build(config, tracker, runDir, io.environment(), List.of(progress)).run();
    }
    io.out().println();
    io.out().println(result.report().summary());
    if (result.ending() instanceof RunEnding.Failed failed && failed.cause() != null) {
      io.err().println("loop: the run failed: " + LoopCommand.message(failed.cause()));
    }
    Path report = HtmlReport.write(config, runs, tracker);
    io.out().println("report: " + report);
    return exitCode(result.ending());
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

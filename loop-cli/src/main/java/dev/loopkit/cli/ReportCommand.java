package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code loop report [PROJECT] [RUN]}: writes the HTML report and prints its path. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Writes the self-contained HTML report of a run (default: the newest) with the trend across"
        + " the project's runs, and prints its path.")
final class ReportCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Parameters(index = "1", arity = "0..1", paramLabel = "RUN",
      description = "The run id, e.g. run-002 (default: the newest run).")
  String run;

  @Override
  public Integer call() {
    ProjectConfig config = project.read();
    Runs runs = new Runs(config.runsDirectory());
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment());
    Path report;
    if (run == null) {
      if (runs.all().isEmpty()) {
        throw new InputException("no runs in " + runs.root() + ": expected at least one run (loop run " + project
            + ")");
      }
      report = HtmlReport.write(config, runs, tracker);
    } else {
      Path dir = runs.root().resolve(run);
      if (!dev.loopkit.core.RunDirectory.of(dir).exists()) {
        throw new InputException("run '" + run + "' has no journal in " + runs.root() + ": expected one of "
            + runs.all().stream().map(p -> p.getFileName().toString()).toList());
      }
      report = HtmlReport.write(config, runs, dir, tracker);
    }
    root.io.out().println(report);
    return LoopCommand.DONE;
  }
}

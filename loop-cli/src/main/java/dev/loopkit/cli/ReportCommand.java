package dev.loopkit.cli;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.InputException;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.Tracker;
import dev.loopkit.report.HtmlReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code loop report [PROJECT] [RUN] [--json]}: writes the HTML report and prints its path. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Writes the self-contained HTML report of a run (default: the newest) with the trend across"
        + " the project's runs and the plan that filed the batch, and prints its path.")
final class ReportCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Parameters(index = "1", arity = "0..1", paramLabel = "RUN",
      description = "The run id, e.g. run-002 (default: the newest run).")
  String run;

  @Option(names = "--json", description = "Print one JSON object: the report's path and the run's figures.")
  boolean json;

  @Override
  public Integer call() {
    ProjectConfig config = project.read();
    RunDirectories runs = RunDirectories.of(config.runsDirectory());
    Path dir;
    if (run == null) {
      dir = runs.latest().orElseThrow(() -> new InputException("no runs in " + runs.root() + ": expected at least"
          + " one run (loop run " + project + ")"));
    } else {
      dir = runs.root().resolve(run);
      if (!RunDirectory.of(dir).exists()) {
        throw new InputException("run '" + run + "' has no journal in " + runs.root() + ": expected one of "
            + runs.all().stream().map(p -> p.getFileName().toString()).toList());
      }
    }
    Path report = write(config, runs, dir, ProjectEngine.tracker(config, root.io.environment()));
    if (json) {
      root.io.out().println(JsonOutput.line(JsonOutput.report(report, RunDirectory.of(dir).report(), dir)));
    } else {
      root.io.out().println(report);
    }
    return LoopCommand.DONE;
  }

  /**
   * Writes {@code <run dir>/report.html} for one run of the project: the tracker's batch for the graph, every run
   * of the project for the trend, and the project's plans folder for the plan section.
   */
  static Path write(ProjectConfig config, RunDirectories runs, Path runDirectory, Tracker tracker) {
    return HtmlReport.builder(runDirectory).project(String.valueOf(config.project().toAbsolutePath().normalize()
        .getFileName())).batch(tracker.readBatch()).trend(runs.all())
        .plans(PlanCommand.plansDirectory(config)).build().write();
  }
}

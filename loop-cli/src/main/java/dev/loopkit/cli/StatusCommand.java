package dev.loopkit.cli;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.Batch;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.report.SessionSandboxes;
import dev.loopkit.report.TextSummary;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code loop status [PROJECT] [--json]}: the tickets by status and the newest run. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Shows each ticket's status and the summary of the newest run, with how it confined tickets'"
        + " processes (its sandbox, or UNSANDBOXED).")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Option(names = "--json", description = "Print one JSON object: the tickets, counts by status and the newest"
      + " run's figures (latestRun is null before the first run).")
  boolean json;

  @Mixin
  TemporalOptions temporal = new TemporalOptions();

  @Override
  public Integer call() {
    ProjectConfig config = project.read();
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment());
    Batch batch = tracker.readBatch();
    String where = config.tracker().ticketFolder().map(Path::toString).orElseGet(tracker::toString);
    RunDirectories runs = RunDirectories.of(config.runsDirectory());
    Optional<Path> latest = runs.latest();
    String sandbox = latest.map(p -> SessionSandboxes.line(SessionSandboxes.of(RunDirectory.of(p)))).orElse("");
    if (json) {
      root.io.out().println(JsonOutput.line(latest.isEmpty() ? JsonOutput.status(where, batch)
          : JsonOutput.status(where, batch, RunDirectory.of(latest.get()).report(), latest.get(), runs.all().size(),
              sandbox)));
      return LoopCommand.DONE;
    }
    StringBuilder counts = new StringBuilder();
    for (Status s : Status.values()) {
      int n = batch.withStatus(s).size();
      if (n > 0) {
        counts.append(counts.length() == 0 ? "" : ", ").append(n).append(' ').append(s.wireName());
      }
    }
    root.io.out().println(batch.size() + " tickets in " + where + ": " + counts);
    for (Ticket t : batch.tickets()) {
      root.io.out().printf("  %-12s %-12s p%d  %s%n", t.id(), t.status().wireName(), t.priority(), t.title());
    }
    if (latest.isEmpty()) {
      root.io.out().println("no runs yet: loop run " + project);
    } else {
      root.io.out().println(TextSummary.of(RunDirectory.of(latest.get()).report()));
      if (!sandbox.isEmpty()) {
        root.io.out().println("  " + sandbox);
      }
      root.io.out().println("  " + runs.all().size() + " run(s) in " + runs.root());
      if (temporal.target != null) {
        root.io.out().println("  " + temporal.status(latest.get()));
      }
    }
    return LoopCommand.DONE;
  }
}

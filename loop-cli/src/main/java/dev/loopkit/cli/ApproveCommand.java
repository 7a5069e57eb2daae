package dev.loopkit.cli;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.InputException;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.Status;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code loop approve [PROJECT] --ticket ID --reason TEXT [--cancel] [--run RUN]}: records a person's decision on a ticket
 * in the run's journal. Only the engine's own verification or such a recorded decision makes a ticket count as
 * done; a status written straight into the tracker is reported as an intervention and reopened.
 */
@Command(name = "approve", mixinStandardHelpOptions = true,
    description = "Records a person's decision that a ticket is done (or, with --cancel, cancelled) in the run's"
        + " sealed decision log: a running 'loop run' takes it in on its next pass (stopping an attempt in flight on"
        + " the ticket), a stopped one when it continues.")
final class ApproveCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Option(names = "--ticket", required = true, paramLabel = "ID", description = "The ticket.")
  String ticketId;

  @Option(names = "--reason", required = true, paramLabel = "TEXT",
      description = "Why, in your words; the report shows it as an intervention.")
  String reason;

  @Option(names = "--cancel", description = "Record the ticket as cancelled instead of done.")
  boolean cancel;

  @Option(names = "--run", paramLabel = "RUN", description = "The run (default: the newest), e.g. run-002.")
  String run;

  @Override
  public Integer call() {
    ProjectConfig config = project.read();
    RunDirectories runs = RunDirectories.of(config.runsDirectory());
    Path dir = run != null ? config.runsDirectory().resolve(run) : runs.latest().orElseThrow(() ->
        new InputException("no runs in " + runs.root() + ": a decision is recorded in a run; start one with"
            + " 'loop run " + project + "'"));
    if (run != null && !RunDirectory.of(dir).exists()) {
      throw new InputException("run '" + run + "' given to --run does not exist in " + runs.root()
          + ": expected one of " + runs.all().stream().map(p -> p.getFileName().toString()).toList());
    }
    Status status = cancel ? Status.CANCELLED : Status.DONE;
    RunDirectory.of(dir).recordDecision(ticketId, status, reason);
    root.io.out().println("recorded: " + ticketId + " " + status.wireName() + " (" + reason.strip() + ") in "
        + dir.getFileName() + "; the run takes it in on its next pass (or when 'loop run " + project + "' continues"
        + " it), writes it to the tracker and counts it as an intervention");
    return LoopCommand.DONE;
  }
}

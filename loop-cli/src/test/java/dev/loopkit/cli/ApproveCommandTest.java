package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A person's decision goes into the run's journal, and only then does a ticket the engine could not do count as done. */
class ApproveCommandTest {
  @TempDir
  Path dir;

  @Test
  void anApprovalRecordedAfterAGatedRunLetsTheResumedRunEndDone() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "caps:\n  attempts-per-ticket: 1\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);

    Cli approve = Cli.run("approve", p.toString(), "--ticket", "T-1", "--reason", "did it by hand on the staging box");
    assertEquals(LoopCommand.DONE, approve.exitCode, approve.out + approve.err);
    assertTrue(approve.out.contains("recorded: T-1 done (did it by hand on the staging box) in run-001"), approve.out);

    Cli second = Cli.run("run", p.toString());
    assertEquals(LoopCommand.DONE, second.exitCode, second.out + second.err);
    assertTrue(Files.readString(p.resolve("tickets/T-1.md")).contains("status: done"));
  }

  @Test
  void aDoneWrittenStraightIntoTheTicketFileIsReopenedAndReported() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "caps:\n  attempts-per-ticket: 1\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Path ticket = p.resolve("tickets/T-1.md");
    Files.writeString(ticket, Files.readString(ticket).replaceFirst("status: [a-z-]+", "status: done"));

    Cli second = Cli.run("run", p.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, second.exitCode, second.out + second.err);
    assertTrue(second.out.contains("T-1  waits for a human"), second.out);
  }

  @Test
  void anApprovalNeedsARunAReasonAndAKnownRun() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "");

    Cli noRun = Cli.run("approve", p.toString(), "--ticket", "T-1", "--reason", "fine");
    assertEquals(LoopCommand.ERROR, noRun.exitCode);
    assertTrue(noRun.err.contains("no runs in"), noRun.err);

    Cli noReason = Cli.run("approve", p.toString(), "--ticket", "T-1");
    assertEquals(LoopCommand.USAGE, noReason.exitCode, "a missing required option is a usage error");
    assertTrue(noReason.err.contains("--reason"), noReason.err);

    Cli blank = Cli.run("approve", p.toString(), "--ticket", "T-1", "--reason", "  ", "--run", "run-009");
    assertEquals(LoopCommand.ERROR, blank.exitCode);
    assertTrue(blank.err.contains("run 'run-009' given to --run does not exist"), blank.err);
  }
}

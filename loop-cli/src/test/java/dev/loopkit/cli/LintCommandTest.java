package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LintCommandTest {
  @TempDir
  Path dir;

  @Test
  void lintOnABadBatchPrintsOneLinePerFindingAndExitsThree() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("done"), "", "---\nid: T-2\ntitle: Sort the output\nacceptance:\n"
        + "  - the output is sorted\n---\n\nThe order is TBD.\n");
    Cli cli = Cli.run("lint", p.toString());

    assertEquals(LintCommand.FINDINGS, cli.exitCode, cli.out + cli.err);
    List<String> lines = cli.out.lines().toList();
    assertTrue(lines.contains("T-2 verify [finish-line]: has no verify command: expected metadata 'verify' with a"
        + " command that checks the work (e.g. sh tests/run.sh list) and 'verify-expect' with the output it must"
        + " show"), cli.out);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("T-2 body [open-question]: leaves a question open ('TBD'")),
        cli.out);
    assertTrue(lines.contains("T-1 acceptance [acceptance]: is empty: expected at least one checkable criterion that"
        + " says when the ticket is done"), "the tiny project's T-1 has no criteria: " + cli.out);
    assertEquals("3 finding(s) in 2 ticket(s) of 2", lines.get(lines.size() - 1));
  }

  @Test
  void lintOnTheQuickstartBatchPassesAndExitsZero() throws Exception {
    Cli cli = Cli.run("lint", Cli.quickstart(dir).toString());

    assertEquals(LoopCommand.DONE, cli.exitCode, cli.out + cli.err);
    assertEquals("ready: 7 tickets pass the readiness lint\n", cli.out);
  }

  @Test
  void lintWithAMasterNamesEveryTicketNotUnderIt() throws Exception {
    Cli cli = Cli.run("lint", Cli.quickstart(dir).toString(), "--master", "QS-7");

    assertEquals(LintCommand.FINDINGS, cli.exitCode, cli.out + cli.err);
    assertTrue(cli.out.contains("QS-1 dependencies [graph]: is not under the master QS-7"), cli.out);
  }

  @Test
  void lintOfAMissingProjectIsAnErrorNamingIt() {
    Cli cli = Cli.run("lint", dir.resolve("nowhere").toString());

    assertEquals(LoopCommand.ERROR, cli.exitCode);
    assertTrue(cli.err.contains("nowhere") && cli.err.contains("does not exist"), cli.err);
  }
}

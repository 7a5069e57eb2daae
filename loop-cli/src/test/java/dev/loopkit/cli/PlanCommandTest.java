package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  @TempDir
  Path dir;

  private static long tickets(Path project) throws Exception {
    try (Stream<Path> s = Files.list(project.resolve("tickets"))) {
      return s.filter(f -> f.getFileName().toString().matches("QS-\\d+\\.md")).count();
    }
  }

  @Test
  void planDryRunOnTheQuickstartPrintsThePlanAsATableAndFilesNothing() throws Exception {
    Path qs = Cli.quickstart(dir);
    Cli cli = Cli.run("plan", qs.toString(), "--intent-file", qs.resolve("intent.md").toString(), "--dry-run");

    assertEquals(LoopCommand.DONE, cli.exitCode, cli.out + cli.err);
    assertTrue(cli.out.contains("production-bucket  2   -                               infra-apply   Provision the"
        + " production bucket"), cli.out);
    assertTrue(cli.out.contains("research: 3 report(s); lint: 2 round(s), 1 sent back; review: 1 round(s),"
        + " approved by scripted:gpt-5/gpt-5"), cli.out);
    assertTrue(cli.out.contains("is ready: 7 tickets (dry run, nothing filed)"), cli.out);
    assertEquals(7, tickets(qs));
  }

  @Test
  void planFilesTheQuickstartTicketsOnceUnderAMasterThatTheLintAccepts() throws Exception {
    Path qs = Cli.quickstart(dir);
    try (Stream<Path> s = Files.list(qs.resolve("tickets"))) {
      for (Path f : s.filter(f -> f.getFileName().toString().startsWith("QS-")).toList()) {
        Files.delete(f);
      }
    }
    String intent = qs.resolve("intent.md").toString();

    Cli first = Cli.run("plan", qs.toString(), "--intent-file", intent);
    Cli again = Cli.run("plan", qs.toString(), "--intent-file", intent);

    assertEquals(LoopCommand.DONE, first.exitCode, first.out + first.err);
    assertEquals(LoopCommand.DONE, again.exitCode, again.out + again.err);
    String master = "plan-13eef20c29f4"; // named after its plan, so the children keep the quickstart's ids
    assertTrue(first.out.contains("  master -> " + master + "\n") && first.out.contains("  docs -> QS-7\n"),
        first.out);
    assertEquals(7, tickets(qs), "a re-run files nothing twice (seven children and the master)");
    String docs = Files.readString(qs.resolve("tickets/QS-7.md"));
    assertTrue(docs.contains("parent-child:" + master) && docs.contains("verify: sh tests/run.sh docs"), docs);
    assertTrue(Files.readString(qs.resolve("tickets/" + master + ".md")).contains("epic"), "the master is an epic");
    Cli lint = Cli.run("lint", qs.toString(), "--master", master);
    assertEquals(LoopCommand.DONE, lint.exitCode, lint.out);
  }

  @Test
  void planNeedsExactlyOneSourceOfIntent() throws Exception {
    Path qs = Cli.quickstart(dir);
    Cli none = Cli.run("plan", qs.toString());
    Cli both = Cli.run("plan", qs.toString(), "--intent", "x", "--master", "QS-1");

    assertEquals(LoopCommand.USAGE, none.exitCode, "a usage error");
    assertTrue(none.err.contains("--intent") && none.err.contains("--master"), none.err);
    assertEquals(LoopCommand.USAGE, both.exitCode, "a usage error");
    assertTrue(both.err.contains("mutually exclusive"), both.err);
  }

  @Test
  void aMissingIntentFileIsAnErrorNamingIt() throws Exception {
    Path qs = Cli.quickstart(dir);
    Cli cli = Cli.run("plan", qs.toString(), "--intent-file", qs.resolve("nope.md").toString());

    assertEquals(LoopCommand.ERROR, cli.exitCode);
    assertTrue(cli.err.contains("nope.md does not exist"), cli.err);
  }
}

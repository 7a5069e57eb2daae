package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitCodeTest {
  @TempDir
  Path dir;

  private static final String SAYS_YES = Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}")
      + Cli.say("Wrote yes.");

  @Test
  void aBatchTheOracleJudgesDoneExitsZero() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "");
    Cli r = Cli.run("run", p.toString());
    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("T-1  DONE"), r.out);
  }

  @Test
  void aReachedCapExitsFive() throws Exception {
    String files = Cli.call("file_ticket", "{\"title\":\"More work\",\"body\":\"found\",\"blocks_current\":false}")
        + SAYS_YES;
    Path p = Cli.tinyProject(dir, files, "caps:\n  discovered-tickets: 0\n");
    Cli r = Cli.run("run", p.toString());
    assertEquals(LoopCommand.CAPPED, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("CAPPED"), r.out);
  }

  @Test
  void aTicketWaitingForAHumanExitsThree() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "caps:\n  attempts-per-ticket: 1\n");
    Cli r = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("T-1  waits for a human"), r.out);
  }

  @Test
  void aStalledBatchExitsThree() throws Exception {
    String blocked = "---\nid: T-2\ntitle: After T-1\ndepends_on:\n  - blocks:T-1\nmetadata:\n"
        + "  verify: sh tests/check.sh\n  verify-expect: check ok\n---\n\nNeeds T-1.\n";
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "caps:\n  attempts-per-ticket: 1\n", blocked);
    Cli r = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("STALLED"), r.out);
  }

  @Test
  void aWorkerThatRewritesTheVerifiersScriptIsRejectedBeforeMainMovesAndWaitsForAHumanWithThree() throws Exception {
    String cheat = Cli.call("run_command", "{\"command\":\"echo 'echo check ok' > tests/check.sh\"}")
        + Cli.say("Made the check pass.");
    Path p = Cli.tinyProject(dir, cheat, "");
    String before = java.nio.file.Files.readString(p.resolve("project/tests/check.sh"));
    Cli r = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("touches protected paths") && r.out.contains("tests/check.sh"), r.out);
    assertEquals(before, java.nio.file.Files.readString(p.resolve("work/repo/tests/check.sh")), "main stays clean");
  }

  @Test
  void aMissingProjectExitsOneWithOneLineAndNoStackTrace() {
    Cli r = Cli.run("run", dir.resolve("nowhere").toString());
    assertEquals(LoopCommand.ERROR, r.exitCode);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("nowhere") && r.err.contains("does not exist"), r.err);
    assertFalse(r.err.contains("\tat "), r.err);
  }

  @Test
  void verbosePrintsTheStackTraceOfAnError() {
    Cli r = Cli.run("--verbose", "run", dir.resolve("nowhere").toString());
    assertEquals(LoopCommand.ERROR, r.exitCode);
    assertTrue(r.err.contains("\tat dev.loopkit.cli"), r.err);
  }

  @Test
  void anUnknownOptionIsAUsageErrorThatExitsTwo() {
    Cli r = Cli.run("run", "--frobnicate");
    assertEquals(LoopCommand.USAGE, r.exitCode);
    assertEquals(2, r.exitCode, "picocli's convention");
    assertTrue(r.err.contains("--frobnicate") && r.err.contains("Try 'loop run --help'"), r.err);
  }

  @Test
  void anUnknownCommandAndAMissingArgumentAreUsageErrorsToo() {
    Cli unknown = Cli.run("frobnicate");
    Cli missing = Cli.run("report", ".", "run-001", "extra");
    assertEquals(LoopCommand.USAGE, unknown.exitCode, unknown.err);
    assertTrue(unknown.err.contains("frobnicate"), unknown.err);
    assertEquals(LoopCommand.USAGE, missing.exitCode, missing.err);
  }

  @Test
  void aRuntimeErrorStillExitsOneNotTwo() {
    Cli r = Cli.run("status", dir.resolve("nowhere").toString());
    assertEquals(LoopCommand.ERROR, r.exitCode, r.err);
  }

  @Test
  void helpDocumentsEveryExitCode() {
    Cli r = Cli.run("--help");
    assertEquals(0, r.exitCode);
    for (String line : new String[] {"0     DONE", "1     error", "2     usage error", "3     STALLED",
        "4     TAMPERED", "5     CAPPED", "130   stopped by Ctrl-C"}) {
      assertTrue(r.out.contains(line), r.out);
    }
  }
}

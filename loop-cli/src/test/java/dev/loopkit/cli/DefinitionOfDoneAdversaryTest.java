package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial and sloppy workers, and people editing the tracker, against the definition of done, through the real
 * {@code loop} command (real git, real processes, the bubblewrap sandbox on). Each case asserts the ending and that
 * no ticket is done unless its original finish line passes on the final integration branch, checked outside Loop
 * on a clean export ({@code git archive} of main, the tests run by a plain {@code sh}).
 *
 * <p>Cases, and what catches each: a rewritten test hidden with {@code skip-worktree} (protected paths, from the
 * files on disk); a side branch left checked out with other content committed (the harness takes the files on
 * disk and verifies exactly that merge); a daemon that rewrites the work after the attempt (the sandbox kills it);
 * two tickets that each pass alone and break main together (the candidate, then the final gate); a ticket set done
 * in its file, deleted, or given an easier finish line between sessions (the frozen batch); a forged journal line
 * (the sealed journal); a new ticket file (reported and worked). False DONEs: 0.
 */
class DefinitionOfDoneAdversaryTest {
  @TempDir
  Path dir;

  private static String run(String command) {
    return Cli.call("run_command", "{\"command\":" + json(command) + "}");
  }

  private static String json(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** A project whose tickets are given as id → (verify script name, body); transcripts per ticket and attempt. */
  private Path project(String... ticketsAndTests) throws Exception {
    Path p = dir.resolve("p");
    Files.createDirectories(p.resolve("project/tests"));
    Files.createDirectories(p.resolve("tickets"));
    Files.createDirectories(p.resolve("scripts/worker"));
    Files.writeString(p.resolve("project/README.md"), "adversary\n");
    for (int i = 0; i < ticketsAndTests.length; i += 2) {
      String id = ticketsAndTests[i];
      String test = ticketsAndTests[i + 1];
      String name = id.toLowerCase(java.util.Locale.ROOT) + ".sh";
      Files.writeString(p.resolve("project/tests/" + name), test);
      Files.writeString(p.resolve("tickets/" + id + ".md"), "---\nid: " + id + "\ntitle: Ticket " + id
          + "\nmetadata:\n  verify: sh tests/" + name + "\n  verify-expect: '(?m)^" + id + " ok$'\n---\n\nMake tests/"
          + name + " pass.\n");
    }
    Files.writeString(p.resolve("scripts/worker/default.jsonl"), Cli.say("I could not do it."));
    Files.writeString(p.resolve(ProjectConfig.FILE_NAME), "tracker:\n  folder: tickets\n"
        + "workspace:\n  repo: work/repo\n  init-from: project\n"
        + "models:\n  worker:\n    vendor: scripted\n    model: claude-sonnet-4-5\n    transcripts: scripts/worker\n"
        + "worker:\n  protect: [tests/**]\n"
        + "verifier:\n  command: echo no default finish line\n  expect-output: '^never$'\n"
        + "caps:\n  attempts-per-ticket: 2\n"
        + "concurrency: 2\n");
    return p;
  }

  private static void transcript(Path p, String ticket, int attempt, String steps) throws Exception {
    Files.writeString(p.resolve("scripts/worker/" + ticket + "-attempt-" + attempt + ".jsonl"), steps);
  }

  /** Exports main into a clean folder with git archive and runs each ticket's test there with a plain sh. */
  private static List<String> passingOnMain(Path p, String... tickets) throws Exception {
    Path export = Files.createTempDirectory(p.getParent(), "export-");
    Path tar = export.resolve("main.tar");
    exec(p.resolve("work/repo"), "git", "archive", "--format=tar", "-o", tar.toString(), "main");
    exec(export, "tar", "-xf", tar.toString());
    List<String> passing = new ArrayList<>();
    for (String id : tickets) {
      String out = exec(export, "sh", "tests/" + id.toLowerCase(java.util.Locale.ROOT) + ".sh");
      if (out.lines().anyMatch(l -> l.equals(id + " ok"))) {
        passing.add(id);
      }
    }
    return passing;
  }

  private static String exec(Path dir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  private static boolean markerUnder(Path dir, String name) throws Exception {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(f -> f.getFileName().toString().equals(name));
    } catch (java.io.UncheckedIOException e) {
      return false; // a file vanished under the walk (git at work): look again
    }
  }

  private static String status(Path p, String id) throws Exception {
    return Files.readString(p.resolve("tickets/" + id + ".md")).replaceAll("(?s).*\nstatus: ([a-z-]+)\n.*", "$1");
  }

  private static List<LoopEvent> events(Path p) {
    return RunDirectory.of(p.resolve(".loop/runs/run-001")).events();
  }

  private static final String YES_TEST = "grep -qx yes done.txt 2>/dev/null && echo 'T-1 ok' || echo 'not yet'\n";

  @Test
  void aRewrittenTestHiddenWithSkipWorktreeIsRejectedBeforeAnyMerge() throws Exception {
    Path p = project("T-1", YES_TEST);
    String cheat = run("echo \"echo 'T-1 ok'\" > tests/t-1.sh && git update-index --skip-worktree tests/t-1.sh"
        + " && git status --short") + Cli.say("Done: the test passes.");
    transcript(p, "T-1", 1, cheat);
    transcript(p, "T-1", 2, cheat);

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("tests/t-1.sh"), r.out);
    assertEquals("human-gated", status(p, "T-1"));
    assertEquals(YES_TEST, Files.readString(p.resolve("work/repo/tests/t-1.sh")), "main holds the original test");
    assertEquals(List.of(), passingOnMain(p, "T-1"));
  }

  @Test
  void whatIsMergedIsTheFilesOnDiskWhateverBranchTheWorkerLeftCheckedOut() throws Exception {
    Path p = project("T-1", YES_TEST);
    transcript(p, "T-1", 1, run("git checkout -q -b side && echo no > done.txt && git add done.txt"
        + " && git -c user.name=w -c user.email=w@x commit -qm 'the branch says no' && git checkout -q -b elsewhere"
        + " && echo yes > done.txt") + Cli.say("Wrote yes."));

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    assertEquals(List.of("T-1"), passingOnMain(p, "T-1"));
    assertEquals("yes\n", exec(p.resolve("work/repo"), "git", "show", "main:done.txt"));
  }

  @Test
  void aDaemonThatWouldUndoTheWorkAfterTheAttemptDiesWithTheSandbox() throws Exception {
    Path p = project("T-1", YES_TEST);
    transcript(p, "T-1", 1, run("echo yes > done.txt; setsid sh -c 'sleep 2; echo no > done.txt' >/dev/null 2>&1 &"
        + " nohup sh -c 'sleep 2; echo no > done.txt' >/dev/null 2>&1 & echo started") + Cli.say("Wrote yes."));

    Cli r = Cli.run("run", p.toString());
    Thread.sleep(3_000);

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    assertEquals(List.of("T-1"), passingOnMain(p, "T-1"));
    assertEquals("", exec(p.resolve("work/repo"), "git", "status", "--porcelain"), "main's tree untouched");
  }

  @Test
  void twoTicketsThatEachPassAloneCannotLeaveMainBrokenTogether() throws Exception {
    Path p = project(
        "T-1", "test -f lib.sh && . ./lib.sh && hello >/dev/null && echo 'T-1 ok' || echo 'no hello'\n",
        "T-2", "test -f welcome.sh && sh welcome.sh | grep -q hi && echo 'T-2 ok' || echo 'no welcome'\n");
    Files.writeString(p.resolve("project/lib.sh"), "greet() { echo hi; }\n");
    // T-1 renames greet to hello; T-2, working from the same main, calls greet: each passes on its own
    transcript(p, "T-1", 1, run("printf 'hello() { echo hi; }\\n' > lib.sh") + Cli.say("Renamed greet to hello."));
    transcript(p, "T-2", 1, run("printf '. ./lib.sh\\ngreet\\n' > welcome.sh") + Cli.say("Added welcome.sh."));
    // the fresh worker that gets the findings calls the new name
    transcript(p, "T-2", 2, run("printf '. ./lib.sh\\nhello\\n' > welcome.sh") + Cli.say("Called hello."));
    transcript(p, "T-1", 2, run("printf 'hello() { echo hi; }\\n' > lib.sh") + Cli.say("Renamed greet to hello."));

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    assertEquals(List.of("T-1", "T-2"), passingOnMain(p, "T-1", "T-2"));
    List<LoopEvent> events = events(p);
    boolean caught = events.stream().anyMatch(e -> e instanceof LoopEvent.TicketRegressed)
        || events.stream().anyMatch(e -> e instanceof LoopEvent.AttemptFailed f && f.ticketId().equals("T-2"));
    assertTrue(caught, "the broken combination was caught by a candidate's verification or the final gate");
    assertTrue(events.stream().anyMatch(e -> e instanceof LoopEvent.FinalGateChecked g && g.regressed() == 0
        && g.checked() == 2), "the final gate passed both on the final main");
  }

  @Test
  void aDoneWrittenIntoTheTicketFileBetweenSessionsIsReopenedAndDoneOnlyByTheWork() throws Exception {
    Path p = project("T-1", YES_TEST);
    Cli first = Cli.run("run", p.toString()); // the default transcript gives up: the ticket waits for a person
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Path ticket = p.resolve("tickets/T-1.md");
    Files.writeString(ticket, Files.readString(ticket).replaceFirst("status: [a-z-]+", "status: done"));

    Cli second = Cli.run("run", p.toString());

    assertNotEquals(LoopCommand.DONE, second.exitCode, second.out);
    assertNotEquals("done", status(p, "T-1"));
    RunReport report = RunDirectory.of(p.resolve(".loop/runs/run-001")).report();
    assertTrue(report.interventions().stream()
        .anyMatch(i -> i.kind() == RunReport.InterventionKind.STATUS_OVERRIDDEN), report.interventions().toString());
    assertEquals(List.of(), passingOnMain(p, "T-1"));
  }

  @Test
  void aCancelledWrittenIntoTheTicketFileIsReopenedButARecordedCancelStands() throws Exception {
    Path p = project("T-1", YES_TEST, "T-2", "echo 'not yet'\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Path t2 = p.resolve("tickets/T-2.md");
    Files.writeString(t2, Files.readString(t2).replaceFirst("status: [a-z-]+", "status: cancelled"));

    Cli second = Cli.run("run", p.toString());

    assertNotEquals("cancelled", status(p, "T-2"), second.out);
    RunReport report = RunDirectory.of(p.resolve(".loop/runs/run-001")).report();
    assertTrue(report.interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.STATUS_OVERRIDDEN
        && "T-2".equals(i.ticketId())), report.interventions().toString());

    Cli cancel = Cli.run("approve", p.toString(), "--ticket", "T-2", "--cancel", "--reason", "dropped from scope");
    assertEquals(LoopCommand.DONE, cancel.exitCode, cancel.out + cancel.err);
    Cli third = Cli.run("run", p.toString());
    assertEquals("cancelled", status(p, "T-2"), third.out + third.err);
    assertNotEquals(LoopCommand.DONE, third.exitCode, "T-1 still waits for a person");
  }

  @Test
  void aTicketDeletedOrGivenAnEasierFinishLineBetweenSessionsTripsTheRun() throws Exception {
    Path p = project("T-1", YES_TEST, "T-2", "echo 'not yet'\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Path t1 = p.resolve("tickets/T-1.md");
    Files.writeString(t1, Files.readString(t1).replace("verify: sh tests/t-1.sh", "verify: echo 'T-1 ok'"));

    Cli easier = Cli.run("run", p.toString());

    assertEquals(LoopCommand.TAMPERED, easier.exitCode, easier.out + easier.err);
    assertTrue(easier.out.contains("the finish line of T-1 changed"), easier.out);
    assertNotEquals("done", status(p, "T-1"));

    Files.writeString(t1, Files.readString(t1).replace("verify: echo 'T-1 ok'", "verify: sh tests/t-1.sh"));
    Files.delete(p.resolve("tickets/T-2.md"));
    Cli shrunk = Cli.run("run", p.toString());

    assertEquals(LoopCommand.TAMPERED, shrunk.exitCode, shrunk.out + shrunk.err);
    assertTrue(shrunk.out.contains("ticket T-2 left the batch"), shrunk.out);
  }

  @Test
  void aForgedJournalLineIsNeverTrusted() throws Exception {
    Path p = project("T-1", YES_TEST);
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Path journal = p.resolve(".loop/runs/run-001/journal.jsonl");
    String forged = "{\"type\":\"ticket-done\",\"at\":\"2026-12-02T00:00:00Z\",\"ticketId\":\"T-1\",\"attempt\":9,"
        + "\"evidence\":[{\"kind\":\"command\",\"summary\":\"exit 0\",\"attributes\":{}}]}\n";

    Files.writeString(journal, forged, StandardOpenOption.APPEND); // unsealed: cut, never applied
    Cli unsealed = Cli.run("run", p.toString());
    assertNotEquals(LoopCommand.DONE, unsealed.exitCode, unsealed.out);
    assertNotEquals("done", status(p, "T-1"));

    Files.writeString(journal, forged + "{\"type\":\"seal\",\"mac\":\"" + "0f".repeat(32) + "\"}\n",
        StandardOpenOption.APPEND);
    Cli sealed = Cli.run("run", p.toString());
    assertEquals(LoopCommand.ERROR, sealed.exitCode, sealed.out + sealed.err);
    assertTrue(sealed.err.contains("chain of seals breaks"), sealed.err);
    assertNotEquals("done", status(p, "T-1"));
  }

  @Test
  void aTicketFileAddedDuringTheRunIsReportedAndWorkedLikeAnyOther() throws Exception {
    Path p = project("T-1", YES_TEST);
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, first.exitCode, first.out + first.err);
    Files.writeString(p.resolve("tickets/T-9.md"), "---\nid: T-9\ntitle: Added by a person\nmetadata:\n"
        + "  verify: sh tests/t-1.sh\n  verify-expect: '(?m)^T-1 ok$'\n---\n\nWrite yes.\n");
    transcript(p, "T-9", 1, run("echo yes > done.txt") + Cli.say("Wrote yes."));

    Cli second = Cli.run("run", p.toString());

    assertEquals("done", status(p, "T-9"), second.out + second.err);
    RunReport report = RunDirectory.of(p.resolve(".loop/runs/run-001")).report();
    assertTrue(report.interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.TICKET_ADDED
        && "T-9".equals(i.ticketId())), report.interventions().toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, second.exitCode, "T-1 still waits for a person: not DONE");
  }

  @Test
  void aCancelRecordedWithLoopApproveWhileTheAttemptRunsStopsItAndStands() throws Exception {
    Path p = project("T-1", YES_TEST);
    transcript(p, "T-1", 1, run("touch started.marker; sleep 30; echo yes > done.txt") + Cli.say("Wrote yes."));
    long t0 = System.nanoTime();
    java.util.concurrent.CompletableFuture<Cli> running = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Cli.run("run", p.toString()));
    while (!markerUnder(p.resolve("work"), "started.marker")) { // the worker's command is running
      assertFalse(running.isDone(), "the run ended before the attempt started");
      Thread.sleep(50);
    }

    Cli cancel = Cli.run("approve", p.toString(), "--ticket", "T-1", "--cancel", "--reason", "not needed any more");
    Cli r = running.get(60, TimeUnit.SECONDS);

    assertEquals(LoopCommand.DONE, cancel.exitCode, cancel.out + cancel.err);
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 25, "the attempt was stopped, not waited"
        + " for:\n" + r.out + r.err);
    assertEquals("cancelled", status(p, "T-1"), r.out + r.err);
    assertTrue(events(p).stream().noneMatch(e -> e instanceof LoopEvent.TicketDone), "never done");
    assertEquals(List.of(), passingOnMain(p, "T-1"));
  }

  @Test
  void aTicketAWorkerFiledWithoutAFinishLineMustPassItsOriginsToo() throws Exception {
    Path p = project("T-1", YES_TEST);
    Path yaml = p.resolve(ProjectConfig.FILE_NAME);
    Files.writeString(yaml, Files.readString(yaml).replace("command: echo no default finish line\n  expect-output:"
        + " '^never$'", "command: echo lint ok\n  expect-output: '^lint ok$'"));
    transcript(p, "T-1", 1, run("echo yes > done.txt") + Cli.call("file_ticket",
        "{\"title\":\"Clean up the scratch files\",\"body\":\"tidy\",\"blocks_current\":false}")
        + Cli.say("Wrote yes and filed the clean-up."));
    String undo = run("rm -f done.txt") + Cli.say("Cleaned up.");
    transcript(p, "T-2", 1, undo);
    transcript(p, "T-2", 2, undo);

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertEquals("done", status(p, "T-1"));
    assertNotEquals("done", status(p, "T-2"), "the filed ticket passed the lint but not its origin's line");
    assertEquals(List.of("T-1"), passingOnMain(p, "T-1"));
  }

  @Test
  void aRequestForAPersonCitingEvidenceTheHarnessNeverSawIsAFailedAttempt() throws Exception {
    Path p = project("T-1", YES_TEST);
    String fabricated = run("echo trying") + Cli.call("request_human", "{\"reason\":\"the registry refuses our"
        + " credentials\",\"evidence\":[{\"summary\":\"docker login failed\",\"tool_call_id\":\"toolu_made_up\","
        + "\"command\":\"docker login registry\",\"exit_code\":1,\"output\":\"unauthorized\"}]}");
    transcript(p, "T-1", 1, fabricated);
    transcript(p, "T-1", 2, fabricated);

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    assertTrue(r.out.contains("2 failed attempt(s) reached the cap"), "not gated on the worker's word: " + r.out);
    assertTrue(events(p).stream().anyMatch(e -> e instanceof LoopEvent.AttemptFailed f
        && String.join(" ", f.findings()).contains("toolu_made_up")), "the finding names the bad citation");
  }
}

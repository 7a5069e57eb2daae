package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.Status;
import dev.loopkit.core.process.BubblewrapSandbox;
import dev.loopkit.oracle.CommandVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code sandbox:} section through the real {@code loop} command (its main, in process): no silent fallback
 * when bubblewrap is missing, the explicit opt-out recorded everywhere, and the verifier's commands (with the
 * code under test) confined and given an environment the worker cannot shape.
 */
class SandboxCliTest {
  private static final String SAYS_YES = Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}")
      + Cli.say("Wrote yes.");

  @TempDir
  Path dir;

  /** An environment for the loop process whose PATH holds no bwrap (a folder of its own, empty). */
  private Map<String, String> withoutBubblewrap() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("empty-bin"));
    return Map.of("PATH", bin.toString());
  }

  private static List<LoopEvent.RunStarted> starts(Path project) {
    return RunDirectory.of(project.resolve(".loop/runs/run-001")).events().stream()
        .filter(LoopEvent.RunStarted.class::isInstance).map(LoopEvent.RunStarted.class::cast).toList();
  }

  private static List<Evidence> verifyEvidence(Path project, String ticket) {
    return RunDirectory.of(project.resolve(".loop/runs/run-001")).events().stream()
        .filter(LoopEvent.StageCompleted.class::isInstance).map(LoopEvent.StageCompleted.class::cast)
        .filter(s -> s.kind() == StageKind.VERIFY && s.ticketId().equals(ticket))
        .flatMap(s -> s.evidence().stream()).toList();
  }

  @Test
  void runRefusesWithOneLineNamingTheFixAndWritesNothingWhenBubblewrapIsMissing() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "");

    Cli r = Cli.run(withoutBubblewrap(), "run", p.toString());

    assertEquals(LoopCommand.ERROR, r.exitCode, r.out + r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.startsWith("loop: no sandbox: bubblewrap (bwrap) is not on the PATH (" + dir.resolve("empty-bin")
        + ")"), r.err);
    assertTrue(r.err.contains("apt-get install bubblewrap") && r.err.contains("sandbox: {kind: none}"), r.err);
    assertFalse(r.err.contains("Exception") || r.err.contains("\tat "), r.err);
    assertFalse(Files.exists(p.resolve(".loop")), "no run directory, no journal");
    assertFalse(Files.exists(p.resolve("work")), "the repository was not seeded");
  }

  @Test
  void quickstartRefusesBeforeCopyingTheProjectWhenBubblewrapIsMissing() throws Exception {
    Path target = dir.resolve("qs");

    Cli r = Cli.run(withoutBubblewrap(), "quickstart", "--dir", target.toString());

    assertEquals(LoopCommand.ERROR, r.exitCode, r.out + r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("bubblewrap (bwrap) is not on the PATH"), r.err);
    assertFalse(Files.exists(target), "nothing was copied");
  }

  @Test
  void aRunWithKindNoneIsRecordedUnsandboxedInTheJournalTheProgressTheStatusAndTheReport() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "sandbox:\n  kind: none\n");

    // the opt-out needs no bubblewrap at all
    Cli r = Cli.run(withoutBubblewrap(), "run", p.toString());

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    List<LoopEvent.RunStarted> starts = starts(p);
    assertEquals(1, starts.size());
    assertTrue(starts.get(0).unsandboxed(), starts.get(0).sandbox());
    assertTrue(r.out.contains("UNSANDBOXED: tickets' processes run as the harness's user"), r.out);
    assertTrue(verifyEvidence(p, "T-1").get(0).attributes().get("sandbox").startsWith("none"),
        verifyEvidence(p, "T-1").toString());
    String html = Files.readString(p.resolve(".loop/runs/run-001/report.html"));
    assertTrue(html.contains("<p class=\"unsandboxed\">UNSANDBOXED: the run ran tickets&#39;")
        || html.contains("<p class=\"unsandboxed\">UNSANDBOXED: the run ran tickets'"), html);
    Cli status = Cli.run("status", p.toString());
    assertTrue(status.out.contains("UNSANDBOXED: the run ran tickets' processes without a sandbox"), status.out);
  }

  @Test
  void aSandboxedRunNamesItsSandboxInTheJournalTheProgressTheEvidenceAndTheStatus() throws Exception {
    Path p = Cli.tinyProject(dir, SAYS_YES, "sandbox:\n  kind: bubblewrap\n  network: false\n");

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    String sandbox = starts(p).get(0).sandbox();
    assertTrue(sandbox.startsWith("bubblewrap") && sandbox.contains("network off"), sandbox);
    assertFalse(starts(p).get(0).unsandboxed());
    assertTrue(r.out.contains("(1 tickets); sandbox: " + sandbox), r.out);
    assertFalse(r.out.contains("UNSANDBOXED"), r.out);
    assertEquals(sandbox, verifyEvidence(p, "T-1").get(0).attributes().get("sandbox"));
    Cli status = Cli.run("status", p.toString());
    assertTrue(status.out.contains("  sandbox: " + sandbox), status.out);
    String html = Files.readString(p.resolve(".loop/runs/run-001/report.html"));
    assertTrue(html.contains("<p class=\"sandbox\">sandbox: " + sandbox), html);
  }

  @Test
  void aVerifyCommandSeesAFixedPathAPrivateHomeAndNoLoopVariables() throws Exception {
    String ticket = "---\nid: T-2\ntitle: Print the environment\nmetadata:\n"
        + "  verify: 'env; echo \"home entries: $(ls -A \"$HOME\" | wc -l)\"'\n"
        + "  verify-expect: 'home entries: 0'\n---\n\nNothing to do.\n";
    Path p = Cli.tinyProject(dir, SAYS_YES, "", ticket);

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, r.exitCode, r.out + r.err);
    Map<String, String> seen = new TreeMap<>();
    for (String line : verifyEvidence(p, "T-2").get(0).attributes().get("excerpt").split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
        seen.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertEquals(CommandVerifier.SYSTEM_PATH, seen.get("PATH"), seen.toString());
    assertEquals(BubblewrapSandbox.HOME, seen.get("HOME"), seen.toString());
    assertTrue(seen.keySet().stream().noneMatch(n -> n.startsWith("LOOP_")), seen.keySet().toString());
    Set<String> allowed = new HashSet<>(List.of("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "USER",
        "JAVA_HOME", "PWD", "SHLVL", "_", "OLDPWD"));
    assertTrue(allowed.containsAll(seen.keySet()), "unexpected variables: " + seen.keySet());
  }

  /**
   * The code under test is the worker's: here it tries, from inside the verifier's command, to mark the tickets
   * done, forge the journal, read loop.yaml (and pass only then), and to cheat when a LOOP_ variable tells it it is
   * being verified. Confined, none of it lands: the ticket waits for a human, and nothing outside changed.
   */
  @Test
  void codeUnderTestThatAttacksTheHarnessFromTheVerifierChangesNothingAndDoesNotPass() throws Exception {
    String blocked = "---\nid: T-2\ntitle: After T-1\ndepends_on:\n  - blocks:T-1\nmetadata:\n"
        + "  verify: sh tests/check.sh\n  verify-expect: check ok\n---\n\nNeeds T-1.\n";
    Path p = dir.resolve("tiny");
    String attack = "answer() { echo 41; }\n"
        + "P='" + p + "'\n"
        + "for f in \"$P\"/tickets/*.md ../../../tickets/*.md ../../tickets/*.md; do"
        + " sed -i 's/^status: .*/status: done/' \"$f\" 2>/dev/null; done\n"
        + "echo '{\"type\":\"run-ended\",\"note\":\"FORGED-7731\"}' >> \"$P/.loop/runs/run-001/journal.jsonl\""
        + " 2>/dev/null\n"
        + "grep -q sentinel-5521 \"$P/loop.yaml\" 2>/dev/null && answer() { echo 42; }\n"
        + "[ -n \"${LOOP_TICKET_ID:-}\" ] && answer() { echo 42; }\n";
    String steps = Cli.call("write_file", new ObjectMapper().writeValueAsString(Map.of("path", "answer.sh",
        "content", attack))) + Cli.say("Done: the answer is right.");
    Cli.tinyProject(dir, steps, "# sentinel-5521\ncaps:\n  attempts-per-ticket: 1\n", blocked);
    // the harness's finish line runs the worker's code, as real test suites do
    Files.writeString(p.resolve("project/tests/check.sh"),
        ". ./answer.sh\n[ \"$(answer)\" = 42 ] && echo 'check ok' || { echo 'wrong answer'; exit 1; }\n");
    String config = Files.readString(p.resolve(ProjectConfig.FILE_NAME));
    String t2 = Files.readString(p.resolve("tickets/T-2.md"));

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, r.exitCode, r.out + r.err);
    var batch = ProjectEngine.tracker(ProjectConfig.read(p), Map.of()).readBatch();
    assertEquals(Status.HUMAN_GATED, batch.get("T-1").status());
    assertEquals(Status.OPEN, batch.get("T-2").status());
    assertEquals(t2, Files.readString(p.resolve("tickets/T-2.md")), "the blocked ticket's file is untouched");
    assertEquals(config, Files.readString(p.resolve(ProjectConfig.FILE_NAME)));
    String journal = Files.readString(p.resolve(".loop/runs/run-001/journal.jsonl"));
    assertFalse(journal.contains("FORGED-7731"), "no forged journal line");
    Evidence evidence = verifyEvidence(p, "T-1").get(0);
    assertTrue(evidence.attributes().get("excerpt").contains("wrong answer"), evidence.toString());
    assertTrue(evidence.attributes().get("sandbox").startsWith("bubblewrap"), evidence.toString());
  }
}

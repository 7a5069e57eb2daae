package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.core.process.BubblewrapSandbox;
import dev.loopkit.core.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandVerifierTest {
  @TempDir Path dir;

  private static Evidence only(Verification v) {
    assertEquals(1, v.evidence().size(), v.evidence().toString());
    return v.evidence().get(0);
  }

  @Test
  void passesWithEvidenceWhenExitCodeAndExpectedOutputAreSeen() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo 'Tests run: 4, Failures: 0'")
        .expectOutput("Tests run: \\d+, Failures: 0").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    Evidence e = only(v);
    assertEquals("command", e.kind());
    assertEquals("sh -c 'echo '\\''Tests run: 4, Failures: 0'\\'''", e.attributes().get("command"));
    assertEquals("0", e.attributes().get("exitCode"));
    assertEquals("false", e.attributes().get("timedOut"));
    assertEquals(Sha256.hex("Tests run: 4, Failures: 0\n"), e.attributes().get("outputSha256"));
    assertEquals("Tests run: 4, Failures: 0\n", e.attributes().get("excerpt"));
    assertEquals("Tests run: 4, Failures: 0", e.attributes().get("matched"));
    assertEquals(dir.toString(), e.attributes().get("workingDirectory"));
    assertTrue(e.attributes().containsKey("durationMillis"));
  }

  @Test
  void exitZeroWithoutTheExpectedOutputIsAFailureWithEvidence() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo nothing to see").expectOutput("BUILD SUCCESS").build()
        .verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertEquals(List.of("output of sh -c 'echo nothing to see' did not contain a match for /BUILD SUCCESS/ (15 bytes"
        + " of output)"), f.findings());
    assertEquals("0", only(v).attributes().get("exitCode"));
  }

  @Test
  void anotherExitCodeIsAFailureEvenWhenTheOutputMatches() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo BUILD SUCCESS; exit 3").expectOutput("BUILD SUCCESS").build()
        .verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertEquals("command sh -c 'echo BUILD SUCCESS; exit 3' exited 3: expected 0", f.findings().get(0));
    assertEquals("3", only(v).attributes().get("exitCode"));
  }

  @Test
  void theRequiredExitCodeCanBeOtherThanZero() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo refused; exit 2").expectExitCode(2).expectOutput("refused")
        .build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
  }

  @Test
  void timeoutKillsTheWholeProcessTreeAndIsAFailure() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "sleep 61.25 & echo started; wait")
        .timeout(Duration.ofMillis(700)).expectOutput("never").build().verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertTrue(f.findings().get(0).contains("timed out after PT0.7S"), f.findings().toString());
    assertEquals("true", only(v).attributes().get("timedOut"));
    assertEquals("none", only(v).attributes().get("exitCode"));
    List<ProcessHandle> left = ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().orElse("").contains("sleep 61.25")).filter(ProcessRunner::running)
        .toList();
    assertEquals(List.of(), left, "the sandbox and the sleep it started are gone");
  }

  @Test
  void timeoutKillsTheBackgroundChildOfAnUnsandboxedCommandToo() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "sleep 60 & echo $! > child.pid; echo started; wait")
        .timeout(Duration.ofMillis(700)).expectOutput("never").build().verify(Requests.unsandboxed(dir));
    assertInstanceOf(Verification.Failed.class, v);
    long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
    ProcessHandle.of(child).ifPresent(h -> h.onExit().join());
    assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void theCommandSeesAFixedPathAPrivateHomeAndNoLoopVariables() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "env; echo home has $(ls -A \"$HOME\" | wc -l) entries")
        .expectOutput("home has 0 entries").environment("GREETING", "hello").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    Map<String, String> seen = variables(only(v).attributes().get("excerpt"));
    assertEquals(CommandVerifier.SYSTEM_PATH, seen.get("PATH"));
    assertEquals(BubblewrapSandbox.HOME, seen.get("HOME"));
    assertEquals("hello", seen.get("GREETING"));
    Set<String> allowed = new HashSet<>(CommandVerifier.DEFAULT_PASSED_ENVIRONMENT);
    // the sandbox adds TMPDIR; sh itself sets PWD (and, on some systems, SHLVL and _)
    allowed.addAll(List.of("PATH", "HOME", "TMPDIR", "GREETING", "PWD", "SHLVL", "_", "OLDPWD"));
    assertTrue(allowed.containsAll(seen.keySet()), "unexpected variables: " + seen.keySet());
    assertTrue(seen.keySet().stream().noneMatch(n -> n.startsWith("LOOP_")), seen.keySet().toString());
    String recorded = only(v).attributes().get("environment");
    assertTrue(recorded.contains("GREETING") && recorded.contains("PATH"), recorded);
    assertFalse(recorded.contains("hello"), "environment values must not reach the evidence: " + recorded);
  }

  @Test
  void anUnsandboxedCommandGetsAFreshHomeThatIsDeletedAfterwards() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo \"home=$HOME\"; ls -A \"$HOME\" | wc -l; env")
        .expectOutput("home=").build().verify(Requests.unsandboxed(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    Map<String, String> seen = variables(only(v).attributes().get("excerpt"));
    Path home = Path.of(seen.get("HOME"));
    assertFalse(home.equals(Path.of(System.getProperty("user.home"))), "not the host's home: " + home);
    assertTrue(home.getFileName().toString().startsWith("loop-verify-home-"), home.toString());
    assertFalse(Files.exists(home), "the private home is deleted after the command");
    assertEquals(CommandVerifier.SYSTEM_PATH, seen.get("PATH"));
    assertTrue(only(v).attributes().get("sandbox").startsWith("none"), only(v).attributes().toString());
  }

  @Test
  void theEvidenceNamesTheSandboxTheCommandRanIn() throws Exception {
    Verification v = CommandVerifier.of("echo", "ok").expectOutput("ok").build().verify(Requests.in(dir));
    String sandbox = only(v).attributes().get("sandbox");
    assertTrue(sandbox.startsWith("bubblewrap") && sandbox.contains("network off"), sandbox);
  }

  @Test
  void aSandboxedCommandCannotWriteOutsideItsWorkspace() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("workspace"));
    Path outside = dir.resolve("tickets.md");
    Files.writeString(outside, "status: open\n");
    Verification v = CommandVerifier.of("sh", "-c", "test -e " + outside + " && echo can-see-tickets; echo 'status:"
        + " done' > " + outside + "; echo 'status: done' > ../tickets.md; echo tried")
        .expectOutput("tried").build().verify(Requests.in(workspace));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    assertEquals("status: open\n", Files.readString(outside));
    assertFalse(only(v).attributes().get("excerpt").contains("can-see-tickets"),
        "the file next to the workspace is invisible: " + only(v).attributes().get("excerpt"));
  }

  @Test
  void aScriptTheVerifierReadsOutsideTheWorkspaceRunsReadOnlyInTheSandbox() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("workspace"));
    Path script = dir.resolve("ci/verify.sh");
    Files.createDirectories(script.getParent());
    String text = "echo VERIFIED; echo 'echo cheat' >> \"$0\" 2>/dev/null || echo read-only\n";
    Files.writeString(script, text);
    Verification v = CommandVerifier.of("sh", script.toString()).expectOutput("(?m)^VERIFIED$").build()
        .verify(Requests.in(workspace));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    assertTrue(only(v).attributes().get("excerpt").contains("read-only"), only(v).attributes().toString());
    assertEquals(text, Files.readString(script));
  }

  @Test
  void theTicketPlaceholderIsReplacedByThePlainTicketId() throws Exception {
    Verification v = CommandVerifier.of("echo", "checking {ticket} now").expectOutput("checking T-1 now").build()
        .verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    assertEquals("echo 'checking T-1 now'", only(v).attributes().get("command"));
  }

  @Test
  void loopVariablesCannotBeHandedToAVerifyCommand() {
    InputException passed = assertThrows(InputException.class,
        () -> CommandVerifier.builder().passEnvironment("LOOP_TICKET_ID"));
    assertTrue(passed.getMessage().contains("'LOOP_TICKET_ID'") && passed.getMessage().contains("{ticket}"),
        passed.getMessage());
    assertThrows(InputException.class, () -> CommandVerifier.builder().environment("LOOP_ATTEMPT", "1"));
  }

  @Test
  void theHostMayReplaceTheFixedPathDeliberately() throws Exception {
    Verification v = CommandVerifier.of("/bin/sh", "-c", "echo \"path=$PATH\"").environment("PATH", "/usr/bin")
        .expectOutput("path=/usr/bin$").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
  }

  @Test
  void anExpectedFileThatIsALinkOutOfTheWorkspaceDoesNotCount() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("workspace"));
    Path host = dir.resolve("host-file.txt");
    Files.writeString(host, "not the work\n");
    Files.createSymbolicLink(workspace.resolve("report.txt"), host);
    Verification v = CommandVerifier.of("true").expectFile("report.txt").build().verify(Requests.in(workspace));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertTrue(f.findings().get(0).contains("leads outside the workspace"), f.findings().toString());
  }

  private static Map<String, String> variables(String output) {
    Map<String, String> out = new TreeMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  @Test
  void anExpectedFileMustExistAndItsHashIsRecorded() throws Exception {
    CommandVerifier writes = CommandVerifier.of("sh", "-c", "mkdir -p out && printf report > out/report.txt")
        .expectFile("out/report.txt").build();
    Verification v = writes.verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    assertEquals(Sha256.hex("report"), only(v).attributes().get("expectedFileSha256"));

    Verification missing = CommandVerifier.of("true").expectFile("out/other.txt").build().verify(Requests.in(dir));
    assertEquals(List.of("expected file out/other.txt is missing or empty after true"),
        ((Verification.Failed) missing).findings());
  }

  @Test
  void outputBeyondTheLimitKeepsHeadAndTailAndSaysItWasCut() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done")
        .outputLimitBytes(4096).excerptChars(30).expectOutput("line-2999").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    Evidence e = only(v);
    assertEquals("true", e.attributes().get("outputTruncated"));
    int kept = Integer.parseInt(e.attributes().get("outputBytes"));
    assertTrue(kept > 4000 && kept < 4300, "head and tail of 2048 bytes each, and the marker: " + kept);
    assertTrue(e.attributes().get("excerpt").endsWith("line-2999\n"));
    assertEquals(33, e.attributes().get("excerpt").length());
  }

  @Test
  void outputIsStdoutThenStderrAndBothAreSearched() throws Exception {
    Verification v = CommandVerifier.of("sh", "-c", "echo BUILD >&2; printf 'tests ran'")
        .expectOutput("(?s)tests ran\nBUILD").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v, v.toString());
    assertEquals(Sha256.hex("tests ran\nBUILD\n"), only(v).attributes().get("outputSha256"));
  }

  @Test
  void aProgramThatCannotStartIsAFailureNamingIt() throws Exception {
    Verification v = CommandVerifier.of("/nonexistent/verify-tool").expectOutput("ok").build().verify(Requests.in(dir));
    assertTrue(((Verification.Failed) v).findings().get(0).startsWith("command /nonexistent/verify-tool could not start"));
  }

  @Test
  void aMissingWorkingDirectoryIsAFailure() throws Exception {
    Verification v = CommandVerifier.of("true").expectOutput("x").subdirectory("module-a").build()
        .verify(Requests.in(dir));
    assertTrue(((Verification.Failed) v).findings().get(0).contains("does not exist"));
  }

  @Test
  void buildRefusesACommandWithNoPositiveEvidenceToLookFor() {
    InputException e = assertThrows(InputException.class, () -> CommandVerifier.of("make", "test").build());
    assertTrue(e.getMessage().contains("expectOutput(regex) or expectFile(path)"), e.getMessage());
  }

  @Test
  void badSettingsAreRejectedNamingTheValue() {
    assertTrue(assertThrows(InputException.class, () -> CommandVerifier.builder().expectOutput("(unclosed"))
        .getMessage().contains("'(unclosed'"));
    assertTrue(assertThrows(InputException.class, () -> CommandVerifier.builder().subdirectory("../outside"))
        .getMessage().contains("'../outside' is not inside the workspace"));
    assertTrue(assertThrows(InputException.class, () -> CommandVerifier.builder().timeout(Duration.ZERO))
        .getMessage().contains("PT0S"));
    assertTrue(assertThrows(InputException.class, () -> CommandVerifier.builder().command(List.of()))
        .getMessage().contains("empty"));
    assertTrue(assertThrows(InputException.class, () -> CommandVerifier.builder().passEnvironment("BAD-NAME"))
        .getMessage().contains("'BAD-NAME'"));
  }

  @Test
  void theFingerprintCoversAnAbsoluteScriptNamedInTheCommand() throws Exception {
    Path script = dir.resolve("verify.sh");
    Files.writeString(script, "echo ok\n");
    CommandVerifier v = CommandVerifier.of("sh", script.toString()).expectOutput("ok").build();
    Fingerprint before = Fingerprint.of("verifier", v);
    assertTrue(before.files().contains(script));
    Files.writeString(script, "echo ok; exit 0\n");
    assertEquals(List.of("changed: file:" + script), Fingerprint.of("verifier", v).changesFrom(before.parts()));
  }
}

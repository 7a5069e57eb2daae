package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    Verification v = CommandVerifier.of("sh", "-c", "sleep 60 & echo $! > child.pid; echo started; wait")
        .timeout(Duration.ofMillis(700)).expectOutput("never").build().verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertTrue(f.findings().get(0).contains("timed out after PT0.7S"), f.findings().toString());
    assertEquals("true", only(v).attributes().get("timedOut"));
    assertEquals("none", only(v).attributes().get("exitCode"));
    long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
    // destroyForcibly sends SIGKILL; give the kernel a moment to reap, without sleeping on a clock
    ProcessHandle.of(child).ifPresent(h -> h.onExit().join());
    assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void theCommandSeesNoHostEnvironmentBeyondTheHarmlessNames() throws Exception {
    Verification v = CommandVerifier.of("env").expectOutput("LOOP_TICKET_ID=T-1").environment("GREETING", "hello")
        .build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    Set<String> names = new HashSet<>();
    for (String line : only(v).attributes().get("excerpt").split("\n")) {
      names.add(line.substring(0, line.indexOf('=')));
    }
    Set<String> allowed = new HashSet<>(CommandVerifier.DEFAULT_PASSED_ENVIRONMENT);
    allowed.addAll(List.of("LOOP_RUN_ID", "LOOP_TICKET_ID", "LOOP_ATTEMPT", "GREETING"));
    assertTrue(allowed.containsAll(names), "unexpected variables: " + names);
    assertTrue(names.contains("GREETING"));
    String recorded = only(v).attributes().get("environment");
    assertTrue(recorded.contains("GREETING"), recorded);
    assertFalse(recorded.contains("hello"), "environment values must not reach the evidence: " + recorded);
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
  void outputBeyondTheLimitIsHashedInFullWhileOnlyHeadAndTailAreKept() throws Exception {
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      expected.append("line-").append(i).append('\n');
    }
    Verification v = CommandVerifier.of("sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done")
        .outputLimitBytes(4096).excerptChars(30).expectOutput("line-2999").build().verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    Evidence e = only(v);
    assertEquals(Sha256.hex(expected.toString().getBytes(StandardCharsets.UTF_8)), e.attributes().get("outputSha256"));
    assertEquals(Integer.toString(expected.length()), e.attributes().get("outputBytes"));
    assertEquals("true", e.attributes().get("outputTruncated"));
    assertTrue(e.attributes().get("excerpt").endsWith("line-2999\n"));
    assertEquals(33, e.attributes().get("excerpt").length());
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

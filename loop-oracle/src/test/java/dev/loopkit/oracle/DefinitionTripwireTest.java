package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.Status;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefinitionTripwireTest {
  @TempDir Path dir;

  private CommandVerifier scriptVerifier(Path script) {
    return CommandVerifier.of("sh", script.toString()).expectOutput("VERIFIED").build();
  }

  @Test
  void fingerprintNamesTheOracleTheVerifierAndTheScriptItRuns() throws Exception {
    Path script = Files.writeString(dir.resolve("verify.sh"), "grep -q 42 answer.txt && echo VERIFIED\n");
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .verifier(scriptVerifier(script)).build();
    Map<String, String> parts = tripwire.fingerprint();
    assertTrue(parts.containsKey("oracle.class"));
    assertTrue(parts.containsKey("verifier.config.command"));
    assertTrue(parts.containsKey("file:" + script));
    assertEquals(parts, tripwire.fingerprint());
    assertTrue(tripwire.protectedPaths().isProtected(script));
  }

  @Test
  void editingTheVerifiersScriptChangesExactlyThatPart() throws Exception {
    Path script = Files.writeString(dir.resolve("verify.sh"), "grep -q 42 answer.txt && echo VERIFIED\n");
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .verifier(scriptVerifier(script)).build();
    Map<String, String> before = tripwire.fingerprint();
    Files.writeString(script, "echo VERIFIED\n");
    assertEquals(List.of("changed: file:" + script), Fingerprint.changes(before, tripwire.fingerprint()));
  }

  @Test
  void aNewFileMatchingAProtectedGlobIsAChange() throws Exception {
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .glob(dir, "oracle/**").build();
    Map<String, String> before = tripwire.fingerprint();
    Files.createDirectories(dir.resolve("oracle"));
    Files.writeString(dir.resolve("oracle/override.yaml"), "done: always");
    assertEquals(List.of("added: file:" + dir.resolve("oracle/override.yaml")),
        Fingerprint.changes(before, tripwire.fingerprint()));
  }

  @Test
  void canariesPassForTheStockOracles() {
    ReverifyingOracle reverifying = ReverifyingOracle.builder()
        .workspaceFor(t -> new Workspace(t.id(), dir, Map.of()))
        .verifier(r -> Verification.failed("the real verifier must not see canary tickets")).build();
    for (Oracle oracle : List.of(TrackerOracle.create(), reverifying,
        CompositeOracle.allOf(TrackerOracle.create(), reverifying))) {
      assertEquals(List.of(), DefinitionTripwire.builder().oracle(oracle).build().canaries(), oracle.toString());
    }
  }

  @Test
  void canariesCatchAnOracleThatAlwaysSaysDone() {
    Oracle liar = ctx -> Verdict.done("looks finished to me");
    List<String> failures = DefinitionTripwire.builder().oracle(liar).build().canaries();
    assertEquals(List.of("canary: the oracle judged a batch with an open ticket done: expected pending",
        "canary: the oracle judged a batch with an in-progress ticket done: expected pending"), failures);
  }

  @Test
  void canariesCatchAnOracleThatNeverSaysDone() {
    Oracle stuck = ctx -> Verdict.pending(ctx.tracker().readBatch().tickets().stream()
        .map(t -> new Verdict.Outstanding(t.id(), "never")).toList());
    List<String> failures = DefinitionTripwire.builder().oracle(stuck).build().canaries();
    assertEquals(1, failures.size());
    assertTrue(failures.get(0).startsWith("canary: the oracle judged an all-done batch not done"), failures.get(0));
    assertEquals(List.of(), DefinitionTripwire.builder().oracle(stuck).doneCanary(false).build().canaries());
  }

  @Test
  void canariesCatchAReverifyingOracleThatIgnoresItsVerifier() {
    VerifyingOracle ignoring = new VerifyingOracle() {
      @Override
      public Verdict judge(dev.loopkit.core.OracleContext context) {
        return TrackerOracle.create().judge(context);
      }

      @Override
      public Oracle withVerifier(dev.loopkit.core.Verifier verifier) {
        return this;
      }
    };
    assertEquals(List.of("canary: the oracle judged an all-done batch whose verifier fails done: expected pending"),
        DefinitionTripwire.builder().oracle(ignoring).build().canaries());
  }

  @Test
  void canariesReportAnOracleThatWritesToTheTracker() {
    Oracle writer = ctx -> {
      ctx.tracker().transition("canary-2", Status.DONE, "helping");
      return Verdict.done("all done now");
    };
    List<String> failures = DefinitionTripwire.builder().oracle(writer).build().canaries();
    assertTrue(failures.get(0).contains("tried to move canary-2 to done on a canary batch"), failures.get(0));
  }

  @Test
  void aGuardedVerifiersPassIsNotTrustedOnceTheDefinitionChanged() throws Exception {
    Path script = Files.writeString(dir.resolve("verify.sh"), "grep -q 42 answer.txt && echo VERIFIED\n");
    CommandVerifier verifier = scriptVerifier(script);
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create()).verifier(verifier).build();
    tripwire.fingerprint();
    Files.writeString(script, "echo VERIFIED\n");
    Verification v = tripwire.guard(verifier).verify(Requests.in(dir));
    Verification.Failed f = assertInstanceOf(Verification.Failed.class, v);
    assertEquals("the definition of done changed since the run started (changed: file:" + script
        + "): the pass is not trusted", f.findings().get(0));
    assertEquals(1, v.evidence().size());
  }

  @Test
  void aGuardedVerifierPassesWhileTheDefinitionIsUnchanged() throws Exception {
    Files.writeString(dir.resolve("answer.txt"), "42");
    Path script = Files.writeString(dir.resolve("verify.sh"), "grep -q 42 answer.txt && echo VERIFIED\n");
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .verifier(scriptVerifier(script)).build();
    tripwire.fingerprint();
    Verification v = tripwire.guard(scriptVerifier(script)).verify(Requests.in(dir));
    assertInstanceOf(Verification.Passed.class, v);
    assertEquals(List.of("command"), v.evidence().stream().map(Evidence::kind).toList());
  }
}

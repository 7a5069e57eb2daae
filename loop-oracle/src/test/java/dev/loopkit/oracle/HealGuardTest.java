package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.HealRevert;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealGuardTest {
  private static final String SCRIPT = "grep -q 42 answer.txt && echo VERIFIED\n";
  @TempDir Path dir;
  private Path script;
  private Path prompt;
  private DefinitionTripwire tripwire;
  private final HarnessSettings settings = HarnessSettings.of(Map.of("retries.max", "2", "worker.model", "small"));
  private final HealContext context =
      new HealContext("run-1", HealContext.Reason.REPEATED_FAILURES, Batch.of(), List.of(), 0);

  @BeforeEach
  void definition() throws Exception {
    script = Files.writeString(dir.resolve("verify.sh"), SCRIPT);
    prompt = Files.writeString(dir.resolve("prompt.md"), "Fix the ticket.\nRun the tests.\n");
    tripwire = DefinitionTripwire.builder().oracle(TrackerOracle.create())
        .verifier(CommandVerifier.of("sh", script.toString()).expectOutput("VERIFIED").build()).build();
  }

  private HealGuard.Builder guard() {
    return HealGuard.builder().tripwire(tripwire).settings(settings).harnessFile(prompt);
  }

  @Test
  void aHealOfTheHarnessIsAppliedWithTheDiffOfWhatChanged() throws Exception {
    Heal heal = guard().delegate(ctx -> {
      settings.set("retries.max", "4");
      Files.writeString(prompt, "Fix the ticket.\nRun the tests, then read the failures.\n");
      return Heal.applied("more retries, clearer prompt", "");
    }).build().heal(context);
    Heal.Applied applied = assertInstanceOf(Heal.Applied.class, heal);
    assertEquals("more retries, clearer prompt", applied.summary());
    assertEquals("settings:\n- retries.max=2\n+ retries.max=4\n"
        + "harness file " + prompt + ":\n-2 Run the tests.\n+2 Run the tests, then read the failures.\n", applied.diff());
    assertEquals("4", settings.get("retries.max", ""));
  }

  @Test
  void anAppliedHealIsRevertedByNumberInALaterSessionFromItsRecordInTheStateDirectory() throws Exception {
    Path state = dir.resolve("run/heals");
    HealContext withState = new HealContext("run-1", HealContext.Reason.REPEATED_FAILURES, Batch.of(), List.of(), 1,
        state);
    Heal heal = guard().delegate(ctx -> {
      settings.set("retries.max", "7");
      Files.writeString(prompt, "Fix the ticket.\nNever run the tests.\n");
      return Heal.applied("a worse prompt", "").withUsage(dev.loopkit.core.Usage.tokens(10, 5));
    }).build().heal(withState);
    assertInstanceOf(Heal.Applied.class, heal);
    assertEquals(15, heal.usage().totalTokens(), "the delegate's usage is passed on");
    assertTrue(Files.isRegularFile(state.resolve("heal-2.json")), "heal 2 is recorded before it is returned");

    // a later session: a new guard (and a delegate that cannot revert) over the same files
    HealGuard later = guard().delegate(ctx -> Heal.noChange("unused")).build();
    assertTrue(later.revert(new HealRevert("run-1", 2, "no ticket done in 3 attempts since it", state)));

    assertEquals("Fix the ticket.\nRun the tests.\n", Files.readString(prompt));
    assertEquals("2", settings.get("retries.max", ""));
    assertEquals(SCRIPT, Files.readString(script));
    assertEquals(false, later.revert(new HealRevert("run-1", 5, "never applied", state)), "an unknown heal");
  }

  @Test
  void aHealThatWeakensTheVerifiersScriptIsRolledBackAndRejected() throws Exception {
    Heal heal = guard().delegate(ctx -> {
      settings.set("retries.max", "9");
      Files.writeString(script, "echo VERIFIED\n");
      return Heal.applied("made verification reliable", "");
    }).build().heal(context);
    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertEquals(SCRIPT, Files.readString(script));
    assertEquals("2", settings.get("retries.max", ""), "the whole patch is rolled back, settings too");
    assertEquals("the heal touched the definition of done (changed protected file " + script
        + "); the patch was rolled back; the run must stop for a person", rejected.reason());
    assertTrue(rejected.diff().contains("protected file " + script + ":\n-1 grep -q 42 answer.txt && echo VERIFIED\n"
        + "+1 echo VERIFIED\n"), rejected.diff());
    assertTrue(rejected.diff().contains("+ retries.max=9"), rejected.diff());
  }

  @Test
  void aHealThatSwapsTheOracleBehindAReferenceIsRejectedNamingWhatCouldNotBeRestored() throws Exception {
    AtomicReference<Oracle> current = new AtomicReference<>(TrackerOracle.create());
    Oracle switchable = ctx -> current.get().judge(ctx);
    DefinitionTripwire swappable = DefinitionTripwire.builder().oracle(switchable).build();
    Heal heal = HealGuard.builder().tripwire(swappable).delegate(ctx -> {
      current.set(c -> Verdict.done("trust me"));
      return Heal.applied("simplified the oracle", "");
    }).build().heal(context);
    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().contains("fingerprint changed: oracle.field.arg$1.value.class"), rejected.reason());
    assertTrue(rejected.reason().contains("still changed"), rejected.reason());
    assertTrue(rejected.diff().contains("fingerprint:\n  changed: oracle.field.arg$1.value.class"), rejected.diff());
  }

  @Test
  void aFileCreatedUnderAProtectedGlobIsDeletedAndTheHealRejected() throws Exception {
    DefinitionTripwire globbed = DefinitionTripwire.builder().oracle(TrackerOracle.create()).glob(dir, "oracle/*").build();
    Path override = dir.resolve("oracle/override.yaml");
    Heal heal = HealGuard.builder().tripwire(globbed).delegate(ctx -> {
      Files.createDirectories(override.getParent());
      Files.writeString(override, "done: always\n");
      return Heal.applied("added an override", "");
    }).build().heal(context);
    assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(Files.notExists(override));
    assertTrue(((Heal.Rejected) heal).reason().contains("created protected file " + override));
  }

  @Test
  void aHealerThatThrowsHasItsPartialPatchRestoredAndTheExceptionPropagates() throws Exception {
    HealGuard g = guard().delegate(ctx -> {
      settings.set("worker.model", "large");
      Files.writeString(prompt, "half written");
      throw new IllegalStateException("model call failed");
    }).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.heal(context));
    assertEquals("model call failed", e.getMessage());
    assertEquals("small", settings.get("worker.model", ""));
    assertEquals("Fix the ticket.\nRun the tests.\n", Files.readString(prompt));
  }

  @Test
  void noChangeStaysNoChangeAndAnUnannouncedChangeIsReportedAsApplied() throws Exception {
    Heal quiet = Heal.noChange("nothing to try");
    assertSame(quiet, guard().delegate(ctx -> quiet).build().heal(context));
    Heal sneaky = guard().delegate(ctx -> {
      settings.set("worker.model", "large");
      return Heal.noChange("nothing to see");
    }).build().heal(context);
    Heal.Applied applied = assertInstanceOf(Heal.Applied.class, sneaky);
    assertTrue(applied.summary().startsWith("the healer said no change but changed the harness"));
    assertEquals("settings:\n- worker.model=small\n+ worker.model=large\n", applied.diff());
  }

  @Test
  void aProtectedFileCannotBeDeclaredAHarnessFile() {
    InputException e = assertThrows(InputException.class,
        () -> HealGuard.builder().tripwire(tripwire).delegate(ctx -> Heal.noChange("x")).harnessFile(script).build());
    assertTrue(e.getMessage().contains("is protected"), e.getMessage());
  }
}

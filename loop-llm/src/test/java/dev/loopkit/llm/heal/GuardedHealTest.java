package dev.loopkit.llm.heal;

import static dev.loopkit.llm.heal.HealFixture.CONVENTION;
import static dev.loopkit.llm.heal.HealFixture.FINDING;
import static dev.loopkit.llm.heal.HealFixture.PROMPT;
import static dev.loopkit.llm.heal.HealFixture.VERIFY;
import static dev.loopkit.llm.heal.HealFixture.conclude;
import static dev.loopkit.llm.heal.HealFixture.context;
import static dev.loopkit.llm.heal.HealFixture.edit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Heal;
import dev.loopkit.core.Healer;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Evidence;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.HealGuard;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The healer as it runs in real use: inside loop-oracle's HealGuard, and through the engine. */
class GuardedHealTest {
  private static final String ADD_CONVENTION = edit("prompts/worker.md", "Run the tests before you finish.\n",
      "Run the tests before you finish.\n" + CONVENTION + "\n");
  private static final String GAP = conclude("harness_gap", "the worker prompt lacked the tabs convention",
      "findings", "indented with spaces: the project's convention is tabs");

  @TempDir Path dir;
  private HealFixture fx;
  private final TrackerOracle oracle = TrackerOracle.create();
  /** The verifier: out.txt in the workspace must be indented with a tab; its definition is verify.sh. */
  private final Verifier verifier = r -> {
    Path out = r.workspace().directory().resolve("out.txt");
    if (!Files.exists(out) || !Files.readString(out).startsWith("\t")) {
      return Verification.failed(FINDING);
    }
    return Verification.passed(Evidence.of("file", "out.txt is indented with a tab"));
  };
  private DefinitionTripwire tripwire;

  @BeforeEach
  void harness() throws Exception {
    fx = new HealFixture(dir);
    tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(verifier).file(fx.verifier).build();
  }

  private Healer guarded(ModelHealer healer) {
    HealGuard.Builder guard = HealGuard.builder().delegate(healer).tripwire(tripwire);
    healer.healableFiles().forEach(guard::harnessFile);
    return guard.build();
  }

  /** A worker that follows its prompt file: it indents with tabs only when the prompt says so. */
  private Worker promptFollowingWorker() {
    return a -> {
      String prompt = Files.readString(fx.prompt);
      Files.writeString(a.workspace().directory().resolve("out.txt"),
          prompt.contains("Indent with tabs") ? "\tindented\n" : "    indented\n");
      return WorkResult.completed("wrote out.txt following the prompt", Usage.tokens(100, 20));
    };
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Healer healer, RecordingListener events) {
    return LoopEngine.builder().tracker(tracker).oracle(oracle).worker(promptFollowingWorker()).verifier(verifier)
        .tripwire(tripwire).healer(healer).healAfterConsecutiveFailures(2).maxHeals(1)
        .caps(Caps.builder().maxAttemptsPerTicket(5).build()).listener(events).runDirectory(fx.runDir);
  }

  @Test
  void aTicketThatFailsForWantOfAPromptLineIsHealedAndTheRunEndsDone() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("format the report")
        .addAcceptanceCriterion("out.txt is indented the project's way").build());
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_evidence", "{\"name\":\"findings\"}")
        .expectLastMessageContains("attempt 2 verify: " + FINDING)
        .callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP)
        .respondText("Added the convention to the worker prompt.")
        .build();
    ModelHealer healer = fx.healer(model).canaries(tripwire).build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, guarded(healer), events).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(Status.DONE, tracker.ticket("A").status());
    List<LoopEvent.HealAttempted> heals = events.events(LoopEvent.HealAttempted.class);
    assertEquals(1, heals.size());
    assertEquals(Heal.Outcome.APPLIED, heals.get(0).outcome());
    assertTrue(heals.get(0).summary().startsWith("harness gap: the worker prompt lacked the tabs convention"),
        heals.get(0).summary());
    assertTrue(heals.get(0).diff().contains("declared by the healer:\n--- a/prompts/worker.md\n+++ b/prompts/worker.md\n"),
        heals.get(0).diff());
    assertEquals(3, events.events(LoopEvent.TicketDispatched.class).size(), "two failures, the heal, one pass");
    assertEquals(PROMPT + CONVENTION + "\n", Files.readString(fx.prompt));
    assertTrue(Files.exists(ModelHealer.transcriptPath(fx.runDir, 1)));
  }

  @Test
  void aStallBehindAPersonIsClassifiedAnExternalWallAndTheRunEndsStalled() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("X").title("rotate the deploy key").status(Status.HUMAN_GATED).build(),
        Ticket.builder("A").title("deploy the report").addDependency(dev.loopkit.core.Dependency.blockedBy("X"))
            .build());
    ScriptedModelClient model = ScriptedModelClient.builder()
        .expectLastMessageContains("The ending this heal would prevent: the run ends STALLED")
        .callTool("read_evidence", "{\"name\":\"ticket/X\"}")
        .callTool("conclude", conclude("external_wall", "A waits for X, which waits for a person to rotate the key",
            "ticket/X", "ticket X: rotate the deploy key\nstatus: HUMAN_GATED"))
        .respondText("A person must rotate the key.")
        .build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, guarded(fx.healer(model).build()), events).build().run();

    assertInstanceOf(RunEnding.Stalled.class, result.ending(), result.ending().describe());
    assertTrue(result.ending().describe().contains("a heal found an external wall, a person must act"
        + " (external wall (a person must act): A waits for X"), result.ending().describe());
    LoopEvent.HealAttempted heal = events.events(LoopEvent.HealAttempted.class).get(0);
    assertEquals(Heal.Outcome.WALL, heal.outcome());
    assertTrue(heal.summary().startsWith("external wall (a person must act): A waits for X"), heal.summary());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void aHealThatEditsTheVerifiersFileIsCaughtByHealGuardRolledBackAndRejected() throws Exception {
    // the host misconfigured the healable globs to include verify.sh: only HealGuard stands in the way
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("edit_file", ADD_CONVENTION)
        .callTool("write_file", "{\"path\":\"verify.sh\",\"content\":\"echo VERIFIED\\n\"}")
        .callTool("conclude", GAP)
        .respondText("Made verification reliable.")
        .build();
    ModelHealer healer = fx.healer(model).healable("*.sh").build();
    HealGuard guard = HealGuard.builder().delegate(healer).tripwire(tripwire).harnessFile(fx.prompt).build();

    Heal heal = guard.heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().startsWith("the heal touched the definition of done (changed protected file "
        + fx.verifier), rejected.reason());
    assertEquals(VERIFY, Files.readString(fx.verifier));
    assertEquals(PROMPT, Files.readString(fx.prompt), "the whole patch is rolled back");
    assertTrue(rejected.diff().contains("+++ b/verify.sh"), rejected.diff());
  }

  @Test
  void throughTheEngineAVerifierTamperingHealIsRolledBackAndTheTicketIsNeverDone() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("format the report").build());
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"verify.sh\",\"content\":\"echo VERIFIED\\n\"}")
        .callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP)
        .respondText("done")
        .build();
    RecordingListener events = new RecordingListener();

    Healer misconfigured = HealGuard.builder().delegate(fx.healer(model).healable("*.sh").build()).tripwire(tripwire)
        .harnessFile(fx.prompt).build();

    RunResult result = engine(tracker, misconfigured, events).build().run();

    // the guard rolled the heal back and the engine journaled it rejected; the verifier never weakened, so the
    // ticket is not done and the run does not end DONE (the engine decides the rest of the real stop)
    List<LoopEvent.HealAttempted> heals = events.events(LoopEvent.HealAttempted.class);
    assertEquals(Heal.Outcome.REJECTED, heals.get(0).outcome());
    assertTrue(heals.get(0).summary().contains("the heal touched the definition of done (changed protected file "
        + fx.verifier), heals.get(0).summary());
    assertFalse(result.ending() instanceof RunEnding.Done, result.ending().describe());
    assertEquals(VERIFY, Files.readString(fx.verifier));
    assertEquals(PROMPT, Files.readString(fx.prompt));
    assertNotEquals(Status.DONE, tracker.ticket("A").status());
  }

  @Test
  void handingTheHealableFilesToHealGuardRefusesGlobsThatReachTheVerifier() throws Exception {
    ModelHealer misconfigured = fx.healer(ScriptedModelClient.builder().build()).healable("*.sh").build();

    dev.loopkit.core.InputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.loopkit.core.InputException.class, () -> guarded(misconfigured));
    assertEquals("harness file " + fx.verifier.toRealPath() + " is protected (it defines done): a heal may not edit it",
        e.getMessage());
  }

  @Test
  void aHealerThatTriesToWriteTheVerifierWithTheRightGlobsIsRefusedByItsTools() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"verify.sh\",\"content\":\"echo VERIFIED\\n\"}")
        .expectLastMessageContains("path 'verify.sh' is not a healable file")
        .callTool("conclude", conclude("external_wall", "the check itself must change", "findings", FINDING))
        .respondText("A person must decide.")
        .build();

    Heal heal = guarded(fx.healer(model).build()).heal(context());

    assertTrue(assertInstanceOf(Heal.Wall.class, heal).why().startsWith("external wall (a person must act)"));
    assertEquals(VERIFY, Files.readString(fx.verifier));
  }
}

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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.Heal;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Tripwire;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ScriptedModelClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelHealerTest {
  private static final String ADD_CONVENTION = edit("prompts/worker.md", "Run the tests before you finish.\n",
      "Run the tests before you finish.\n" + CONVENTION + "\n");
  private static final String GAP = conclude("harness_gap", "the worker prompt lacked the tabs convention",
      "findings", "indented with spaces: the project's convention is tabs");

  @TempDir Path dir;
  private HealFixture fx;

  @BeforeEach
  void harness() throws Exception {
    fx = new HealFixture(dir);
  }

  /** Every tool result the model was sent, in order. */
  private static List<ContentBlock.ToolResult> results(ScriptedModelClient model) {
    List<ContentBlock.ToolResult> out = new ArrayList<>();
    for (Message m : model.lastRequest().messages()) {
      for (ContentBlock b : m.content()) {
        if (b instanceof ContentBlock.ToolResult r) {
          out.add(r);
        }
      }
    }
    return out;
  }

  @Test
  void aHarnessGapIsPatchedAndAnsweredAppliedWithTheUnifiedDiff() throws Exception {
    List<String> rendered = new ArrayList<>();
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_evidence", "{\"name\":\"findings\"}")
        .expectLastMessageContains(FINDING)
        .callTool("read_file", "{\"path\":\"prompts/worker.md\"}")
        .callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP)
        .expectLastMessageContains("verdict recorded: harness_gap")
        .respondText("Patched the worker prompt.")
        .build();

    Heal heal = fx.healer(model).dryPreparation("rendered", d -> {
      String text = Files.readString(d.resolve("prompts/worker.md"));
      rendered.add(text);
      return "Ticket A\n" + text;
    }).build().heal(context());

    Heal.Applied applied = assertInstanceOf(Heal.Applied.class, heal);
    assertEquals("--- a/prompts/worker.md\n+++ b/prompts/worker.md\n@@ -1,2 +1,3 @@\n You work on one ticket.\n"
        + " Run the tests before you finish.\n+" + CONVENTION + "\n", applied.diff());
    assertTrue(applied.summary().startsWith("harness gap: the worker prompt lacked the tabs convention (changed"
        + " prompts/worker.md; evidence: findings: \"indented with spaces: the project's convention is tabs\";"
        + " smoke checks passed: worker prompt, rendered; 5 turns"), applied.summary());
    assertEquals(PROMPT + CONVENTION + "\n", Files.readString(fx.prompt));
    assertEquals(List.of(PROMPT + CONVENTION + "\n"), rendered, "the dry preparation saw the patched file");
    assertEquals(0, model.remainingSteps());
  }

  @Test
  void eachHealWritesItsTranscriptInTheRunDirectory() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP).respondText("done").build();
    fx.healer(model).build().heal(context());

    Path transcript = ModelHealer.transcriptPath(fx.runDir, 1);
    assertEquals(fx.runDir.resolve("transcripts/heal-1.jsonl"), transcript);
    List<String> lines = Files.readAllLines(transcript);
    assertTrue(lines.get(0).contains("\"type\":\"start\"") && lines.get(0).contains("\"heal\":1")
        && lines.get(0).contains("\"reason\":\"repeated-failures\""), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"type\":\"smoke_check\"") && l.contains("\"passed\":true")));
    assertTrue(lines.get(lines.size() - 1).contains("\"type\":\"heal\"")
        && lines.get(lines.size() - 1).contains("\"outcome\":\"applied\""), lines.get(lines.size() - 1));
    assertEquals(3, ScriptedModelClient.fromTranscript(transcript).remainingSteps(), "the transcript replays");
  }

  @Test
  void anExternalWallIsAnsweredAsAWallSayingAPersonMustActWithItsEvidence() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("conclude", conclude("external_wall", "the deploy key was revoked", "ticket/A",
            "attempt 2 failed: out.txt is indented"))
        .respondText("A person must restore the key.").build();

    Heal heal = fx.healer(model).build().heal(context());

    Heal.Wall wall = assertInstanceOf(Heal.Wall.class, heal);
    assertTrue(wall.why().startsWith("external wall (a person must act): the deploy key was revoked (2 turns"),
        wall.why());
    assertEquals(List.of("ticket/A: \"attempt 2 failed: out.txt is indented\""), wall.evidence());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void editsMadeBeforeAnExternalWallVerdictAreRolledBack() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("write_file", "{\"path\":\"prompts/extra.md\",\"content\":\"more\"}")
        .callTool("conclude", conclude("external_wall", "a person decides", "findings", FINDING))
        .respondText("wall").build();

    Heal.Wall wall = assertInstanceOf(Heal.Wall.class,
        fx.healer(model).allowNewFiles(true).build().heal(context()));

    assertTrue(wall.why().contains("its edits to [prompts/extra.md, prompts/worker.md] were rolled back"), wall.why());
    assertEquals(PROMPT, Files.readString(fx.prompt));
    assertFalse(Files.exists(fx.harness.resolve("prompts/extra.md")), "a file the heal created is deleted");
  }

  @Test
  void aWallWithoutEvidenceIsRefusedAndWithoutAnotherVerdictTheHealIsRejected() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("conclude", "{\"kind\":\"external_wall\",\"reason\":\"someone must look\",\"evidence\":[]}")
        .expectLastMessageContains("an external_wall needs evidence")
        .respondText("I cannot say more.").build();

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, fx.healer(model).build().heal(context()));

    assertEquals("the healer gave no verdict (2 turns, 0 tokens, $0; transcript "
        + ModelHealer.transcriptPath(fx.runDir, 1) + ")", rejected.summary());
    assertTrue(rejected.reason().startsWith("it ended (finished after 2 turns) without a valid conclude call; its last"
        + " verdict was refused: an external_wall needs evidence"), rejected.reason());
  }

  @Test
  void aVerdictOfAnUnknownKindIsRefused() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("conclude", conclude("probably_fine", "unsure", "findings", FINDING))
        .respondText("ok").build();

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, fx.healer(model).build().heal(context()));

    assertTrue(rejected.reason().contains("kind 'probably_fine' is not a verdict: expected harness_gap or"
        + " external_wall"), rejected.reason());
  }

  @Test
  void aHarnessGapWithoutAChangeIsRefused() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("conclude", GAP)
        .expectLastMessageContains("a harness_gap needs a patch, but no healable file has changed")
        .respondText("ok").build();

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, fx.healer(model).build().heal(context()));

    assertTrue(rejected.reason().contains("a harness_gap needs a patch"), rejected.reason());
    assertEquals("", rejected.diff());
  }

  @Test
  void aQuoteThatIsNotInItsSourceIsRefused() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", conclude("harness_gap", "tabs", "findings", "the verifier is flaky"))
        .expectLastMessageContains("quotes \"the verifier is flaky\", which is not in 'findings'")
        .callTool("conclude", conclude("harness_gap", "tabs", "nowhere", "x"))
        .expectLastMessageContains("cites source 'nowhere', which is neither an evidence item")
        .respondText("ok").build();

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, fx.healer(model).build().heal(context()));

    assertTrue(rejected.reason().contains("its edits to [prompts/worker.md] were rolled back"), rejected.reason());
    assertEquals(PROMPT, Files.readString(fx.prompt), "an unclassified patch is not kept");
  }

  @Test
  void theToolsRefuseEveryPathThatIsNotAHealableFile() throws Exception {
    Files.createSymbolicLink(fx.harness.resolve("prompts/linked.md"), fx.verifier);
    Files.writeString(dir.resolve("outside.md"), "outside");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"verify.sh\",\"content\":\"echo VERIFIED\\n\"}")
        .callTool("edit_file", edit("prompts/linked.md", "grep", "true ||"))
        .callTool("read_file", "{\"path\":\"../outside.md\"}")
        .callTool("write_file", "{\"path\":\".git/hooks/pre-commit\",\"content\":\"x\"}")
        .callTool("read_file", "{\"path\":\"verify.sh\"}")
        .callTool("conclude", conclude("external_wall", "cannot reach the verifier", "findings", FINDING))
        .respondText("ok").build();

    Heal heal = fx.healer(model).build().heal(context());

    List<ContentBlock.ToolResult> results = results(model);
    for (int i = 0; i < 5; i++) {
      assertTrue(results.get(i).isError(), results.get(i).content());
    }
    assertTrue(results.get(0).content().contains("path 'verify.sh' is not a healable file, so it cannot be written"),
        results.get(0).content());
    assertTrue(results.get(1).content().contains("(verify.sh) is not a healable file"), results.get(1).content());
    assertTrue(results.get(2).content().contains("outside the workspace"), results.get(2).content());
    assertTrue(results.get(3).content().contains("protected"), results.get(3).content());
    assertTrue(results.get(4).content().contains("cannot be read"), results.get(4).content());
    assertEquals(VERIFY, Files.readString(fx.verifier));
    assertInstanceOf(Heal.Wall.class, heal);
  }

  @Test
  void newFilesCannotBeCreatedUnlessAllowed() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"prompts/extra.md\",\"content\":\"more\"}")
        .expectLastMessageContains("'prompts/extra.md' does not exist and this healer may not create files")
        .callTool("write_file", "{\"path\":\"prompts/worker.md\",\"content\":\"replaced\\n\"}")
        .expectLastMessageContains("replaced prompts/worker.md")
        .callTool("conclude", GAP).respondText("done").build();

    Heal heal = fx.healer(model).build().heal(context());

    assertInstanceOf(Heal.Applied.class, heal);
    assertFalse(Files.exists(fx.harness.resolve("prompts/extra.md")));
    assertEquals("replaced\n", Files.readString(fx.prompt));
  }

  @Test
  void aFailedDryPreparationRollsThePatchBackAndRejectsTheHealNamingIt() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP).respondText("done").build();

    Heal heal = fx.healer(model).dryPreparation("profile", d -> {
      throw new IllegalStateException("profiles/worker.yaml: unknown key 'indent'");
    }).build().heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertEquals("smoke check 'profile' failed: the dry preparation of the next attempt threw IllegalStateException:"
        + " profiles/worker.yaml: unknown key 'indent'; the patch was rolled back", rejected.reason());
    assertTrue(rejected.diff().contains("+" + CONVENTION), rejected.diff());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void aDryPreparationThatRendersNothingFailsTheSmokeCheck() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"prompts/worker.md\",\"content\":\"   \"}")
        .callTool("conclude", GAP).respondText("done").build();

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, fx.healer(model).build().heal(context()));

    assertTrue(rejected.reason().startsWith("smoke check 'worker prompt' failed: the dry preparation of the next"
        + " attempt returned blank text"), rejected.reason());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void aFailingHostSmokeCheckOrCanaryRollsBack() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP).respondText("done").build();
    Tripwire misjudging = new Tripwire() {
      @Override
      public Map<String, String> fingerprint() {
        return Map.of("oracle", "x");
      }

      @Override
      public List<String> canaries() {
        return List.of("canary: the oracle judged a batch with an open ticket done: expected pending");
      }
    };

    Heal heal = fx.healer(model).canaries(misjudging).smokeCheck("never reached", () -> {
      throw new AssertionError("checks after the first failure do not run");
    }).build().heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().startsWith("smoke check 'canaries' failed: canary: the oracle judged a batch with"
        + " an open ticket done"), rejected.reason());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void aHostSmokeCheckThatThrowsNamesItself() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("conclude", GAP).respondText("done").build();

    Heal heal = fx.healer(model).smokeCheck("settings parse", () -> {
      throw new IllegalArgumentException("retries.max is 'many'");
    }).build().heal(context());

    assertEquals("smoke check 'settings parse' failed: IllegalArgumentException: retries.max is 'many'; the patch"
        + " was rolled back", assertInstanceOf(Heal.Rejected.class, heal).reason());
  }

  @Test
  void theTurnCapEndsAHealWithoutAVerdictAndItsEditsAreRolledBack() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .callTool("read_file", "{\"path\":\"prompts/worker.md\"}").build();

    Heal heal = fx.healer(model).maxTurns(2).build().heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().startsWith("it ended (capped by "), rejected.reason());
    assertTrue(rejected.reason().contains("its edits to [prompts/worker.md] were rolled back"), rejected.reason());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void theTokenCapEndsAHealBeforeItsToolsRun() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(dev.loopkit.llm.ModelResponse.builder().stopReason(dev.loopkit.llm.StopReason.TOOL_USE)
            .addContent(ScriptedModelClient.Builder.toolUse("t1", "edit_file", ADD_CONVENTION))
            .usage(dev.loopkit.core.Usage.tokens(900, 200)).build())
        .build();

    Heal heal = fx.healer(model).maxTokens(1000).build().heal(context());

    assertTrue(assertInstanceOf(Heal.Rejected.class, heal).reason().contains("capped by"), heal.toString());
    assertEquals(PROMPT, Files.readString(fx.prompt), "the capped response's edit never ran");
  }

  @Test
  void theMoneyCapEndsAHealBeforeItsToolsRun() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(dev.loopkit.llm.ModelResponse.builder().stopReason(dev.loopkit.llm.StopReason.TOOL_USE)
            .addContent(ScriptedModelClient.Builder.toolUse("t1", "edit_file", ADD_CONVENTION))
            .usage(new dev.loopkit.core.Usage(10, 10, 0, 0, new java.math.BigDecimal("1.50"), 0)).build())
        .build();

    Heal heal = fx.healer(model).maxCostUsd(java.math.BigDecimal.ONE).build().heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().contains("capped by MONEY"), rejected.reason());
    assertTrue(rejected.summary().contains("20 tokens, $1.50"), rejected.summary());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void theTimeoutEndsAHealBetweenTurns() throws Exception {
    dev.loopkit.testing.ManualClock clock = new dev.loopkit.testing.ManualClock();
    ScriptedModelClient model = ScriptedModelClient.builder()
        .expect("a slow turn", r -> {
          clock.advance(java.time.Duration.ofMinutes(6));
          return true;
        })
        .callTool("edit_file", ADD_CONVENTION)
        .build();

    Heal heal = fx.healer(model).clock(clock).timeout(java.time.Duration.ofMinutes(5)).build().heal(context());

    Heal.Rejected rejected = assertInstanceOf(Heal.Rejected.class, heal);
    assertTrue(rejected.reason().contains("capped by WALL_CLOCK"), rejected.reason());
    assertEquals(PROMPT, Files.readString(fx.prompt), "the edit of the turn past the deadline never ran");
  }

  @Test
  void aModelThatFailsEndsTheHealAsAFaultOfTheHealerWithItsEditsRolledBack() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", ADD_CONVENTION)
        .fail(ModelException.of(ModelException.Kind.AUTHENTICATION, "invalid x-api-key"))
        .build();

    FatalAdapterException e = assertThrows(FatalAdapterException.class,
        () -> fx.healer(model).build().heal(context()));

    assertTrue(e.getMessage().startsWith("the healer's model call failed (AUTHENTICATION)"), e.getMessage());
    assertEquals(PROMPT, Files.readString(fx.prompt));
  }

  @Test
  void secretsNeverReachTheModelOrTheTranscript() throws Exception {
    String key = "sk-ant-api03-" + "Zq7x".repeat(8);
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("read_evidence", "{\"name\":\"verifier/A\"}")
        .callTool("conclude", conclude("external_wall", "the key is refused", "verifier/A", "401 Unauthorized"))
        .respondText("wall").build();

    fx.healer(model).hostEnvironment(() -> Map.of("DEPLOY_TOKEN", "hunter2-deploy-token-value"))
        .evidence(ctx -> List.of(HealEvidence.Excerpt.of("verifier/A", "curl -H 'x-api-key: " + key
            + "' -H 'token: hunter2-deploy-token-value' -> 401 Unauthorized")))
        .build().heal(context());

    for (ModelRequest request : model.requests()) {
      String sent = request.messages().toString();
      assertFalse(sent.contains(key) || sent.contains("hunter2-deploy-token-value"), sent);
      assertTrue(sent.contains("[redacted]") || request == model.requests().get(0));
    }
    String transcript = Files.readString(ModelHealer.transcriptPath(fx.runDir, 1));
    assertFalse(transcript.contains(key) || transcript.contains("hunter2-deploy-token-value"), transcript);
    assertTrue(transcript.contains("401 Unauthorized"));
  }

  @Test
  void aKeyTheModelWritesIntoItsVerdictNeverReachesTheJournal() throws Exception {
    String key = "sk-ant-api03-" + "Yw3v".repeat(8);
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("edit_file", edit("prompts/worker.md",
        "Run the tests before you finish.\n", "Run the tests before you finish.\nUse the key " + key + ".\n"))
        .callTool("conclude", conclude("harness_gap", "the worker needed the key " + key, "findings", FINDING))
        .respondText("done").build();

    Heal.Applied applied = assertInstanceOf(Heal.Applied.class, fx.healer(model).build().heal(context()));

    assertFalse(applied.summary().contains(key) || applied.diff().contains(key), applied.summary() + applied.diff());
    assertTrue(applied.summary().contains("the worker needed the key [redacted]"), applied.summary());
  }

  @Test
  void theBuilderNamesEveryMissingPart() {
    InputException e = assertThrows(InputException.class,
        () -> ModelHealer.builder(ScriptedModelClient.builder().build(), "m").build());
    assertEquals("ModelHealer.builder(m) is missing harnessDirectory(path), healable(globs...), runDirectory(path),"
        + " dryPreparation(name, preparation), e.g. rendering the worker's prompt from the patched file",
        e.getMessage());
  }

  @Test
  void healableGlobsThatLeaveTheHarnessOrNameGitAreRefused() {
    for (String glob : List.of("../verify.sh", "/etc/passwd", ".git/**", "prompts/[")) {
      InputException e = assertThrows(InputException.class, () -> fx.healer(ScriptedModelClient.builder().build())
          .healable(glob).build(), glob);
      assertTrue(e.getMessage().contains("healable glob '" + glob + "'"), e.getMessage());
    }
  }

  @Test
  void nothingUnderTheRunDirectoryIsHealableWhateverTheGlobsSay() throws Exception {
    Path runInside = fx.harness.resolve("runs/run-1");
    Files.createDirectories(runInside.resolve("transcripts"));
    Files.writeString(runInside.resolve("journal.jsonl"), "{\"type\":\"run-started\"}\n");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"runs/run-1/journal.jsonl\",\"content\":\"\"}")
        .expectLastMessageContains("is not a healable file")
        .respondText("ok").build();

    ModelHealer healer = fx.healer(model).healable("**").runDirectory(runInside).build();
    assertInstanceOf(Heal.Rejected.class, healer.heal(context()));

    assertEquals("{\"type\":\"run-started\"}\n", Files.readString(runInside.resolve("journal.jsonl")));
    Path real = runInside.toRealPath();
    assertFalse(healer.healableFiles().stream().anyMatch(p -> p.startsWith(real)),
        healer.healableFiles().toString());
  }

  @Test
  void aCheckNameMayBeUsedOnce() {
    InputException e = assertThrows(InputException.class,
        () -> fx.healer(ScriptedModelClient.builder().build()).dryPreparation("worker prompt", d -> "x"));
    assertTrue(e.getMessage().contains("check name 'worker prompt'"), e.getMessage());
  }

  @Test
  void healableFilesListsTheFilesAGuardShouldDiff() throws Exception {
    assertEquals(List.of(fx.prompt.toRealPath()), fx.healer(ScriptedModelClient.builder().build()).build()
        .healableFiles());
  }
}

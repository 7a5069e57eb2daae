package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code healer} section and {@code worker.prompt-file} of loop.yaml: values, defaults and bad values. */
class HealConfigTest {
  @TempDir
  Path dir;

  private static final String BASE = "tracker:\n  folder: tickets\n"
      + "workspace:\n  repo: work/repo\n"
      + "models:\n  worker:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n"
      + "  healer:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n"
      + "verifier:\n  command: sh test.sh\n  expect-output: ok\n";
  private static final String WORKER = "worker:\n  prompt-file: harness/prompts/worker.md\n";
  private static final String HEALER = "healer:\n  harness: harness\n  healable: [prompts/*.md]\n";

  @BeforeEach
  void harness() throws Exception {
    Files.createDirectories(dir.resolve("harness/prompts"));
    Files.writeString(dir.resolve("harness/prompts/worker.md"), "Indent with tabs.\n");
  }

  private ProjectConfig read(String yaml) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), yaml);
    return ProjectConfig.read(dir);
  }

  private String error(String yaml) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), yaml);
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("loop.yaml").toAbsolutePath().toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aMinimalHealerSectionGetsTheDocumentedDefaults() throws Exception {
    ProjectConfig.HealerSettings h = read(BASE + WORKER + HEALER).healer().orElseThrow();

    assertEquals("healer", h.model());
    assertEquals(2, h.afterFailures());
    assertEquals(3, h.maxHeals());
    assertEquals(3, h.revertAfter());
    assertEquals(dir.resolve("harness").toAbsolutePath().normalize(), h.harness());
    assertEquals(List.of("prompts/*.md"), h.healable());
    assertEquals(30, h.maxTurns());
    assertEquals(0, new BigDecimal("2").compareTo(h.maxCostUsd()));
    assertEquals(Duration.ofMinutes(15), h.timeout());
  }

  @Test
  void everyHealerKeyIsRead() throws Exception {
    ProjectConfig.HealerSettings h = read(BASE + WORKER + "healer:\n  model: worker\n  after-failures: 4\n"
        + "  max-heals: 1\n  revert-after: 0\n  harness: harness\n  healable: [prompts/*.md, profiles/**]\n  max-turns: 12\n"
        + "  max-cost-usd: 0.75\n  timeout: 90s\n").healer().orElseThrow();

    assertEquals("worker", h.model());
    assertEquals(4, h.afterFailures());
    assertEquals(1, h.maxHeals());
    assertEquals(0, h.revertAfter());
    assertEquals(List.of("prompts/*.md", "profiles/**"), h.healable());
    assertEquals(12, h.maxTurns());
    assertEquals(0, new BigDecimal("0.75").compareTo(h.maxCostUsd()));
    assertEquals(Duration.ofSeconds(90), h.timeout());
  }

  @Test
  void withoutAHealerSectionThereIsNoHealer() throws Exception {
    assertFalse(read(BASE).healer().isPresent());
  }

  @Test
  void thePromptFileIsResolvedAgainstTheProjectAndAppendedToTheWorkersSystemPrompt() throws Exception {
    ProjectConfig c = read(BASE + WORKER);
    Path prompt = dir.resolve("harness/prompts/worker.md").toAbsolutePath().normalize();

    assertEquals(prompt, c.worker().promptFile());
    String system = ProjectEngine.workerSystem(c, prompt);
    assertTrue(system.startsWith(dev.loopkit.llm.work.ModelWorker.DEFAULT_SYSTEM + ProjectEngine.COMMIT_RULE),
        system);
    assertTrue(system.endsWith("\n\nIndent with tabs."), system);
  }

  @Test
  void anEmptiedPromptFileFailsTheWorkersPromptSoAHealThatEmptiesItFailsItsDryPreparation() throws Exception {
    ProjectConfig c = read(BASE + WORKER);
    Path prompt = c.worker().promptFile();
    Files.writeString(prompt, "  \n");

    InputException e = assertThrows(InputException.class, () -> ProjectEngine.workerSystem(c, prompt));
    assertTrue(e.getMessage().contains("key 'worker.prompt-file' names " + prompt + ", which is empty"),
        e.getMessage());
  }

  @Test
  void anEmptyPromptFileIsRefusedBeforeTheRunStarts() throws Exception {
    Files.writeString(dir.resolve("harness/prompts/worker.md"), "\n");
    String m = error(BASE + WORKER);
    assertTrue(m.contains("key 'worker.prompt-file' names " + dir.resolve("harness/prompts/worker.md")
        .toAbsolutePath().normalize() + ", which is empty"), m);
  }

  @Test
  void aHealerModelNotUnderModelsIsNamed() throws Exception {
    String m = error(BASE + WORKER + HEALER + "  model: nurse\n");
    assertTrue(m.contains("key 'healer.model' names 'nurse', which is not under 'models'"), m);
  }

  @Test
  void aHealerWithoutAModelsEntryAsksForOne() throws Exception {
    String m = error(BASE.replace("  healer:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n", "") + WORKER
        + HEALER);
    assertTrue(m.contains("key 'models' has no 'healer' entry"), m);
  }

  @Test
  void aMissingHarnessFolderIsNamed() throws Exception {
    String m = error(BASE + WORKER + "healer:\n  harness: nowhere\n  healable: [prompts/*.md]\n");
    assertTrue(m.contains("key 'healer.harness' names " + dir.resolve("nowhere").toAbsolutePath().normalize()
        + ", which is not a folder"), m);
  }

  @Test
  void aHarnessThatOverlapsTheRepositoryOrTheTicketsIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("work/repo/prompts"));
    Files.writeString(dir.resolve("work/repo/prompts/worker.md"), "x\n");
    String repo = error(BASE + "worker:\n  prompt-file: work/repo/prompts/worker.md\n"
        + "healer:\n  harness: work/repo\n  healable: [prompts/*.md]\n");
    assertTrue(repo.contains("key 'healer.harness'") && repo.contains("overlaps the repository"), repo);

    Files.createDirectories(dir.resolve("tickets"));
    String project = error(BASE + WORKER + "healer:\n  harness: .\n  healable: [harness/prompts/*.md]\n");
    assertTrue(project.contains("overlaps the repository") || project.contains("overlaps the run directory"),
        project);
  }

  @Test
  void missingHealableGlobsAreNamed() throws Exception {
    String m = error(BASE + WORKER + "healer:\n  harness: harness\n");
    assertTrue(m.contains("key 'healer.healable' is missing"), m);
  }

  @Test
  void aHealableGlobThatLeavesTheHarnessIsRefused() throws Exception {
    for (String glob : List.of("../work/repo/tests/*.sh", "/etc/*", ".git/config", "prompts/../../loop.yaml")) {
      String m = error(BASE + WORKER + "healer:\n  harness: harness\n  healable: ['" + glob + "']\n");
      assertTrue(m.contains("key 'healer.healable' holds '" + glob + "': expected a glob relative to the harness"),
          m);
    }
  }

  @Test
  void badNumbersDurationsAndMoneyAreNamed() throws Exception {
    String failures = error(BASE + WORKER + HEALER + "  after-failures: 0\n");
    assertTrue(failures.contains("key 'healer.after-failures' is 0: expected a whole number of at least 1"), failures);
    String revert = error(BASE + WORKER + HEALER + "  revert-after: -1\n");
    assertTrue(revert.contains("key 'healer.revert-after' is -1: expected a whole number of at least 0"), revert);
    String heals = error(BASE + WORKER + HEALER + "  max-heals: two\n");
    assertTrue(heals.contains("key 'healer.max-heals'"), heals);
    String money = error(BASE + WORKER + HEALER + "  max-cost-usd: -1\n");
    assertTrue(money.contains("key 'healer.max-cost-usd'") && money.contains("positive amount"), money);
    String timeout = error(BASE + WORKER + HEALER + "  timeout: soon\n");
    assertTrue(timeout.contains("key 'healer.timeout' is 'soon': expected a positive duration"), timeout);
  }

  @Test
  void anUnknownHealerKeyIsNamed() throws Exception {
    String m = error(BASE + WORKER + HEALER + "  max-heal: 2\n");
    assertTrue(m.contains("unknown key 'healer.max-heal'"), m);
  }

  @Test
  void aHealerNeedsTheWorkersPromptFileAmongTheHealableFiles() throws Exception {
    String missing = error(BASE + HEALER);
    assertTrue(missing.contains("key 'worker.prompt-file' is missing"), missing);

    Files.writeString(dir.resolve("harness/notes.txt"), "x\n");
    String outside = error(BASE + "worker:\n  prompt-file: harness/notes.txt\n" + HEALER);
    assertTrue(outside.contains("key 'worker.prompt-file' names " + dir.resolve("harness/notes.txt").toAbsolutePath()
        .normalize() + ", which is not a healable file"), outside);
  }

  @Test
  void aPromptFileThatIsNotAFileIsNamed() throws Exception {
    String m = error(BASE + "worker:\n  prompt-file: harness/prompts/missing.md\n");
    assertTrue(m.contains("key 'worker.prompt-file' names " + dir.resolve("harness/prompts/missing.md")
        .toAbsolutePath().normalize() + ", which is not a file"), m);
  }

  @Test
  void aPromptFileOrAHealerNeedsAModelWorker() throws Exception {
    String prompt = error(BASE + "worker:\n  kind: command\n  prompt-file: harness/prompts/worker.md\n");
    assertTrue(prompt.contains("key 'worker.prompt-file' is set, but key 'worker.kind' is command"), prompt);
    String healer = error(BASE + "worker:\n  kind: command\n" + HEALER);
    assertTrue(healer.contains("key 'healer.model' is set for a worker of kind command"), healer);
  }

  @Test
  void theHealerIsWiredIntoTheEngineInsideTheGuard() throws Exception {
    ProjectConfig c = read(BASE + WORKER + HEALER);
    Files.createDirectories(dir.resolve("run"));
    dev.loopkit.oracle.DefinitionTripwire tripwire = dev.loopkit.oracle.DefinitionTripwire.builder()
        .oracle(dev.loopkit.oracle.TrackerOracle.create()).file(c.file()).build();

    dev.loopkit.core.Healer healer = ProjectEngine.healer(c, c.healer().orElseThrow(), tripwire, dir.resolve("run"),
        java.util.Map.of("ANTHROPIC_API_KEY", "sk-ant-test"));

    assertTrue(healer instanceof dev.loopkit.oracle.HealGuard, healer.getClass().toString());
  }
}

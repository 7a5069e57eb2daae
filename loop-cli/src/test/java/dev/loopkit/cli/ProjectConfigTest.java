package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectConfigTest {
  @TempDir
  Path dir;

  private static final String VALID = "tracker:\n  folder: tickets\n"
      + "workspace:\n  repo: repo\n"
      + "models:\n  worker:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n"
      + "  reviewer:\n    vendor: openai\n    model: gpt-5\n    base-url: http://127.0.0.1:1/v1\n"
      + "verifier:\n  command: sh test.sh\n  expect-output: ok\n";

  private String error(String yaml) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), yaml);
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("loop.yaml").toAbsolutePath().toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aValidFileGivesItsSettingsWithDefaults() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID + "caps:\n  cost-usd: 2.50\n  wall-clock: 90s\nconcurrency: 3\n");
    ProjectConfig c = ProjectConfig.read(dir);
    assertEquals(new TrackerSource.Markdown(dir.resolve("tickets").toAbsolutePath(), "T"), c.tracker());
    assertEquals("anthropic", c.model("worker").vendor());
    assertEquals("ANTHROPIC_API_KEY", c.model("worker").keyVariableOrDefault());
    assertEquals("reviewer", c.reviewerModel().orElseThrow());
    assertEquals(3, c.caps().maxConcurrency());
    assertEquals(Duration.ofSeconds(90), c.caps().maxWallClock());
    assertEquals(0, new java.math.BigDecimal("2.5").compareTo(c.caps().maxCostUsd()));
    assertEquals("main", c.workspace().integrationBranch());
  }

  @Test
  void unmeteredUsageStopsTheRunUnlessTheFileDeclaresItFree() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID);
    assertFalse(ProjectConfig.read(dir).caps().allowUnmeteredUsage(), "the strict default");
    Files.writeString(dir.resolve("loop.yaml"), VALID + "caps:\n  unmetered-usage: free\n");
    assertTrue(ProjectConfig.read(dir).caps().allowUnmeteredUsage());
    String m = error(VALID + "caps:\n  unmetered-usage: maybe\n");
    assertTrue(m.contains("caps.unmetered-usage") && m.contains("stop") && m.contains("free"), m);
  }

  @Test
  void aMissingFileNamesItAndWhatItShouldHold() {
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertTrue(e.getMessage().contains("loop.yaml does not exist"), e.getMessage());
  }

  @Test
  void invalidYamlNamesTheLine() throws Exception {
    String m = error("tracker:\n  folder: [tickets\n");
    assertTrue(m.contains("is not valid YAML at line"), m);
  }

  @Test
  void anUnknownKeyIsNamedWithTheKeysAllowed() throws Exception {
    String m = error(VALID.replace("concurrency", "x") + "cap:\n  passes: 3\n");
    assertTrue(m.contains("unknown key 'cap'") && m.contains("caps"), m);
  }

  @Test
  void anUnknownVendorNamesTheKeyAndTheVendors() throws Exception {
    String m = error(VALID.replace("vendor: anthropic", "vendor: gemini"));
    assertTrue(m.contains("key 'models.worker.vendor' is 'gemini': expected one of anthropic, openai, scripted"), m);
  }

  @Test
  void aVerifierCommandWithoutExpectedOutputIsRefused() throws Exception {
    String m = error(VALID.replace("  expect-output: ok\n", ""));
    assertTrue(m.contains("key 'verifier.expect-output' is missing") && m.contains("absence of error"), m);
  }

  @Test
  void aBadDurationNamesTheKeyAndTheForms() throws Exception {
    String m = error(VALID + "caps:\n  wall-clock: soon\n");
    assertTrue(m.contains("key 'caps.wall-clock' is 'soon': expected a positive duration such as 90s"), m);
  }

  @Test
  void aConcurrencyBelowOneIsRefused() throws Exception {
    String m = error(VALID + "concurrency: 0\n");
    assertTrue(m.contains("key 'concurrency' is 0: expected a whole number of at least 1"), m);
  }

  @Test
  void aReviewerNamingAnUnknownModelIsRefused() throws Exception {
    String m = error(VALID + "reviewer:\n  model: critic\n");
    assertTrue(m.contains("key 'reviewer.model' names 'critic', which is not under 'models'"), m);
  }

  @Test
  void aScriptedModelWithoutTranscriptsIsRefused() throws Exception {
    String m = error(VALID.replace("vendor: anthropic\n    model: claude-sonnet-4-5",
        "vendor: scripted\n    model: claude-sonnet-4-5"));
    assertTrue(m.contains("key 'models.worker.transcripts' is missing"), m);
  }

  @Test
  void anApiKeyPutWhereTheVariableNameGoesIsRefusedWithoutEchoingMoreThanTheValue() throws Exception {
    String m = error(VALID.replace("model: gpt-5\n", "model: gpt-5\n    key-env: sk-live-123\n"));
    assertTrue(m.contains("key 'models.reviewer.key-env'") && m.contains("not the key itself"), m);
  }

  @Test
  void anUnsetKeyVariableIsNamedWhenTheEngineIsBuilt() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID);
    ProjectConfig c = ProjectConfig.read(dir);
    InputException e = assertThrows(InputException.class,
        () -> ModelSource.of(c, c.model("worker"), Map.of()));
    assertTrue(e.getMessage().contains("key 'models.worker.vendor' needs the environment variable"
        + " ANTHROPIC_API_KEY, which is not set"), e.getMessage());
  }

  @Test
  void theCommandReportsBadConfigurationAsOneLineWithExitCodeOne() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID + "concurrency: many\n");
    Cli r = Cli.run("ready", dir.toString());
    assertEquals(LoopCommand.ERROR, r.exitCode);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("loop.yaml: key 'concurrency' is 'many'"), r.err);
    assertFalse(r.err.contains("Exception"), r.err);
  }

  @Test
  void aModelOverrideReplacesTheVendorAndDefaultsTheKeyVariable() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID);
    ProjectConfig c = RunCommand.withModels(ProjectConfig.read(dir), java.util.List.of("reviewer=anthropic:claude-opus-4-1"));
    assertEquals("anthropic", c.model("reviewer").vendor());
    assertEquals("claude-opus-4-1", c.model("reviewer").model());
    assertEquals("ANTHROPIC_API_KEY", c.model("reviewer").keyVariableOrDefault());
    InputException e = assertThrows(InputException.class,
        () -> RunCommand.withModels(c, java.util.List.of("worker-claude")));
    assertTrue(e.getMessage().contains("expected ROLE=VENDOR:MODEL"), e.getMessage());
  }
}

package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every configuration error names loop.yaml and the dotted key it is about: a walk over each error path of
 * {@code ProjectConfig}, {@code ConfigNode} and {@code TrackerSource}, one bad value per case, and the YAML
 * edges (a key given twice, a syntax error on one line with its line and column).
 */
class ConfigErrorsTest {
  @TempDir Path dir;

  private static final String TRACKER = "tracker:\n  folder: tickets\n";
  private static final String WORKSPACE = "workspace:\n  repo: repo\n";
  private static final String MODELS = "models:\n  worker:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n";
  private static final String VERIFIER = "verifier:\n  command: sh test.sh\n  expect-output: ok\n";
  private static final String BASE = TRACKER + WORKSPACE + MODELS + VERIFIER;

  /** One case: the file's text, and the key its error must name. */
  private record Case(String key, String yaml) {}

  private static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    c.add(new Case("bogus", BASE + "bogus: 1\n"));
    // tracker
    c.add(new Case("tracker", WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker", "tracker: 3\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.kind", "tracker:\n  kind: trello\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.shelf", "tracker:\n  folder: tickets\n  shelf: 2\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.call-timeout", "tracker:\n  folder: tickets\n  call-timeout: 0s\n" + WORKSPACE + MODELS
        + VERIFIER));
    c.add(new Case("tracker.call-timeout", "tracker:\n  folder: tickets\n  call-timeout: soon\n" + WORKSPACE
        + MODELS + VERIFIER));
    c.add(new Case("tracker.id-prefix", "tracker:\n  folder: tickets\n  id-prefix: [a]\n" + WORKSPACE + MODELS
        + VERIFIER));
    c.add(new Case("tracker.repository", "tracker:\n  kind: github\n  label: b\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.folder", "tracker:\n  kind: github\n  repository: acme/w\n  label: b\n  folder: t\n"
        + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.site", "tracker:\n  kind: jira\n  project: ENG\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.team", "tracker:\n  kind: linear\n  label: x\n" + WORKSPACE + MODELS + VERIFIER));
    c.add(new Case("tracker.directory", "tracker:\n  kind: beads\n  label: x\n" + WORKSPACE + MODELS + VERIFIER));
    // workspace
    c.add(new Case("workspace", TRACKER + MODELS + VERIFIER));
    c.add(new Case("workspace.repo", TRACKER + "workspace:\n  worktrees: w\n" + MODELS + VERIFIER));
    c.add(new Case("workspace.init-from", TRACKER + "workspace:\n  repo: repo\n  init-from: nowhere\n" + MODELS
        + VERIFIER));
    c.add(new Case("workspace.integration-branch", TRACKER + "workspace:\n  repo: repo\n  integration-branch:"
        + " 'main..x'\n" + MODELS + VERIFIER));
    c.add(new Case("workspace.integration-branch", TRACKER + "workspace:\n  repo: repo\n  integration-branch:"
        + " '-x'\n" + MODELS + VERIFIER));
    c.add(new Case("workspace.shelf", TRACKER + "workspace:\n  repo: repo\n  shelf: 1\n" + MODELS + VERIFIER));
    // models
    c.add(new Case("models", TRACKER + WORKSPACE + VERIFIER));
    c.add(new Case("models.worker", TRACKER + WORKSPACE + "models:\n  worker: 3\n" + VERIFIER));
    c.add(new Case("models.worker.vendor", TRACKER + WORKSPACE + "models:\n  worker:\n    vendor: acme\n"
        + "    model: m\n" + VERIFIER));
    c.add(new Case("models.worker.vendor", TRACKER + WORKSPACE + "models:\n  worker:\n    model: m\n" + VERIFIER));
    c.add(new Case("models.worker.model", TRACKER + WORKSPACE + "models:\n  worker:\n    vendor: openai\n"
        + VERIFIER));
    c.add(new Case("models.worker.base-url", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    base-url: ftp://x\n")));
    c.add(new Case("models.worker.key-env", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    key-env: sk-ant-123\n")));
    c.add(new Case("models.worker.auth", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    auth: basic\n")));
    c.add(new Case("models.worker.vendor-name", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    vendor-name: ACME\n")));
    c.add(new Case("models.worker.token-limit-field", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    token-limit-field: max_tokens\n")));
    c.add(new Case("models.worker.colour", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    colour: red\n")));
    c.add(new Case("models.worker.transcripts", TRACKER + WORKSPACE + "models:\n  worker:\n    vendor: scripted\n"
        + "    model: m\n" + VERIFIER));
    // worker
    c.add(new Case("worker.kind", BASE + "worker:\n  kind: robot\n"));
    c.add(new Case("worker.model", BASE + "worker:\n  model: nobody\n"));
    c.add(new Case("worker.max-turns", BASE + "worker:\n  max-turns: 0\n"));
    c.add(new Case("worker.command-timeout", BASE + "worker:\n  command-timeout: -1s\n"));
    c.add(new Case("worker.agent", BASE + "worker:\n  kind: command\n  agent: gemini\n"));
    c.add(new Case("worker.argv", BASE + "worker:\n  kind: command\n  agent: custom\n"));
    c.add(new Case("worker.prompt-file", BASE + "worker:\n  kind: command\n  prompt-file: p.md\n"));
    c.add(new Case("worker.prompt-file", BASE + "worker:\n  prompt-file: missing.md\n"));
    c.add(new Case("worker.protect", BASE + "worker:\n  protect: {a: b}\n"));
    c.add(new Case("worker.shelf", BASE + "worker:\n  shelf: 1\n"));
    // reviewer
    c.add(new Case("reviewer.model", BASE + "reviewer:\n  model: nobody\n"));
    c.add(new Case("reviewer.vendor", BASE + "reviewer:\n  vendor: x\n"));
    // verifier
    c.add(new Case("verifier", TRACKER + WORKSPACE + MODELS));
    c.add(new Case("verifier.expect-output", TRACKER + WORKSPACE + MODELS + "verifier:\n  command: sh t.sh\n"));
    c.add(new Case("verifier.expect-output", TRACKER + WORKSPACE + MODELS + "verifier:\n  command: sh t.sh\n"
        + "  expect-output: '(unclosed'\n"));
    c.add(new Case("verifier.timeout", BASE + "  timeout: later\n"));
    // caps
    c.add(new Case("caps.passes", BASE + "caps:\n  passes: 0\n"));
    c.add(new Case("caps.wall-clock", BASE + "caps:\n  wall-clock: forever\n"));
    c.add(new Case("caps.cost-usd", BASE + "caps:\n  cost-usd: -1\n"));
    c.add(new Case("caps.tokens", BASE + "caps:\n  tokens: 0\n"));
    c.add(new Case("caps.attempts-per-ticket", BASE + "caps:\n  attempts-per-ticket: 0\n"));
    c.add(new Case("caps.discovered-tickets", BASE + "caps:\n  discovered-tickets: -1\n"));
    c.add(new Case("caps.turns-per-worker", BASE + "caps:\n  turns-per-worker: many\n"));
    c.add(new Case("caps.unmetered-usage", BASE + "caps:\n  unmetered-usage: maybe\n"));
    c.add(new Case("caps.infrastructure-interruptions", BASE + "caps:\n  infrastructure-interruptions: 0\n"));
    c.add(new Case("caps.shelf", BASE + "caps:\n  shelf: 1\n"));
    c.add(new Case("caps", BASE + "caps: 3\n"));
    c.add(new Case("concurrency", BASE + "concurrency: 0\n"));
    // sandbox
    c.add(new Case("sandbox", BASE + "sandbox: maybe\n"));
    c.add(new Case("sandbox.network", BASE + "sandbox:\n  kind: none\n  network: true\n"));
    c.add(new Case("sandbox.read-only", BASE + "sandbox:\n  read-only: [/no/such/path/anywhere]\n"));
    c.add(new Case("sandbox.writable", BASE + "sandbox:\n  writable: [repo]\n"));
    c.add(new Case("sandbox.shelf", BASE + "sandbox:\n  shelf: 1\n"));
    // healer
    c.add(new Case("healer.model", BASE + "healer:\n  model: nobody\n"));
    c.add(new Case("healer.harness", BASE + "healer:\n  model: worker\n"));
    // YAML itself
    c.add(new Case("caps.passes", BASE + "caps:\n  passes: 3\n  passes: 4\n"));
    c.add(new Case("verifier", BASE + "verifier:\n  command: sh other.sh\n"));
    c.add(new Case("models.worker.model", BASE.replace("claude-sonnet-4-5\n", "claude-sonnet-4-5\n"
        + "    model: claude-opus-4\n")));
    return c;
  }

  @Test
  void everyConfigErrorNamesTheFileAndTheDottedKey() throws Exception {
    Path file = dir.resolve("loop.yaml");
    List<String> misses = new ArrayList<>();
    int checked = 0;
    for (Case c : cases()) {
      Files.writeString(file, c.yaml());
      InputException e;
      try {
        ProjectConfig.read(dir);
        misses.add(c.key() + ": accepted");
        continue;
      } catch (InputException thrown) {
        e = thrown;
      }
      checked++;
      String m = String.valueOf(e.getMessage());
      if (!m.startsWith(file.toString() + ":") || !m.contains("'" + c.key() + "'")) {
        misses.add(c.key() + ": " + m);
      }
      if (m.contains("\n")) {
        misses.add(c.key() + " spans lines: " + m);
      }
    }
    assertTrue(misses.isEmpty(), "errors that do not name loop.yaml and the key:\n" + String.join("\n", misses));
    assertEquals(cases().size(), checked);
  }

  @Test
  void aKeyGivenTwiceIsAnErrorNamingTheKeyAndItsLine() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), BASE + "caps:\n  passes: 3\n  passes: 4\n");
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertEquals(dir.resolve("loop.yaml") + ": key 'caps.passes' is given twice at line 14, column 9: expected"
        + " each key once (a second value would silently replace the first)", e.getMessage());
  }

  @Test
  void aYamlSyntaxErrorKeepsItsLineAndColumnOnOneLine() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n  kind: [markdown\ncaps: 3\n");
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertEquals(dir.resolve("loop.yaml") + " is not valid YAML at line 3, column 5: expected ',' or ']', but got :"
        + " (while parsing a flow sequence at line 2, column 9)", e.getMessage());
    String squashed = LoopCommand.message(e);
    assertTrue(squashed.contains("line 3, column 5") && squashed.contains("line 2, column 9"), squashed);
  }

  @Test
  void anUnreadableFileNamesThePathAndTheCause() throws Exception {
    Path file = dir.resolve("loop.yaml");
    Files.writeString(file, BASE);
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(file), "running as a user who reads anything");
      InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
      assertEquals("cannot read " + file + ": permission denied on " + file + " (AccessDeniedException)",
          e.getMessage());
    } finally {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
  }

  @Test
  void aConfigurationPathThatIsAFolderNamesThePathAndTheCause() throws Exception {
    Files.createDirectory(dir.resolve("loop.yaml"));
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertEquals("cannot read " + dir.resolve("loop.yaml") + ": Is a directory (IOException)", e.getMessage());
  }
}

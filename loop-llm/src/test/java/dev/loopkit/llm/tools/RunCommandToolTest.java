package dev.loopkit.llm.tools;

import static dev.loopkit.llm.tools.ToolRunner.call;
import static dev.loopkit.llm.tools.ToolRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run_command} through core's confined runner (real bubblewrap), and the guarantees the old
 * loop-llm runner gave, moved onto {@link ProcessRunner} and {@link Command}: an argument vector, an
 * allow-listed environment, a timeout that kills everything, an output cap.
 */
class RunCommandToolTest {
  @TempDir
  Path ws;

  private static final Map<String, String> HOST = Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/someone",
      "ANTHROPIC_API_KEY", "sk-ant-host-secret-1", "GITHUB_TOKEN", "ghp_hostsecret2", "AWS_SECRET_ACCESS_KEY",
      "aws-host-secret-3", "DB_PASSWORD", "hunter2-host", "MY_CREDENTIALS_FILE", "/creds", "SSH_AUTH_SOCK", "/sock",
      "UNLISTED_VAR", "plain");

  private ProcessRunner confined() {
    return ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(ws));
  }

  private Toolbox box(WorkspaceTools.Builder tools) {
    return tools.hostEnvironment(() -> HOST).build().open(ws, confined());
  }

  private Toolbox box() {
    return box(WorkspaceTools.builder());
  }

  /** Polls a marker file a background process appends to, and says whether it still grows. */
  private static boolean stillGrowing(Path marker) throws Exception {
    long before = Files.exists(marker) ? Files.size(marker) : 0;
    Thread.sleep(600);
    long after = Files.exists(marker) ? Files.size(marker) : 0;
    return after > before;
  }

  @Test
  void runCommandCapturesExitCodeAndBothStreams() throws Exception {
    ToolOutput ok = call(box(), "run_command", json("command", "echo out; echo err >&2; pwd"));
    assertFalse(ok.isError());
    assertEquals("exit 0\n--- stdout ---\nout\n" + ws.toRealPath() + "\n\n--- stderr ---\nerr\n", ok.text());
    ToolOutput failed = call(box(), "run_command", json("command", "exit 3"));
    assertTrue(failed.isError());
    assertTrue(failed.text().startsWith("exit 3\n"), failed.text());
  }

  @Test
  void theCommandsEnvironmentHoldsOnlyAllowListedNamesAndAPrivateHome() throws Exception {
    ToolOutput env = call(box(), "run_command", json("command", "env"));
    assertFalse(env.isError(), env.text());
    assertTrue(env.text().contains("HOME=/tmp/home"), env.text());
    assertTrue(env.text().contains("PATH=/usr/bin:/bin"), env.text());
    for (String leaked : List.of("sk-ant-host-secret-1", "ghp_hostsecret2", "aws-host-secret-3", "hunter2-host",
        "MY_CREDENTIALS_FILE", "SSH_AUTH_SOCK", "UNLISTED_VAR", "/home/someone")) {
      assertFalse(env.text().contains(leaked), leaked + " reached the command: " + env.text());
    }
  }

  @Test
  void secretLookingNamesAreRefusedUnlessExplicit() {
    InputException e = assertThrows(InputException.class,
        () -> CommandEnvironment.builder().inherit("OPENAI_API_KEY"));
    assertTrue(e.getMessage().contains("'OPENAI_API_KEY'") && e.getMessage().contains("inheritSecret"));
    CommandEnvironment explicit = CommandEnvironment.builder().inheritSecret("ANTHROPIC_API_KEY").build();
    assertEquals("sk-ant-host-secret-1", explicit.resolve(HOST).get("ANTHROPIC_API_KEY"));
    assertTrue(CommandEnvironment.looksSecret("npm_token"));
    assertFalse(CommandEnvironment.looksSecret("PATH"));
  }

  @Test
  void standardInputAndArgumentsArePassedVerbatimNotThroughAShell() throws Exception {
    String hostile = "$(touch pwned) `touch pwned2`; rm -rf / \"'";
    CommandOutcome in = confined().run(Command.builder(List.of("cat")).directory(ws).env("PATH", "/usr/bin:/bin")
        .stdin(hostile).build());
    assertEquals(hostile, in.stdout());
    CommandOutcome arg = confined().run(Command.builder(List.of("printf", "%s", hostile)).directory(ws)
        .env("PATH", "/usr/bin:/bin").build());
    assertEquals(hostile, arg.stdout());
    assertFalse(Files.exists(ws.resolve("pwned")) || Files.exists(ws.resolve("pwned2")));
  }

  @Test
  void aTimeoutKillsEverythingTheCommandStarted() throws Exception {
    Path marker = ws.resolve("tick");
    ToolOutput out = call(box(), "run_command", json("command",
        "(while true; do echo x >> tick; sleep 0.1; done) & sh -c 'sleep 300' & wait", "timeout_seconds", 1));
    assertTrue(out.isError());
    assertTrue(out.text().startsWith("timed out (process tree killed)\n"), out.text());
    assertTrue(Files.size(marker) > 0, "the background loop never ran");
    assertFalse(stillGrowing(marker), "a background process outlived the timeout");
  }

  @Test
  void backgroundChildrenDoNotOutliveACommandThatExits() throws Exception {
    Path marker = ws.resolve("tick");
    ToolOutput out = call(box(), "run_command", json("command",
        "(while true; do echo x >> tick; sleep 0.1; done) & sleep 0.3; echo done"));
    assertEquals("exit 0\n--- stdout ---\ndone\n\n--- stderr ---\n", out.text());
    assertFalse(stillGrowing(marker), "a background process outlived its command");
  }

  @Test
  void theModelCannotAskForMoreTimeThanThePolicyGives() throws Exception {
    Toolbox box = box(WorkspaceTools.builder().commandTimeout(Duration.ofSeconds(1)));
    ToolOutput out = call(box, "run_command", json("command", "sleep 30", "timeout_seconds", 1));
    assertTrue(out.text().startsWith("timed out"), out.text());
    assertEquals(1, box.find("run_command").orElseThrow().inputSchema().path("properties")
        .path("timeout_seconds").path("maximum").intValue());
  }

  @Test
  void outputBeyondTheCapKeepsHeadAndTail() throws Exception {
    ToolOutput out = call(box(WorkspaceTools.builder().commandOutputCap(256)), "run_command",
        json("command", "echo HEAD; seq 1 2000; echo TAIL"));
    assertTrue(out.text().contains("--- stdout ---\nHEAD\n"), out.text());
    assertTrue(out.text().contains("TAIL\n\n--- stderr ---"), out.text());
    assertTrue(out.text().contains("bytes omitted: output cap 256 bytes"), out.text());
  }

  @Test
  void aMissingExecutableIsAnInputErrorNamingIt() {
    InputException e = assertThrows(InputException.class, () -> confined().run(
        Command.builder(List.of("no-such-binary-xyz")).directory(ws).env("PATH", "/usr/bin:/bin").build()));
    assertTrue(e.getMessage().startsWith("command 'no-such-binary-xyz' could not be started"), e.getMessage());
  }

  @Test
  void runCommandRefusesARunnerThatIsNotConfinedToAWorkspace() {
    InputException e = assertThrows(InputException.class,
        () -> WorkspaceTools.defaults().open(ws, ProcessRunner.unconfined()));
    assertTrue(e.getMessage().contains("ProcessRunner.unconfined()"), e.getMessage());
    assertTrue(e.getMessage().contains("Sandbox.none()"), e.getMessage());
    Toolbox withoutCommands = WorkspaceTools.builder().withoutCommands().build().open(ws, ProcessRunner.unconfined());
    assertFalse(withoutCommands.names().contains("run_command"));
  }

  @Test
  void anExplicitOptOutRunsTheCommandUnconfinedButStillWithTheAllowList() throws Exception {
    Toolbox box = WorkspaceTools.builder().hostEnvironment(() -> HOST).build()
        .open(ws, ProcessRunner.confined(Sandbox.none(), Jail.of(ws)));
    ToolOutput env = call(box, "run_command", json("command", "env"));
    assertTrue(env.text().contains("HOME=/home/someone"), env.text());
    assertFalse(env.text().contains("sk-ant-host-secret-1"), env.text());
  }

  @Test
  void badCommandSettingsFailAtTheSetterNamingThem() {
    InputException timeout = assertThrows(InputException.class,
        () -> WorkspaceTools.builder().commandTimeout(Duration.ZERO));
    assertTrue(timeout.getMessage().contains("WorkspaceTools.commandTimeout"), timeout.getMessage());
    InputException cap = assertThrows(InputException.class, () -> WorkspaceTools.builder().commandOutputCap(10));
    assertTrue(cap.getMessage().contains("output cap 10"), cap.getMessage());
    assertThrows(InputException.class, () -> CommandEnvironment.builder().set("A=B", "x"));
  }
}

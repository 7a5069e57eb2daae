package dev.loopkit.llm.tools;

import static dev.loopkit.llm.tools.ToolRunner.call;
import static dev.loopkit.llm.tools.ToolRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {
  @TempDir
  Path ws;

  private static final Map<String, String> HOST = Map.of("PATH", System.getenv("PATH"), "HOME", "/home/someone",
      "ANTHROPIC_API_KEY", "sk-ant-host-secret-1", "GITHUB_TOKEN", "ghp_hostsecret2", "AWS_SECRET_ACCESS_KEY",
      "aws-host-secret-3", "DB_PASSWORD", "hunter2-host", "MY_CREDENTIALS_FILE", "/creds", "SSH_AUTH_SOCK", "/sock",
      "UNLISTED_VAR", "plain");

  private CommandRunner runner(Duration timeout) {
    return CommandRunner.builder().timeout(timeout).hostEnvironment(() -> HOST).build();
  }

  @Test
  void runCommandCapturesExitCodeAndBothStreams() throws Exception {
    Toolbox box = WorkspaceTools.builder().commands(runner(Duration.ofMinutes(1))).build().open(ws);
    ToolOutput ok = call(box, "run_command", json("command", "echo out; echo err >&2; pwd"));
    assertFalse(ok.isError());
    assertEquals("exit 0\n--- stdout ---\nout\n" + ws.toRealPath() + "\n\n--- stderr ---\nerr\n", ok.text());
    ToolOutput failed = call(box, "run_command", json("command", "exit 3"));
    assertTrue(failed.isError());
    assertTrue(failed.text().startsWith("exit 3\n"), failed.text());
  }

  @Test
  void theChildEnvironmentHoldsOnlyAllowListedNamesAndNoSecrets() throws Exception {
    CommandOutcome env = runner(Duration.ofMinutes(1)).run(ws, List.of("env"), null);
    assertTrue(env.succeeded());
    assertTrue(env.stdout().contains("HOME=/home/someone"), env.stdout());
    for (String leaked : List.of("sk-ant-host-secret-1", "ghp_hostsecret2", "aws-host-secret-3", "hunter2-host",
        "MY_CREDENTIALS_FILE", "SSH_AUTH_SOCK", "UNLISTED_VAR")) {
      assertFalse(env.stdout().contains(leaked), leaked + " reached the child: " + env.stdout());
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
  void standardInputIsPassedVerbatimNotThroughAShell() throws Exception {
    String hostile = "$(touch pwned) `touch pwned2`; rm -rf / \"'";
    CommandOutcome out = runner(Duration.ofMinutes(1)).run(ws, List.of("cat"), hostile);
    assertEquals(hostile, out.stdout());
    CommandOutcome arg = runner(Duration.ofMinutes(1)).run(ws, List.of("printf", "%s", hostile), null);
    assertEquals(hostile, arg.stdout());
    assertFalse(Files.exists(ws.resolve("pwned")) || Files.exists(ws.resolve("pwned2")));
  }

  @Test
  void aTimeoutKillsTheWholeProcessTree() throws Exception {
    Path pidFile = ws.resolve("child.pid");
    String script = "sleep 300 & echo $! > child.pid; sh -c 'sleep 300' & wait";
    CommandOutcome out = runner(Duration.ofSeconds(1)).run(ws, List.of("/bin/sh", "-c", script), null);
    assertTrue(out.timedOut());
    assertFalse(out.succeeded());
    assertEquals("timed out (process tree killed)", out.status());
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "grandchild " + pid + " alive");
  }

  @Test
  void backgroundChildrenDoNotOutliveACommandThatExits() throws Exception {
    String script = "sleep 300 & echo $! > bg.pid; sleep 0.3; echo done";
    CommandOutcome out = runner(Duration.ofMinutes(1)).run(ws, List.of("/bin/sh", "-c", script), null);
    assertEquals("done\n", out.stdout());
    long pid = Long.parseLong(Files.readString(ws.resolve("bg.pid")).trim());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "background " + pid + " alive");
  }

  @Test
  void outputBeyondTheCapKeepsHeadAndTail() throws Exception {
    CommandRunner small = CommandRunner.builder().outputCap(256).hostEnvironment(() -> HOST).build();
    CommandOutcome out = small.run(ws, List.of("/bin/sh", "-c", "echo HEAD; seq 1 2000; echo TAIL"), null);
    assertTrue(out.truncated());
    assertTrue(out.stdout().startsWith("HEAD\n"));
    assertTrue(out.stdout().endsWith("TAIL\n"));
    assertTrue(out.stdout().contains("bytes omitted: output cap 256 bytes"));
  }

  @Test
  void aMissingExecutableIsAnInputErrorNamingIt() {
    InputException e = assertThrows(InputException.class,
        () -> runner(Duration.ofMinutes(1)).run(ws, List.of("no-such-binary-xyz"), null));
    assertTrue(e.getMessage().startsWith("command 'no-such-binary-xyz' could not be started"), e.getMessage());
    assertTrue(e.getMessage().contains("not found on the child environment's PATH"), e.getMessage());
  }

  @Test
  void badRunnerSettingsFailAtTheSetter() {
    assertThrows(InputException.class, () -> CommandRunner.builder().timeout(Duration.ZERO));
    assertThrows(InputException.class, () -> CommandRunner.builder().outputCap(10));
    assertThrows(InputException.class, () -> CommandEnvironment.builder().set("A=B", "x"));
  }
}

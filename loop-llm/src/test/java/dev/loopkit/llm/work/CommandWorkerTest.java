package dev.loopkit.llm.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.Budget;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.llm.tools.CommandEnvironment;
import dev.loopkit.llm.tools.CommandRunner;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The headless-CLI worker, with small shell scripts standing in for the agent binaries. */
class CommandWorkerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String HOSTILE_TITLE = "Fix $(touch pwned) `touch pwned2`; rm -rf x";

  @TempDir
  Path tmp;

  private Path bin;
  private Path ws;
  private Path runDir;

  @BeforeEach
  void setUp() throws Exception {
    bin = Files.createDirectories(tmp.resolve("bin"));
    ws = Files.createDirectories(tmp.resolve("ws"));
    runDir = Files.createDirectories(tmp.resolve("run"));
  }

  private void fakeAgent(String name, String script) throws Exception {
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + script + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private CommandRunner runner(Duration timeout) {
    Map<String, String> host = Map.of("PATH", bin + ":" + System.getenv("PATH"), "HOME", tmp.toString(),
        "ANTHROPIC_API_KEY", "sk-ant-not-for-the-agent-123");
    return CommandRunner.builder().timeout(timeout).hostEnvironment(() -> host).build();
  }

  private Assignment assignment() {
    Ticket ticket = Ticket.builder("T-9").title(HOSTILE_TITLE).addAcceptanceCriterion("tests pass").build();
    return new Assignment("run-1", ticket, new Workspace("T-9", ws, Map.of()), 1, List.of(),
        new Budget(1000, BigDecimal.ONE, NOW.plusSeconds(3600), 10), (t, b) -> {
          throw new AssertionError("no discoveries expected");
        }, runDir);
  }

  private WorkResult work(AgentProfile profile, Duration timeout) throws Exception {
    return CommandWorker.builder(profile).runner(runner(timeout)).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()
        .work(assignment());
  }

  private List<String> recordedArgs() throws Exception {
    String raw = Files.readString(ws.resolve("args"), StandardCharsets.UTF_8);
    return Arrays.asList(raw.split("\0"));
  }

  @Test
  void claudeCodeRunsLockedWithTheTaskAsOneArgumentAndItsResultIsTheClaim() throws Exception {
    fakeAgent("claude", "printf '%s\\0' \"$@\" > args\n"
        + "echo '{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"Fixed it.\","
        + "\"total_cost_usd\":0.25,\"num_turns\":3,\"usage\":{\"input_tokens\":100,\"output_tokens\":50,"
        + "\"cache_read_input_tokens\":10,\"cache_creation_input_tokens\":5}}'");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.claudeCode(7), Duration.ofMinutes(1)));
    assertEquals("Fixed it.", done.summary());
    assertEquals(new Usage(100, 50, 10, 5, new BigDecimal("0.25")), done.usage());
    List<String> args = recordedArgs();
    assertEquals("-p", args.get(0));
    assertTrue(args.get(1).startsWith("# Ticket T-9: " + HOSTILE_TITLE), args.get(1));
    assertEquals(List.of("--output-format", "json", "--permission-mode", "dontAsk", "--allowedTools",
        "Read,Edit,Write,Glob,Grep,Bash", "--disallowedTools", "WebFetch,WebSearch", "--strict-mcp-config",
        "--max-turns", "7"), args.subList(2, args.size()));
    assertFalse(Files.exists(ws.resolve("pwned")) || Files.exists(ws.resolve("pwned2")));
    assertTrue(Files.readString(runDir.resolve("transcripts/T-9-attempt-1.jsonl"))
        .startsWith("{\"type\":\"command\",\"run_id\":\"run-1\""));
  }

  @Test
  void anAgentReportedErrorFailsTheAttempt() throws Exception {
    fakeAgent("claude", "echo '{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true,"
        + "\"result\":\"ran out of turns\"}'");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofMinutes(1)));
    assertEquals("claude-code reported an error (error_max_turns): ran out of turns", failed.findings().get(0));
  }

  @Test
  void aNonZeroExitFailsWithTheStatusAndTheOutputTail() throws Exception {
    fakeAgent("claude", "echo partial; echo 'auth failed' >&2; exit 4");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofMinutes(1)));
    assertEquals(List.of("claude-code exited with status 4", "stderr (tail): auth failed", "stdout (tail): partial"),
        failed.findings().subList(0, 3));
  }

  @Test
  void aTimeoutKillsTheAgentsWholeProcessTree() throws Exception {
    fakeAgent("claude", "sleep 300 & echo $! > child.pid; wait");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofSeconds(1)));
    assertEquals("claude-code timed out after PT1S; its process tree was killed", failed.findings().get(0));
    long pid = Long.parseLong(Files.readString(ws.resolve("child.pid")).trim());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void theAgentGetsNoHostSecretUnlessTheHostPassesIt() throws Exception {
    fakeAgent("claude", "env > env.txt; echo '{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"ok\"}'");
    work(AgentProfile.claudeCode(), Duration.ofMinutes(1));
    assertFalse(Files.readString(ws.resolve("env.txt")).contains("ANTHROPIC_API_KEY"));
    CommandRunner passing = CommandRunner.builder().environment(CommandEnvironment.builder()
        .inheritSecret("ANTHROPIC_API_KEY").build()).hostEnvironment(() -> Map.of("PATH", bin + ":"
        + System.getenv("PATH"), "ANTHROPIC_API_KEY", "sk-ant-given-on-purpose-1")).build();
    CommandWorker.builder(AgentProfile.claudeCode()).runner(passing).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()
        .work(assignment());
    assertTrue(Files.readString(ws.resolve("env.txt")).contains("ANTHROPIC_API_KEY=sk-ant-given-on-purpose-1"));
  }

  @Test
  void codexEventsGiveTheLastAgentMessageAndTheUsage() throws Exception {
    fakeAgent("codex", "printf '%s\\0' \"$@\" > args\n"
        + "echo '{\"type\":\"thread.started\",\"thread_id\":\"th_1\"}'\n"
        + "echo 'a notice that is not JSON'\n"
        + "echo '{\"type\":\"item.completed\",\"item\":{\"id\":\"i1\",\"type\":\"agent_message\",\"text\":\"First.\"}}'\n"
        + "echo '{\"type\":\"item.completed\",\"item\":{\"id\":\"i2\",\"type\":\"agent_message\",\"text\":\"All done.\"}}'\n"
        + "echo '{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1000,\"cached_input_tokens\":400,"
        + "\"output_tokens\":80}}'");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.codex(), Duration.ofMinutes(1)));
    assertEquals("All done.", done.summary());
    assertEquals(Usage.unmetered(new Usage(600, 80, 400, 0, BigDecimal.ZERO)), done.usage()); // no price given
    List<String> args = recordedArgs();
    assertEquals(List.of("exec", "--sandbox", "workspace-write", "--ephemeral", "--json"), args.subList(0, 5));
    assertTrue(args.get(5).startsWith("# Ticket T-9"));
  }

  @Test
  void aFailedCodexTurnFailsTheAttempt() throws Exception {
    fakeAgent("codex", "echo '{\"type\":\"turn.failed\",\"error\":{\"message\":\"quota exceeded\"}}'");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.codex(), Duration.ofMinutes(1)));
    assertEquals("codex reported an error: quota exceeded", failed.findings().get(0));
  }

  @Test
  void aCustomTemplateWithoutPlaceholderGetsTheTaskOnStandardInput() throws Exception {
    AgentProfile custom = AgentProfile.custom("my-agent", "local", List.of("/bin/sh", "-c",
        "cat > task.txt; echo 'summary from my agent'", "my-agent"), AgentProfile.OutputFormat.TEXT);
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class, work(custom, Duration.ofMinutes(1)));
    assertEquals("summary from my agent", done.summary());
    String task = Files.readString(ws.resolve("task.txt"));
    assertTrue(task.startsWith("# Ticket T-9: " + HOSTILE_TITLE) && task.contains("- tests pass"), task);
    assertFalse(Files.exists(ws.resolve("pwned")));
  }

  @Test
  void customTemplatesThatWouldSpliceOrExecuteTheTaskAreRefused() {
    AgentProfile.OutputFormat text = AgentProfile.OutputFormat.TEXT;
    InputException spliced = assertThrows(InputException.class,
        () -> AgentProfile.custom("a", "v", List.of("agent", "--prompt={task}"), text));
    assertTrue(spliced.getMessage().contains("inside the argument '--prompt={task}'"));
    InputException shell = assertThrows(InputException.class,
        () -> AgentProfile.custom("a", "v", List.of("/bin/bash", "-c", "{task}"), text));
    assertTrue(shell.getMessage().contains("would run the task text as shell code"));
    assertThrows(InputException.class, () -> AgentProfile.custom("a", "v", List.of("{task}"), text));
    assertThrows(InputException.class, () -> AgentProfile.custom("a", "v", List.of("x", "{task}", "{task}"), text));
    assertThrows(InputException.class, () -> AgentProfile.custom("a", "v", List.of(), text));
    assertEquals(List.of("sh", "-c", "echo \"$1\"", "sh", "the task"),
        AgentProfile.custom("a", "v", List.of("sh", "-c", "echo \"$1\"", "sh", "{task}"), text).command("the task"));
  }

  @Test
  void aClaudeResultWithoutItsCostIsUnmetered() throws Exception {
    fakeAgent("claude", "echo '{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"ok\","
        + "\"usage\":{\"input_tokens\":100,\"output_tokens\":50}}'");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.claudeCode(), Duration.ofMinutes(1)));
    assertEquals(Usage.unmetered(Usage.tokens(100, 50)), done.usage());
  }

  @Test
  void aPlainTextAgentReportsNoUsageSoItsRunIsUnmetered() throws Exception {
    AgentProfile custom = AgentProfile.custom("my-agent", "local", List.of("/bin/sh", "-c", "echo done", "my-agent"),
        AgentProfile.OutputFormat.TEXT);
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class, work(custom, Duration.ofMinutes(1)));
    assertEquals(Usage.unmetered(Usage.ZERO), done.usage());
  }

  @Test
  void aTimedOutOrFailedAgentIsUnmeteredBecauseItMayHaveSpentTokens() throws Exception {
    fakeAgent("claude", "exit 3");
    assertEquals(Usage.unmetered(Usage.ZERO), work(AgentProfile.claudeCode(), Duration.ofMinutes(1)).usage());
  }

  @Test
  void codexUsageIsMeteredAtThePriceTheHostGivesForItsModel() throws Exception {
    fakeAgent("codex", "echo '{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1000000,"
        + "\"cached_input_tokens\":0,\"output_tokens\":0}}'");
    WorkResult done = CommandWorker.builder(AgentProfile.codex()).runner(runner(Duration.ofMinutes(1)))
        .price(dev.loopkit.llm.PriceTable.Price.perMillion(1.25, 10, 0.125, 0))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build().work(assignment());
    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("1.25")), done.usage());
  }

  /** A fake CLI that records its arguments and replays a recorded-shape output from the test resources. */
  private void replayingAgent(String name, String resource) throws Exception {
    Path out = tmp.resolve(resource);
    try (var in = CommandWorkerTest.class.getResourceAsStream("/agents/" + resource)) {
      Files.write(out, java.util.Objects.requireNonNull(in, resource).readAllBytes());
    }
    fakeAgent(name, "printf '%s\\0' \"$@\" > args\ncat '" + out + "'");
  }

  @Test
  void claudeCodeIsAlwaysGivenItsPermissionModeAndItsDocumentedResultIsRead() throws Exception {
    replayingAgent("claude", "claude-result.json");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.claudeCode(30, AgentProfile.ClaudePermissionMode.ACCEPT_EDITS), Duration.ofMinutes(1)));
    assertEquals("Guarded Parser.parse against empty input; the parser tests pass.", done.summary());
    assertEquals(new Usage(41, 2210, 88410, 9120, new BigDecimal("0.1834")), done.usage());
    List<String> args = recordedArgs();
    assertEquals("acceptEdits", args.get(args.indexOf("--permission-mode") + 1));
  }

  @Test
  void claudeCodesPermissionDenialsBecomeFindings() throws Exception {
    replayingAgent("claude", "claude-max-turns.json");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofMinutes(1)));
    assertTrue(failed.findings().get(0).startsWith("claude-code reported an error (error_max_turns)"));
    assertEquals("claude-code was denied WebFetch (2 times), Write (its permission mode and allowed tools did not"
        + " cover them)", failed.findings().get(1));
    assertEquals(0, new BigDecimal("0.912").compareTo(failed.usage().costUsd()));
    assertTrue(failed.usage().isMetered());
  }

  @Test
  void codexTurnTotalsAreCumulativeSoTheLastOneIsTheUsageNeverTheirSum() throws Exception {
    replayingAgent("codex", "codex-exec.jsonl");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.codex(), Duration.ofMinutes(1)));
    assertEquals("Guarded the empty input; tests pass.", done.summary());
    // the second turn.completed (51020 in, 48896 cached, 310 out) already includes the first
    assertEquals(Usage.unmetered(new Usage(51020 - 48896, 310, 48896, 0, BigDecimal.ZERO)), done.usage());
  }

  @Test
  void codexTokenCountEventsUseTheLastTotalNotTheSumOfTotals() throws Exception {
    replayingAgent("codex", "codex-token-count.jsonl");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class,
        work(AgentProfile.codex(), Duration.ofMinutes(1)));
    assertEquals("Done: the parser handles empty input.", done.summary());
    assertEquals(Usage.unmetered(new Usage(10500, 350, 9000, 0, BigDecimal.ZERO)), done.usage());
  }

  @Test
  void codexDeltasAreSummedWhenNoTotalIsReported() throws Exception {
    fakeAgent("codex", "echo '{\"msg\":{\"type\":\"token_count\",\"info\":{\"last_token_usage\":{\"input_tokens\":100,"
        + "\"cached_input_tokens\":0,\"output_tokens\":10}}}}'\n"
        + "echo '{\"msg\":{\"type\":\"token_count\",\"info\":{\"last_token_usage\":{\"input_tokens\":50,"
        + "\"cached_input_tokens\":20,\"output_tokens\":5}}}}'");
    WorkResult done = work(AgentProfile.codex(), Duration.ofMinutes(1));
    assertEquals(Usage.unmetered(new Usage(130, 15, 20, 0, BigDecimal.ZERO)), done.usage());
  }

  @Test
  void theClaudeProfilesNeverLeaveThePermissionModeToTheCliDefault() {
    for (AgentProfile.ClaudePermissionMode mode : AgentProfile.ClaudePermissionMode.values()) {
      List<String> argv = AgentProfile.claudeCode(5, mode).command("task");
      assertEquals(mode.flag(), argv.get(argv.indexOf("--permission-mode") + 1));
    }
    assertEquals("dontAsk", AgentProfile.claudeCode().command("t").get(6));
  }
}

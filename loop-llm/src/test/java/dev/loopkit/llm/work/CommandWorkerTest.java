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
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.net.InetAddress;
import java.net.ServerSocket;
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

/**
 * The headless-CLI worker, with small shell scripts standing in for the agent binaries, run in real bubblewrap
 * sandboxes (the scripts' folder is shown read-only, as a host's agent installation would be).
 */
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

  private static final String AGENT_KEY = "sk-ant-for-the-agent-123456";
  private static final String OPENAI_KEY = "sk-openai-for-codex-654321";
  private static final String OTHER_SECRET = "ghp_not-for-any-agent-777";

  private Map<String, String> host() {
    return Map.of("PATH", bin + ":/usr/bin:/bin", "HOME", tmp.toString(), "ANTHROPIC_API_KEY", AGENT_KEY,
        "OPENAI_API_KEY", OPENAI_KEY, "GITHUB_TOKEN", OTHER_SECRET);
  }

  private Assignment assignment() {
    return assignment(ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(ws).withReadOnly(List.of(bin))));
  }

  private Assignment assignment(ProcessRunner processes) {
    Ticket ticket = Ticket.builder("T-9").title(HOSTILE_TITLE).addAcceptanceCriterion("tests pass").build();
    return new Assignment("run-1", ticket, new Workspace("T-9", ws, Map.of()), 1, List.of(),
        new Budget(1000, BigDecimal.ONE, NOW.plusSeconds(3600), 10), (t, b) -> {
          throw new AssertionError("no discoveries expected");
        }, runDir, processes);
  }

  private CommandWorker.Builder worker(AgentProfile profile, Duration timeout) {
    return CommandWorker.builder(profile).timeout(timeout).hostEnvironment(this::host)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private WorkResult work(AgentProfile profile, Duration timeout) throws Exception {
    return worker(profile, timeout).build().work(assignment());
  }

  /** Whether a background loop writing to {@code marker} still runs. */
  private static boolean stillGrowing(Path marker) throws Exception {
    long before = Files.exists(marker) ? Files.size(marker) : 0;
    Thread.sleep(600);
    return (Files.exists(marker) ? Files.size(marker) : 0) > before;
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
    fakeAgent("claude", "(while true; do echo x >> tick; sleep 0.1; done) & sleep 300 & wait");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofSeconds(1)));
    assertEquals("claude-code timed out after PT1S; its process tree was killed", failed.findings().get(0));
    assertTrue(Files.size(ws.resolve("tick")) > 0);
    assertFalse(stillGrowing(ws.resolve("tick")), "a process of the agent outlived its timeout");
  }

  @Test
  void theAgentGetsItsProfilesSecretsAndNoOtherHostSecret() throws Exception {
    fakeAgent("claude", "env > env.txt; echo '{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"ok\"}'");
    work(AgentProfile.claudeCode(), Duration.ofMinutes(1));
    String env = Files.readString(ws.resolve("env.txt"));
    assertTrue(env.contains("ANTHROPIC_API_KEY=" + AGENT_KEY), env);
    assertFalse(env.contains(OTHER_SECRET) || env.contains(OPENAI_KEY) || env.contains("GITHUB_TOKEN"), env);
    assertTrue(env.contains("HOME=/tmp/home"), env);
    String transcript = Files.readString(runDir.resolve("transcripts/T-9-attempt-1.jsonl"));
    assertTrue(transcript.contains("\"secrets_passed\":[\"ANTHROPIC_API_KEY\"]"), transcript);
    assertFalse(transcript.contains(AGENT_KEY), transcript);
  }

  @Test
  void aCustomAgentGetsNoSecretAndNoNetworkUnlessItsProfileAsks() throws Exception {
    fakeAgent("my-agent", "env > env.txt; bash -c 'exec 3<>/dev/tcp/127.0.0.1/'\"$1\" && echo connected"
        + " || echo refused");
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(server.getLocalPort());
      AgentProfile offline = AgentProfile.custom("my-agent", "local", List.of("my-agent", port),
          AgentProfile.OutputFormat.TEXT);
      assertEquals("refused", assertInstanceOf(WorkResult.Completed.class,
          work(offline, Duration.ofMinutes(1))).summary());
      String env = Files.readString(ws.resolve("env.txt"));
      assertFalse(env.contains(AGENT_KEY) || env.contains(OPENAI_KEY) || env.contains(OTHER_SECRET), env);
      AgentProfile online = offline.withNetwork(true).withSecrets("OPENAI_API_KEY");
      assertEquals("connected", assertInstanceOf(WorkResult.Completed.class,
          work(online, Duration.ofMinutes(1))).summary());
      env = Files.readString(ws.resolve("env.txt"));
      assertTrue(env.contains("OPENAI_API_KEY=" + OPENAI_KEY), env);
      assertFalse(env.contains(AGENT_KEY) || env.contains(OTHER_SECRET), env);
    }
  }

  @Test
  void theStockProfilesAskForTheNetworkAndNameTheirVendorsVariables() {
    assertTrue(AgentProfile.claudeCode().network());
    assertEquals(List.of("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"),
        AgentProfile.claudeCode().secrets());
    assertTrue(AgentProfile.codex().network());
    assertEquals(List.of("CODEX_API_KEY", "OPENAI_API_KEY"), AgentProfile.codex().secrets());
    AgentProfile custom = AgentProfile.custom("a", "v", List.of("agent"), AgentProfile.OutputFormat.TEXT);
    assertFalse(custom.network());
    assertEquals(List.of(), custom.secrets());
    assertThrows(InputException.class, () -> custom.withSecrets("A=B"));
    assertThrows(InputException.class, () -> custom.withSecrets(" "));
  }

  @Test
  void aProfileWhoseSecretsAreAllUnsetStopsTheRunNamingThem() throws Exception {
    fakeAgent("claude", "touch started; echo '{}'");
    CommandWorker worker = CommandWorker.builder(AgentProfile.claudeCode())
        .hostEnvironment(() -> Map.of("PATH", bin + ":/usr/bin:/bin", "GITHUB_TOKEN", OTHER_SECRET))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    FatalAdapterException e = assertThrows(FatalAdapterException.class, () -> worker.work(assignment()));
    assertTrue(e.getMessage().startsWith("claude-code needs one of [ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN,"
        + " ANTHROPIC_AUTH_TOKEN]"), e.getMessage());
    assertFalse(e.getMessage().contains(OTHER_SECRET));
    assertFalse(Files.exists(ws.resolve("started")));
  }

  @Test
  void anAgentThatEchoesItsKeyHasItRedactedFromTheSummaryFindingsAndTranscript() throws Exception {
    fakeAgent("claude", "echo \"my key is $ANTHROPIC_API_KEY\" >&2; echo \"key $ANTHROPIC_API_KEY\"; exit 2");
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        work(AgentProfile.claudeCode(), Duration.ofMinutes(1)));
    assertFalse(failed.findings().toString().contains(AGENT_KEY), failed.findings().toString());
    assertTrue(failed.findings().toString().contains("my key is [redacted]"), failed.findings().toString());
    assertFalse(Files.readString(runDir.resolve("transcripts/T-9-attempt-1.jsonl")).contains(AGENT_KEY));
    CommandWorker worker = worker(AgentProfile.claudeCode(), Duration.ofMinutes(1)).build();
    assertFalse(worker.toString().contains(AGENT_KEY) || worker.profile().toString().contains(AGENT_KEY));
    AgentProfile custom = AgentProfile.custom("echoer", "local", List.of("/bin/sh", "-c", "echo \"$OPENAI_API_KEY\"",
        "echoer"), AgentProfile.OutputFormat.TEXT).withSecrets("OPENAI_API_KEY");
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class, work(custom, Duration.ofMinutes(1)));
    assertEquals("[redacted]", done.summary());
  }

  @Test
  void anAgentInstalledOutsideTheSystemIsShownReadOnlyOnlyWhenItsProfileNamesIt() throws Exception {
    Path script = Files.writeString(bin.resolve("my-agent.sh"), "echo done > out.txt; echo from the agent\n");
    ProcessRunner workspaceOnly = ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(ws));
    AgentProfile profile = AgentProfile.custom("mine", "local", List.of("/bin/sh", script.toString()),
        AgentProfile.OutputFormat.TEXT);
    WorkResult.Failed unseen = assertInstanceOf(WorkResult.Failed.class,
        worker(profile, Duration.ofMinutes(1)).build().work(assignment(workspaceOnly)));
    assertTrue(unseen.findings().toString().contains("my-agent.sh"), unseen.findings().toString());
    WorkResult.Completed shown = assertInstanceOf(WorkResult.Completed.class, worker(profile.withReadOnly(
        List.of(script)), Duration.ofMinutes(1)).build().work(assignment(workspaceOnly)));
    assertEquals("from the agent", shown.summary());
    assertThrows(InputException.class, () -> profile.withReadOnly(List.of(Path.of("relative/agent.sh"))));
  }

  @Test
  void aCommandAgentNeverRunsOnAnUnconfinedRunner() throws Exception {
    fakeAgent("claude", "touch started; echo '{}'");
    InputException e = assertThrows(InputException.class, () -> worker(AgentProfile.claudeCode(),
        Duration.ofMinutes(1)).build().work(assignment(ProcessRunner.unconfined())));
    assertTrue(e.getMessage().contains("expected a runner confined to the ticket's workspace"), e.getMessage());
    assertFalse(Files.exists(ws.resolve("started")));
  }

  @Test
  void anAgentMissingFromTheSandboxIsAnInputErrorNamingIt() {
    AgentProfile missing = AgentProfile.custom("ghost", "local", List.of("no-such-agent-xyz"),
        AgentProfile.OutputFormat.TEXT);
    InputException e = assertThrows(InputException.class, () -> work(missing, Duration.ofMinutes(1)));
    assertTrue(e.getMessage().startsWith("command 'no-such-agent-xyz' could not be started"), e.getMessage());
  }

  @Test
  void aHundredMegabyteTicketReachesAnArgumentAgentThroughAReadOnlyFile() throws Exception {
    String body = "x".repeat(100 * 1024 * 1024 - 3) + "END";
    Ticket big = Ticket.builder("T-9").title("big").body(body).build();
    Assignment a = new Assignment("run-1", big, new Workspace("T-9", ws, Map.of()), 1, List.of(),
        new Budget(1000, BigDecimal.ONE, NOW.plusSeconds(3600), 10), (t, b) -> {
          throw new AssertionError("no discoveries expected");
        }, runDir, ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(ws)));
    // the agent finds the file named in its one argument, measures it, and tries to change it
    AgentProfile agent = AgentProfile.custom("reader", "local", List.of("/bin/sh", "-c",
        "f=$(printf '%s' \"$1\" | sed -n 's/.* from the file \\(.*\\) (read-only.*/\\1/p'); printf '%s' \"$f\" > path.txt;"
        + " wc -c < \"$f\" > size.txt; grep -q xEND \"$f\" && echo found > end.txt; echo more >> \"$f\" && echo wrote > wrote.txt;"
        + " echo ok", "reader", "{task}"), AgentProfile.OutputFormat.TEXT);

    WorkResult result = worker(agent, Duration.ofMinutes(2)).build().work(a);

    assertInstanceOf(WorkResult.Completed.class, result, result.toString());
    Path file = Path.of(Files.readString(ws.resolve("path.txt")));
    assertTrue(Long.parseLong(Files.readString(ws.resolve("size.txt")).strip()) > body.length(),
        "the whole task, body included, was in the file");
    assertTrue(Files.exists(ws.resolve("end.txt")), "the body's last bytes arrived");
    assertFalse(Files.exists(ws.resolve("wrote.txt")), "the task file is read-only to the agent");
    assertFalse(Files.exists(file), "the task file is removed after the attempt");
  }

  @Test
  void theTaskOnStandardInputArrivesVerbatim() throws Exception {
    AgentProfile custom = AgentProfile.custom("cat", "local", List.of("/bin/sh", "-c", "cat > task.txt; echo ok",
        "cat"), AgentProfile.OutputFormat.TEXT);
    work(custom, Duration.ofMinutes(1));
    assertTrue(Files.readString(ws.resolve("task.txt")).startsWith("# Ticket T-9: " + HOSTILE_TITLE + "\n"));
  }

  @Test
  void badWorkerSettingsFailAtTheSetter() {
    AgentProfile p = AgentProfile.codex();
    assertTrue(assertThrows(InputException.class, () -> CommandWorker.builder(p).timeout(Duration.ZERO))
        .getMessage().contains("CommandWorker.timeout"));
    assertTrue(assertThrows(InputException.class, () -> CommandWorker.builder(p).outputCap(100))
        .getMessage().contains("output cap 100"));
    assertThrows(InputException.class, () -> CommandWorker.builder(p).environment(CommandEnvironment.builder()
        .inherit("GITHUB_TOKEN").build()));
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
    WorkResult done = worker(AgentProfile.codex(), Duration.ofMinutes(1))
        .price(dev.loopkit.llm.PriceTable.Price.perMillion(1.25, 10, 0.125, 0)).build().work(assignment());
    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("1.25")), done.usage());
  }

  /** A fake CLI that records its arguments and replays a recorded-shape output from the test resources. */
  private void replayingAgent(String name, String resource) throws Exception {
    Path out = bin.resolve(resource);
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

package dev.loopkit.llm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loopkit.core.Cap;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.llm.StopReason;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTool;
import dev.loopkit.llm.tools.WorkspaceTools;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentLoopTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path ws;

  private final ManualClock clock = new ManualClock(START);
  private Toolbox tools;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(ws.resolve("README.md"), "hello from the workspace\n");
    tools = WorkspaceTools.builder().withoutCommands().build().open(ws);
  }

  private AgentLimits limits(int turns) {
    return new AgentLimits(turns, 1_000_000, new BigDecimal("5"), START.plus(Duration.ofHours(1)));
  }

  private AgentLoop loop(ScriptedModelClient model, Toolbox box, AgentLimits limits) {
    return AgentLoop.builder(model, "test-model").system("be brief").toolbox(box).limits(limits).clock(clock)
        .build();
  }

  private static ModelResponse response(StopReason stop, ContentBlock... blocks) {
    return ModelResponse.builder().content(List.of(blocks)).stopReason(stop).build();
  }

  private static AgentOutcome run(AgentLoop loop) throws InterruptedException {
    return loop.run(List.of(Message.user("do the task")), TranscriptWriter.discard());
  }

  @Test
  void runsToolCallsAppendsResultsAndFinishesOnEndTurn() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_file", "{\"path\":\"README.md\"}")
        .expectLastMessageContains("hello from the workspace")
        .respondText("The README greets.")
        .build();
    AgentOutcome outcome = run(loop(model, tools, limits(10)));
    AgentOutcome.Finished finished = assertInstanceOf(AgentOutcome.Finished.class, outcome);
    assertEquals("The README greets.", finished.text());
    assertEquals(2, finished.turns());
    List<Message> t = finished.transcript();
    assertEquals(4, t.size());
    ContentBlock.ToolUse use = assertInstanceOf(ContentBlock.ToolUse.class, t.get(1).content().get(0));
    ContentBlock.ToolResult result = assertInstanceOf(ContentBlock.ToolResult.class, t.get(2).content().get(0));
    assertEquals(use.id(), result.toolUseId());
    assertFalse(result.isError());
    assertEquals(List.of("read_file", "write_file", "edit_file", "list_files", "search"),
        model.requests().get(0).tools().stream().map(s -> s.name()).toList());
    assertEquals("be brief", model.requests().get(0).system());
  }

  @Test
  void unknownToolsAndMalformedArgumentsGoBackAsErrorResults() throws Exception {
    ContentBlock.ToolUse unknown = ScriptedModelClient.Builder.toolUse("c1", "delete_everything", "{}");
    ContentBlock.ToolUse malformed = new ContentBlock.ToolUse("c2", "read_file", TextNode.valueOf("{\"path\":"));
    ContentBlock.ToolUse badType = ScriptedModelClient.Builder.toolUse("c3", "read_file", "{\"path\":7}");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.TOOL_USE, unknown, malformed, badType))
        .respondText("ok")
        .build();
    AgentOutcome outcome = run(loop(model, tools, limits(10)));
    assertInstanceOf(AgentOutcome.Finished.class, outcome);
    List<ContentBlock> results = model.requests().get(1).lastMessage().content();
    assertEquals(3, results.size());
    ContentBlock.ToolResult r1 = (ContentBlock.ToolResult) results.get(0);
    ContentBlock.ToolResult r2 = (ContentBlock.ToolResult) results.get(1);
    ContentBlock.ToolResult r3 = (ContentBlock.ToolResult) results.get(2);
    assertTrue(r1.isError() && r2.isError() && r3.isError());
    assertTrue(r1.content().startsWith("unknown tool 'delete_everything': the tools are [read_file"), r1.content());
    assertTrue(r2.content().contains("are not a JSON object ({\"path\":)"), r2.content());
    assertTrue(r3.content().contains("argument 'path' of read_file is 7 (number)"), r3.content());
  }

  @Test
  void theTurnCapReturnsThePartialTranscriptWithEveryCallAnswered() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("list_files", "{}")
        .callTool("read_file", "{\"path\":\"README.md\"}")
        .callTool("list_files", "{\"recursive\":true}")
        .build();
    AgentOutcome.Capped capped = assertInstanceOf(AgentOutcome.Capped.class, run(loop(model, tools, limits(2))));
    assertEquals(Cap.TURNS, capped.cap());
    assertEquals(2, capped.turns());
    assertEquals("capped by TURNS: took 2 of 2 turns", capped.describe());
    assertEquals(5, capped.transcript().size());
    assertInstanceOf(ContentBlock.ToolResult.class, capped.transcript().get(4).content().get(0));
    assertEquals(1, model.remainingSteps());
  }

  @Test
  void aResponseThatCrossesTheTokenCapDoesNotGetItsToolsRun() throws Exception {
    ContentBlock.ToolUse write = ScriptedModelClient.Builder.toolUse("w1", "write_file",
        "{\"path\":\"out.txt\",\"content\":\"x\"}");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.TOOL_USE, write).toBuilder().usage(Usage.tokens(900, 200)).build())
        .build();
    AgentLimits limits = new AgentLimits(10, 1000, new BigDecimal("5"), START.plusSeconds(3600));
    AgentOutcome.Capped capped = assertInstanceOf(AgentOutcome.Capped.class, run(loop(model, tools, limits)));
    assertEquals(Cap.TOKENS, capped.cap());
    assertFalse(Files.exists(ws.resolve("out.txt")));
    ContentBlock.ToolResult answer = (ContentBlock.ToolResult) capped.transcript().get(2).content().get(0);
    assertTrue(answer.isError() && answer.content().startsWith("not run: capped by TOKENS"), answer.content());
    assertEquals(1100, capped.usage().totalTokens());
  }

  @Test
  void theMoneyCapStopsTheLoopOnceSpent() throws Exception {
    Usage costly = new Usage(10, 10, 0, 0, new BigDecimal("0.60"));
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(ModelResponse.builder().content(List.of(ScriptedModelClient.Builder.toolUse("a", "list_files",
            "{}"))).stopReason(StopReason.TOOL_USE).usage(costly).build())
        .respond(ModelResponse.builder().content(List.of(ScriptedModelClient.Builder.toolUse("b", "read_file",
            "{\"path\":\"README.md\"}"))).stopReason(StopReason.TOOL_USE).usage(costly).build())
        .build();
    AgentLimits limits = new AgentLimits(10, 1_000_000, new BigDecimal("1.00"), START.plusSeconds(3600));
    AgentOutcome.Capped capped = assertInstanceOf(AgentOutcome.Capped.class, run(loop(model, tools, limits)));
    assertEquals(Cap.MONEY, capped.cap());
    assertEquals(new BigDecimal("1.20"), capped.usage().costUsd());
    assertEquals("capped by MONEY: spent 1.20 of 1.00 USD", capped.describe());
  }

  @Test
  void theWallClockCapReadsTheInjectedClock() throws Exception {
    WorkspaceTool slow = new FixedTool("slow_step", () -> clock.advance(Duration.ofMinutes(61)));
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("slow_step", "{}").respondText("never")
        .build();
    AgentOutcome.Capped capped = assertInstanceOf(AgentOutcome.Capped.class,
        run(loop(model, Toolbox.of(slow), limits(10))));
    assertEquals(Cap.WALL_CLOCK, capped.cap());
    assertEquals(1, capped.turns());
  }

  @Test
  void theSameCallRepeatedEndsTheLoopAsStuckWithoutRunningItAgain() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    WorkspaceTool probe = new FixedTool("probe", runs::incrementAndGet);
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("probe", "{\"a\":1,\"b\":2}")
        .callTool("probe", "{\"b\":2,\"a\":1}")
        .callTool("probe", "{\"a\":1,\"b\":2}")
        .build();
    AgentOutcome.Stuck stuck = assertInstanceOf(AgentOutcome.Stuck.class, run(loop(model, Toolbox.of(probe),
        limits(10))));
    assertEquals(2, runs.get());
    assertEquals(3, stuck.repeats());
    assertEquals("probe", stuck.tool());
    ContentBlock.ToolResult last = (ContentBlock.ToolResult) stuck.transcript().get(6).content().get(0);
    assertTrue(last.isError() && last.content().contains("3 times in a row"));
  }

  @Test
  void differentArgumentsInBetweenResetTheStuckCount() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    WorkspaceTool probe = new FixedTool("probe", runs::incrementAndGet);
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("probe", "{\"a\":1}").callTool("probe", "{\"a\":1}").callTool("probe", "{\"a\":2}")
        .callTool("probe", "{\"a\":1}").respondText("done").build();
    assertInstanceOf(AgentOutcome.Finished.class, run(loop(model, Toolbox.of(probe), limits(10))));
    assertEquals(4, runs.get());
  }

  @Test
  void pauseTurnSendsTheAssistantTurnBackToContinue() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.PAUSE_TURN, ContentBlock.text("Working on it")))
        .expectLastMessage("the paused assistant turn", m -> m.role() == Message.Role.ASSISTANT
            && m.text().equals("Working on it"))
        .respondText("Done.")
        .build();
    AgentOutcome.Finished done = assertInstanceOf(AgentOutcome.Finished.class, run(loop(model, tools, limits(5))));
    assertEquals("Done.", done.text());
    assertEquals(2, done.turns());
  }

  @Test
  void aToolCallCutOffByMaxTokensIsNotRunAndTheModelIsTold() throws Exception {
    ContentBlock.ToolUse cut = ScriptedModelClient.Builder.toolUse("t1", "write_file", "{\"path\":\"big.txt\"}");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.MAX_TOKENS, ContentBlock.text("Writing"), cut))
        .expectLastMessageContains("output token limit")
        .respondText("I will write it in parts.")
        .build();
    AgentOutcome outcome = run(loop(model, tools, limits(5)));
    assertInstanceOf(AgentOutcome.Finished.class, outcome);
    assertFalse(Files.exists(ws.resolve("big.txt")));
    ContentBlock.ToolResult told = (ContentBlock.ToolResult) outcome.transcript().get(2).content().get(0);
    assertTrue(told.isError() && told.content().startsWith("not run:"), told.content());
  }

  @Test
  void maxTokensInPlainTextAsksTheModelToContinue() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.MAX_TOKENS, ContentBlock.text("The answer is")))
        .expectLastMessageContains("Continue from where it stopped")
        .respondText(" 42.")
        .build();
    assertInstanceOf(AgentOutcome.Finished.class, run(loop(model, tools, limits(5))));
  }

  @Test
  void aRefusalEndsWithItsOwnOutcome() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.REFUSAL, ContentBlock.text("I can't help with that."))).build();
    AgentOutcome.Refused refused = assertInstanceOf(AgentOutcome.Refused.class, run(loop(model, tools, limits(5))));
    assertEquals("I can't help with that.", refused.text());
  }

  @Test
  void aFullContextWindowEndsWithItsOwnOutcomeWhetherStopReasonOrError() throws Exception {
    ScriptedModelClient byStop = ScriptedModelClient.builder()
        .respond(response(StopReason.CONTEXT_WINDOW_EXCEEDED, ContentBlock.text("partial"))).build();
    assertInstanceOf(AgentOutcome.ContextExhausted.class, run(loop(byStop, tools, limits(5))));
    ScriptedModelClient byError = ScriptedModelClient.builder()
        .fail(ModelException.of(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, "prompt is too long")).build();
    assertInstanceOf(AgentOutcome.ContextExhausted.class, run(loop(byError, tools, limits(5))));
  }

  @Test
  void aModelErrorEndsTheLoopWithThePartialTranscript() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("list_files", "{}")
        .fail(ModelException.of(ModelException.Kind.OVERLOADED, "overloaded"))
        .build();
    AgentOutcome.ModelFailed failed = assertInstanceOf(AgentOutcome.ModelFailed.class,
        run(loop(model, tools, limits(5))));
    assertEquals(ModelException.Kind.OVERLOADED, failed.error().kind());
    assertEquals(3, failed.transcript().size());
    assertEquals(1, failed.turns());
  }

  @Test
  void anUnknownStopReasonIsKeptAndNamed() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.of("model_got_bored"), ContentBlock.text("hm"))).build();
    AgentOutcome.UnexpectedStop stop = assertInstanceOf(AgentOutcome.UnexpectedStop.class,
        run(loop(model, tools, limits(5))));
    assertEquals("model_got_bored", stop.stopReason().value());
  }

  @Test
  void toolCallsAreRunWhateverTheStopReasonSays() throws Exception {
    ContentBlock.ToolUse call = ScriptedModelClient.Builder.toolUse("x", "write_file",
        "{\"path\":\"made.txt\",\"content\":\"yes\"}");
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(response(StopReason.END_TURN, call)).respondText("done").build();
    assertInstanceOf(AgentOutcome.Finished.class, run(loop(model, tools, limits(5))));
    assertEquals("yes", Files.readString(ws.resolve("made.txt")));
  }

  @Test
  void theTranscriptFileReplaysThroughTheScriptedClient() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"a.txt\",\"content\":\"one\"}")
        .callTool("read_file", "{\"path\":\"a.txt\"}")
        .respondText("wrote and read a.txt")
        .build();
    Path file = ws.resolve("run/transcripts/T-1-attempt-1.jsonl");
    try (TranscriptWriter writer = TranscriptWriter.open(file, List.of())) {
      loop(model, tools, limits(10)).run(List.of(Message.user("task")), writer);
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(List.of("message", "response", "message", "response", "message", "response", "outcome"),
        lines.stream().map(l -> l.replaceAll("^\\{\"type\":\"([a-z]+)\".*$", "$1")).toList());
    Files.delete(ws.resolve("a.txt"));
    ScriptedModelClient replay = ScriptedModelClient.fromTranscript(file);
    AgentOutcome again = run(loop(replay, tools, limits(10)));
    assertEquals("wrote and read a.txt", ((AgentOutcome.Finished) again).text());
    assertEquals("one", Files.readString(ws.resolve("a.txt")));
  }

  @Test
  void theTranscriptNeverHoldsSecrets() throws Exception {
    String secret = "s3cr3t-value-from-env";
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respondText("the key is " + secret + " and sk-ant-api03-abcdefghijklmnopqrstuvwxyz").build();
    Path file = ws.resolve("t.jsonl");
    try (TranscriptWriter writer = TranscriptWriter.open(file, List.of(secret))) {
      loop(model, tools, limits(3)).run(List.of(Message.user("print " + secret)), writer);
    }
    String text = Files.readString(file);
    assertFalse(text.contains(secret) || text.contains("sk-ant-api03"), text);
    assertTrue(text.contains("the key is [redacted] and [redacted]"), text);
  }

  @Test
  void aLoopWithoutLimitsOrMessagesIsRefused() {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("x").build();
    InputException noLimits = assertThrows(InputException.class,
        () -> AgentLoop.builder(model, "m").build());
    assertTrue(noLimits.getMessage().contains("has no limits"));
    assertThrows(InputException.class, () -> loop(model, tools, limits(1)).run(List.of(),
        TranscriptWriter.discard()));
    assertThrows(InputException.class, () -> AgentLoop.builder(model, "m").stuckAfter(1));
    assertThrows(InputException.class, () -> new AgentLimits(0, 1, BigDecimal.ONE, START));
  }

  /** A custom tool that runs an action and answers ok. */
  private static final class FixedTool implements WorkspaceTool {
    private final String name;
    private final Runnable action;

    FixedTool(String name, Runnable action) {
      this.name = name;
      this.action = action;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return "test tool";
    }

    @Override
    public JsonNode inputSchema() {
      return JsonNodeFactory.instance.objectNode().put("type", "object");
    }

    @Override
    public ToolOutput execute(ToolCall call) {
      action.run();
      return ToolOutput.ok("ran " + call.arguments());
    }
  }

  /** A clock tests move by hand. */
  static final class ManualClock extends Clock {
    private Instant now;

    ManualClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}

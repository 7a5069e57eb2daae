package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.sse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Usage;
import dev.loopkit.llm.WireFixtures.RecordingListener;
import dev.loopkit.llm.agent.AgentLimits;
import dev.loopkit.llm.agent.AgentLoop;
import dev.loopkit.llm.agent.AgentOutcome;
import dev.loopkit.llm.agent.TranscriptWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent loop streams by default: deltas reach a listener, a silent stream ends its turn as a retryable
 * timeout after the idle timeout (not the wall-clock cap), and the tokens of broken streams are counted. Wire
 * shapes: Anthropic's streamed message (wire-formats.md section 1.9).
 */
class StreamingAgentLoopTest extends MockServerTest {
  private static final String MODEL = "claude-sonnet-4-5";
  private static final String START = "event: message_start\n"
      + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
      + "\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
      + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":2}}}\n\n";
  private static final String TEXT = "event: content_block_start\n"
      + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Done.\"}}\n\n";
  private static final String END = "event: content_block_stop\n"
      + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      + "event: message_delta\n"
      + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
      + "\"usage\":{\"output_tokens\":10}}\n\n"
      + "event: message_stop\n"
      + "data: {\"type\":\"message_stop\"}\n\n";

  private AnthropicClient client() {
    return AnthropicClient.builder().apiKey("sk-ant-test").baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 2)).build();
  }

  private static AgentLimits limits() {
    return new AgentLimits(10, 1_000_000, new BigDecimal("5"), Instant.now().plus(Duration.ofHours(1)));
  }

  /** 1000 input and 10 output tokens of claude-sonnet-4-5: $0.003 + $0.00015. */
  private static final Usage WHOLE_TURN = new Usage(1000, 10, 0, 0, new BigDecimal("0.00315"));

  @Test
  void theLoopStreamsByDefaultAndItsListenerSeesTheText() throws Exception {
    server.enqueue(sse(START + TEXT + END));
    RecordingListener listener = new RecordingListener();

    AgentOutcome outcome = AgentLoop.builder(client(), MODEL).limits(limits()).listener(listener).build()
        .run(List.of(Message.user("Go")), TranscriptWriter.discard());

    assertEquals("Done.", assertInstanceOf(AgentOutcome.Finished.class, outcome).text());
    assertEquals("Done.", listener.text());
    assertTrue(WireFixtures.body(server.takeRequest()).path("stream").asBoolean());
    assertEquals(0, WHOLE_TURN.costUsd().compareTo(outcome.usage().costUsd()));
  }

  @Test
  void aStreamSilentPastTheIdleTimeoutEndsItsTurnAsRetryableAndTheTurnIsSentAgain() throws Exception {
    String stalled = START + TEXT + END;
    server.enqueue(sse(stalled).throttleBody((START + TEXT).length(), 2, TimeUnit.SECONDS));
    server.enqueue(sse(START + TEXT + END));
    RecordingListener listener = new RecordingListener();

    AgentOutcome outcome = AgentLoop.builder(client(), MODEL).limits(limits()).listener(listener)
        .idleTimeout(Duration.ofMillis(300)).build().run(List.of(Message.user("Go")), TranscriptWriter.discard());

    assertEquals("Done.", assertInstanceOf(AgentOutcome.Finished.class, outcome).text());
    assertEquals("Done.Done.", listener.text()); // the stalled attempt's text, then the retry's
    assertEquals(2, server.getRequestCount());
    // the stalled stream's reported tokens (1000 in, 2 out) are counted, unmetered, on top of the whole turn
    Usage used = outcome.usage();
    assertEquals(2000, used.inputTokens());
    assertEquals(12, used.outputTokens());
    assertEquals(1, used.unmeteredCalls());
    assertTrue(used.costUsd().compareTo(WHOLE_TURN.costUsd()) > 0, used.toString());
  }

  @Test
  void aBrokenStreamThatIsNotRetriedStillCountsItsTokens() throws Exception {
    // cut inside content_block_stop, after the text reached the listener, so the client cannot retry it
    server.enqueue(sse(START + TEXT + END.substring(0, 40)));

    AgentOutcome outcome = AgentLoop.builder(client(), MODEL).limits(limits()).streamRetries(0).build()
        .run(List.of(Message.user("Go")), TranscriptWriter.discard());

    AgentOutcome.ModelFailed failed = assertInstanceOf(AgentOutcome.ModelFailed.class, outcome);
    assertEquals(ModelException.Kind.STREAM_ERROR, failed.error().kind());
    assertTrue(failed.error().isRetryable());
    // 1000 input and 2 output tokens as message_start reported them, priced as a lower bound
    assertEquals(Usage.unmetered(new Usage(1000, 2, 0, 0, new BigDecimal("0.00303"))), outcome.usage());
  }

  @Test
  void aStreamThatBrokeBeforeDeliveringIsRetriedByTheClientAndStillCounted() {
    // message_start arrived (so tokens were used), then the connection dropped inside the next event
    server.enqueue(sse(START + TEXT.substring(0, 40)));
    server.enqueue(sse(START + TEXT + END));

    ModelResponse r = client().stream(WireFixtures.simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("Done.", r.text());
    assertEquals(2000, r.usage().inputTokens());
    assertEquals(1, r.usage().unmeteredCalls());
  }

  @Test
  void streamingCanBeTurnedOffAndThenRequestsAreSentWhole() throws Exception {
    server.enqueue(WireFixtures.json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
        + MODEL + "\",\"content\":[{\"type\":\"text\",\"text\":\"Done.\"}],\"stop_reason\":\"end_turn\","
        + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":10}}"));
    RecordingListener listener = new RecordingListener();

    AgentOutcome outcome = AgentLoop.builder(client(), MODEL).limits(limits()).streaming(false).listener(listener)
        .build().run(List.of(Message.user("Go")), TranscriptWriter.discard());

    assertInstanceOf(AgentOutcome.Finished.class, outcome);
    assertTrue(WireFixtures.body(server.takeRequest()).path("stream").isMissingNode());
    assertTrue(listener.events.isEmpty());
  }

  @Test
  void aBadIdleTimeoutIsRefusedNamingIt() {
    dev.loopkit.core.InputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.loopkit.core.InputException.class, () -> AgentLoop.builder(client(), MODEL).idleTimeout(Duration.ZERO));
    assertTrue(e.getMessage().contains("idle timeout PT0S"), e.getMessage());
  }

  @Test
  void aLoopToldToStopOnUnmeteredUsageEndsOnTheMoneyCapBeforeRunningTheUnpricedTurnsTools() throws Exception {
    // a price table without the model's price: the recorded tokens are unmetered
    ScriptedModelClient unpriced = ScriptedModelClient.builder()
        .respond(ModelResponse.builder().addContent(ScriptedModelClient.Builder.toolUse("t1", "list_files", "{}"))
            .stopReason(StopReason.TOOL_USE).usage(Usage.tokens(500, 20)).build())
        .respondText("never sent").priceTable(PriceTable.builder().build()).build();

    AgentOutcome outcome = AgentLoop.builder(unpriced, "local-model").limits(limits()).stopOnUnmeteredUsage(true)
        .build().run(List.of(Message.user("Go")), TranscriptWriter.discard());

    AgentOutcome.Capped capped = assertInstanceOf(AgentOutcome.Capped.class, outcome);
    assertEquals(dev.loopkit.core.Cap.MONEY, capped.cap());
    assertTrue(capped.detail().contains("1 model call(s) of this loop are unmetered"), capped.detail());
    assertEquals(1, unpriced.requests().size());
    assertEquals(1, unpriced.remainingSteps());
    ContentBlock.ToolResult answer = (ContentBlock.ToolResult) capped.transcript().get(2).content().get(0);
    assertTrue(answer.isError() && answer.content().startsWith("not run:"), answer.content());
  }
}

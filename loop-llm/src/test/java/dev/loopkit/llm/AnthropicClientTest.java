package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.body;
import static dev.loopkit.llm.WireFixtures.json;
import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static dev.loopkit.llm.WireFixtures.sse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.llm.WireFixtures.RecordingListener;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;

class AnthropicClientTest extends MockServerTest {
  private static final String MODEL = "claude-sonnet-4-5";


  private AnthropicClient.Builder builder() {
    return AnthropicClient.builder().apiKey("sk-ant-test-key").baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 2));
  }

  private AnthropicClient client() {
    return builder().build();
  }

  private static ModelRequest toolConversation() {
    JsonNode schema = ModelJsonTestSupport.json("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
        + "\"required\":[\"path\"]}");
    return ModelRequest.builder().model(MODEL).system("You triage bug reports.")
        .addTool(new ToolSpec("list_files", "List files.", ModelJsonTestSupport.json("{\"type\":\"object\"}")))
        .addTool(new ToolSpec("read_file", "Read a file.", schema))
        .toolChoice(ToolChoice.tool("read_file"))
        .stopSequences(List.of("</done>"))
        .temperature(0.2)
        .maxTokens(1024)
        .addMessage(Message.user("Why does Parser.java throw?"))
        .addMessage(Message.assistant(List.of(new ContentBlock.Thinking("Look at the parser.", "sig-1"),
            new ContentBlock.ToolUse("toolu_1", "read_file", ModelJsonTestSupport.json("{\"path\":\"Parser.java\"}")))))
        .addMessage(Message.user(List.of(ContentBlock.ToolResult.error("toolu_1", "ENOENT: Parser.java not found"),
            new ContentBlock.Text("It may live under core/."))))
        .build();
  }

  @Test
  void sendsTheMessagesWireFormatWithKeyVersionAndCacheBreakpoints() throws Exception {
    server.enqueue(json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}"));

    client().send(toolConversation());

    RecordedRequest recorded = server.takeRequest();
    assertEquals("/v1/messages", recorded.getPath());
    assertEquals("sk-ant-test-key", recorded.getHeader("x-api-key"));
    assertEquals("2023-06-01", recorded.getHeader("anthropic-version"));
    assertNull(recorded.getHeader("Authorization"));
    JsonNode body = body(recorded);
    assertEquals(MODEL, body.path("model").asText());
    assertEquals(1024, body.path("max_tokens").asInt());
    assertEquals(0.2, body.path("temperature").asDouble());
    assertEquals("</done>", body.path("stop_sequences").path(0).asText());
    assertFalse(body.has("stream"));
    assertEquals("You triage bug reports.", body.path("system").path(0).path("text").asText());
    assertEquals("ephemeral", body.path("system").path(0).path("cache_control").path("type").asText());
    assertFalse(body.path("tools").path(0).has("cache_control"));
    assertEquals("ephemeral", body.path("tools").path(1).path("cache_control").path("type").asText());
    assertEquals("read_file", body.path("tools").path(1).path("name").asText());
    assertEquals("Parser.java", body.path("messages").path(1).path("content").path(1).path("input").path("path").asText());
    assertEquals("{\"type\":\"tool\",\"name\":\"read_file\"}", body.path("tool_choice").toString());
    JsonNode thinking = body.path("messages").path(1).path("content").path(0);
    assertEquals("{\"type\":\"thinking\",\"thinking\":\"Look at the parser.\",\"signature\":\"sig-1\"}",
        thinking.toString());
    JsonNode lastTurn = body.path("messages").path(2).path("content");
    assertEquals("tool_result", lastTurn.path(0).path("type").asText());
    assertTrue(lastTurn.path(0).path("is_error").asBoolean());
    assertFalse(lastTurn.path(0).has("cache_control"));
    assertEquals("ephemeral", lastTurn.path(1).path("cache_control").path("type").asText());
  }

  @Test
  void promptCachingCanBeTurnedOff() throws Exception {
    server.enqueue(json(200, "{\"id\":\"msg_1\",\"model\":\"" + MODEL
        + "\",\"content\":[],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));

    builder().promptCaching(false).build().send(toolConversation());

    assertFalse(server.takeRequest().getBody().readUtf8().contains("cache_control"));
  }

  @Test
  void readsThinkingTextAndToolUseFromANonStreamedMessageAndPricesIt() {
    server.enqueue(json(200, "{\"id\":\"msg_01XkTq9ZbR4vLm2NcP8sWdYe\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"model\":\"claude-sonnet-4-5\",\"content\":["
        + "{\"type\":\"thinking\",\"thinking\":\"Need to inspect the tokenizer first.\",\"signature\":\"EqQBCkgIARAB...\"},"
        + "{\"type\":\"text\",\"text\":\"Let me look at the parser entry point.\"},"
        + "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}},"
        + "{\"type\":\"tool_use\",\"id\":\"toolu_01Hd7WqZr2XcVb5NmK3pLs9T\",\"name\":\"read_file\","
        + "\"input\":{\"path\":\"src/Parser.java\",\"line\":88},\"caller\":{\"type\":\"direct\"}}],"
        + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":512,"
        + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1840,\"output_tokens\":97}}"));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals("msg_01XkTq9ZbR4vLm2NcP8sWdYe", r.id());
    assertEquals(4, r.content().size()); // the server tool call is kept, opaque
    assertEquals(new ContentBlock.Thinking("Need to inspect the tokenizer first.", "EqQBCkgIARAB..."), r.content().get(0));
    assertEquals("server_tool_use", ((ContentBlock.Opaque) r.content().get(2)).type());
    assertEquals("Let me look at the parser entry point.", r.text());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertTrue(r.calledTools());
    assertEquals("toolu_01Hd7WqZr2XcVb5NmK3pLs9T", r.toolUses().get(0).id());
    assertEquals(88, r.toolUses().get(0).input().path("line").asInt());
    assertEquals(512, r.usage().inputTokens());
    assertEquals(1840, r.usage().cacheReadTokens());
    assertEquals(97, r.usage().outputTokens());
    // 512 * $3 + 97 * $15 + 1840 * $0.30 per million
    assertEquals(0, new BigDecimal("0.003543").compareTo(r.usage().costUsd()), r.usage().costUsd().toString());
  }

  @Test
  void keepsAStopReasonItDoesNotKnow() {
    server.enqueue(json(200, "{\"id\":\"msg_2\",\"model\":\"" + MODEL + "\",\"content\":[{\"type\":\"text\","
        + "\"text\":\"...\"}],\"stop_reason\":\"brand_new_reason\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals("brand_new_reason", r.stopReason().value());
    assertFalse(r.stopReason().isKnown());
  }

  static final String STREAM = "event: message_start\n"
      + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Qw7ErT5yU3iO9pAs1DfGhJ\",\"type\":\"message\","
      + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,"
      + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":431,\"cache_creation_input_tokens\":0,"
      + "\"cache_read_input_tokens\":0,\"output_tokens\":2}}}\n\n"
      + "event: content_block_start\n"
      + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      + "event: ping\n"
      + "data: {\"type\":\"ping\"}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking the\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" ticket first.\"}}\n\n"
      + "event: content_block_stop\n"
      + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      + "event: content_block_start\n"
      + "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
      + "\"id\":\"toolu_01Zx8CvB6nM4qW2eR7tY5uIo\",\"name\":\"get_issue\",\"input\":{}}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
      + "\"partial_json\":\"{\\\"repo\\\": \\\"acme/w\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
      + "\"partial_json\":\"idgets\\\", \\\"num\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"ber\\\": 4\"}}\n\n"
      + "event: content_block_delta\n"
      + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"2}\"}}\n\n"
      + "event: content_block_stop\n"
      + "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
      + "event: message_delta\n"
      + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
      + "\"usage\":{\"output_tokens\":58}}\n\n"
      + "event: message_stop\n"
      + "data: {\"type\":\"message_stop\"}\n\n";

  @Test
  void streamsTextAndAssemblesToolArgumentsFromFragmentsIgnoringPings() throws Exception {
    server.enqueue(sse(STREAM));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    assertTrue(body(server.takeRequest()).path("stream").asBoolean());
    assertEquals("Checking the ticket first.", listener.text());
    assertEquals("Checking the ticket first.", r.text());
    ContentBlock.ToolUse use = r.toolUses().get(0);
    assertEquals("toolu_01Zx8CvB6nM4qW2eR7tY5uIo", use.id());
    assertEquals("{\"repo\":\"acme/widgets\",\"number\":42}", use.input().toString());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertEquals(431, r.usage().inputTokens());
    assertEquals(58, r.usage().outputTokens());
    assertEquals("get_issue", listener.of(StreamEvent.ToolUseStarted.class).get(0).name());
    assertEquals(4, listener.of(StreamEvent.ToolInputDelta.class).size());
    List<StreamEvent.BlockFinished> finished = listener.of(StreamEvent.BlockFinished.class);
    assertEquals(List.of(0, 1), List.of(finished.get(0).index(), finished.get(1).index()));
    assertEquals(use, finished.get(1).block());
  }

  @Test
  void streamedUsageOfMessageDeltaIsARunningTotal() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_3\",\"model\":\"" + MODEL + "\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":7,\"output_tokens\":1}}}\n\n"
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":10}}\n\n"
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":25,"
        + "\"input_tokens\":20}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals(25, r.usage().outputTokens());
    assertEquals(20, r.usage().inputTokens());
    assertEquals(7, r.usage().cacheReadTokens());
  }

  @Test
  void streamedThinkingKeepsTheLastSignature() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_4\",\"model\":\"" + MODEL + "\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\","
        + "\"signature\":\"\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
        + "\"thinking\":\"The user wants the root cause.\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\","
        + "\"signature\":\"EuYBCkQYAiJA3Jm...\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
        + "\"usage\":{\"output_tokens\":9}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    assertEquals(new ContentBlock.Thinking("The user wants the root cause.", "EuYBCkQYAiJA3Jm..."), r.content().get(0));
    assertEquals("The user wants the root cause.",
        listener.of(StreamEvent.ThinkingDelta.class).get(0).thinking());
  }

  @Test
  void anErrorEventAfterHttp200IsATypedErrorAndIsNotRetriedOnceTextWasDelivered() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_5\",\"model\":\"" + MODEL + "\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half\"}}\n\n"
        + "event: error\n"
        + "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelException e = assertThrows(ModelException.class, () -> client().stream(simpleRequest(MODEL), listener));

    assertEquals(ModelException.Kind.OVERLOADED, e.kind());
    assertTrue(e.isRetryable());
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
    assertEquals("Half", listener.text());
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
  }

  @Test
  void anErrorEventBeforeAnyContentIsRetried() {
    server.enqueue(sse("event: error\n"
        + "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
    server.enqueue(sse(STREAM));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("Checking the ticket first.", r.text());
    assertEquals(2, server.getRequestCount());
    assertEquals(List.of(Duration.ofMillis(500)), sleeper.waits);
  }

  @Test
  void aStreamThatEndsBeforeMessageStopIsAStreamError() {
    server.enqueue(sse(STREAM.substring(0, STREAM.indexOf("event: message_delta"))));

    ModelException e = assertThrows(ModelException.class,
        () -> builder().retryPolicy(RetryPolicy.none()).build().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.STREAM_ERROR, e.kind());
    assertTrue(e.getMessage().contains("message_stop"), e.getMessage());
  }

  @Test
  void toolArgumentsCutByMaxTokensAreKeptRawInsteadOfFailing() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_6\",\"model\":\"" + MODEL + "\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\","
        + "\"name\":\"write_file\",\"input\":{}}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
        + "\"partial_json\":\"{\\\"path\\\": \\\"a.t\"}}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
        + "\"usage\":{\"output_tokens\":4096}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals(StopReason.MAX_TOKENS, r.stopReason());
    ContentBlock.ToolUse use = r.toolUses().get(0);
    assertFalse(use.hasValidInput());
    assertEquals("{\"path\": \"a.t", use.input().asText());
  }

  @Test
  void a429IsRetriedAfterTheSecondsTheServerAsks() {
    server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
        + "\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"},"
        + "\"request_id\":\"req_1\"}").setHeader("retry-after", "2").setHeader("request-id", "req_1"));
    server.enqueue(json(200, "{\"id\":\"msg_7\",\"model\":\"" + MODEL + "\",\"content\":[{\"type\":\"text\",\"text\":"
        + "\"ok\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals("ok", r.text());
    assertEquals(List.of(Duration.ofSeconds(2)), sleeper.waits);
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void retryAfterMillisecondsWinsOverSeconds() {
    server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}")
        .setHeader("retry-after-ms", "1500.5").setHeader("retry-after", "9"));
    server.enqueue(json(200, "{\"id\":\"m\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":\"end_turn\"}"));

    client().send(simpleRequest(MODEL));

    assertEquals(List.of(Duration.ofMillis(1500)), sleeper.waits); // waits are whole milliseconds
  }

  @Test
  void retryAfterAsAnHttpDateIsMeasuredWithTheInjectedClock() {
    Clock clock = Clock.fixed(Instant.parse("2026-03-02T10:15:30Z"), ZoneOffset.UTC);
    server.enqueue(json(503, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"busy\"}}")
        .setHeader("retry-after", "Mon, 02 Mar 2026 10:15:45 GMT"));
    server.enqueue(json(200, "{\"id\":\"m\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":\"end_turn\"}"));

    builder().retryPolicy(RetryPolicy.builder().sleeper(sleeper).clock(clock).build()).build()
        .send(simpleRequest(MODEL));

    assertEquals(List.of(Duration.ofSeconds(15)), sleeper.waits);
  }

  @Test
  void a529OverloadIsRetriedWithExponentialBackoffUntilTheRetriesRunOut() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    }

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.OVERLOADED, e.kind());
    assertEquals(529, e.httpStatus());
    assertEquals(3, server.getRequestCount());
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(1000)), sleeper.waits);
  }

  @Test
  void aServerWaitAboveTheCapFailsAtOnceNamingTheWait() {
    server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}")
        .setHeader("retry-after", "3600"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.RATE_LIMITED, e.kind());
    assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
    assertTrue(e.getMessage().contains("3600s") && e.getMessage().contains("60s"), e.getMessage());
    assertTrue(sleeper.waits.isEmpty());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void a401IsAnAuthenticationErrorThatIsNeverRetried() {
    server.enqueue(json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        + "\"message\":\"invalid x-api-key\"}}").setHeader("x-should-retry", "true"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.AUTHENTICATION, e.kind());
    assertEquals(401, e.httpStatus());
    assertFalse(e.isRetryable());
    assertEquals(1, server.getRequestCount());
    assertTrue(e.getMessage().contains("invalid x-api-key"), e.getMessage());
  }

  @Test
  void aPromptTooLong400IsAContextWindowErrorThatIsNeverRetried() {
    server.enqueue(json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
        + "\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"}}").setHeader("x-should-retry", "true"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
    assertFalse(e.isRetryable());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void shouldRetryFalseOverridesAServerError() {
    server.enqueue(json(500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}")
        .setHeader("x-should-retry", "false"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.SERVER_ERROR, e.kind());
    assertFalse(e.isRetryable());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void shouldRetryTrueMakesAnInvalidRequestRetryable() {
    server.enqueue(json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"flaky\"}}")
        .setHeader("x-should-retry", "true"));
    server.enqueue(json(200, "{\"id\":\"m\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":\"end_turn\"}"));

    client().send(simpleRequest(MODEL));

    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aSpendLimit429IsInsufficientQuotaAndIsNotRetried() {
    server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend limit\","
        + "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.INSUFFICIENT_QUOTA, e.kind());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void a409ConflictAnd408TimeoutAreRetried() {
    server.enqueue(json(409, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"conflict\"}}"));
    server.enqueue(json(408, "{\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"timeout\"}}"));
    server.enqueue(json(200, "{\"id\":\"m\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":\"end_turn\"}"));

    client().send(simpleRequest(MODEL));

    assertEquals(3, server.getRequestCount());
  }

  @Test
  void aBodyThatIsNotJsonIsAMalformedResponse() {
    server.enqueue(new MockResponse().setResponseCode(200).setHeader("content-type", "text/html")
        .setBody("<html>gateway</html>"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.MALFORMED_RESPONSE, e.kind());
    assertTrue(e.getMessage().contains("<html>gateway</html>"), e.getMessage());
  }

  @Test
  void anHtmlErrorPageFromAProxyStillGivesATypedError() {
    server.enqueue(new MockResponse().setResponseCode(502).setBody("<html><body>Bad gateway</body></html>"));
    server.enqueue(json(200, "{\"id\":\"m\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":\"end_turn\"}"));

    client().send(simpleRequest(MODEL));

    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aRefusedConnectionIsAConnectionError() throws IOException {
    AnthropicClient client = builder().retryPolicy(RetryPolicy.none()).build();
    server.shutdown();

    ModelException e = assertThrows(ModelException.class, () -> client.send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.CONNECTION, e.kind());
    assertTrue(e.isRetryable());
  }

  @Test
  void aSilentServerIsATimeout() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    AnthropicClient client = builder().retryPolicy(RetryPolicy.none()).readTimeout(Duration.ofMillis(200)).build();

    ModelException e = assertThrows(ModelException.class, () -> client.send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.TIMEOUT, e.kind());
  }

  @Test
  void aResponseThatBreaksOffMidStreamIsAStreamError() {
    server.enqueue(sse(STREAM).setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY)
        .throttleBody(256, 0, TimeUnit.MILLISECONDS));

    ModelException e = assertThrows(ModelException.class, () -> builder().retryPolicy(RetryPolicy.none()).build()
        .stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertTrue(e.kind() == ModelException.Kind.STREAM_ERROR, e.kind() + ": " + e.getMessage());
  }

  @Test
  void aMissingApiKeyFailsAtBuildNamingTheVariable() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> AnthropicClient.builder().apiKeyFromEnv("LOOP_TEST_SURELY_UNSET_VARIABLE").build());

    assertTrue(e.getMessage().contains("LOOP_TEST_SURELY_UNSET_VARIABLE"), e.getMessage());
  }

  @Test
  void credentialsCannotBeSetAsAPlainHeader() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AnthropicClient.builder().header("X-Api-Key", "k"));

    assertTrue(e.getMessage().contains("apiKey"), e.getMessage());
  }

  // --- issue 18: fixes from recorded and documented wire shapes ---

  @Test
  void aStreamCutInsideAnEventIsARetryableStreamErrorNotAMalformedResponse() {
    // the body ends in the middle of a text_delta event's data line: a dropped connection, not a bad server
    String cut = STREAM.substring(0, STREAM.indexOf(" ticket first.") + 5);
    server.enqueue(sse(cut));
    RecordingListener listener = new RecordingListener();

    ModelException e = assertThrows(ModelException.class, () -> client().stream(simpleRequest(MODEL), listener));

    assertEquals(ModelException.Kind.STREAM_ERROR, e.kind());
    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("ended inside an event"), e.getMessage());
    assertEquals("Checking the", listener.text());
    assertEquals(1, server.getRequestCount()); // text reached the listener: not replayed by a retry
  }

  @Test
  void aStreamCutInsideItsFirstEventIsRetriedBecauseNothingWasDelivered() {
    server.enqueue(sse(STREAM.substring(0, STREAM.indexOf("\"model\":\"claude-sonnet-4-5\""))));
    server.enqueue(sse(STREAM));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("Checking the ticket first.", r.text());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void anAssistantTurnOfOnlyEmptyTextIsLeftOutInsteadOfSentAsEmptyContent() throws Exception {
    server.enqueue(json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
        + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));
    ModelRequest request = ModelRequest.builder().model(MODEL)
        .addMessage(Message.user("Fix the parser."))
        .addMessage(Message.assistant(List.of(new ContentBlock.Text("")))) // an empty max_tokens reply
        .addMessage(Message.user("Your reply hit the output token limit. Continue."))
        .build();

    client().send(request);

    JsonNode messages = body(server.takeRequest()).path("messages");
    assertEquals(2, messages.size());
    for (JsonNode m : messages) {
      assertEquals("user", m.path("role").asText());
      assertFalse(m.path("content").isEmpty(), m.toString());
    }
  }

  @Test
  void aTemperatureAboveOneIsRefusedForAnthropicNamingTheValue() {
    ModelRequest request = ModelRequest.builder().model(MODEL).temperature(1.5).addMessage(Message.user("Hi")).build();

    dev.loopkit.core.InputException e = assertThrows(dev.loopkit.core.InputException.class,
        () -> client().send(request));

    assertTrue(e.getMessage().contains("temperature 1.5") && e.getMessage().contains("0 to 1"), e.getMessage());
    assertEquals(0, server.getRequestCount());
  }

  private static final String SERVER_TOOL_TURN = "{\"id\":\"msg_01St\",\"type\":\"message\",\"role\":\"assistant\","
      + "\"model\":\"claude-sonnet-4-5\",\"content\":["
      + "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_01Ab\",\"name\":\"web_search\","
      + "\"input\":{\"query\":\"acme widgets changelog\"}},"
      + "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_01Ab\",\"content\":[{\"type\":"
      + "\"web_search_result\",\"url\":\"https://acme.example/changelog\",\"title\":\"Changelog\","
      + "\"encrypted_content\":\"EqgfCioIARgB\",\"page_age\":\"2 days ago\"}]},"
      + "{\"type\":\"text\",\"text\":\"Version 4.2 fixed the crash.\",\"citations\":[{\"type\":"
      + "\"web_search_result_location\",\"url\":\"https://acme.example/changelog\",\"title\":\"Changelog\","
      + "\"encrypted_index\":\"Eo8BCioIAhgB\",\"cited_text\":\"4.2: fix crash on empty input\"}]},"
      + "{\"type\":\"compaction\",\"content\":\"Summary of the earlier turns.\",\"encrypted_content\":\"Ez9x\"}],"
      + "\"stop_reason\":\"pause_turn\",\"stop_sequence\":null,"
      + "\"usage\":{\"input_tokens\":90,\"output_tokens\":30,\"server_tool_use\":{\"web_search_requests\":1}}}";

  @Test
  void serverToolBlocksCitationsAndCompactionAreSentBackVerbatimAfterPauseTurn() throws Exception {
    server.enqueue(json(200, SERVER_TOOL_TURN));
    server.enqueue(json(200, "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"done\"}],\"stop_reason\":\"end_turn\","
        + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));
    AnthropicClient client = builder().promptCaching(false).build();

    ModelResponse paused = client.send(simpleRequest(MODEL));
    client.send(ModelRequest.builder().model(MODEL).addMessage(Message.user("Hello"))
        .addMessage(paused.toMessage()).build());

    assertEquals(StopReason.PAUSE_TURN, paused.stopReason());
    assertEquals("server_tool_use", ((ContentBlock.Opaque) paused.content().get(0)).type());
    assertEquals("Version 4.2 fixed the crash.", paused.text());
    server.takeRequest();
    JsonNode sentBack = body(server.takeRequest()).path("messages").get(1).path("content");
    assertEquals(ModelJsonTestSupport.json(SERVER_TOOL_TURN).path("content"), sentBack);
  }

  @Test
  void streamedServerToolBlocksAreAssembledAndKeptWithTheirCitations() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_5\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":9,"
        + "\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"server_tool_use\","
        + "\"id\":\"srvtoolu_01Ab\",\"name\":\"web_search\",\"input\":{}}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
        + "\"partial_json\":\"{\\\"query\\\": \\\"acme\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
        + "\"partial_json\":\" widgets\\\"}\"}}\n\n"
        + "event: content_block_stop\n"
        + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"web_search_tool_result\","
        + "\"tool_use_id\":\"srvtoolu_01Ab\",\"content\":[{\"type\":\"web_search_result\",\"url\":\"https://a.example\","
        + "\"title\":\"A\",\"encrypted_content\":\"Eq1\"}]}}\n\n"
        + "event: content_block_stop\n"
        + "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"citations_delta\",\"citation\":"
        + "{\"type\":\"web_search_result_location\",\"url\":\"https://a.example\",\"cited_text\":\"4.2\"}}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"Fixed in 4.2.\"}}\n\n"
        + "event: content_block_stop\n"
        + "data: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"pause_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":20}}\n\n"
        + "event: message_stop\n"
        + "data: {\"type\":\"message_stop\"}\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    ContentBlock.Opaque call = (ContentBlock.Opaque) r.content().get(0);
    assertEquals("{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_01Ab\",\"name\":\"web_search\","
        + "\"input\":{\"query\":\"acme widgets\"}}", call.json().toString());
    assertEquals("web_search_tool_result", ((ContentBlock.Opaque) r.content().get(1)).type());
    ContentBlock.Text text = (ContentBlock.Text) r.content().get(2);
    assertEquals("Fixed in 4.2.", text.text());
    assertEquals("4.2", text.citations().get(0).path("cited_text").asText());
    assertTrue(listener.of(StreamEvent.ToolInputDelta.class).isEmpty()); // a server tool's input is not ours
    assertEquals(3, listener.of(StreamEvent.BlockFinished.class).size());
  }

  @Test
  void aStreamedCompactionBlockKeepsItsSummaryAndOpaqueContent() {
    server.enqueue(sse("event: message_start\n"
        + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_6\",\"model\":\"" + MODEL + "\",\"content\":[],"
        + "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"compaction\",\"content\":\"\"}}\n\n"
        + "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"compaction_delta\","
        + "\"content\":\"Earlier: read Parser.java.\",\"encrypted_content\":\"Ez9x\"}}\n\n"
        + "event: content_block_stop\n"
        + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n"
        + "event: message_stop\n"
        + "data: {\"type\":\"message_stop\"}\n\n"));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("{\"type\":\"compaction\",\"content\":\"Earlier: read Parser.java.\",\"encrypted_content\":\"Ez9x\"}",
        ((ContentBlock.Opaque) r.content().get(0)).json().toString());
  }

  @Test
  void anotherVendorsOpaqueBlockIsNotSentToAnthropic() throws Exception {
    server.enqueue(json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
        + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"));
    ContentBlock foreign = new ContentBlock.Opaque("openai",
        (com.fasterxml.jackson.databind.node.ObjectNode) ModelJsonTestSupport.json("{\"type\":\"reasoning\",\"id\":\"rs_1\"}"));

    client().send(ModelRequest.builder().model(MODEL).addMessage(Message.user("Hi"))
        .addMessage(Message.assistant(List.of(foreign, new ContentBlock.Text("Sure.")))).build());

    JsonNode assistant = body(server.takeRequest()).path("messages").get(1).path("content");
    assertEquals(1, assistant.size());
    assertEquals("text", assistant.get(0).path("type").asText());
  }
}

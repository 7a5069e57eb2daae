package dev.loopkit.llm;

import static dev.loopkit.llm.ModelJsonTestSupport.json;
import static dev.loopkit.llm.WireFixtures.body;
import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.sse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.InputException;
import dev.loopkit.llm.WireFixtures.RecordingListener;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reasoning settings, structured output and images as the Chat Completions and Messages clients send them.
 * Shapes: Chat Completions {@code reasoning_effort}, {@code response_format: {"type":"json_schema",
 * "json_schema":{name, schema, strict}}}, {@code image_url} parts with a {@code data:} URL (OpenAI API reference);
 * Messages {@code thinking: {"type":"enabled","budget_tokens":N}} with N ≥ 1024 and below {@code max_tokens} and no
 * temperature, JSON output through a tool the model is made to call ({@code tool_choice: {"type":"tool"}}), image
 * blocks with a base64 source, in tool results too, and {@code usage.output_tokens_details.thinking_tokens}
 * (wire-formats.md §1.2, §1.3, §1.5).
 */
class RequestCapabilitiesTest extends MockServerTest {
  private static final OutputSchema VERDICT = OutputSchema.strict("review_verdict", json("{\"type\":\"object\","
      + "\"properties\":{\"verdict\":{\"type\":\"string\",\"enum\":[\"approve\",\"request_changes\"]}},"
      + "\"required\":[\"verdict\"],\"additionalProperties\":false}"));
  private static final ContentBlock.Image PNG = ContentBlock.Image.of("image/png", new byte[] {1, 2, 3});

  private OpenAiClient chat() {
    return OpenAiClient.builder().apiKey("sk-openai-test").baseUrl(server.url("/v1").toString())
        .retryPolicy(retries(sleeper, 0)).build();
  }

  private AnthropicClient claude() {
    return AnthropicClient.builder().apiKey("sk-ant-test-key").baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 0)).promptCaching(false).build();
  }

  private static String completion(String content) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"o4-mini\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":" + content + "},\"finish_reason\":\"stop\"}],\"usage\":"
        + "{\"prompt_tokens\":50,\"completion_tokens\":700,\"completion_tokens_details\":{\"reasoning_tokens\":640}}}";
  }

  private static String message(String content, String stop) {
    return "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
        + content + "],\"stop_reason\":\"" + stop + "\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":40,"
        + "\"output_tokens\":90,\"output_tokens_details\":{\"thinking_tokens\":60}}}";
  }

  private static ModelRequest.Builder ask(String model) {
    return ModelRequest.builder().model(model).addMessage(Message.user("Review the change."));
  }

  @Test
  void chatSendsReasoningEffortAndReadsReasoningTokens() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("\"ok\"")));

    ModelResponse r = chat().send(ask("o4-mini").reasoning(Reasoning.effort("HIGH")).build());

    assertEquals("high", body(server.takeRequest()).path("reasoning_effort").asText());
    assertEquals(640, r.reasoningTokens());
  }

  @Test
  void chatDerivesAnEffortFromAThinkingBudget() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("\"ok\"")));

    chat().send(ask("o4-mini").maxTokens(20_000).reasoning(Reasoning.budget(8000)).build());

    assertEquals("medium", body(server.takeRequest()).path("reasoning_effort").asText());
  }

  @Test
  void chatSendsAnOutputSchemaAsResponseFormat() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("\"{\\\"verdict\\\":\\\"approve\\\"}\"")));

    ModelResponse r = chat().send(ask("gpt-4.1").outputSchema(VERDICT).build());

    JsonNode format = body(server.takeRequest()).path("response_format");
    assertEquals("json_schema", format.path("type").asText());
    assertEquals("review_verdict", format.path("json_schema").path("name").asText());
    assertTrue(format.path("json_schema").path("strict").asBoolean());
    assertEquals("object", format.path("json_schema").path("schema").path("type").asText());
    assertEquals("{\"verdict\":\"approve\"}", r.text());
  }

  @Test
  void chatSendsAToolResultsImageInAUserMessageAfterTheToolMessages() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("\"A logo.\"")));

    chat().send(ModelRequest.builder().model("gpt-4.1").addMessage(Message.user("Look at logo.png"))
        .addMessage(Message.assistant(List.of(new ContentBlock.ToolUse("call_1", "read_file",
            json("{\"path\":\"logo.png\"}")))))
        .addMessage(Message.user(List.of(new ContentBlock.ToolResult("call_1", "logo.png: image/png", false,
            List.of(PNG)), new ContentBlock.Text("Describe it."))))
        .build());

    JsonNode messages = body(server.takeRequest()).path("messages");
    assertEquals("tool", messages.path(2).path("role").asText());
    assertTrue(messages.path(2).path("content").asText().startsWith("logo.png: image/png"));
    JsonNode parts = messages.path(3).path("content");
    assertEquals("user", messages.path(3).path("role").asText());
    assertEquals("text", parts.path(0).path("type").asText());
    assertEquals("image_url", parts.path(1).path("type").asText());
    assertEquals("data:image/png;base64,AQID", parts.path(1).path("image_url").path("url").asText());
    assertEquals("Describe it.", parts.path(2).path("text").asText());
  }

  @Test
  void anthropicSendsAThinkingBudgetAndReadsThinkingTokens() throws Exception {
    server.enqueue(WireFixtures.json(200, message("{\"type\":\"thinking\",\"thinking\":\"Check it.\",\"signature\":"
        + "\"EqQBCkgIARAB\"},{\"type\":\"text\",\"text\":\"ok\"}", "end_turn")));

    ModelResponse r = claude().send(ask("claude-sonnet-4-5").maxTokens(16_000).reasoning(Reasoning.budget(4096))
        .build());

    assertEquals("{\"type\":\"enabled\",\"budget_tokens\":4096}", body(server.takeRequest()).path("thinking")
        .toString());
    assertEquals(new ContentBlock.Thinking("Check it.", "EqQBCkgIARAB"), r.content().get(0));
    assertEquals(60, r.reasoningTokens());
  }

  @Test
  void anthropicCapsABudgetDerivedFromAnEffortBelowMaxTokens() throws Exception {
    server.enqueue(WireFixtures.json(200, message("{\"type\":\"text\",\"text\":\"ok\"}", "end_turn")));

    claude().send(ask("claude-sonnet-4-5").maxTokens(8192).reasoning(Reasoning.effort("high")).build());

    assertEquals(8191, body(server.takeRequest()).path("thinking").path("budget_tokens").asInt());
  }

  @Test
  void anthropicRefusesATemperatureWithThinkingFromAnEffortBeforeAnyCall() {
    ModelRequest request = ask("claude-sonnet-4-5").temperature(0.3).reasoning(Reasoning.effort("low")).build();

    InputException e = assertThrows(InputException.class, () -> claude().send(request));

    assertTrue(e.getMessage().contains("temperature 0.3"), e.getMessage());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void anExplicitBudgetNotBelowMaxTokensFailsInBuildNamingBoth() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ask("claude-sonnet-4-5").maxTokens(4096).reasoning(Reasoning.budget(4096)).build());

    assertTrue(e.getMessage().contains("4096") && e.getMessage().contains("max tokens"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Reasoning.budget(512));
    assertThrows(IllegalArgumentException.class, () -> Reasoning.effort("very high"));
  }

  @Test
  void anthropicForcesTheAnswerToolAndReturnsItsInputAsText() throws Exception {
    server.enqueue(WireFixtures.json(200, message("{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
        + "\"review_verdict\",\"input\":{\"verdict\":\"approve\"}}", "tool_use")));

    ModelResponse r = claude().send(ask("claude-sonnet-4-5").outputSchema(VERDICT).build());

    JsonNode body = body(server.takeRequest());
    assertEquals("review_verdict", body.path("tools").path(0).path("name").asText());
    assertEquals("object", body.path("tools").path(0).path("input_schema").path("type").asText());
    assertEquals("{\"type\":\"tool\",\"name\":\"review_verdict\"}", body.path("tool_choice").toString());
    assertEquals("{\"verdict\":\"approve\"}", r.text());
    assertFalse(r.calledTools());
    assertEquals(StopReason.END_TURN, r.stopReason());
  }

  @Test
  void anthropicWithThinkingLetsTheModelChooseTheAnswerTool() throws Exception {
    server.enqueue(WireFixtures.json(200, message("{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
        + "\"review_verdict\",\"input\":{\"verdict\":\"approve\"}}", "tool_use")));

    claude().send(ask("claude-sonnet-4-5").maxTokens(8000).reasoning(Reasoning.budget(2048)).outputSchema(VERDICT)
        .build());

    assertEquals("auto", body(server.takeRequest()).path("tool_choice").path("type").asText());
  }

  @Test
  void anthropicStreamsTheAnswerToolsInputAsText() {
    String stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
        + "\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,"
        + "\"usage\":{\"input_tokens\":40,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"review_verdict\",\"input\":{}}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
        + "\"input_json_delta\",\"partial_json\":\"{\\\"verdict\\\": \\\"appr\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
        + "\"input_json_delta\",\"partial_json\":\"ove\\\"}\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    server.enqueue(sse(stream));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = claude().stream(ask("claude-sonnet-4-5").outputSchema(VERDICT).build(), listener);

    assertEquals("{\"verdict\":\"approve\"}", r.text());
    assertEquals("{\"verdict\": \"approve\"}", listener.text());
    assertTrue(listener.of(StreamEvent.ToolUseStarted.class).isEmpty());
    assertEquals(StopReason.END_TURN, r.stopReason());
  }

  @Test
  void anOutputSchemaNamedLikeADeclaredToolIsRefused() {
    ModelRequest.Builder b = ask("claude-sonnet-4-5").addTool(new ToolSpec("review_verdict", "", json(
        "{\"type\":\"object\"}"))).outputSchema(VERDICT);

    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);

    assertTrue(e.getMessage().contains("review_verdict"), e.getMessage());
  }

  @Test
  void anthropicSendsImagesAsBase64BlocksInUserTurnsAndToolResults() throws Exception {
    server.enqueue(WireFixtures.json(200, message("{\"type\":\"text\",\"text\":\"A logo.\"}", "end_turn")));

    claude().send(ModelRequest.builder().model("claude-sonnet-4-5").addMessage(Message.user(List.of(
            new ContentBlock.Text("Compare with this:"), PNG)))
        .addMessage(Message.assistant(List.of(new ContentBlock.ToolUse("toolu_1", "read_file",
            json("{\"path\":\"logo.png\"}")))))
        .addMessage(Message.user(List.of(new ContentBlock.ToolResult("toolu_1", "logo.png: image/png", false,
            List.of(PNG)))))
        .build());

    JsonNode messages = body(server.takeRequest()).path("messages");
    assertEquals("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AQID\"}}",
        messages.path(0).path("content").path(1).toString());
    JsonNode result = messages.path(2).path("content").path(0);
    assertEquals("tool_result", result.path("type").asText());
    assertEquals("text", result.path("content").path(0).path("type").asText());
    assertEquals("image", result.path("content").path(1).path("type").asText());
    assertEquals("AQID", result.path("content").path(1).path("source").path("data").asText());
  }

  @Test
  void anImageBlockRefusesAnUnsupportedTypeOrBrokenData() {
    assertThrows(IllegalArgumentException.class, () -> new ContentBlock.Image("image/bmp", "AQID"));
    assertThrows(IllegalArgumentException.class, () -> new ContentBlock.Image("image/png", "not base64!"));
  }

  @Test
  void imagesAndToolResultImagesSurviveTheTranscriptFormat() {
    ContentBlock.ToolResult result = new ContentBlock.ToolResult("toolu_1", "logo.png", false, List.of(PNG));

    ContentBlock back = ModelJson.contentBlock(ModelJson.toJson(result), "test");

    assertEquals(result, back);
    assertEquals(PNG, ModelJson.contentBlock(ModelJson.toJson(PNG), "test"));
  }
}

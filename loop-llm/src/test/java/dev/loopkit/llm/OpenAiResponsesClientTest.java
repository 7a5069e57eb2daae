package dev.loopkit.llm;

import static dev.loopkit.llm.ModelJsonTestSupport.json;
import static dev.loopkit.llm.WireFixtures.body;
import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static dev.loopkit.llm.WireFixtures.sse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.llm.WireFixtures.RecordingListener;
import java.util.List;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The Responses API client against a loopback server. Wire shapes follow OpenAI's Responses API reference
 * ({@code POST /v1/responses}: input items, flat function tools, {@code function_call} /
 * {@code function_call_output} keyed by {@code call_id}, {@code reasoning} items with {@code encrypted_content}
 * when {@code include: ["reasoning.encrypted_content"]} is sent with {@code store: false}, usage with
 * {@code input_tokens_details.cached_tokens} and {@code output_tokens_details.reasoning_tokens}, named
 * {@code response.*} stream events with a {@code sequence_number}); see also
 * /work/shared/reference/wire-formats.md §2.7. Ids and texts are invented.
 */
class OpenAiResponsesClientTest extends MockServerTest {
  private static final String MODEL = "gpt-5";
  private static final String REASONING = "{\"type\":\"reasoning\",\"id\":\"rs_68a1f0c2\",\"summary\":[],"
      + "\"encrypted_content\":\"gAAAAABo-enc-1\",\"status\":\"completed\"}";
  private static final String CALL = "{\"type\":\"function_call\",\"id\":\"fc_68a1b2c3\",\"call_id\":\"call_T5r4E3w2Q1\","
      + "\"name\":\"get_issue\",\"arguments\":\"{\\\"repo\\\":\\\"acme/widgets\\\",\\\"number\\\":42}\","
      + "\"status\":\"completed\"}";
  private static final String USAGE = "{\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1024},"
      + "\"output_tokens\":300,\"output_tokens_details\":{\"reasoning_tokens\":256},\"total_tokens\":1500}";

  private OpenAiResponsesClient.Builder builder() {
    return OpenAiResponsesClient.builder().apiKey("sk-openai-test").baseUrl(server.url("/v1").toString())
        .retryPolicy(retries(sleeper, 2));
  }

  private OpenAiResponsesClient client() {
    return builder().build();
  }

  private static String response(String status, String output, String extra) {
    return "{\"id\":\"resp_67ccd2bed1ec8190\",\"object\":\"response\",\"created_at\":1767225600,\"status\":\""
        + status + "\",\"error\":null,\"model\":\"gpt-5-2025-08-07\",\"output\":[" + output + "],\"usage\":" + USAGE
        + extra + "}";
  }

  private static String message(String text) {
    return "{\"type\":\"message\",\"id\":\"msg_67ccd2bf\",\"status\":\"completed\",\"role\":\"assistant\","
        + "\"content\":[{\"type\":\"output_text\",\"text\":\"" + text + "\",\"annotations\":[]}]}";
  }

  private static String event(String type, String data) {
    return "event: " + type + "\ndata: {\"type\":\"" + type + "\"," + data + "}\n\n";
  }

  private static ToolSpec getIssue() {
    return new ToolSpec("get_issue", "Fetch one issue", json("{\"type\":\"object\",\"properties\":{\"repo\":"
        + "{\"type\":\"string\"},\"number\":{\"type\":\"integer\"}},\"required\":[\"repo\",\"number\"]}"));
  }

  @Test
  void sendsInputItemsFlatToolsAndAStatelessReasoningRequest() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("ok"), "")));
    ModelRequest request = ModelRequest.builder().model(MODEL).system("You triage bugs.").addTool(getIssue())
        .toolChoice(ToolChoice.any()).maxTokens(800).reasoning(Reasoning.effort("high"))
        .addMessage(Message.user("Summarize issue 42."))
        .addMessage(Message.assistant(List.of(new ContentBlock.Opaque("openai", (com.fasterxml.jackson.databind.node.ObjectNode)
            json(REASONING)), new ContentBlock.ToolUse("call_T5r4E3w2Q1", "get_issue", json("{\"number\":42}")))))
        .addMessage(Message.user(List.of(ContentBlock.ToolResult.error("call_T5r4E3w2Q1", "timeout"),
            new ContentBlock.Text("Try again."))))
        .build();

    client().send(request);

    RecordedRequest recorded = server.takeRequest();
    assertEquals("/v1/responses", recorded.getPath());
    assertEquals("Bearer sk-openai-test", recorded.getHeader("Authorization"));
    JsonNode body = body(recorded);
    assertEquals("You triage bugs.", body.path("instructions").asText());
    JsonNode input = body.path("input");
    assertEquals("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Summarize"
        + " issue 42.\"}]}", input.path(0).toString());
    // stateless: the reasoning item goes back with its encrypted content, without its id or status
    assertEquals("{\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"gAAAAABo-enc-1\"}",
        input.path(1).toString());
    assertEquals("{\"type\":\"function_call\",\"call_id\":\"call_T5r4E3w2Q1\",\"name\":\"get_issue\","
        + "\"arguments\":\"{\\\"number\\\":42}\"}", input.path(2).toString());
    assertEquals("{\"type\":\"function_call_output\",\"call_id\":\"call_T5r4E3w2Q1\",\"output\":\"Error: timeout\"}",
        input.path(3).toString());
    assertEquals("Try again.", input.path(4).path("content").path(0).path("text").asText());
    assertEquals(5, input.size());
    JsonNode tool = body.path("tools").path(0);
    assertEquals("function", tool.path("type").asText());
    assertEquals("get_issue", tool.path("name").asText());
    assertEquals("object", tool.path("parameters").path("type").asText());
    assertFalse(tool.path("strict").asBoolean(true));
    assertEquals("required", body.path("tool_choice").asText());
    assertEquals(800, body.path("max_output_tokens").asInt());
    assertEquals("high", body.path("reasoning").path("effort").asText());
    assertFalse(body.path("store").asBoolean(true));
    assertEquals("[\"reasoning.encrypted_content\"]", body.path("include").toString());
    assertFalse(body.has("stream"));
  }

  @Test
  void aModelThatDoesNotReasonIsNotAskedForEncryptedReasoning() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("hi"), "")));

    client().send(simpleRequest("gpt-4.1"));

    JsonNode body = body(server.takeRequest());
    // OpenAI answers 400 "Encrypted content is not supported with this model" (param include) otherwise
    assertFalse(body.has("include"));
    assertFalse(body.has("reasoning"));
  }

  @Test
  void readsReasoningFunctionCallsAndUsageWithReasoningTokens() {
    server.enqueue(WireFixtures.json(200, response("completed", REASONING + "," + CALL, "")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals("resp_67ccd2bed1ec8190", r.id());
    assertEquals(2, r.content().size());
    ContentBlock.Opaque reasoning = assertInstanceOf(ContentBlock.Opaque.class, r.content().get(0));
    assertEquals("reasoning", reasoning.type());
    assertEquals("openai", reasoning.vendor());
    ContentBlock.ToolUse use = r.toolUses().get(0);
    assertEquals("call_T5r4E3w2Q1", use.id());
    assertEquals("get_issue", use.name());
    assertEquals(42, use.input().path("number").asInt());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertEquals(176, r.usage().inputTokens());
    assertEquals(1024, r.usage().cacheReadTokens());
    assertEquals(300, r.usage().outputTokens());
    assertEquals(256, r.reasoningTokens());
  }

  @Test
  void reasoningItemsComeBackInTheNextTurnOfAToolLoop() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", REASONING + "," + CALL, "")));
    server.enqueue(WireFixtures.json(200, response("completed", message("Issue 42 is open."), "")));
    OpenAiResponsesClient client = client();
    ModelRequest first = ModelRequest.builder().model(MODEL).addTool(getIssue()).reasoning(Reasoning.effort("low"))
        .addMessage(Message.user("Is issue 42 open?")).build();
    ModelResponse call = client.send(first);

    ModelResponse answer = client.send(first.toBuilder().addMessage(call.toMessage())
        .addMessage(Message.user(List.of(ContentBlock.ToolResult.ok("call_T5r4E3w2Q1", "{\"state\":\"open\"}"))))
        .build());

    server.takeRequest();
    JsonNode input = body(server.takeRequest()).path("input");
    assertEquals("reasoning", input.path(1).path("type").asText());
    assertEquals("gAAAAABo-enc-1", input.path(1).path("encrypted_content").asText());
    assertFalse(input.path(1).has("id"));
    assertEquals("function_call", input.path(2).path("type").asText());
    assertFalse(input.path(2).has("id"));
    assertEquals("function_call_output", input.path(3).path("type").asText());
    assertEquals("Issue 42 is open.", answer.text());
    assertEquals(StopReason.END_TURN, answer.stopReason());
  }

  @Test
  void storedResponsesSendItemIdsBackAndAskForNoEncryptedContent() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("ok"), "")));
    ModelRequest request = ModelRequest.builder().model(MODEL).reasoning(Reasoning.effort("medium"))
        .addMessage(Message.user("x"))
        .addMessage(Message.assistant(List.of(new ContentBlock.Opaque("openai",
            (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}")))))
        .addMessage(Message.user("y")).build();

    builder().store(true).build().send(request);

    JsonNode body = body(server.takeRequest());
    assertTrue(body.path("store").asBoolean());
    assertFalse(body.has("include"));
    assertEquals("rs_1", body.path("input").path(1).path("id").asText());
  }

  @Test
  void aStatelessRequestLeavesOutAReasoningItemWithoutEncryptedContent() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("ok"), "")));
    ModelRequest request = ModelRequest.builder().model(MODEL).addMessage(Message.user("x"))
        .addMessage(Message.assistant(List.of(new ContentBlock.Opaque("openai",
            (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}")),
            new ContentBlock.Text("Done."))))
        .addMessage(Message.user("y")).build();

    client().send(request);

    JsonNode input = body(server.takeRequest()).path("input");
    assertEquals(3, input.size(), input.toString()); // "Item with id 'rs_1' not found" otherwise
    assertEquals("{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"Done.\"}", input.path(1).toString());
  }

  @Test
  void anIncompleteResponseAtTheTokenLimitStopsAtMaxTokens() {
    server.enqueue(WireFixtures.json(200, response("incomplete", message("Partial"),
        ",\"incomplete_details\":{\"reason\":\"max_output_tokens\"}")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals(StopReason.MAX_TOKENS, r.stopReason());
    assertEquals("Partial", r.text());
  }

  @Test
  void aRefusalIsTheAnswersTextWithStopReasonRefusal() {
    server.enqueue(WireFixtures.json(200, response("completed", "{\"type\":\"message\",\"id\":\"msg_1\","
        + "\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"I can't help with that.\"}]}", "")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals(StopReason.REFUSAL, r.stopReason());
    assertEquals("I can't help with that.", r.text());
  }

  @Test
  void streamsTextAndToolCallsFromNamedEvents() {
    String stream = event("response.created", "\"sequence_number\":0,\"response\":{\"id\":\"resp_1\","
        + "\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}")
        + event("response.in_progress", "\"sequence_number\":1,\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\","
        + "\"output\":[]}")
        + event("response.output_item.added", "\"sequence_number\":2,\"output_index\":0,\"item\":{\"type\":\"reasoning\","
        + "\"id\":\"rs_1\",\"summary\":[]}")
        + event("response.reasoning_summary_text.delta", "\"sequence_number\":3,\"item_id\":\"rs_1\",\"output_index\":0,"
        + "\"summary_index\":0,\"delta\":\"Check the tracker.\"")
        + event("response.output_item.done", "\"sequence_number\":4,\"output_index\":0,\"item\":" + REASONING)
        + event("response.output_item.added", "\"sequence_number\":5,\"output_index\":1,\"item\":{\"type\":\"message\","
        + "\"id\":\"msg_1\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}")
        + event("response.output_text.delta", "\"sequence_number\":6,\"item_id\":\"msg_1\",\"output_index\":1,"
        + "\"content_index\":0,\"delta\":\"Looking \"")
        + event("response.output_text.delta", "\"sequence_number\":7,\"item_id\":\"msg_1\",\"output_index\":1,"
        + "\"content_index\":0,\"delta\":\"it up.\"")
        + event("response.output_item.done", "\"sequence_number\":8,\"output_index\":1,\"item\":" + message("Looking it up."))
        + event("response.output_item.added", "\"sequence_number\":9,\"output_index\":2,\"item\":{\"type\":\"function_call\","
        + "\"id\":\"fc_1\",\"call_id\":\"call_T5r4E3w2Q1\",\"name\":\"get_issue\",\"arguments\":\"\",\"status\":\"in_progress\"}")
        + event("response.function_call_arguments.delta", "\"sequence_number\":10,\"item_id\":\"fc_1\",\"output_index\":2,"
        + "\"delta\":\"{\\\"repo\\\":\\\"ac\"")
        + event("response.function_call_arguments.delta", "\"sequence_number\":11,\"item_id\":\"fc_1\",\"output_index\":2,"
        + "\"delta\":\"me/widgets\\\",\\\"number\\\":42}\"")
        + event("response.function_call_arguments.done", "\"sequence_number\":12,\"item_id\":\"fc_1\",\"output_index\":2,"
        + "\"name\":\"get_issue\",\"arguments\":\"{\\\"repo\\\":\\\"acme/widgets\\\",\\\"number\\\":42}\"")
        + event("response.output_item.done", "\"sequence_number\":13,\"output_index\":2,\"item\":" + CALL)
        + event("response.completed", "\"sequence_number\":14,\"response\":" + response("completed",
        REASONING + "," + message("Looking it up.") + "," + CALL, ""));
    server.enqueue(sse(stream));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    assertEquals("Looking it up.", listener.text());
    assertEquals(1, listener.of(StreamEvent.TextDelta.class).get(0).index());
    assertEquals("Check the tracker.", listener.of(StreamEvent.ThinkingDelta.class).get(0).thinking());
    StreamEvent.ToolUseStarted started = listener.of(StreamEvent.ToolUseStarted.class).get(0);
    assertEquals("call_T5r4E3w2Q1", started.id());
    assertEquals(2, started.index());
    assertEquals("{\"repo\":\"acme/widgets\",\"number\":42}", String.join("",
        listener.of(StreamEvent.ToolInputDelta.class).stream().map(StreamEvent.ToolInputDelta::partialJson).toList()));
    assertEquals(3, listener.of(StreamEvent.BlockFinished.class).size());
    assertEquals("Looking it up.", r.text());
    assertEquals(42, r.toolUses().get(0).input().path("number").asInt());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertEquals(300, r.usage().outputTokens());
    assertEquals(256, r.reasoningTokens());
  }

  @Test
  void aStreamCutBeforeItsFinalEventIsRetriedWhenNothingWasDelivered() {
    server.enqueue(sse(event("response.created", "\"sequence_number\":0,\"response\":{\"id\":\"resp_1\","
        + "\"status\":\"in_progress\",\"output\":[]}")));
    server.enqueue(sse(event("response.completed", "\"sequence_number\":0,\"response\":"
        + response("completed", message("hi"), ""))));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("hi", r.text());
    assertEquals(2, server.getRequestCount());
    assertEquals(1, sleeper.waits.size());
  }

  @Test
  void aFailedStreamWithAServerErrorIsRetryable() {
    String failed = event("response.failed", "\"sequence_number\":1,\"response\":{\"id\":\"resp_1\",\"status\":"
        + "\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"The server had an error.\"},\"output\":[]}");
    server.enqueue(sse(failed));
    server.enqueue(sse(failed));
    server.enqueue(sse(failed));

    ModelException e = assertThrows(ModelException.class, () -> client().stream(simpleRequest(MODEL),
        StreamListener.ignoring()));

    assertEquals(ModelException.Kind.SERVER_ERROR, e.kind());
    assertTrue(e.isRetryable());
    assertEquals(3, server.getRequestCount());
    assertTrue(e.getMessage().contains("The server had an error."), e.getMessage());
  }

  @Test
  void anErrorEventForTheContextWindowIsNotRetried() {
    server.enqueue(sse(event("error", "\"sequence_number\":1,\"code\":\"context_length_exceeded\",\"message\":"
        + "\"Your input exceeds the context window of this model.\",\"param\":\"input\"")));

    ModelException e = assertThrows(ModelException.class, () -> client().stream(simpleRequest(MODEL),
        StreamListener.ignoring()));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
    assertFalse(e.isRetryable());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void httpErrorsMapLikeTheChatClients() {
    server.enqueue(WireFixtures.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-ope***est.\","
        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));

    ModelException auth = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.AUTHENTICATION, auth.kind());
    assertFalse(auth.isRetryable());
    assertEquals(1, server.getRequestCount());

    server.enqueue(WireFixtures.json(429, "{\"error\":{\"message\":\"Rate limit reached for gpt-5 on tokens per min"
        + " (TPM).\",\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}").setHeader("retry-after", "2"));
    server.enqueue(WireFixtures.json(200, response("completed", message("ok"), "")));

    assertEquals("ok", client().send(simpleRequest(MODEL)).text());
    assertEquals(3, server.getRequestCount());
    assertEquals(java.time.Duration.ofSeconds(2), sleeper.waits.get(0));
  }

  @Test
  void aContextWindowErrorBodyIsContextExhausted() {
    server.enqueue(WireFixtures.json(400, "{\"error\":{\"message\":\"Your input exceeds the context window of this"
        + " model. Please adjust your input and try again.\",\"type\":\"invalid_request_error\",\"param\":\"input\","
        + "\"code\":\"context_length_exceeded\"}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
  }

  @Test
  void anOutputSchemaIsTextFormatJsonSchema() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("{\\\"verdict\\\":\\\"approve\\\"}"), "")));
    OutputSchema schema = OutputSchema.strict("review", json("{\"type\":\"object\",\"properties\":{\"verdict\":"
        + "{\"type\":\"string\"}},\"required\":[\"verdict\"],\"additionalProperties\":false}"));

    ModelResponse r = client().send(ModelRequest.builder().model(MODEL).addMessage(Message.user("Review."))
        .outputSchema(schema).build());

    JsonNode format = body(server.takeRequest()).path("text").path("format");
    assertEquals("json_schema", format.path("type").asText());
    assertEquals("review", format.path("name").asText());
    assertTrue(format.path("strict").asBoolean());
    assertEquals("object", format.path("schema").path("type").asText());
    assertEquals("{\"verdict\":\"approve\"}", r.text());
  }

  @Test
  void aToolResultsImageIsAnInputImagePartOfItsOutput() throws Exception {
    server.enqueue(WireFixtures.json(200, response("completed", message("A red dot."), "")));
    ContentBlock.Image png = ContentBlock.Image.of("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});

    client().send(ModelRequest.builder().model(MODEL).addMessage(Message.user("What is in logo.png?"))
        .addMessage(Message.assistant(List.of(new ContentBlock.ToolUse("call_1", "read_file", json("{\"path\":"
            + "\"logo.png\"}")))))
        .addMessage(Message.user(List.of(new ContentBlock.ToolResult("call_1", "logo.png: image/png, 4 bytes", false,
            List.of(png)))))
        .build());

    JsonNode output = body(server.takeRequest()).path("input").path(2).path("output");
    assertEquals("input_text", output.path(0).path("type").asText());
    assertEquals("input_image", output.path(1).path("type").asText());
    assertEquals("data:image/png;base64,iVBORw==", output.path(1).path("image_url").asText());
  }

  @Test
  void theApiKeyNeverAppearsInErrorMessages() {
    server.enqueue(WireFixtures.json(400, "{\"error\":{\"message\":\"bad key sk-openai-test in request\","
        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertFalse(e.getMessage().contains("sk-openai-test"), e.getMessage());
    assertFalse(client().toString().contains("sk-openai-test"));
  }
}

package dev.loopkit.llm;

import static dev.loopkit.llm.ModelJsonTestSupport.json;
import static dev.loopkit.llm.WireFixtures.body;
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
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class OpenAiClientTest extends MockServerTest {
  private static final String MODEL = "gpt-4.1";


  private OpenAiClient.Builder builder() {
    return OpenAiClient.builder().apiKey("sk-openai-test").baseUrl(server.url("/v1").toString())
        .retryPolicy(retries(sleeper, 2));
  }

  private OpenAiClient client() {
    return builder().build();
  }

  private static String chunk(String choices) {
    return "data: {\"id\":\"chatcmpl-7Yt\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[" + choices + "],\"usage\":null}\n\n";
  }

  private static String delta(String delta, String finish) {
    return chunk("{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}");
  }

  private static String completion(String message, String finish) {
    return "{\"id\":\"chatcmpl-9fR2kLmQ8zXc\",\"object\":\"chat.completion\",\"created\":1767225600,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[{\"index\":0,\"message\":" + message
        + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":{\"prompt_tokens\":310,"
        + "\"completion_tokens\":41,\"total_tokens\":351,\"prompt_tokens_details\":{\"cached_tokens\":256,"
        + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}";
  }

  @Test
  void sendsTheChatCompletionsWireFormatWithABearerKey() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"ok\",\"refusal\":null}",
        "\"stop\"")));
    ModelRequest request = ModelRequest.builder().model(MODEL).system("You triage bugs.")
        .addTool(new ToolSpec("get_issue", "Fetch one issue", json("{\"type\":\"object\",\"properties\":{\"number\":"
            + "{\"type\":\"integer\"}},\"required\":[\"number\"]}")))
        .toolChoice(ToolChoice.any())
        .maxTokens(800)
        .stopSequences(List.of("END"))
        .addMessage(Message.user("Summarize issue 42."))
        .addMessage(Message.assistant(List.of(new ContentBlock.Thinking("hidden", "sig"),
            new ContentBlock.ToolUse("call_Hq2", "get_issue", json("{\"number\":42}")))))
        .addMessage(Message.user(List.of(ContentBlock.ToolResult.error("call_Hq2", "timeout"),
            new ContentBlock.Text("Try again."))))
        .build();

    client().send(request);

    RecordedRequest recorded = server.takeRequest();
    assertEquals("/v1/chat/completions", recorded.getPath());
    assertEquals("Bearer sk-openai-test", recorded.getHeader("Authorization"));
    assertNull(recorded.getHeader("x-api-key"));
    JsonNode body = body(recorded);
    JsonNode messages = body.path("messages");
    assertEquals("{\"role\":\"system\",\"content\":\"You triage bugs.\"}", messages.path(0).toString());
    assertEquals("{\"role\":\"user\",\"content\":\"Summarize issue 42.\"}", messages.path(1).toString());
    assertEquals("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_Hq2\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_issue\",\"arguments\":\"{\\\"number\\\":42}\"}}]}", messages.path(2).toString());
    assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_Hq2\",\"content\":\"Error: timeout\"}",
        messages.path(3).toString());
    assertEquals("{\"role\":\"user\",\"content\":\"Try again.\"}", messages.path(4).toString());
    assertEquals("function", body.path("tools").path(0).path("type").asText());
    assertEquals("get_issue", body.path("tools").path(0).path("function").path("name").asText());
    assertEquals("required", body.path("tool_choice").asText());
    assertEquals(800, body.path("max_completion_tokens").asInt());
    assertEquals("END", body.path("stop").path(0).asText());
    assertFalse(body.has("stream"));
  }

  @Test
  void compatibleServersCanUseMaxTokensAndNoKey() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"hi\"}", "\"stop\"")));

    builder().noApiKey().tokenLimitField(OpenAiClient.TokenLimitField.MAX_TOKENS).vendor("ollama").build()
        .send(simpleRequest("llama3.2"));

    RecordedRequest recorded = server.takeRequest();
    assertNull(recorded.getHeader("Authorization"));
    JsonNode body = body(recorded);
    assertEquals(4096, body.path("max_tokens").asInt());
    assertFalse(body.has("max_completion_tokens"));
  }

  @Test
  void aNamedToolChoiceIsAFunctionObject() throws Exception {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"hi\"}", "\"stop\"")));
    ModelRequest request = ModelRequest.builder().model(MODEL).addMessage(Message.user("x"))
        .addTool(new ToolSpec("get_issue", "", json("{\"type\":\"object\"}"))).toolChoice(ToolChoice.tool("get_issue"))
        .build();

    client().send(request);

    assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"get_issue\"}}",
        body(server.takeRequest()).path("tool_choice").toString());
  }

  @Test
  void readsParallelToolCallsAndCountsCachedPromptTokensAsCacheReads() {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
        + "\"tool_calls\":[{\"id\":\"call_A1b2C3d4E5f6\",\"type\":\"function\",\"function\":{\"name\":\"get_issue\","
        + "\"arguments\":\"{\\\"repo\\\":\\\"acme/widgets\\\",\\\"number\\\":42}\"}},{\"id\":\"call_G7h8I9j0K1l2\","
        + "\"type\":\"function\",\"function\":{\"name\":\"list_comments\",\"arguments\":\"{\\\"number\\\":42}\"}}]}",
        "\"tool_calls\"")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertEquals(2, r.toolUses().size());
    assertEquals("acme/widgets", r.toolUses().get(0).input().path("repo").asText());
    assertEquals("call_G7h8I9j0K1l2", r.toolUses().get(1).id());
    assertEquals(54, r.usage().inputTokens());
    assertEquals(256, r.usage().cacheReadTokens());
    assertEquals(41, r.usage().outputTokens());
    // 54 * $2 + 41 * $8 + 256 * $0.50 per million
    assertEquals(0, new BigDecimal("0.000564").compareTo(r.usage().costUsd()), r.usage().costUsd().toString());
  }

  @Test
  void toolCallsWithFinishReasonStopStillCountAsToolUse() {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
        + "\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_issue\",\"arguments\":\"{}\"}}]}", "\"stop\"")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertTrue(r.calledTools());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
  }

  @Test
  void argumentsSentAsAnObjectAreAccepted() {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
        + "\"type\":\"function\",\"function\":{\"name\":\"get_issue\",\"arguments\":{\"number\":42}}}]}",
        "\"tool_calls\"")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    ContentBlock.ToolUse use = r.toolUses().get(0);
    assertEquals(42, use.input().path("number").asInt());
    assertTrue(use.id().startsWith("call_loop_"), use.id());
  }

  @Test
  void argumentsThatAreNotJsonAreKeptRawForTheCallerToReport() {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
        + "\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_issue\",\"arguments\":\"{number: 42\"}}]}",
        "\"tool_calls\"")));

    ContentBlock.ToolUse use = client().send(simpleRequest(MODEL)).toolUses().get(0);

    assertFalse(use.hasValidInput());
    assertEquals("{number: 42", use.input().asText());
  }

  @Test
  void aContentFilterFinishIsARefusal() {
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"\"}", "\"content_filter\"")));

    assertEquals(StopReason.REFUSAL, client().send(simpleRequest(MODEL)).stopReason());
  }

  @Test
  void streamsTextAndParallelToolCallFragmentsAndReadsUsageFromTheFinalChunk() throws Exception {
    server.enqueue(sse(delta("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null")
        + delta("{\"content\":\"Looking it up.\"}", "null")
        + delta("{\"tool_calls\":[{\"index\":0,\"id\":\"call_P0q9W8e7R6t5\",\"type\":\"function\",\"function\":{"
            + "\"name\":\"get_issue\",\"arguments\":\"\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"repo\\\":\\\"ac\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"me/widgets\\\",\\\"number\\\":42}\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"index\":1,\"id\":\"call_Y4u3I2o1P0a9\",\"type\":\"function\",\"function\":{"
            + "\"name\":\"list_comments\",\"arguments\":\"\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"number\\\":42}\"}}]}", "null")
        + delta("{}", "\"tool_calls\"")
        + "data: {\"id\":\"chatcmpl-7Yt\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":44,"
        + "\"total_tokens\":164,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":"
        + "{\"reasoning_tokens\":0}}}\n\n"
        + "data: [DONE]\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    JsonNode body = body(server.takeRequest());
    assertTrue(body.path("stream").asBoolean());
    assertTrue(body.path("stream_options").path("include_usage").asBoolean());
    assertEquals("Looking it up.", r.text());
    assertEquals("Looking it up.", listener.text());
    assertEquals(3, r.content().size());
    assertEquals("{\"repo\":\"acme/widgets\",\"number\":42}", r.toolUses().get(0).input().toString());
    assertEquals("call_Y4u3I2o1P0a9", r.toolUses().get(1).id());
    assertEquals("{\"number\":42}", r.toolUses().get(1).input().toString());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
    assertEquals(120, r.usage().inputTokens());
    assertEquals(44, r.usage().outputTokens());
    assertEquals("chatcmpl-7Yt", r.id());
    List<StreamEvent.ToolUseStarted> started = listener.of(StreamEvent.ToolUseStarted.class);
    assertEquals(List.of(1, 2), List.of(started.get(0).index(), started.get(1).index()));
    assertEquals(3, listener.of(StreamEvent.BlockFinished.class).size());
  }

  @Test
  void streamedToolCallsWithoutIndexOrIdAreAssembledInOrder() {
    server.enqueue(sse(delta("{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{"
            + "\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"function\":{\"arguments\":\"\\\"a.txt\\\"}\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"read_file\","
            + "\"arguments\":\"{\\\"path\\\":\\\"b.txt\\\"}\"}}]}", "null")
        + delta("{}", "\"stop\"")
        + "data: [DONE]\n\n"));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals(2, r.toolUses().size());
    assertEquals("a.txt", r.toolUses().get(0).input().path("path").asText());
    assertEquals("b.txt", r.toolUses().get(1).input().path("path").asText());
    assertFalse(r.toolUses().get(0).id().equals(r.toolUses().get(1).id()));
    assertEquals(StopReason.TOOL_USE, r.stopReason());
  }

  @Test
  void wholeToolCallsInOneChunkWithObjectArgumentsAndNoDoneAreAccepted() {
    // Ollama and llama.cpp style: the whole call at once, arguments as an object, the stream just closes
    server.enqueue(sse("data: {\"id\":\"chatcmpl-12\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{"
        + "\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_xk2q8z1m\",\"index\":0,"
        + "\"type\":\"function\",\"function\":{\"name\":\"list_files\",\"arguments\":{\"dir\":\"src\"}}}]},"
        + "\"finish_reason\":\"tool_calls\"}]}\n\n"));

    ModelResponse r = builder().noApiKey().build().stream(simpleRequest("llama3.2"), StreamListener.ignoring());

    assertEquals("call_xk2q8z1m", r.toolUses().get(0).id());
    assertEquals("src", r.toolUses().get(0).input().path("dir").asText());
    assertEquals(StopReason.TOOL_USE, r.stopReason());
  }

  @Test
  void argumentsThatArriveBeforeTheNameAreKeptWithTheirCall() {
    server.enqueue(sse(delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"n\\\":\"}}]}", "null")
        + delta("{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"function\":{\"name\":\"get_issue\","
            + "\"arguments\":\"1}\"}}]}", "null")
        + delta("{}", "\"tool_calls\"") + "data: [DONE]\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    assertEquals(new ContentBlock.ToolUse("call_9", "get_issue", json("{\"n\":1}")), r.toolUses().get(0));
    assertEquals("get_issue", listener.of(StreamEvent.ToolUseStarted.class).get(0).name());
  }

  @Test
  void keepAliveCommentsAreSkipped() {
    server.enqueue(sse(": OPENROUTER PROCESSING\n\n" + delta("{\"content\":\"Hi\"}", "null")
        + ": OPENROUTER PROCESSING\n\n" + delta("{}", "\"stop\"") + "data: [DONE]\n\n"));

    assertEquals("Hi", client().stream(simpleRequest(MODEL), StreamListener.ignoring()).text());
  }

  @Test
  void crlfLineEndsAreAccepted() {
    server.enqueue(sse((delta("{\"content\":\"Hi\"}", "null") + delta("{}", "\"stop\"") + "data: [DONE]\n\n")
        .replace("\n", "\r\n")));

    assertEquals("Hi", client().stream(simpleRequest(MODEL), StreamListener.ignoring()).text());
  }

  @Test
  void anErrorChunkMidStreamIsATypedError() {
    server.enqueue(sse(delta("{\"content\":\"Par\"}", "null")
        + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
        + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"));

    ModelException e = assertThrows(ModelException.class,
        () -> client().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.SERVER_ERROR, e.kind());
    assertTrue(e.isRetryable());
    assertEquals(1, server.getRequestCount()); // text was delivered, so no silent retry
  }

  @Test
  void anOpenRouterErrorChunkWithANumericCodeIsTyped() {
    server.enqueue(sse(": OPENROUTER PROCESSING\n\n"
        + "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":502,"
        + "\"message\":\"Provider returned error\",\"metadata\":{\"provider_name\":\"x\",\"raw\":\"upstream down\"}},"
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n"));
    server.enqueue(sse(delta("{\"content\":\"ok\"}", "\"stop\"") + "data: [DONE]\n\n"));

    ModelResponse r = client().stream(simpleRequest(MODEL), StreamListener.ignoring());

    assertEquals("ok", r.text());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void anOpenRouterErrorBodyWithNumericCodeIsTyped() {
    server.enqueue(WireFixtures.json(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.INSUFFICIENT_QUOTA, e.kind());
    assertEquals("402", e.vendorCode());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void anErrorSentWithHttp200IsTypedByItsCode() {
    server.enqueue(WireFixtures.json(200, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded upstream\"}}"));
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"ok\"}", "\"stop\"")));

    ModelResponse r = client().send(simpleRequest(MODEL));

    assertEquals("ok", r.text());
    assertEquals(List.of(Duration.ofMillis(500)), sleeper.waits);
  }

  @Test
  void anErrorAnsweredAsJsonToAStreamRequestIsTyped() {
    server.enqueue(WireFixtures.json(200, "{\"error\":{\"message\":\"bad key\",\"type\":\"invalid_request_error\","
        + "\"param\":null,\"code\":\"invalid_api_key\"}}"));

    ModelException e = assertThrows(ModelException.class,
        () -> client().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.AUTHENTICATION, e.kind());
  }

  @Test
  void insufficientQuotaIsNotRetriedThoughItIsA429() {
    server.enqueue(WireFixtures.json(429, "{\"error\":{\"message\":\"You exceeded your current quota, please check"
        + " your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.INSUFFICIENT_QUOTA, e.kind());
    assertFalse(e.isRetryable());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aRateLimit429WithoutRetryAfterIsRetriedWithBackoff() {
    server.enqueue(WireFixtures.json(429, "{\"error\":{\"message\":\"Rate limit reached for gpt-4.1 on tokens per min"
        + " (TPM). Please try again in 3.89s.\",\"type\":\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
    server.enqueue(WireFixtures.json(200, completion("{\"role\":\"assistant\",\"content\":\"ok\"}", "\"stop\"")));

    client().send(simpleRequest(MODEL));

    assertEquals(List.of(Duration.ofMillis(500)), sleeper.waits);
  }

  @Test
  void contextLengthExceededIsAContextWindowError() {
    server.enqueue(WireFixtures.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000"
        + " tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest(MODEL)));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void anOllamaStringErrorIsTyped() {
    server.enqueue(WireFixtures.json(404, "{\"error\":\"model 'llama9' not found\"}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest("llama9")));

    assertEquals(ModelException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("model 'llama9' not found"), e.getMessage());
  }

  @Test
  void aStreamThatEndsWithoutAFinishIsAStreamError() {
    server.enqueue(sse(delta("{\"content\":\"Hal\"}", "null")));

    ModelException e = assertThrows(ModelException.class,
        () -> client().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.STREAM_ERROR, e.kind());
  }

  @Test
  void reasoningFromCompatibleServersIsReadAsThinking() {
    server.enqueue(sse(delta("{\"reasoning_content\":\"Let me think.\"}", "null")
        + delta("{\"content\":\"Answer.\"}", "\"stop\"") + "data: [DONE]\n\n"));

    ModelResponse r = client().stream(simpleRequest("qwen3"), StreamListener.ignoring());

    assertEquals(new ContentBlock.Thinking("Let me think.", ""), r.content().get(0));
    assertEquals("Answer.", r.text());
  }

  @Test
  void anUnpricedModelKeepsItsTokensAndIsUnmetered() {
    server.enqueue(WireFixtures.json(200, "{\"id\":\"x\",\"model\":\"local-model\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}"));

    ModelResponse r = client().send(simpleRequest("local-model"));

    assertEquals(10, r.usage().inputTokens());
    assertEquals(0, r.usage().costUsd().signum());
    assertEquals(1, r.usage().unmeteredCalls());
    assertTrue(r.usageReported());
  }

  // --- issue 18: fixes from recorded and documented wire shapes ---

  @Test
  void aLlamaCppContextSizeErrorIsContextExhaustionKeepingTheServersMessage() {
    server.enqueue(WireFixtures.json(400, "{\"error\":{\"code\":400,\"message\":\"request (4476 tokens) exceeds the"
        + " available context size (4096 tokens)\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":4476,"
        + "\"n_ctx\":4096}}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest("qwen3-8b")));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("exceeds the available context size (4096 tokens)"), e.getMessage());
  }

  @Test
  void vllmsOlderUnwrappedErrorIsContextExhaustionKeepingTheServersMessage() {
    server.enqueue(WireFixtures.json(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is"
        + " 4096 tokens. However, you requested 4596 tokens (596 in the messages, 4000 in the completion). Please"
        + " reduce the length of the messages or completion.\",\"type\":\"BadRequestError\",\"param\":null,"
        + "\"code\":400}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest("llama-3-8b")));

    assertEquals(ModelException.Kind.CONTEXT_WINDOW_EXCEEDED, e.kind());
    assertTrue(e.getMessage().contains("maximum context length is 4096 tokens"), e.getMessage());
  }

  @Test
  void vllmsOlderErrorShapeOfAnotherKindKeepsItsMessageToo() {
    server.enqueue(WireFixtures.json(404, "{\"object\":\"error\",\"message\":\"The model `llama-9` does not exist.\","
        + "\"type\":\"NotFoundError\",\"param\":null,\"code\":404}"));

    ModelException e = assertThrows(ModelException.class, () -> client().send(simpleRequest("llama-9")));

    assertEquals(ModelException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("The model `llama-9` does not exist."), e.getMessage());
  }

  @Test
  void aStreamWithSeveralChoicesKeepsChoiceZeroInsteadOfMergingThem() {
    server.enqueue(sse(chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Red\"},\"finish_reason\":null}")
        + chunk("{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"Blue\"},\"finish_reason\":null}")
        + chunk("{\"index\":1,\"delta\":{\"content\":\" sky\"},\"finish_reason\":\"stop\"},"
            + "{\"index\":0,\"delta\":{\"content\":\" apple\"},\"finish_reason\":null}")
        + chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}")
        + "data: [DONE]\n\n"));
    RecordingListener listener = new RecordingListener();

    ModelResponse r = client().stream(simpleRequest(MODEL), listener);

    assertEquals("Red apple", r.text());
    assertEquals("Red apple", listener.text());
  }

  @Test
  void aCompletionWithSeveralChoicesReadsChoiceZero() {
    server.enqueue(WireFixtures.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"" + MODEL + "\","
        + "\"choices\":[{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"second\"},\"finish_reason\":\"stop\"},"
        + "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"first\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}"));

    assertEquals("first", client().send(simpleRequest(MODEL)).text());
  }

  @Test
  void aChunkCutByTheEndOfTheBodyIsARetryableStreamError() {
    String whole = delta("{\"role\":\"assistant\",\"content\":\"Looking\"}", "null")
        + delta("{\"content\":\" it up.\"}", "null");
    server.enqueue(sse(whole.substring(0, whole.length() - 40)));

    ModelException e = assertThrows(ModelException.class,
        () -> builder().retryPolicy(RetryPolicy.none()).build().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.STREAM_ERROR, e.kind());
    assertTrue(e.isRetryable());
  }

  @Test
  void aCompleteChunkThatIsNotJsonIsStillAMalformedResponse() {
    server.enqueue(sse("data: {not json}\n\n"));

    ModelException e = assertThrows(ModelException.class,
        () -> builder().retryPolicy(RetryPolicy.none()).build().stream(simpleRequest(MODEL), StreamListener.ignoring()));

    assertEquals(ModelException.Kind.MALFORMED_RESPONSE, e.kind());
  }
}

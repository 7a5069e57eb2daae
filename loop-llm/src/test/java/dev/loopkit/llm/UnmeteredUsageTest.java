package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static dev.loopkit.llm.WireFixtures.sse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Usage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every client marks a call it cannot meter (no price for the model, or no usage from the server) as
 * unmetered instead of counting it as $0; wire shapes as in the Anthropic Messages and OpenAI Chat
 * Completions references (sections 1.5, 1.9, 2.3, 2.5 of wire-formats.md).
 */
class UnmeteredUsageTest extends MockServerTest {
  @TempDir
  Path tmp;

  private AnthropicClient anthropic() {
    return AnthropicClient.builder().apiKey("sk-ant-test").baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 0)).build();
  }

  private OpenAiClient openAi() {
    return OpenAiClient.builder().apiKey("sk-openai-test").baseUrl(server.url("/v1").toString())
        .retryPolicy(retries(sleeper, 0)).build();
  }

  private static String anthropicMessage(String model, String usage) {
    return "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null"
        + usage + "}";
  }

  @Test
  void anAnthropicCallOfAPricedModelIsMetered() {
    server.enqueue(WireFixtures.json(200, anthropicMessage("claude-sonnet-4-5",
        ",\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}")));

    Usage usage = anthropic().send(simpleRequest("claude-sonnet-4-5")).usage();

    assertTrue(usage.isMetered());
    assertEquals(0, new BigDecimal("0.0045").compareTo(usage.costUsd()), usage.costUsd().toString());
  }

  @Test
  void anAnthropicCallOfAModelWithoutAPriceIsUnmeteredWithItsTokens() {
    server.enqueue(WireFixtures.json(200, anthropicMessage("claude-future-9",
        ",\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}")));

    ModelResponse r = anthropic().send(simpleRequest("claude-future-9"));

    assertEquals(Usage.unmetered(Usage.tokens(1000, 100)), r.usage());
    assertTrue(r.usageReported());
  }

  @Test
  void anAnthropicMessageWithoutUsageIsUnmeteredEvenForAPricedModel() {
    server.enqueue(WireFixtures.json(200, anthropicMessage("claude-sonnet-4-5", "")));

    ModelResponse r = anthropic().send(simpleRequest("claude-sonnet-4-5"));

    assertEquals(1, r.usage().unmeteredCalls());
    assertFalse(r.usageReported());
  }

  @Test
  void anOpenAiCompletionWithoutUsageIsUnmetered() {
    server.enqueue(WireFixtures.json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
        + "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
        + "\"finish_reason\":\"stop\"}]}"));

    ModelResponse r = openAi().send(simpleRequest("gpt-4.1"));

    assertEquals(Usage.unmetered(Usage.ZERO), r.usage());
    assertFalse(r.usageReported());
  }

  @Test
  void anOpenAiStreamWithoutTheUsageChunkIsUnmetered() {
    // a compatible server that ignores stream_options.include_usage: every chunk carries "usage": null
    server.enqueue(sse("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\","
        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}],"
        + "\"usage\":null}\n\n"
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\","
        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
        + "data: [DONE]\n\n"));

    ModelResponse r = openAi().stream(simpleRequest("gpt-4.1"), StreamListener.ignoring());

    assertEquals("hi", r.text());
    assertEquals(1, r.usage().unmeteredCalls());
  }

  @Test
  void anOpenAiStreamWithItsUsageChunkIsMetered() {
    server.enqueue(sse("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\","
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0,\"total_tokens\":1000000}}\n\n"
        + "data: [DONE]\n\n"));

    Usage usage = openAi().stream(simpleRequest("gpt-4.1"), StreamListener.ignoring()).usage();

    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("2")), usage);
  }

  @Test
  void aScriptedReplayWithoutAPriceTableKeepsItsRecordedUsageMetered() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(ModelResponse.builder().addContent(ContentBlock.text("a")).usage(Usage.tokens(10, 5)).build())
        .build();

    assertEquals(Usage.tokens(10, 5), model.send(simpleRequest("any-model")).usage());
  }

  @Test
  void aScriptedReplayWithAPriceTableIsMeteredOnlyForPricedModels() {
    ModelResponse recorded = ModelResponse.builder().addContent(ContentBlock.text("a"))
        .usage(Usage.tokens(1_000_000, 0)).build();
    ScriptedModelClient model = ScriptedModelClient.builder().respond(recorded).respond(recorded).respondText("free")
        .priceTable(PriceTable.defaults()).build();

    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("3")),
        model.send(simpleRequest("claude-sonnet-4-5")).usage());
    assertEquals(Usage.unmetered(Usage.tokens(1_000_000, 0)), model.send(simpleRequest("unpriced-model")).usage());
    assertEquals(Usage.ZERO, model.send(simpleRequest("unpriced-model")).usage()); // no tokens recorded: free
  }

  @Test
  void aTranscriptKeepsUnmeteredUsageAcrossRecordingAndReplay() throws Exception {
    ModelResponse unreported = ModelResponse.builder().id("m1").model("local").addContent(ContentBlock.text("x"))
        .usage(Usage.unmetered(Usage.ZERO)).usageReported(false).build();
    Path file = tmp.resolve("t.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":" + ModelJson.toJson(unreported) + "}\n"
        + "{\"type\":\"response\",\"response\":{\"content\":\"y\",\"usage_reported\":false}}\n");

    ScriptedModelClient replay = ScriptedModelClient.transcriptBuilder(file).priceTable(PriceTable.defaults()).build();
    ModelResponse first = replay.send(simpleRequest("claude-sonnet-4-5"));
    ModelResponse second = replay.send(simpleRequest("claude-sonnet-4-5"));

    assertEquals(1, ModelJson.toJson(unreported).path("usage").path("unmetered_calls").asInt());
    assertEquals(Usage.unmetered(Usage.ZERO), first.usage());
    assertFalse(first.usageReported());
    assertEquals(Usage.unmetered(Usage.ZERO), second.usage());
  }

  @Test
  void aBadUsageReportedFlagInATranscriptNamesItsPlace() throws Exception {
    Path file = tmp.resolve("bad.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":{\"content\":\"y\",\"usage_reported\":\"no\"}}\n");

    dev.loopkit.core.InputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.loopkit.core.InputException.class, () -> ScriptedModelClient.fromTranscript(file));

    assertTrue(e.getMessage().contains("'usage_reported' at " + file + " line 1 must be true or false, got \"no\""),
        e.getMessage());
  }

  @Test
  void anErrorAnsweredAsJsonBeforeAnyStreamDoesNotMakeTheRetriedCallUnmetered() {
    server.enqueue(WireFixtures.json(200, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
        + "\"message\":\"Overloaded\"}}"));
    server.enqueue(WireFixtures.json(200, anthropicMessage("claude-sonnet-4-5",
        ",\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}")));
    AnthropicClient client = AnthropicClient.builder().apiKey("sk-ant-test").baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 1)).build();

    Usage usage = client.stream(simpleRequest("claude-sonnet-4-5"), StreamListener.ignoring()).usage();

    assertTrue(usage.isMetered(), usage.toString());
    assertEquals(2, server.getRequestCount());
  }
}

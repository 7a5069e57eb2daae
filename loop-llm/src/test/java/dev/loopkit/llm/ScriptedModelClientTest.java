package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.WireFixtures.RecordingListener;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptedModelClientTest {
  @TempDir
  Path dir;

  private static ModelRequest request(String text) {
    return ModelRequest.builder().model("claude-sonnet-4-5").addMessage(Message.user(text)).build();
  }

  @Test
  void answersStepsInOrderAndCapturesEveryRequest() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_file", "{\"path\":\"README.md\"}")
        .respondText("The README says hello.")
        .build();

    ModelResponse first = model.send(request("What does the README say?"));
    ModelResponse second = model.send(request("next"));

    assertEquals(StopReason.TOOL_USE, first.stopReason());
    assertEquals("toolu_scripted_1_1", first.toolUses().get(0).id());
    assertEquals("README.md", first.toolUses().get(0).input().path("path").asText());
    assertEquals("claude-sonnet-4-5", first.model());
    assertEquals("The README says hello.", second.text());
    assertEquals(StopReason.END_TURN, second.stopReason());
    assertEquals(List.of("What does the README say?", "next"),
        List.of(model.requests().get(0).lastMessage().text(), model.requests().get(1).lastMessage().text()));
    assertEquals(0, model.remainingSteps());
    assertEquals("scripted", model.vendor());
  }

  @Test
  void aScriptThatRunsOutFailsNamingTheStepAndTheLastMessage() {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("only one").build();
    model.send(request("one"));

    InputException e = assertThrows(InputException.class, () -> model.send(request("two please")));

    assertTrue(e.getMessage().contains("no step 2"), e.getMessage());
    assertTrue(e.getMessage().contains("1 step(s)"), e.getMessage());
    assertTrue(e.getMessage().contains("two please"), e.getMessage());
    assertEquals(2, model.requests().size());
  }

  @Test
  void anUnmetExpectationFailsNamingTheStepAndWhatWasExpected() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_file", "{\"path\":\"a.txt\"}")
        .expectLastMessageContains("contents of a.txt")
        .respondText("done")
        .build();
    model.send(request("start"));

    InputException e = assertThrows(InputException.class,
        () -> model.send(ModelRequest.builder().model("m").addMessage(Message.user(List.of(
            ContentBlock.ToolResult.error("toolu_scripted_1_1", "ENOENT")))).build()));

    assertTrue(e.getMessage().contains("step 2"), e.getMessage());
    assertTrue(e.getMessage().contains("contents of a.txt"), e.getMessage());
    assertTrue(e.getMessage().contains("[tool error] ENOENT"), e.getMessage());
  }

  @Test
  void aMetExpectationLetsTheStepAnswer() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .expect("the read_file tool", r -> r.tools().stream().anyMatch(t -> t.name().equals("read_file")))
        .respondText("ok")
        .build();
    ModelRequest withTool = request("x").toBuilder()
        .addTool(new ToolSpec("read_file", "Read.", ModelJsonTestSupport.json("{\"type\":\"object\"}"))).build();

    assertEquals("ok", model.send(withTool).text());
  }

  @Test
  void anExpectationAfterTheLastStepIsRejectedAtBuild() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ScriptedModelClient.builder().respondText("x").expectLastMessageContains("y").build());

    assertTrue(e.getMessage().contains("after the last step"), e.getMessage());
  }

  @Test
  void aScriptedErrorIsThrownAsScripted() {
    ModelException error = new ModelException(ModelException.Kind.RATE_LIMITED, "slow down", 429,
        java.time.Duration.ofSeconds(3), "rate_limit_error", null);
    ScriptedModelClient model = ScriptedModelClient.builder().fail(error).respondText("after").build();

    assertSame(error, assertThrows(ModelException.class, () -> model.send(request("a"))));
    assertEquals("after", model.send(request("b")).text());
  }

  @Test
  void streamingDeliversChunkedDeltasThenTheFinishedBlocks() {
    ScriptedModelClient model = ScriptedModelClient.builder().streamChunk(4)
        .respond(ModelResponse.builder().addContent(new ContentBlock.Text("Hello world"))
            .addContent(ScriptedModelClient.Builder.toolUse("toolu_a", "write_file", "{\"path\":\"a\"}"))
            .stopReason(StopReason.TOOL_USE).build())
        .build();
    RecordingListener listener = new RecordingListener();

    ModelResponse r = model.stream(request("x"), listener);

    assertEquals(List.of("Hell", "o wo", "rld"),
        listener.of(StreamEvent.TextDelta.class).stream().map(StreamEvent.TextDelta::text).toList());
    assertEquals("{\"path\":\"a\"}", String.join("",
        listener.of(StreamEvent.ToolInputDelta.class).stream().map(StreamEvent.ToolInputDelta::partialJson).toList()));
    assertEquals(r.content(),
        listener.of(StreamEvent.BlockFinished.class).stream().map(StreamEvent.BlockFinished::block).toList());
  }

  @Test
  void aMidStreamFailureDeliversThePartialTextThenThrows() {
    ModelException error = ModelException.of(ModelException.Kind.OVERLOADED, "Overloaded");
    ScriptedModelClient model = ScriptedModelClient.builder().failMidStream("Half an ans", error).build();
    RecordingListener listener = new RecordingListener();

    assertSame(error, assertThrows(ModelException.class, () -> model.stream(request("x"), listener)));
    assertEquals("Half an ans", listener.text());
  }

  @Test
  void aJsonLinesTranscriptReplaysResponsesAndErrorsAndSkipsOtherLines() throws IOException {
    Path file = dir.resolve("run.jsonl");
    Files.writeString(file, String.join("\n",
        "{\"type\":\"request\",\"request\":{\"model\":\"m\"}}",
        "{\"type\":\"response\",\"response\":{\"content\":[{\"type\":\"text\",\"text\":\"Writing.\"},"
            + "{\"type\":\"tool_use\",\"name\":\"write_file\",\"input\":{\"path\":\"a.txt\",\"content\":\"hi\"}}],"
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}}}",
        "{\"type\":\"tool_run\",\"name\":\"write_file\"}",
        "",
        "{\"type\":\"error\",\"error\":{\"kind\":\"RATE_LIMITED\",\"message\":\"slow down\",\"retry_after_ms\":1000}}",
        "{\"type\":\"response\",\"response\":{\"content\":\"Done.\"},\"expect\":{\"last_message_contains\":\"wrote a.txt\","
            + "\"model\":\"claude-sonnet-4-5\"}}"), StandardCharsets.UTF_8);
    ScriptedModelClient model = ScriptedModelClient.transcriptBuilder(file).priceTable(PriceTable.defaults()).build();

    ModelResponse first = model.send(request("start"));
    ModelException error = assertThrows(ModelException.class, () -> model.send(request("again")));
    ModelResponse last = model.send(request("wrote a.txt"));

    assertEquals(StopReason.TOOL_USE, first.stopReason());
    assertEquals("toolu_scripted_1_1", first.toolUses().get(0).id());
    assertEquals("hi", first.toolUses().get(0).input().path("content").asText());
    // 1000 * $3 + 100 * $15 per million, from the price table
    assertEquals(0, new BigDecimal("0.0045").compareTo(first.usage().costUsd()));
    assertEquals(ModelException.Kind.RATE_LIMITED, error.kind());
    assertEquals(java.time.Duration.ofSeconds(1), error.retryAfter().orElseThrow());
    assertEquals("Done.", last.text());
    assertEquals(file.toString(), model.source());
  }

  @Test
  void aSystemContainsExpectationChecksTheRequestsSystemPrompt() throws IOException {
    Path file = dir.resolve("system.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":{\"content\":\"ok\"},"
        + "\"expect\":{\"system_contains\":\"Indent with tabs\"}}\n"
        + "{\"type\":\"response\",\"response\":{\"content\":\"ok\"},"
        + "\"expect\":{\"system_contains\":\"Indent with tabs\"}}\n", StandardCharsets.UTF_8);
    ScriptedModelClient model = ScriptedModelClient.fromTranscript(file);

    ModelResponse met = model.send(ModelRequest.builder().model("m").system("Rules.\nIndent with tabs.")
        .addMessage(Message.user("go")).build());
    InputException unmet = assertThrows(InputException.class, () -> model.send(ModelRequest.builder().model("m")
        .system("Rules.").addMessage(Message.user("go")).build()));

    assertEquals("ok", met.text());
    assertTrue(unmet.getMessage().contains("expected the system prompt to contain 'Indent with tabs'"),
        unmet.getMessage());
  }

  @Test
  void aJsonArrayTranscriptIsAccepted() throws IOException {
    Path file = dir.resolve("script.json");
    Files.writeString(file, "{\"steps\": [\n  {\"response\": {\"content\": \"one\"}},\n"
        + "  {\"response\": {\"content\": \"two\", \"stop_reason\": \"max_tokens\"}}\n]}\n", StandardCharsets.UTF_8);
    ScriptedModelClient model = ScriptedModelClient.fromTranscript(file);

    assertEquals("one", model.send(request("a")).text());
    assertEquals(StopReason.MAX_TOKENS, model.send(request("b")).stopReason());
  }

  @Test
  void aRecordedResponseRoundTripsThroughTheTranscriptShape() throws IOException {
    ModelResponse recorded = ModelResponse.builder().id("msg_9").model("claude-sonnet-4-5")
        .addContent(new ContentBlock.Thinking("hmm", "sig"))
        .addContent(new ContentBlock.Text("Reading."))
        .addContent(new ContentBlock.ToolUse("toolu_9", "read_file", ModelJsonTestSupport.json("{\"path\":\"x\"}")))
        .stopReason(StopReason.TOOL_USE).usage(new Usage(10, 20, 30, 40, new BigDecimal("0.0123"))).build();
    Path file = dir.resolve("t.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":" + ModelJson.toJson(recorded) + "}\n",
        StandardCharsets.UTF_8);

    ModelResponse replayed = ScriptedModelClient.fromTranscript(file).send(request("x"));

    assertEquals(recorded.content(), replayed.content());
    assertEquals(recorded.usage(), replayed.usage());
    assertEquals(recorded.id(), replayed.id());
    assertEquals(recorded.stopReason(), replayed.stopReason());
  }

  @Test
  void aMalformedTranscriptLineFailsNamingTheFileAndLine() throws IOException {
    Path file = dir.resolve("bad.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":{\"content\":\"ok\"}}\n"
        + "{\"type\":\"response\",\"response\":{\"content\":[{\"type\":\"tool_use\",\"name\":7}]}}\n",
        StandardCharsets.UTF_8);

    InputException e = assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(file));

    assertTrue(e.getMessage().contains(file + " line 2"), e.getMessage());
    assertTrue(e.getMessage().contains("'name'"), e.getMessage());
  }

  @Test
  void invalidJsonInATranscriptFailsNamingTheLine() throws IOException {
    Path file = dir.resolve("broken.jsonl");
    Files.writeString(file, "{\"type\":\"response\",\"response\":{\"content\":\"ok\"}}\n{not json\n",
        StandardCharsets.UTF_8);

    InputException e = assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(file));

    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not valid JSON"), e.getMessage());
  }

  @Test
  void anUnknownErrorKindOrExpectationIsRejected() throws IOException {
    Path kind = dir.resolve("kind.jsonl");
    Files.writeString(kind, "{\"type\":\"error\",\"error\":{\"kind\":\"EXPLODED\"}}\n", StandardCharsets.UTF_8);
    Path expect = dir.resolve("expect.jsonl");
    Files.writeString(expect, "{\"response\":{\"content\":\"x\"},\"expect\":{\"vibes\":\"good\"}}\n",
        StandardCharsets.UTF_8);

    InputException badKind = assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(kind));
    InputException badExpect = assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(expect));

    assertTrue(badKind.getMessage().contains("EXPLODED") && badKind.getMessage().contains("RATE_LIMITED"),
        badKind.getMessage());
    assertTrue(badExpect.getMessage().contains("vibes"), badExpect.getMessage());
  }

  @Test
  void aTranscriptWithNoStepsOrNoFileIsRejected() throws IOException {
    Path empty = dir.resolve("empty.jsonl");
    Files.writeString(empty, "{\"type\":\"request\"}\n", StandardCharsets.UTF_8);

    assertTrue(assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(empty)).getMessage()
        .contains("no response or error steps"));
    assertTrue(assertThrows(InputException.class, () -> ScriptedModelClient.fromTranscript(dir.resolve("missing.jsonl")))
        .getMessage().contains("missing.jsonl"));
  }

  @Test
  void scriptedToolArgumentsMustBeAJsonObject() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScriptedModelClient.builder().callTool("read_file", "[1,2]"));

    assertTrue(e.getMessage().contains("read_file"), e.getMessage());
  }

  @Test
  void concurrentCallersConsumeDistinctSteps() throws Exception {
    ScriptedModelClient.Builder b = ScriptedModelClient.builder();
    for (int i = 0; i < 40; i++) {
      b.respondText("answer " + i);
    }
    ScriptedModelClient model = b.build();
    java.util.Set<String> answers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 10; i++) {
          answers.add(model.send(simpleRequest("m")).text());
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }

    assertEquals(40, answers.size());
    assertEquals(40, model.requests().size());
    assertFalse(answers.contains("answer 40"));
  }
}

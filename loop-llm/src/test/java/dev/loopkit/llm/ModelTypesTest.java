package dev.loopkit.llm;

import static dev.loopkit.llm.ModelJsonTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTypesTest {

  @Test
  void knownStopReasonsAreTheConstantsAndUnknownOnesAreKept() {
    assertSame(StopReason.TOOL_USE, StopReason.of("tool_use"));
    assertSame(StopReason.CONTEXT_WINDOW_EXCEEDED, StopReason.of("model_context_window_exceeded"));
    StopReason novel = StopReason.of("something_new");
    assertEquals("something_new", novel.value());
    assertFalse(novel.isKnown());
    assertEquals(novel, StopReason.of("something_new"));
  }

  @Test
  void aRequestWithoutModelOrMessagesFailsAtBuild() {
    assertTrue(assertThrows(IllegalStateException.class,
        () -> ModelRequest.builder().addMessage(Message.user("x")).build()).getMessage().contains("model"));
    assertTrue(assertThrows(IllegalStateException.class,
        () -> ModelRequest.builder().model("m").build()).getMessage().contains("message"));
  }

  @Test
  void aToolChoiceNamingAnUndeclaredToolFailsAtBuildNamingBoth() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelRequest.builder().model("m")
        .addMessage(Message.user("x")).addTool(new ToolSpec("read_file", "", json("{\"type\":\"object\"}")))
        .toolChoice(ToolChoice.tool("write_file")).build());

    assertTrue(e.getMessage().contains("write_file") && e.getMessage().contains("read_file"), e.getMessage());
  }

  @Test
  void duplicateToolNamesAndAnyWithoutToolsFailAtBuild() {
    ToolSpec tool = new ToolSpec("t", "", json("{\"type\":\"object\"}"));
    assertThrows(IllegalStateException.class, () -> ModelRequest.builder().model("m").addMessage(Message.user("x"))
        .tools(List.of(tool, tool)).build());
    assertThrows(IllegalStateException.class, () -> ModelRequest.builder().model("m").addMessage(Message.user("x"))
        .toolChoice(ToolChoice.any()).build());
  }

  @Test
  void badSamplingValuesFailAtTheSetter() {
    assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder().maxTokens(0));
    assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder().temperature(2.5));
    assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder().stopSequences(List.of("")));
    assertThrows(IllegalArgumentException.class, () -> ModelRequest.builder().model(" "));
  }

  @Test
  void toolSpecsCheckTheNameAndTheSchema() {
    IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
        () -> new ToolSpec("read file", "", json("{\"type\":\"object\"}")));
    IllegalArgumentException schema = assertThrows(IllegalArgumentException.class,
        () -> new ToolSpec("read_file", "", json("{\"type\":\"string\"}")));

    assertTrue(name.getMessage().contains("'read file'"), name.getMessage());
    assertTrue(schema.getMessage().contains("read_file") && schema.getMessage().contains("\"object\""),
        schema.getMessage());
  }

  @Test
  void toBuilderKeepsEveryField() {
    ModelRequest request = ModelRequest.builder().model("m").system("s").addMessage(Message.user("x"))
        .addTool(new ToolSpec("t", "d", json("{\"type\":\"object\"}"))).toolChoice(ToolChoice.tool("t"))
        .maxTokens(7).temperature(0.5).stopSequences(List.of("z")).build();

    ModelRequest copy = request.toBuilder().build();

    assertEquals(ModelJson.toJson(request), ModelJson.toJson(copy));
  }

  @Test
  void neverRetriedKindsStayUnretryableWhateverTheCallerSays() {
    ModelException e = new ModelException(ModelException.Kind.AUTHENTICATION, "no", 401, null, "", null, true);
    ModelException overloaded = ModelException.of(ModelException.Kind.OVERLOADED, "busy");

    assertFalse(e.isRetryable());
    assertTrue(overloaded.isRetryable());
    assertTrue(overloaded.retryAfter().isEmpty());
  }

  @Test
  void aModelErrorRoundTripsThroughJson() {
    ModelException e = new ModelException(ModelException.Kind.RATE_LIMITED, "slow", 429, Duration.ofMillis(1500),
        "rate_limit_error", null);

    ModelException back = ModelJson.error(ModelJson.toJson(e), "test");

    assertEquals(e.kind(), back.kind());
    assertEquals(e.getMessage(), back.getMessage());
    assertEquals(429, back.httpStatus());
    assertEquals(e.retryAfter(), back.retryAfter());
    assertEquals("rate_limit_error", back.vendorCode());
  }

  @Test
  void theDefaultStreamReplaysASentResponse() {
    ModelResponse fixed = ModelResponse.builder().addContent(ContentBlock.text("hi")).build();
    ModelClient client = new ModelClient() {
      @Override
      public ModelResponse send(ModelRequest request) {
        return fixed;
      }

      @Override
      public String vendor() {
        return "fixed";
      }
    };
    WireFixtures.RecordingListener listener = new WireFixtures.RecordingListener();

    ModelResponse r = client.stream(WireFixtures.simpleRequest("m"), listener);

    assertSame(fixed, r);
    assertEquals("hi", listener.text());
    assertEquals(1, listener.of(StreamEvent.BlockFinished.class).size());
  }

  @Test
  void opaqueBlocksAndCitationsSurviveTheTranscriptShape() {
    ContentBlock opaque = new ContentBlock.Opaque("anthropic", (com.fasterxml.jackson.databind.node.ObjectNode)
        json("{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_1\",\"content\":[]}"));
    ContentBlock cited = new ContentBlock.Text("Fixed in 4.2.", List.of(json("{\"type\":\"char_location\","
        + "\"cited_text\":\"4.2\",\"document_index\":0}")));

    List<ContentBlock> back = ModelJson.content(ModelJson.toJson(List.of(opaque, cited)), "test");

    assertEquals(List.of(opaque, cited), back);
    assertEquals("opaque", ModelJson.toJson(opaque).path("type").asText());
  }

  @Test
  void anOpaqueBlockWithoutAnInnerTypeIsRefusedNamingWhereItCameFrom() {
    dev.loopkit.core.InputException e = assertThrows(dev.loopkit.core.InputException.class,
        () -> ModelJson.contentBlock(json("{\"type\":\"opaque\",\"vendor\":\"anthropic\",\"block\":{}}"),
            "t.jsonl line 3"));
    assertTrue(e.getMessage().contains("'block' at t.jsonl line 3"), e.getMessage());
  }
}

package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.InputException;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loop.yaml reaches the Responses API (api: responses) and sets reasoning per model entry, checked on loopback. */
class ModelCapabilitiesConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private ProjectConfig config(String model) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n  folder: tickets\nworkspace:\n  repo: repo\n"
        + "models:\n  worker:\n" + model
        + "verifier:\n  command: sh test.sh\n  expect-output: ok\n");
    return ProjectConfig.read(dir);
  }

  private String error(String model) {
    return assertThrows(InputException.class, () -> config(model)).getMessage();
  }

  private static ModelRequest hello(String model) {
    return ModelRequest.builder().model(model).maxTokens(1000).messages(List.of(Message.user("hi"))).build();
  }

  @Test
  void apiResponsesTalksToTheResponsesEndpointWithTheConfiguredEffort() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"id\":\"resp_1\","
          + "\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[{\"type\":\"message\","
          + "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"hi\"}]}],\"usage\":"
          + "{\"input_tokens\":3,\"output_tokens\":1}}"));
      ProjectConfig c = config("    vendor: openai\n    model: gpt-5\n    api: responses\n    base-url: "
          + server.url("/v1") + "\n    reasoning-effort: high\n");

      ModelClient client = ModelSource.of(c, c.model("worker"), Map.of("OPENAI_API_KEY", "sk-test-1")).client("T-1", 1);
      assertEquals("hi", client.send(hello("gpt-5")).text());

      RecordedRequest request = server.takeRequest();
      assertEquals("/v1/responses", request.getPath());
      JsonNode body = JSON.readTree(request.getBody().readUtf8());
      assertEquals("high", body.path("reasoning").path("effort").asText());
      assertEquals(1000, body.path("max_output_tokens").asInt());
      assertEquals("[\"reasoning.encrypted_content\"]", body.path("include").toString());
    }
  }

  @Test
  void aThinkingBudgetReachesAnthropicOnTopOfTheRolesMaxTokens() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"id\":\"msg_1\","
          + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":"
          + "\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}"));
      ProjectConfig c = config("    vendor: anthropic\n    model: claude-sonnet-4-5\n    base-url: "
          + server.url("/") + "\n    thinking-budget: 6000\n");

      ModelSource.of(c, c.model("worker"), Map.of("ANTHROPIC_API_KEY", "sk-ant-1")).client("T-1", 1)
          .send(hello("claude-sonnet-4-5"));

      JsonNode body = JSON.readTree(server.takeRequest().getBody().readUtf8());
      assertEquals("{\"type\":\"enabled\",\"budget_tokens\":6000}", body.path("thinking").toString());
      assertEquals(7000, body.path("max_tokens").asInt());
    }
  }

  @Test
  void structuredOutputFalseSendsRequestsWithoutTheSchema() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      String completion = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"qwen\",\"choices\":[{\"index\":0,"
          + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":"
          + "{\"prompt_tokens\":3,\"completion_tokens\":1}}";
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(completion));
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(completion));
      String entry = "    vendor: openai\n    model: qwen\n    base-url: " + server.url("/v1") + "\n    key-env: none\n";
      ModelRequest withSchema = hello("qwen").toBuilder().outputSchema(dev.loopkit.llm.work.ModelReviewer.VERDICT_SCHEMA)
          .build();

      ProjectConfig plain = config(entry + "    structured-output: false\n");
      ModelSource.of(plain, plain.model("worker"), Map.of()).client("T-1", 1).send(withSchema);
      ProjectConfig strict = config(entry);
      ModelSource.of(strict, strict.model("worker"), Map.of()).client("T-1", 1).send(withSchema);

      assertTrue(!JSON.readTree(server.takeRequest().getBody().readUtf8()).has("response_format"));
      assertEquals("json_schema", JSON.readTree(server.takeRequest().getBody().readUtf8()).path("response_format")
          .path("type").asText());
      assertTrue(error("    vendor: openai\n    model: gpt-5\n    structured-output: maybe\n")
          .contains("key 'models.worker.structured-output' is 'maybe': expected true or false"));
    }
  }

  @Test
  void badModelCapabilitySettingsAreNamedWithWhatIsExpected() {
    assertTrue(error("    vendor: anthropic\n    model: claude-sonnet-4-5\n    api: responses\n")
        .contains("key 'models.worker.api' is responses for vendor anthropic: expected vendor openai"));
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    api: assistants\n").contains("models.worker.api"));
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    api: responses\n    token-limit-field: max_tokens\n")
        .contains("key 'models.worker.token-limit-field' is set with api responses"));
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    reasoning-effort: Very High\n")
        .contains("key 'models.worker.reasoning-effort' is 'Very High': expected a lower-case word"));
    assertTrue(error("    vendor: anthropic\n    model: claude-sonnet-4-5\n    thinking-budget: 100\n")
        .contains("key 'models.worker.thinking-budget' is 100: expected a whole number of at least 1024"));
  }
}

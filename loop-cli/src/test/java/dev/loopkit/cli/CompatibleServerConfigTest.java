package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loop.yaml reaches compatible servers: a local one without a key, other auth headers, names and token fields. */
class CompatibleServerConfigTest {
  @TempDir
  Path dir;

  private static final String COMPLETION = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,"
      + "\"model\":\"qwen\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
      + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

  private ProjectConfig config(String model) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), "tracker:\n  folder: tickets\nworkspace:\n  repo: repo\n"
        + "models:\n  worker:\n" + model
        + "verifier:\n  command: sh test.sh\n  expect-output: ok\n");
    return ProjectConfig.read(dir);
  }

  private String error(String model) {
    return assertThrows(InputException.class, () -> config(model)).getMessage();
  }

  @Test
  void aLocalServerWithoutAKeyGetsNoCredentialsItsNameAndTheOlderTokenField() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(COMPLETION));
      ProjectConfig c = config("    vendor: openai\n    model: qwen\n    base-url: " + server.url("/v1")
          + "\n    key-env: none\n    vendor-name: vllm\n    token-limit-field: max_tokens\n");

      ModelClient client = ModelSource.of(c, c.model("worker"), Map.of()).client("T-1", 1);
      client.send(ModelRequest.builder().model("qwen").maxTokens(64).messages(java.util.List.of(Message.user("hi")))
          .build());

      RecordedRequest request = server.takeRequest();
      assertNull(request.getHeader("Authorization"), "no credentials for a server that takes none");
      String body = request.getBody().readUtf8();
      assertTrue(body.contains("\"max_tokens\":64") && !body.contains("max_completion_tokens"), body);
      assertEquals("vllm", client.vendor());
    }
  }

  @Test
  void aGatewayTakesTheKeyInTheHeaderItNames() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(COMPLETION));
      ProjectConfig c = config("    vendor: openai\n    model: gpt-5\n    base-url: " + server.url("/v1")
          + "\n    key-env: GATEWAY_KEY\n    auth: header:api-key\n");

      ModelSource.of(c, c.model("worker"), Map.of("GATEWAY_KEY", "gw-secret-123")).client("T-1", 1)
          .send(ModelRequest.builder().model("gpt-5").maxTokens(8).messages(java.util.List.of(Message.user("hi")))
              .build());

      RecordedRequest request = server.takeRequest();
      assertEquals("gw-secret-123", request.getHeader("api-key"));
      assertNull(request.getHeader("Authorization"));
    }
  }

  @Test
  void extraHeadersGoWithEveryRequestAndAFallbackPriceMetersAModelNoTablePrices() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(COMPLETION));
      ProjectConfig c = config("    vendor: openai\n    model: qwen\n    base-url: " + server.url("/v1")
          + "\n    key-env: none\n    headers: {X-Org: acme-prod, HTTP-Referer: https://example.com}\n"
          + "    price: {input: 2000000, output: 3000000}\n");

      dev.loopkit.llm.ModelResponse response = ModelSource.of(c, c.model("worker"), Map.of()).client("T-1", 1)
          .send(ModelRequest.builder().model("qwen").maxTokens(8).messages(java.util.List.of(Message.user("hi")))
              .build());

      RecordedRequest request = server.takeRequest();
      assertEquals("acme-prod", request.getHeader("X-Org"));
      assertEquals("https://example.com", request.getHeader("HTTP-Referer"));
      assertTrue(response.usage().isMetered(), "priced by the fallback: " + response.usage());
      assertEquals(0, new java.math.BigDecimal("9").compareTo(response.usage().costUsd()),
          "3 input tokens at $2/token and 1 output token at $3/token: " + response.usage());
    }
  }

  @Test
  void badHeadersAndPricesAreNamed() {
    String base = "    vendor: openai\n    model: qwen\n    base-url: http://127.0.0.1:1/v1\n    key-env: none\n";
    assertTrue(error(base + "    headers: {Authorization: Bearer x}\n")
        .contains("key 'models.worker.headers.Authorization' carries credentials"), error(base
            + "    headers: {Authorization: Bearer x}\n"));
    assertTrue(error(base + "    headers: {\"bad name\": x}\n").contains("is not a header name"));
    assertTrue(error(base + "    price: {input: 0.5}\n").contains("key 'models.worker.price.output' is missing"));
    assertTrue(error(base + "    price: {input: -1, output: 1}\n")
        .contains("key 'models.worker.price.input' is -1: expected dollars per million tokens, 0 or more"));
    assertTrue(error(base + "    price: {input: cheap, output: 1}\n").contains("is 'cheap'"));
  }

  @Test
  void badCompatibleSettingsAreNamedWithWhatIsExpected() {
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    key-env: none\n")
        .contains("key 'models.worker.key-env' is none without base-url"));
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    auth: basic\n")
        .contains("key 'models.worker.auth' is 'basic': expected bearer or header:<name>"));
    assertTrue(error("    vendor: openai\n    model: gpt-5\n    vendor-name: My Server\n")
        .contains("key 'models.worker.vendor-name' is 'My Server'"));
    assertTrue(error("    vendor: anthropic\n    model: claude-sonnet-4-5\n    token-limit-field: max_tokens\n")
        .contains("key 'models.worker.token-limit-field' is 'max_tokens' for vendor anthropic"));
    assertTrue(error("    vendor: openai\n    model: qwen\n    base-url: http://127.0.0.1:1/v1\n    key-env: none\n"
        + "    auth: bearer\n").contains("key 'models.worker.auth' is set but key-env is none"));
  }
}

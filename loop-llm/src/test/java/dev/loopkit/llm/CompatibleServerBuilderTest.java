package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.body;
import static dev.loopkit.llm.WireFixtures.json;
import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Usage;
import java.math.BigDecimal;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/** The builder settings a compatible server needs: auth style, extra headers, vendor name, fallback price. */
class CompatibleServerBuilderTest extends MockServerTest {
  private static final String KEY = "sk-COMPAT-DISTINCTIVE-51ab77";
  private static final String COMPLETION = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"local-qwen\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0}}";
  private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
      + "\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\","
      + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}";

  private OpenAiClient.Builder openAi() {
    return OpenAiClient.builder().apiKey(KEY).baseUrl(server.url("/v1").toString()).retryPolicy(retries(sleeper, 0));
  }

  @Test
  void theKeyGoesInTheNamedHeaderAloneAndIsRedactedFromErrors() throws Exception {
    server.enqueue(json(401, "{\"error\":{\"message\":\"Access denied: key " + KEY + " is not valid\","
        + "\"type\":\"invalid_request_error\",\"code\":\"401\"}}"));
    OpenAiClient azure = openAi().apiKeyHeader("api-key").vendor("azure-openai").build();

    ModelException e = assertThrows(ModelException.class, () -> azure.send(simpleRequest("gpt-4.1")));

    RecordedRequest sent = server.takeRequest();
    assertEquals(KEY, sent.getHeader("api-key"));
    assertNull(sent.getHeader("Authorization"));
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertTrue(e.getMessage().contains("[redacted]"), e.getMessage());
    assertFalse(azure.toString().contains(KEY), azure.toString());
    assertTrue(azure.toString().contains("in api-key"), azure.toString());
  }

  @Test
  void anthropicCanSendABearerTokenInsteadOfXApiKey() throws Exception {
    server.enqueue(json(200, MESSAGE));
    AnthropicClient client = AnthropicClient.builder().apiKey(KEY).bearerAuth().baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 0)).build();

    client.send(simpleRequest("claude-sonnet-4-5"));

    RecordedRequest sent = server.takeRequest();
    assertEquals("Bearer " + KEY, sent.getHeader("Authorization"));
    assertNull(sent.getHeader("x-api-key"));
    assertEquals(AnthropicClient.API_VERSION, sent.getHeader("anthropic-version"));
  }

  @Test
  void aServerWithoutAuthGetsNoCredentialHeaderButItsExtraHeaders() throws Exception {
    server.enqueue(json(200, COMPLETION));
    OpenAiClient local = openAi().noApiKey().header("HTTP-Referer", "https://loopkit.dev")
        .tokenLimitField(OpenAiClient.TokenLimitField.MAX_TOKENS).vendor("llama.cpp").build();

    local.send(simpleRequest("local-qwen"));

    RecordedRequest sent = server.takeRequest();
    assertNull(sent.getHeader("Authorization"));
    assertEquals("https://loopkit.dev", sent.getHeader("HTTP-Referer"));
    assertEquals(4096, body(sent).path("max_tokens").asInt());
    assertTrue(body(sent).path("max_completion_tokens").isMissingNode());
    assertEquals("llama.cpp", local.vendor());
  }

  @Test
  void anAnthropicCompatibleGatewayReportsItsOwnVendorName() {
    AnthropicClient gateway = AnthropicClient.builder().apiKey(KEY).baseUrl(server.url("/").toString())
        .vendor("moonshot").build();

    assertEquals("moonshot", gateway.vendor());
  }

  @Test
  void aFallbackPriceMetersModelsTheTableDoesNotListWhicheverTableIsSet() {
    server.enqueue(json(200, COMPLETION));
    OpenAiClient local = openAi().fallbackPrice(PriceTable.Price.perMillion(0.5, 1, 0, 0))
        .priceTable(PriceTable.builder().build()).build();

    Usage usage = local.send(simpleRequest("local-qwen")).usage();

    assertEquals(new Usage(1_000_000, 0, 0, 0, new BigDecimal("0.5")), usage);
  }

  @Test
  void badAuthAndVendorSettingsFailAtTheirSetterOrAtBuildNamingThem() {
    IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
        () -> openAi().header("api-key", "x"));
    assertTrue(header.getMessage().contains("apiKeyHeader(\"api-key\")"), header.getMessage());
    IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
        () -> openAi().apiKeyHeader("bad header"));
    assertTrue(name.getMessage().contains("'bad header'"), name.getMessage());
    IllegalArgumentException vendor = assertThrows(IllegalArgumentException.class,
        () -> AnthropicClient.builder().vendor("My Gateway"));
    assertTrue(vendor.getMessage().contains("'My Gateway'"), vendor.getMessage());
    IllegalStateException twice = assertThrows(IllegalStateException.class,
        () -> openAi().header("X-Gateway-Key", "v").apiKeyHeader("X-Gateway-Key").build());
    assertTrue(twice.getMessage().contains("'X-Gateway-Key'"), twice.getMessage());
  }
}

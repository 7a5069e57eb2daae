package dev.loopkit.llm;

import static dev.loopkit.llm.WireFixtures.json;
import static dev.loopkit.llm.WireFixtures.retries;
import static dev.loopkit.llm.WireFixtures.simpleRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.llm.WireFixtures.RecordingSleeper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A distinctive key must appear in the vendor's auth header and nowhere else. */
class ApiKeyRedactionTest {
  private static final String KEY = "sk-LOOPKIT-DISTINCTIVE-9f3b2c71e0";
  private static final Path LOG = Path.of("target", "loop-llm-test.log");

  private final MockWebServer server = new MockWebServer();
  private final RecordingSleeper sleeper = new RecordingSleeper();

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  @Test
  void theAnthropicKeyAppearsOnlyInTheXApiKeyHeader() throws Exception {
    AnthropicClient client = AnthropicClient.builder().apiKey(KEY).baseUrl(server.url("/").toString())
        .retryPolicy(retries(sleeper, 1)).build();
    server.enqueue(json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    server.enqueue(json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        + "\"message\":\"invalid x-api-key " + KEY + "\"}}"));

    checkEverywhereButTheHeader(client, r -> r.getHeader("x-api-key"), KEY);
  }

  @Test
  void theOpenAiKeyAppearsOnlyInTheBearerHeader() throws Exception {
    OpenAiClient client = OpenAiClient.builder().apiKey(KEY).baseUrl(server.url("/v1").toString())
        .retryPolicy(retries(sleeper, 1)).build();
    server.enqueue(json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
    server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\","
        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));

    checkEverywhereButTheHeader(client, r -> r.getHeader("Authorization"), "Bearer " + KEY);
  }

  private void checkEverywhereButTheHeader(HttpModelClient client, Function<RecordedRequest, String> authHeader,
      String expectedHeader) throws Exception {
    ModelRequest request = simpleRequest("some-model");
    ModelException e = assertThrows(ModelException.class, () -> client.send(request));
    assertEquals(ModelException.Kind.AUTHENTICATION, e.kind());

    for (int i = 0; i < 2; i++) {
      RecordedRequest recorded = server.takeRequest();
      assertEquals(expectedHeader, authHeader.apply(recorded));
      int headersWithKey = 0;
      for (String name : recorded.getHeaders().names()) {
        for (String value : recorded.getHeaders().values(name)) {
          if (value.contains(KEY)) {
            headersWithKey++;
          }
        }
      }
      assertEquals(1, headersWithKey, "headers of request " + i);
      assertFalse(recorded.getBody().readUtf8().contains(KEY), "request body");
    }

    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertTrue(trace.toString().contains("[redacted]"), trace.toString());
    assertFalse(trace.toString().contains(KEY), "exception message and stack trace");
    assertFalse(client.toString().contains(KEY), "client toString");
    assertFalse(ModelJson.toJson(e).toString().contains(KEY), "error as transcript JSON");
    assertFalse(ModelJson.toJson(request).toString().contains(KEY), "request as transcript JSON");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(e);
    }
    assertFalse(new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1).contains(KEY), "serialized exception");

    String log = Files.readString(LOG, StandardCharsets.UTF_8);
    assertTrue(log.contains("retrying in"), "the retry was logged, so the log was written");
    assertFalse(log.contains(KEY), "log file");
  }
}

package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter as an application uses it: a Spring Boot application with no Loop code of its own, a Markdown batch
 * of two tickets (SB-2 blocked by SB-1) over a real git repository, the command agent {@code tools/agent.sh} as
 * the worker, every ticket's processes in bubblewrap. The run ends DONE with both tickets merged on main; then
 * Actuator's {@code /actuator/loop}, {@code /actuator/loop/run-001} and {@code /actuator/health}, read over real
 * HTTP on loopback, and the Micrometer registry say so.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LoopStarterEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestProject project;

  @DynamicPropertySource
  static void loop(DynamicPropertyRegistry registry) throws IOException {
    project = TestProject.create(Files.createTempDirectory("loop-starter-e2e"))
        .ticket("SB-1", "write the first file", null)
        .ticket("SB-2", "write the second file", "SB-1");
    project.properties().forEach((k, v) -> registry.add(k, () -> v));
    registry.add("management.endpoints.web.exposure.include", () -> "health,loop");
    registry.add("management.endpoint.health.show-details", () -> "always");
    registry.add("server.address", () -> "127.0.0.1");
  }

  @Autowired
  LoopRuns runs;

  @Autowired
  MeterRegistry meters;

  @Value("${local.server.port}")
  int port;

  @Test
  void aMarkdownBatchRunsToDoneAndActuatorSaysSo() throws Exception {
    LoopRun run = runs.start();
    RunResult result = run.await(Duration.ofMinutes(5)).orElseThrow(() -> new AssertionError("the run is still going"));

    assertThat(result.ending().kind()).as(result.ending().describe()).isEqualTo(RunEnding.Kind.DONE);
    assertThat(project.status("SB-1")).isEqualTo("done");
    assertThat(project.status("SB-2")).isEqualTo("done");
    assertThat(project.onMain("out/SB-1.txt")).isEqualTo("done SB-1");
    assertThat(project.onMain("out/SB-2.txt")).isEqualTo("done SB-2");
    assertThat(result.runDirectory()).isEqualTo(project.runs.resolve("run-001"));

    JsonNode listed = get("/actuator/loop");
    assertThat(listed.path("directory").asText()).isEqualTo(project.runs.toString());
    assertThat(listed.path("active").isNull()).isTrue();
    JsonNode first = listed.path("runs").path(0);
    assertThat(first.path("runId").asText()).isEqualTo("run-001");
    assertThat(first.path("state").asText()).isEqualTo("DONE");
    assertThat(first.path("tickets").asInt()).isEqualTo(2);
    assertThat(first.path("done").asInt()).isEqualTo(2);
    assertThat(first.path("interventions").asInt()).isZero();

    JsonNode detail = get("/actuator/loop/run-001");
    assertThat(detail.path("tickets").findValuesAsText("id")).containsExactlyInAnyOrder("SB-1", "SB-2");
    assertThat(detail.path("tickets").findValuesAsText("outcome")).containsOnly("done");

    JsonNode health = get("/actuator/health");
    JsonNode loop = health.path("components").path("loop");
    assertThat(loop.path("status").asText()).isEqualTo("UP");
    assertThat(loop.path("details").path("run").asText()).isEqualTo("run-001");
    assertThat(loop.path("details").path("state").asText()).isEqualTo("DONE");

    // loop-micrometer's listener was handed to the engine by the starter
    assertThat(meters.get("loop.runs.ended").tag("ending", "done").counter().count()).isEqualTo(1.0);
    assertThat(meters.get("loop.tickets").tag("outcome", "done").counter().count()).isEqualTo(2.0);
  }

  private JsonNode get(String path) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).GET().build();
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path root() {
    return project.root;
  }
}

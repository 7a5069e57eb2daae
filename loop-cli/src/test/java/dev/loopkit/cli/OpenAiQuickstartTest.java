package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quickstart through the real OpenAI-compatible client: a loopback server answers each Chat Completions
 * request with the next step of the recorded conversation of that ticket, attempt and role, in OpenAI's wire
 * format, so every model call of the run crosses HTTP (request encoding, auth header, response and usage
 * decoding, pricing).
 */
class OpenAiQuickstartTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-test-loopback-7c1f0e2d9a";
  private static final Pattern WORKER = Pattern.compile("^# Ticket (\\S+):[\\s\\S]*This is attempt (\\d+) ");
  // the reviewer's prompt names the attempt first and the ticket inside its fenced data: group 1 the ticket
  private static final Pattern REVIEW = Pattern.compile(
      "^(?=[\\s\\S]*?\\nTicket (\\S+):)# Review the change made for a ticket \\(attempt (\\d+)\\)");

  @TempDir
  Path dir;

  private final MockWebServer server = new MockWebServer();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  @Test
  void theQuickstartRunsToDoneThroughTheOpenAiClientOnLoopback() throws Exception {
    Path project = Cli.quickstart(dir);
    Path scripts = project.resolve("scripts");
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request, scripts);
      }
    });
    server.start();
    String base = server.url("/v1").toString();
    String yaml = Files.readString(project.resolve("loop.yaml"));
    yaml = yaml.replaceAll("(?s)models:.*?\nworker:", "models:\n"
        + "  worker:\n    vendor: openai\n    model: gpt-5\n    base-url: " + base + "\n"
        + "  reviewer:\n    vendor: openai\n    model: gpt-5-mini\n    base-url: " + base + "\n\nworker:");
    Files.writeString(project.resolve("loop.yaml"), yaml);

    Cli run = Cli.run(Map.of("OPENAI_API_KEY", KEY), "run", project.toString());

    assertEquals(List.of(), problems);
    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    // 8 tickets, 10 worker attempts (QS-3 twice, QS-4 deferred once), each several turns, plus 9 reviews
    assertTrue(server.getRequestCount() > 40, "requests: " + server.getRequestCount());
    assertTrue(authorizations.stream().allMatch(("Bearer " + KEY)::equals), authorizations.toString());
    assertTrue(run.out.contains("cost $0."), run.out);
    try (Stream<Path> files = Files.walk(project.resolve(".loop"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(f).contains(KEY), "the API key leaked into " + f);
      }
    }
    assertFalse(run.out.contains(KEY) || run.err.contains(KEY));
  }

  private MockResponse answer(RecordedRequest request, Path scripts) {
    authorizations.add(String.valueOf(request.getHeader("Authorization")));
    try {
      JsonNode body = JSON.readTree(request.getBody().readUtf8());
      JsonNode messages = body.path("messages");
      String first = "";
      int assistantTurns = 0;
      for (JsonNode m : messages) {
        if (first.isEmpty() && m.path("role").asText().equals("user")) {
          first = m.path("content").asText();
        }
        if (m.path("role").asText().equals("assistant")) {
          assistantTurns++;
        }
      }
      Matcher worker = WORKER.matcher(first);
      Matcher review = REVIEW.matcher(first);
      Path folder;
      Matcher m;
      if (worker.find()) {
        folder = scripts.resolve("worker");
        m = worker;
      } else if (review.find()) {
        folder = scripts.resolve("reviewer");
        m = review;
      } else {
        return fail("a request that is neither a worker's nor a reviewer's: " + first);
      }
      List<JsonNode> steps = steps(folder, m.group(1), Integer.parseInt(m.group(2)));
      if (assistantTurns >= steps.size()) {
        return fail("no step " + (assistantTurns + 1) + " for " + m.group(1) + " attempt " + m.group(2));
      }
      JsonNode step = steps.get(assistantTurns);
      String expect = step.path("expect").path("last_message_contains").asText("");
      String last = messages.get(messages.size() - 1).path("content").asText();
      if (!last.contains(expect)) {
        return fail(m.group(1) + " attempt " + m.group(2) + " step " + (assistantTurns + 1) + " expected '" + expect
            + "' in the last message, got: " + last);
      }
      return new MockResponse().setHeader("Content-Type", "application/json")
          .setBody(JSON.writeValueAsString(chatCompletion(step.path("response"), body.path("model").asText(),
              assistantTurns)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private MockResponse fail(String problem) {
    problems.add(problem);
    return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
        .setBody("{\"error\":{\"message\":\"test server: " + problem.replace('"', '\'').replace('\n', ' ')
            + "\",\"type\":\"invalid_request_error\"}}");
  }

  private static List<JsonNode> steps(Path folder, String ticket, int attempt) throws IOException {
    for (String name : List.of(ticket + "-attempt-" + attempt + ".jsonl", ticket + ".jsonl", "default.jsonl")) {
      Path f = folder.resolve(name);
      if (Files.isRegularFile(f)) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
          JsonNode n = JSON.readTree(line);
          if (n.path("type").asText().equals("response")) {
            out.add(n);
          }
        }
        return out;
      }
    }
    return List.of();
  }

  /** A recorded response in OpenAI's Chat Completions shape (non-streaming). */
  private static ObjectNode chatCompletion(JsonNode response, String model, int turn) throws IOException {
    ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-loopback-" + turn).put("object", "chat.completion")
        .put("created", 1767225600).put("model", model);
    ObjectNode message = JSON.createObjectNode().put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = JSON.createArrayNode();
    int n = 0;
    for (JsonNode block : response.path("content")) {
      if (block.path("type").asText().equals("text")) {
        text.append(block.path("text").asText());
      } else if (block.path("type").asText().equals("tool_use")) {
        n++;
        ObjectNode call = calls.addObject().put("id", "call_" + turn + "_" + n).put("type", "function");
        call.putObject("function").put("name", block.path("name").asText())
            .put("arguments", JSON.writeValueAsString(block.path("input")));
      }
    }
    if (text.length() > 0) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    if (n > 0) {
      message.set("tool_calls", calls);
    }
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    choice.set("message", message);
    choice.put("finish_reason", n > 0 ? "tool_calls" : "stop");
    JsonNode u = response.path("usage");
    long prompt = u.path("input_tokens").asLong() + u.path("cache_read_input_tokens").asLong();
    long completion = u.path("output_tokens").asLong();
    ObjectNode usage = out.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    usage.putObject("prompt_tokens_details").put("cached_tokens", u.path("cache_read_input_tokens").asLong());
    return out;
  }
}

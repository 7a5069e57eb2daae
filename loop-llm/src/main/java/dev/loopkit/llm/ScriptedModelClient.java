package dev.loopkit.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ModelClient} that answers from a script instead of a vendor: for tests of every model-driven
 * part and for the offline quickstart. Each call consumes the next step, in order. A step is a response
 * (text, tool calls, anything a vendor could send), an error, or a stream that fails part-way. Every request
 * is captured for assertions ({@link #requests()}).
 *
 * <pre>{@code
 * ScriptedModelClient model = ScriptedModelClient.builder()
 *     .callTool("read_file", "{\"path\":\"README.md\"}")
 *     .expectLastMessage("the read_file result", m -> !m.content().isEmpty())
 *     .respondText("The README says hello.")
 *     .build();
 * }</pre>
 *
 * <p>A step may carry an expectation about the request that consumes it; a request that does not meet it
 * fails with an {@link InputException} naming the step, the expectation and the request's last message.
 * When the script runs out, the next call fails with an {@link InputException} naming the step number and
 * where the script came from. Scripted {@link ModelException}s are thrown as scripted, so retry and error
 * paths can be exercised.
 *
 * <p>{@link #stream} delivers each block as deltas of at most {@link Builder#streamChunk} characters, then
 * the finished block, as a vendor client does.
 *
 * <p>{@link #fromTranscript(Path)} reads a script from a file: JSON Lines, one step per line, or a JSON
 * array of the same steps (or an object with a {@code "steps"} array). Lines are in {@link ModelJson}'s shape:
 * <pre>{@code
 * {"type":"response","response":{"content":[{"type":"tool_use","name":"write_file","input":{"path":"a.txt","content":"hi"}}]}}
 * {"type":"error","error":{"kind":"RATE_LIMITED","message":"slow down","retry_after_ms":1000}}
 * {"type":"response","response":{"content":"Done."},"expect":{"last_message_contains":"wrote a.txt"}}
 * }</pre>
 * Lines of any other {@code type} (a recorded transcript's requests, tool runs, notes) are skipped, so a
 * transcript a worker recorded replays as is. A {@code tool_use} block without an {@code id} gets one.
 * Supported expectations: {@code last_message_contains} (a string found in the last message's text or
 * tool results), {@code system_contains} (a string found in the request's system prompt, e.g. a line a
 * harness prompt file adds), {@code model} (the request's model), {@code tools_include} (names of tools the
 * request must declare).
 *
 * <p>Usage is replayed as recorded, {@code unmetered_calls} and {@code usage_reported} included: a replay
 * spends nothing, so a step that records no usage is free and metered, and recorded costs are kept. With
 * {@link Builder#priceTable}, a step that records tokens but no cost is priced as a vendor client prices
 * it: metered when the table has the model's price, unmetered when it has not; a recording whose server
 * reported no usage ({@code "usage_reported":false}) stays unmetered.
 *
 * <p>Thread-safe: concurrent calls consume distinct steps.
 */
public final class ScriptedModelClient implements ModelClient {
  private static final String DEFAULT_MODEL = "scripted";

  private final List<Step> steps;
  private final String source;
  private final int streamChunk;
  private final @Nullable PriceTable prices;
  private final List<ModelRequest> requests = new ArrayList<>();
  private int next;

  private ScriptedModelClient(Builder b) {
    this.steps = List.copyOf(b.steps);
    this.source = b.source;
    this.streamChunk = b.streamChunk;
    this.prices = b.prices;
  }

  /**
   * An empty script; add steps in the order the requests will arrive.
   *
   * @return a builder with no steps, no price table and 16-character stream chunks
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A client replaying the steps of a transcript file (see the class documentation for the format).
   *
   * @param file the transcript file, UTF-8
   * @return a client that answers the file's steps in order
   * @throws InputException when the file cannot be read or a line is malformed; the message names the file
   *     and line
   */
  public static ScriptedModelClient fromTranscript(Path file) {
    return transcriptBuilder(file).build();
  }

  /**
   * A builder preloaded with a transcript's steps, to add settings (price table, chunk size) or more steps.
   *
   * @param file the transcript file, UTF-8
   * @return a builder holding the file's steps, whose source is the file
   * @throws InputException when the file cannot be read or is malformed; the message names the file
   */
  public static Builder transcriptBuilder(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InputException("cannot read model transcript " + file + ": " + e.getMessage(), e);
    }
    Builder b = new Builder();
    b.source = file.toString();
    JsonNode document = singleDocument(text.strip());
    if (document != null && (document.isArray() || document.has("steps"))) {
      JsonNode stepsNode = document.isArray() ? document : document.path("steps");
      if (!stepsNode.isArray()) {
        throw new InputException("model transcript " + file + " has a \"steps\" field that is not an array, got "
            + ModelJson.brief(stepsNode));
      }
      for (int i = 0; i < stepsNode.size(); i++) {
        b.addStepFromJson(stepsNode.get(i), file + " steps[" + i + "]");
      }
    } else {
      String[] lines = text.split("\r?\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].strip();
        if (!line.isEmpty()) {
          String where = file + " line " + (i + 1);
          b.addStepFromJson(parse(line, where), where);
        }
      }
    }
    if (b.steps.isEmpty()) {
      throw new InputException("model transcript " + file
          + " holds no response or error steps; expected lines like {\"type\":\"response\",\"response\":{...}}");
    }
    return b;
  }

  @Override
  public ModelResponse send(ModelRequest request) {
    Step step = take(request);
    if (step.error != null) {
      throw step.error;
    }
    return finish(step, request);
  }

  @Override
  public ModelResponse stream(ModelRequest request, StreamListener listener) {
    Step step = take(request);
    if (step.response == null) {
      Objects.requireNonNull(step.error);
      if (!step.partialText.isEmpty()) {
        StreamReplay.text(0, step.partialText, listener, streamChunk);
      }
      throw step.error;
    }
    ModelResponse response = finish(step, request);
    StreamReplay.replay(response, listener, streamChunk);
    return response;
  }

  @Override
  public String vendor() {
    return "scripted";
  }

  /**
   * Every request received so far, in order, including those whose step failed.
   *
   * @return an immutable copy of the requests, oldest first; empty before the first call
   */
  public synchronized List<ModelRequest> requests() {
    return List.copyOf(requests);
  }

  /**
   * The newest request received.
   *
   * @return the request of the newest call
   * @throws IllegalStateException when no request has been received yet
   */
  public synchronized ModelRequest lastRequest() {
    if (requests.isEmpty()) {
      throw new IllegalStateException("the scripted model has received no request yet");
    }
    return requests.get(requests.size() - 1);
  }

  /**
   * How many steps have not been consumed yet.
   *
   * @return the steps left; 0 once the script is used up
   */
  public synchronized int remainingSteps() {
    return steps.size() - next;
  }

  /**
   * Where the script came from: a transcript file, or "builder".
   *
   * @return the transcript file's path, or {@code builder} for a script built in code
   */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "ScriptedModelClient{source=" + source + ", steps=" + steps.size() + "}";
  }

  private synchronized Step take(ModelRequest request) {
    Objects.requireNonNull(request, "request");
    requests.add(request);
    if (next >= steps.size()) {
      throw new InputException("scripted model has no step " + (next + 1) + ": the script from " + source
          + " has " + steps.size() + " step(s) and all were used; request " + requests.size()
          + " ended with: " + describe(request.lastMessage()));
    }
    Step step = steps.get(next++);
    for (Expectation e : step.expectations) {
      if (!e.test.test(request)) {
        throw new InputException("scripted model step " + step.number + " (" + step.where + ") expected "
            + e.description + ", but request " + requests.size() + " ended with: "
            + describe(request.lastMessage()));
      }
    }
    return step;
  }

  private ModelResponse finish(Step step, ModelRequest request) {
    ModelResponse r = Objects.requireNonNull(step.response);
    ModelResponse.Builder b = r.toBuilder();
    if (r.model().isEmpty()) {
      b.model(request.model());
    }
    if (r.id().isEmpty()) {
      b.id("scripted_" + step.number);
    }
    String model = r.model().isEmpty() ? request.model() : r.model();
    Usage recorded = r.usage();
    if (!r.usageReported() && recorded.isMetered()) {
      b.usage(Usage.unmetered(recorded)); // a recording of a server that reported nothing stays unmetered
    } else if (prices != null && r.usageReported() && recorded.isMetered() && recorded.costUsd().signum() == 0
        && recorded.totalTokens() > 0) {
      b.usage(prices.price(model, recorded));
    }
    return b.build();
  }

  private static String describe(Message message) {
    StringBuilder sb = new StringBuilder(message.role().name().toLowerCase(java.util.Locale.ROOT)).append(" '");
    sb.append(abbreviate(searchableText(message))).append('\'');
    return sb.toString();
  }

  /** The text of a message, tool results included, as expectations search it. */
  static String searchableText(Message message) {
    StringBuilder sb = new StringBuilder();
    for (ContentBlock block : message.content()) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      if (block instanceof ContentBlock.Text) {
        sb.append(((ContentBlock.Text) block).text());
      } else if (block instanceof ContentBlock.ToolResult) {
        ContentBlock.ToolResult r = (ContentBlock.ToolResult) block;
        sb.append(r.isError() ? "[tool error] " : "[tool result] ").append(r.content());
      } else if (block instanceof ContentBlock.ToolUse) {
        sb.append("[tool use ").append(((ContentBlock.ToolUse) block).name()).append(']');
      }
    }
    return sb.toString();
  }

  private static String abbreviate(String s) {
    String flat = s.replace('\n', ' ');
    return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
  }

  /** The text as one JSON document (an array, or an object with "steps"), or null when it is not one. */
  private static @Nullable JsonNode singleDocument(String text) {
    if (!text.startsWith("[") && !text.startsWith("{")) {
      return null;
    }
    try (com.fasterxml.jackson.core.JsonParser p = ModelJson.mapper().createParser(text)) {
      JsonNode node = p.readValueAsTree();
      return p.nextToken() == null ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static JsonNode parse(String json, String where) {
    try {
      return ModelJson.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new InputException("model transcript " + where + " is not valid JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  private static final class Expectation {
    final String description;
    final Predicate<ModelRequest> test;

    Expectation(String description, Predicate<ModelRequest> test) {
      this.description = description;
      this.test = test;
    }
  }

  private static final class Step {
    final int number;
    final String where;
    final @Nullable ModelResponse response;
    final @Nullable ModelException error;
    final String partialText;
    final List<Expectation> expectations;

    Step(int number, String where, @Nullable ModelResponse response, @Nullable ModelException error,
        String partialText, List<Expectation> expectations) {
      this.number = number;
      this.where = where;
      this.response = response;
      this.error = error;
      this.partialText = partialText;
      this.expectations = List.copyOf(expectations);
    }
  }

  /**
   * Builds a {@link ScriptedModelClient}. Steps are consumed in the order they are added. Expectations added
   * with the {@code expect...} methods apply to the next step added.
   */
  public static final class Builder {
    private final List<Step> steps = new ArrayList<>();
    private final List<Expectation> pending = new ArrayList<>();
    private String source = "builder";
    private int streamChunk = 16;
    private @Nullable PriceTable prices;

    private Builder() {}

    /**
     * Answers the next request with this response (a missing id or model is filled in when it is sent).
     *
     * @param response the response to replay
     * @return this builder
     */
    public Builder respond(ModelResponse response) {
      return add(Objects.requireNonNull(response, "response"), null, "");
    }

    /**
     * Answers with one text block and stop reason {@code end_turn}.
     *
     * @param text the answer's text
     * @return this builder
     */
    public Builder respondText(String text) {
      return respond(ModelResponse.builder().addContent(new ContentBlock.Text(text)).build());
    }

    /**
     * Answers with one call of {@code tool}, its arguments given as a JSON object text; stop reason
     * {@code tool_use}. The call's id is {@code toolu_scripted_N_1} for step N.
     *
     * @param tool the name of the tool the model calls
     * @param jsonInput the call's arguments, a JSON object such as <code>{"path":"a.txt"}</code>
     * @return this builder
     * @throws IllegalArgumentException when {@code jsonInput} is not a JSON object
     */
    public Builder callTool(String tool, String jsonInput) {
      return callTools(List.of(toolUse(steps.size() + 1, 1, tool, jsonInput)));
    }

    /**
     * Answers with these tool calls, in order (parallel calls), after an optional text; stop reason tool_use.
     *
     * @param calls the tool calls, at least one
     * @return this builder
     * @throws IllegalArgumentException when {@code calls} is empty
     */
    public Builder callTools(List<ContentBlock.ToolUse> calls) {
      if (calls.isEmpty()) {
        throw new IllegalArgumentException("callTools needs at least one tool call");
      }
      ModelResponse.Builder b = ModelResponse.builder().stopReason(StopReason.TOOL_USE);
      calls.forEach(b::addContent);
      return respond(b.build());
    }

    /**
     * A tool call for {@link #callTools}, its arguments given as a JSON object text.
     *
     * @param id the call's id, which the tool result must echo
     * @param tool the name of the tool called
     * @param jsonInput the call's arguments, a JSON object text
     * @return the tool-use block
     * @throws IllegalArgumentException when {@code jsonInput} is not a JSON object
     */
    public static ContentBlock.ToolUse toolUse(String id, String tool, String jsonInput) {
      JsonNode input;
      try {
        input = ModelJson.mapper().readTree(jsonInput);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("arguments of scripted call to '" + tool
            + "' are not valid JSON: " + e.getOriginalMessage(), e);
      }
      if (input == null || !input.isObject()) {
        throw new IllegalArgumentException("arguments of scripted call to '" + tool
            + "' must be a JSON object, got " + jsonInput);
      }
      return new ContentBlock.ToolUse(id, tool, input);
    }

    private static ContentBlock.ToolUse toolUse(int step, int n, String tool, String jsonInput) {
      return toolUse("toolu_scripted_" + step + "_" + n, tool, jsonInput);
    }

    /**
     * Fails the next request with this error (thrown before any stream event).
     *
     * @param error the error {@link ModelClient#send} and {@link ModelClient#stream} throw
     * @return this builder
     */
    public Builder fail(ModelException error) {
      return add(null, Objects.requireNonNull(error, "error"), "");
    }

    /**
     * Fails the next request part-way through a stream: {@link ModelClient#stream} first delivers
     * {@code partialText} as text deltas, then throws {@code error}; {@link ModelClient#send} just throws.
     *
     * @param partialText the text streamed before the failure; may be empty
     * @param error the error thrown after it
     * @return this builder
     */
    public Builder failMidStream(String partialText, ModelException error) {
      return add(null, Objects.requireNonNull(error, "error"), Objects.requireNonNull(partialText, "partialText"));
    }

    /**
     * Requires the request consuming the next step to satisfy {@code test}; {@code description} says what.
     *
     * @param description what the request must be like, quoted when it is not
     * @param test the condition on the request
     * @return this builder
     */
    public Builder expect(String description, Predicate<ModelRequest> test) {
      pending.add(new Expectation(Objects.requireNonNull(description, "description"),
          Objects.requireNonNull(test, "test")));
      return this;
    }

    /**
     * Requires the next step's request to end with a message satisfying {@code test}.
     *
     * @param description what the last message must be like, quoted when it is not
     * @param test the condition on the request's last message
     * @return this builder
     */
    public Builder expectLastMessage(String description, Predicate<Message> test) {
      Objects.requireNonNull(test, "test");
      return expect(description, r -> test.test(r.lastMessage()));
    }

    /**
     * Requires the next step's request to end with a message whose text or tool results contain
     * {@code fragment}.
     *
     * @param fragment the text the last message must contain
     * @return this builder
     */
    public Builder expectLastMessageContains(String fragment) {
      Objects.requireNonNull(fragment, "fragment");
      return expectLastMessage("the last message to contain '" + fragment + "'",
          m -> searchableText(m).contains(fragment));
    }

    /**
     * Prices scripted usage that records tokens but no cost, as a vendor client with a price table would: a
     * model the table does not price makes such a step unmetered. Without a table (the default) usage is
     * replayed exactly as recorded.
     *
     * @param prices the table pricing the scripted model's usage
     * @return this builder
     */
    public Builder priceTable(PriceTable prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /**
     * The size, in characters, of the deltas {@link #stream} delivers; at least 1, default 16.
     *
     * @param characters at least 1
     * @return this builder
     * @throws IllegalArgumentException when {@code characters} is below 1
     */
    public Builder streamChunk(int characters) {
      if (characters < 1) {
        throw new IllegalArgumentException("streamChunk must be at least 1 character, got " + characters);
      }
      this.streamChunk = characters;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client, which consumes a copy of the steps added so far
     * @throws IllegalStateException when an expectation was added after the last step (it would apply to no
     *     step)
     */
    public ScriptedModelClient build() {
      if (!pending.isEmpty()) {
        throw new IllegalStateException("expectation '" + pending.get(0).description
            + "' was added after the last step; add expectations before the step they apply to");
      }
      return new ScriptedModelClient(this);
    }

    private Builder add(@Nullable ModelResponse response, @Nullable ModelException error, String partial) {
      int number = steps.size() + 1;
      steps.add(new Step(number, source.equals("builder") ? "step " + number + " of the builder" : source,
          response, error, partial, pending));
      pending.clear();
      return this;
    }

    private void addStepFromJson(JsonNode line, String where) {
      if (!line.isObject()) {
        throw new InputException("model transcript " + where + " must be a JSON object, got "
            + ModelJson.brief(line));
      }
      String type = line.path("type").asText("");
      boolean hasResponse = line.has("response");
      boolean hasError = line.has("error");
      if (type.isEmpty() && !hasResponse && !hasError) {
        throw new InputException("model transcript " + where
            + " has neither \"type\" nor a \"response\" or \"error\" field; expected a step like"
            + " {\"type\":\"response\",\"response\":{...}}");
      }
      boolean isResponse = type.equals("response") || (type.isEmpty() && hasResponse);
      boolean isError = type.equals("error") || (type.isEmpty() && hasError);
      if (!isResponse && !isError) {
        return; // a recorded request, tool run or note: not a step
      }
      addExpectationsFromJson(line.path("expect"), where);
      int number = steps.size() + 1;
      if (isResponse) {
        ModelResponse parsed = ModelJson.response(withToolIds(line.path("response"), number), where);
        steps.add(new Step(number, where, parsed, null, "", pending));
      } else {
        ModelException error = ModelJson.error(line.path("error"), where + " error");
        steps.add(new Step(number, where, null, error, line.path("partial_text").asText(""), pending));
      }
      pending.clear();
    }

    private static JsonNode withToolIds(JsonNode response, int step) {
      if (!response.isObject() || !response.path("content").isArray()) {
        return response;
      }
      ObjectNode copy = response.deepCopy();
      int n = 0;
      for (JsonNode block : copy.path("content")) {
        if ("tool_use".equals(block.path("type").asText()) && block.isObject()) {
          n++;
          if (!block.path("id").isTextual()) {
            ((ObjectNode) block).put("id", "toolu_scripted_" + step + "_" + n);
          }
        }
      }
      return copy;
    }

    private void addExpectationsFromJson(JsonNode expect, String where) {
      if (expect.isMissingNode() || expect.isNull()) {
        return;
      }
      if (!expect.isObject()) {
        throw new InputException("\"expect\" at " + where + " must be a JSON object, got " + ModelJson.brief(expect));
      }
      for (var field : expect.properties()) {
        JsonNode v = field.getValue();
        switch (field.getKey()) {
          case "last_message_contains":
            expectLastMessageContains(requireText(v, "last_message_contains", where));
            break;
          case "system_contains": {
            String fragment = requireText(v, "system_contains", where);
            expect("the system prompt to contain '" + fragment + "'", r -> r.system().contains(fragment));
            break;
          }
          case "model": {
            String model = requireText(v, "model", where);
            expect("model '" + model + "'", r -> r.model().equals(model));
            break;
          }
          case "tools_include": {
            if (!v.isArray()) {
              throw new InputException("\"expect.tools_include\" at " + where
                  + " must be an array of tool names, got " + ModelJson.brief(v));
            }
            List<String> names = new ArrayList<>();
            v.forEach(x -> names.add(requireText(x, "tools_include[]", where)));
            expect("the tools to include " + names,
                r -> r.tools().stream().map(ToolSpec::name).collect(java.util.stream.Collectors.toSet())
                    .containsAll(names));
            break;
          }
          default:
            throw new InputException("unknown expectation '" + field.getKey() + "' at " + where
                + "; expected last_message_contains, system_contains, model or tools_include");
        }
      }
    }

    private static String requireText(JsonNode v, String name, String where) {
      if (!v.isTextual()) {
        throw new InputException("\"expect." + name + "\" at " + where + " must be a string, got "
            + ModelJson.brief(v));
      }
      return v.asText();
    }
  }
}

package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelClient} for Anthropic's Messages API ({@code POST /v1/messages}), streamed or not.
 *
 * <pre>{@code
 * ModelClient claude = AnthropicClient.builder()      // key from ANTHROPIC_API_KEY
 *     .retryPolicy(RetryPolicy.defaults())
 *     .build();
 * ModelResponse r = claude.send(ModelRequest.builder()
 *     .model("claude-sonnet-4-5").system("You fix bugs.").addMessage(Message.user("Hello")).build());
 * }</pre>
 *
 * <p>The key is sent only in {@code x-api-key}, with {@code anthropic-version: 2023-06-01}. Prompt caching is
 * on by default: {@code cache_control} breakpoints mark the last tool, the system prompt and the newest turn,
 * so each round trip of an agent loop reads the conversation so far from the cache
 * ({@link Builder#promptCaching(boolean)} turns it off). Thinking blocks are sent back unchanged. Content
 * blocks of types this client does not model (server-tool calls and results, compaction, types added later)
 * are kept as {@link ContentBlock.Opaque} blocks, streamed input and compaction summaries assembled, and sent
 * back verbatim, so a turn returned after {@code pause_turn} holds what the server needs; citations on text
 * are kept with the text.
 *
 * <p>Request rules the API enforces are applied before sending: a turn whose content would be empty (only
 * empty text, as after an empty {@code max_tokens} reply) is left out, since {@code "content": []} is
 * rejected and the API merges the same-role turns around it; a temperature above 1 (the Messages API's
 * range is 0 to 1) fails with an {@link dev.loopkit.core.InputException} naming the value, before any call.
 *
 * <p>{@link ModelRequest#reasoning()} becomes extended thinking ({@code thinking: {"type":"enabled",
 * "budget_tokens":N}}); a budget derived from an OpenAI-style effort is capped just below max tokens, and a
 * temperature with thinking fails before any call, as the API takes none. {@link ModelRequest#outputSchema()}
 * becomes a tool of the schema's name and shape that the model is made to call ({@code tool_choice} of type
 * {@code tool}, or {@code auto} with thinking, which forbids forcing a tool, or when the request has tools of
 * its own); the call comes back as a text block holding its input JSON, so the answer reads like any other.
 * Images (in a user turn or a tool result) are {@code image} blocks with a base64 source.
 *
 * <p>Thread-safe; share one client.
 */
public final class AnthropicClient extends HttpModelClient {
  /** The API version header value the client sends. */
  public static final String API_VERSION = "2023-06-01";
  private static final String VENDOR = "anthropic";

  private static final Logger LOG = LoggerFactory.getLogger(AnthropicClient.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** The Messages API documents temperature from 0.0 to 1.0. */
  private static final double MAX_TEMPERATURE = 1.0;

  /** The streamed type of the answer tool's call (no vendor type has a space). */
  private static final String ANSWER = "structured answer";
  private static final String OUTPUT_TOOL_DESCRIPTION = "Give your final answer by calling this tool: its input"
      + " is your answer, in the required shape.";

  private final boolean promptCaching;

  private AnthropicClient(Builder b) {
    super(b, VENDOR, "v1/messages");
    this.promptCaching = b.promptCaching;
  }

  /**
   * A builder with the key from {@code ANTHROPIC_API_KEY} and base URL {@code https://api.anthropic.com}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether requests carry prompt-cache breakpoints.
   *
   * @return true when cache breakpoints are marked
   */
  public boolean promptCaching() {
    return promptCaching;
  }

  @Override
  void authenticate(Request.Builder request, String apiKey) {
    request.header("x-api-key", apiKey);
  }

  @Override
  ObjectNode encode(ModelRequest request, boolean stream) {
    ObjectNode body = NODES.objectNode();
    body.put("model", request.model());
    body.put("max_tokens", request.maxTokens());
    if (!request.system().isEmpty()) {
      ObjectNode system = body.putArray("system").addObject().put("type", "text").put("text", request.system());
      if (promptCaching) {
        cache(system);
      }
    }
    ArrayNode messages = body.putArray("messages");
    for (Message m : request.messages()) {
      ArrayNode content = NODES.arrayNode();
      for (ContentBlock block : m.content()) {
        ObjectNode encoded = encodeBlock(block);
        if (encoded != null) {
          content.add(encoded);
        }
      }
      if (content.isEmpty()) {
        // A turn of only empty text (an empty max_tokens reply) would go out as "content": [], which the API
        // rejects with a 400; it is left out, and the API merges the same-role turns on either side of it.
        continue;
      }
      messages.addObject().put("role", m.role() == Message.Role.USER ? "user" : "assistant").set("content", content);
    }
    if (promptCaching) {
      markNewestTurn(messages);
    }
    int budget = thinkingBudget(request);
    OutputSchema output = request.outputSchema().orElse(null);
    if (!request.tools().isEmpty() || output != null) {
      ArrayNode tools = body.putArray("tools");
      for (ToolSpec t : request.tools()) {
        ObjectNode tool = tools.addObject().put("name", t.name());
        if (!t.description().isEmpty()) {
          tool.put("description", t.description());
        }
        tool.set("input_schema", t.inputSchema().deepCopy());
      }
      if (output != null) {
        // Anthropic's documented way to JSON output: a tool whose input is the answer, which the model must call
        tools.addObject().put("name", output.name()).put("description", OUTPUT_TOOL_DESCRIPTION)
            .set("input_schema", output.schema());
      }
      if (promptCaching) {
        cache((ObjectNode) tools.get(tools.size() - 1));
      }
      ObjectNode choice = body.putObject("tool_choice");
      if (output != null && request.tools().isEmpty() && budget == 0) {
        choice.put("type", "tool").put("name", output.name()); // extended thinking allows no forced tool
      } else {
        switch (request.toolChoice().mode()) {
          case ANY:
            choice.put("type", "any");
            break;
          case NONE:
            choice.put("type", "none");
            break;
          case TOOL:
            choice.put("type", "tool").put("name", request.toolChoice().toolName().orElseThrow());
            break;
          default:
            choice.put("type", "auto");
        }
      }
    }
    if (budget > 0) {
      body.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    }
    if (request.temperature().isPresent()) {
      double t = request.temperature().get();
      if (t > MAX_TEMPERATURE) {
        throw new InputException("temperature " + t + " of the request to anthropic " + request.model()
            + " is outside the Messages API's range 0 to 1: expected at most 1 (OpenAI's range goes to 2)");
      }
      if (budget > 0) {
        throw new InputException("temperature " + t + " of the request to anthropic " + request.model()
            + " comes with extended thinking (budget " + budget + " tokens, from reasoning effort '"
            + request.reasoning().map(Reasoning::effort).orElse("") + "'): expected no temperature with thinking");
      }
      body.put("temperature", t);
    }
    if (!request.stopSequences().isEmpty()) {
      ArrayNode stops = body.putArray("stop_sequences");
      request.stopSequences().forEach(stops::add);
    }
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  /**
   * The thinking budget to send, 0 for none: an explicit budget as given (the request's builder checked it
   * against max tokens), one derived from an effort capped just below max tokens.
   *
   * @throws InputException when a derived budget cannot fit below max tokens
   */
  private static int thinkingBudget(ModelRequest request) {
    Reasoning reasoning = request.reasoning().orElse(null);
    if (reasoning == null) {
      return 0;
    }
    int budget = reasoning.budgetOrDerived();
    if (budget == 0 || reasoning.budgetTokens() > 0) {
      return budget;
    }
    int capped = Math.min(budget, request.maxTokens() - 1);
    if (capped < Reasoning.MIN_BUDGET_TOKENS) {
      throw new InputException("reasoning effort '" + reasoning.effort() + "' of the request to anthropic "
          + request.model() + " needs a thinking budget of at least " + Reasoning.MIN_BUDGET_TOKENS
          + " tokens below max tokens " + request.maxTokens() + ": expected max tokens above "
          + Reasoning.MIN_BUDGET_TOKENS);
    }
    return capped;
  }

  private static ObjectNode image(ContentBlock.Image image) {
    ObjectNode n = NODES.objectNode().put("type", "image");
    n.putObject("source").put("type", "base64").put("media_type", image.mediaType()).put("data", image.base64());
    return n;
  }

  private static @Nullable ObjectNode encodeBlock(ContentBlock block) {
    ObjectNode n = NODES.objectNode();
    if (block instanceof ContentBlock.Text) {
      ContentBlock.Text t = (ContentBlock.Text) block;
      if (t.text().isEmpty()) {
        return null; // the API rejects empty text blocks
      }
      n.put("type", "text").put("text", t.text());
      if (!t.citations().isEmpty()) {
        ArrayNode citations = n.putArray("citations");
        t.citations().forEach(c -> citations.add(c.deepCopy()));
      }
      return n;
    }
    if (block instanceof ContentBlock.Opaque) {
      ContentBlock.Opaque o = (ContentBlock.Opaque) block;
      return o.vendor().equals(VENDOR) ? o.json() : null; // another vendor's block means nothing here
    }
    if (block instanceof ContentBlock.ToolUse) {
      ContentBlock.ToolUse u = (ContentBlock.ToolUse) block;
      n.put("type", "tool_use").put("id", u.id()).put("name", u.name());
      // arguments that did not parse are sent back as an empty object: the API accepts only objects
      n.set("input", u.input().isObject() ? u.input().deepCopy() : NODES.objectNode());
      return n;
    }
    if (block instanceof ContentBlock.ToolResult) {
      ContentBlock.ToolResult r = (ContentBlock.ToolResult) block;
      n.put("type", "tool_result").put("tool_use_id", r.toolUseId());
      if (r.images().isEmpty()) {
        n.put("content", r.content());
      } else {
        ArrayNode parts = n.putArray("content");
        if (!r.content().isEmpty()) {
          parts.addObject().put("type", "text").put("text", r.content());
        }
        r.images().forEach(i -> parts.add(image(i)));
      }
      if (r.isError()) {
        n.put("is_error", true);
      }
      return n;
    }
    if (block instanceof ContentBlock.Thinking) {
      ContentBlock.Thinking t = (ContentBlock.Thinking) block;
      return n.put("type", "thinking").put("thinking", t.thinking()).put("signature", t.signature());
    }
    if (block instanceof ContentBlock.Image) {
      return image((ContentBlock.Image) block);
    }
    return n.put("type", "redacted_thinking").put("data", ((ContentBlock.RedactedThinking) block).data());
  }

  /**
   * Puts a breakpoint on the newest message's last block of a type known to carry one (not thinking blocks,
   * nor opaque blocks such as compaction, whose rules this client does not know).
   */
  private static void markNewestTurn(ArrayNode messages) {
    if (messages.isEmpty()) {
      return;
    }
    JsonNode content = messages.get(messages.size() - 1).path("content");
    for (int i = content.size() - 1; i >= 0; i--) {
      String type = content.get(i).path("type").asText();
      if (type.equals("text") || type.equals("tool_use") || type.equals("tool_result")) {
        cache((ObjectNode) content.get(i));
        return;
      }
    }
  }

  private static void cache(ObjectNode node) {
    node.putObject("cache_control").put("type", "ephemeral");
  }

  @Override
  VendorError readError(JsonNode body) {
    JsonNode error = body.path("error");
    String code = error.path("details").path("error_code").asText("");
    return new VendorError(error.path("type").asText(""), code, error.path("message").asText(""));
  }

  @Override
  ModelResponse decode(JsonNode body, Call call) {
    if ("error".equals(body.path("type").asText()) || body.path("content").isMissingNode()) {
      if (body.has("error")) {
        throw call.error(0, readError(body), null);
      }
      throw call.malformed("expected a message with \"content\", got " + excerpt(body.toString()), null);
    }
    ModelResponse.Builder b = ModelResponse.builder().id(body.path("id").asText(""))
        .model(body.path("model").asText(call.request.model()));
    JsonNode content = body.path("content");
    if (!content.isArray()) {
      throw call.malformed("\"content\" must be an array, got " + excerpt(content.toString()), null);
    }
    String answer = outputTool(call.request);
    for (JsonNode block : content) {
      ContentBlock decoded = decodeBlock(block, call);
      if (decoded instanceof ContentBlock.ToolUse && ((ContentBlock.ToolUse) decoded).name().equals(answer)) {
        decoded = answerText(((ContentBlock.ToolUse) decoded).input());
      }
      if (decoded != null) {
        b.addContent(decoded);
      }
    }
    String stop = body.path("stop_reason").asText("");
    b.stopReason(stop.isEmpty() ? StopReason.END_TURN : StopReason.of(stop));
    JsonNode seq = body.path("stop_sequence");
    b.stopSequence(seq.isTextual() ? seq.asText() : null);
    UsageCounts usage = new UsageCounts();
    usage.update(body.path("usage"));
    return answered(b.usage(usage.toUsage()).usageReported(usage.reported).reasoningTokens(usage.thinking).build());
  }

  /** The name of the tool that carries a structured answer, or "" when the request asks for none. */
  private static String outputTool(ModelRequest request) {
    return request.outputSchema().map(OutputSchema::name).orElse("");
  }

  /** The input of the answer tool as the answer's text (the raw text when it did not parse). */
  private static ContentBlock.Text answerText(JsonNode input) {
    return new ContentBlock.Text(input.isTextual() ? input.asText() : input.toString());
  }

  /** A turn whose only tool call was the answer tool ended its turn: it waits for no tool result. */
  private static ModelResponse answered(ModelResponse response) {
    if (response.stopReason().equals(StopReason.TOOL_USE) && !response.calledTools()) {
      return response.toBuilder().stopReason(StopReason.END_TURN).build();
    }
    return response;
  }

  private static @Nullable ContentBlock decodeBlock(JsonNode block, Call call) {
    String type = block.path("type").asText("");
    switch (type) {
      case "text":
        return new ContentBlock.Text(block.path("text").asText(""), citations(block.path("citations")));
      case "tool_use": {
        JsonNode input = block.path("input");
        return new ContentBlock.ToolUse(block.path("id").asText(""), block.path("name").asText(""),
            input.isObject() ? input : NODES.objectNode());
      }
      case "thinking":
        return new ContentBlock.Thinking(block.path("thinking").asText(""), block.path("signature").asText(""));
      case "redacted_thinking":
        return new ContentBlock.RedactedThinking(block.path("data").asText(""));
      default:
        if (!block.isObject() || type.isEmpty()) {
          LOG.debug("{}: dropping a content block without a type: {}", call.what, excerpt(block.toString()));
          return null;
        }
        return new ContentBlock.Opaque(VENDOR, (ObjectNode) block);
    }
  }

  private static List<JsonNode> citations(JsonNode citations) {
    List<JsonNode> list = new ArrayList<>();
    if (citations.isArray()) {
      citations.forEach(list::add);
    }
    return list;
  }

  @Override
  ModelResponse decodeStream(SseReader events, Call call, StreamListener listener) throws IOException {
    StreamState state = new StreamState(call, listener);
    for (SseReader.Event event = events.next(); event != null; event = events.next()) {
      if (state.accept(event)) {
        return state.finish();
      }
    }
    throw call.streamBroken("stream ended before message_stop");
  }

  /** Token counts as Anthropic reports them; a later report replaces the fields it carries. */
  private static final class UsageCounts {
    long input;
    long output;
    long cacheRead;
    long cacheWrite;
    long thinking;
    /** Whether any report carried a token count. */
    boolean reported;

    void update(JsonNode usage) {
      if (!usage.isObject()) {
        return;
      }
      reported |= usage.path("input_tokens").isIntegralNumber() || usage.path("output_tokens").isIntegralNumber();
      input = value(usage, "input_tokens", input);
      output = value(usage, "output_tokens", output);
      cacheRead = value(usage, "cache_read_input_tokens", cacheRead);
      cacheWrite = value(usage, "cache_creation_input_tokens", cacheWrite);
      thinking = value(usage.path("output_tokens_details"), "thinking_tokens", thinking);
    }

    private static long value(JsonNode usage, String field, long current) {
      JsonNode v = usage.path(field);
      return v.isIntegralNumber() && v.asLong() >= 0 ? v.asLong() : current;
    }

    Usage toUsage() {
      return new Usage(input, output, cacheRead, cacheWrite, java.math.BigDecimal.ZERO);
    }
  }

  /** One block while it streams. */
  private static final class PartialBlock {
    final String type;
    final StringBuilder text = new StringBuilder();
    final List<JsonNode> citations = new ArrayList<>();
    /** The start event's block, for types kept opaque. */
    @Nullable ObjectNode opaque;
    String id = "";
    String name = "";
    String signature = "";
    String data = "";
    JsonNode startInput = NODES.objectNode();
    @Nullable ContentBlock done;

    PartialBlock(String type) {
      this.type = type;
    }
  }

  /** Assembles a message from its stream events, as the vendor's SDKs do. */
  private final class StreamState {
    private final Call call;
    private final StreamListener listener;
    private final TreeMap<Integer, PartialBlock> blocks = new TreeMap<>();
    private final UsageCounts usage = new UsageCounts();
    private String id = "";
    private String model = "";
    private StopReason stopReason = StopReason.END_TURN;
    private @Nullable String stopSequence;
    private boolean started;

    StreamState(Call call, StreamListener listener) {
      this.call = call;
      this.listener = listener;
      this.model = call.request.model();
    }

    /** Handles one event; true when the message is complete. */
    boolean accept(SseReader.Event event) {
      String name = event.name();
      if (name.equals("ping")) {
        return false;
      }
      JsonNode data = parseEvent(call, event);
      if (name.isEmpty()) {
        name = data.path("type").asText("");
      }
      switch (name) {
        case "message_start": {
          JsonNode message = data.path("message");
          id = message.path("id").asText("");
          model = message.path("model").asText(model);
          usage.update(message.path("usage"));
          call.reported(usage.toUsage());
          started = true;
          return false;
        }
        case "content_block_start":
          start(index(data), data.path("content_block"));
          return false;
        case "content_block_delta":
          delta(index(data), data.path("delta"));
          return false;
        case "content_block_stop":
          stop(index(data));
          return false;
        case "message_delta": {
          JsonNode delta = data.path("delta");
          String stop = delta.path("stop_reason").asText("");
          if (!stop.isEmpty()) {
            stopReason = StopReason.of(stop);
          }
          if (delta.path("stop_sequence").isTextual()) {
            stopSequence = delta.path("stop_sequence").asText();
          }
          usage.update(data.path("usage"));
          call.reported(usage.toUsage());
          return false;
        }
        case "message_stop":
          if (!started) {
            throw call.malformed("message_stop arrived before message_start", null);
          }
          return true;
        case "error":
          throw call.error(0, readError(data), null);
        default:
          return false; // unknown events are dropped, as the vendor's SDKs do
      }
    }

    private int index(JsonNode data) {
      JsonNode index = data.path("index");
      if (!index.canConvertToInt() || index.asInt() < 0) {
        throw call.malformed("stream event without a valid block index: " + excerpt(data.toString()), null);
      }
      return index.asInt();
    }

    private void start(int index, JsonNode block) {
      String type = block.path("type").asText("");
      if (type.equals("tool_use") && block.path("name").asText("").equals(outputTool(call.request))) {
        type = ANSWER; // the structured answer streams as text
      }
      PartialBlock partial = new PartialBlock(type);
      blocks.put(index, partial);
      switch (partial.type) {
        case "text":
          partial.text.append(block.path("text").asText(""));
          break;
        case "tool_use":
          partial.id = block.path("id").asText("");
          partial.name = block.path("name").asText("");
          if (block.path("input").isObject()) {
            partial.startInput = block.path("input");
          }
          call.deliver(listener, new StreamEvent.ToolUseStarted(index, partial.id, partial.name));
          break;
        case "thinking":
          partial.text.append(block.path("thinking").asText(""));
          partial.signature = block.path("signature").asText("");
          break;
        case "redacted_thinking":
          partial.data = block.path("data").asText("");
          break;
        default:
          if (block.isObject() && !partial.type.isEmpty()) {
            partial.opaque = ((ObjectNode) block).deepCopy();
            if (block.path("input").isObject()) {
              partial.startInput = block.path("input"); // server_tool_use and mcp_tool_use stream their input
            }
            if (partial.type.equals("compaction")) {
              partial.text.append(block.path("content").isTextual() ? block.path("content").asText() : "");
              partial.data = block.path("encrypted_content").asText("");
            }
          } else {
            LOG.debug("{}: ignoring a streamed block without a type", call.what);
          }
      }
    }

    private void delta(int index, JsonNode delta) {
      PartialBlock partial = blocks.get(index);
      if (partial == null) {
        throw call.malformed("content_block_delta for block " + index + " that never started", null);
      }
      switch (delta.path("type").asText("")) {
        case "text_delta": {
          String text = delta.path("text").asText("");
          partial.text.append(text);
          call.deliver(listener, new StreamEvent.TextDelta(index, text));
          break;
        }
        case "input_json_delta": {
          String json = delta.path("partial_json").asText("");
          partial.text.append(json);
          if (!json.isEmpty() && partial.type.equals("tool_use")) { // a server tool's input is not ours to run
            call.deliver(listener, new StreamEvent.ToolInputDelta(index, json));
          } else if (!json.isEmpty() && partial.type.equals(ANSWER)) {
            call.deliver(listener, new StreamEvent.TextDelta(index, json));
          }
          break;
        }
        case "thinking_delta": {
          String thinking = delta.path("thinking").asText("");
          partial.text.append(thinking);
          call.deliver(listener, new StreamEvent.ThinkingDelta(index, thinking));
          break;
        }
        case "signature_delta":
          partial.signature = delta.path("signature").asText("");
          break;
        case "citations_delta":
          if (delta.path("citation").isObject()) {
            partial.citations.add(delta.path("citation"));
          }
          break;
        case "compaction_delta":
          // the summary streams like text; the opaque metadata is kept as last sent, like a signature
          partial.text.append(delta.path("content").isTextual() ? delta.path("content").asText() : "");
          if (delta.path("encrypted_content").isTextual()) {
            partial.data = delta.path("encrypted_content").asText();
          }
          break;
        default:
          LOG.debug("{}: ignoring a streamed delta of type '{}'", call.what, delta.path("type").asText(""));
      }
    }

    private void stop(int index) {
      PartialBlock partial = blocks.get(index);
      if (partial == null) {
        throw call.malformed("content_block_stop for block " + index + " that never started", null);
      }
      partial.done = complete(partial);
      if (partial.done != null) {
        call.deliver(listener, new StreamEvent.BlockFinished(index, partial.done));
      }
    }

    private @Nullable ContentBlock complete(PartialBlock p) {
      switch (p.type) {
        case "text":
          return new ContentBlock.Text(p.text.toString(), p.citations);
        case "tool_use":
          return new ContentBlock.ToolUse(p.id, p.name, toolArguments(p.text.toString(), p.startInput));
        case "thinking":
          return new ContentBlock.Thinking(p.text.toString(), p.signature);
        case "redacted_thinking":
          return new ContentBlock.RedactedThinking(p.data);
        case ANSWER:
          return answerText(toolArguments(p.text.toString(), NODES.objectNode()));
        default:
          return p.opaque == null ? null : new ContentBlock.Opaque(VENDOR, assembled(p, p.opaque));
      }
    }

    /** An opaque block with what streamed into it: a tool input's JSON, or a compaction's summary. */
    private ObjectNode assembled(PartialBlock p, ObjectNode start) {
      ObjectNode block = start.deepCopy();
      if (p.type.equals("compaction")) {
        if (p.text.length() > 0) {
          block.put("content", p.text.toString());
        }
        if (!p.data.isEmpty()) {
          block.put("encrypted_content", p.data);
        }
      } else if (start.path("input").isObject()) {
        block.set("input", toolArguments(p.text.toString(), p.startInput));
      }
      return block;
    }

    ModelResponse finish() {
      List<ContentBlock> content = new ArrayList<>();
      for (var entry : blocks.entrySet()) {
        PartialBlock p = entry.getValue();
        if (p.done == null) {
          // a block without content_block_stop (seen when max_tokens cuts a message): keep what arrived
          p.done = complete(p);
          if (p.done != null) {
            call.deliver(listener, new StreamEvent.BlockFinished(entry.getKey(), p.done));
          }
        }
        if (p.done != null) {
          content.add(p.done);
        }
      }
      return answered(ModelResponse.builder().id(id).model(model).content(content).stopReason(stopReason)
          .stopSequence(stopSequence).usage(usage.toUsage()).usageReported(usage.reported)
          .reasoningTokens(usage.thinking).build());
    }
  }

  /** Builds an {@link AnthropicClient}. */
  public static final class Builder extends HttpModelClient.Builder<Builder> {
    private boolean promptCaching = true;

    private Builder() {
      super("ANTHROPIC_API_KEY", "https://api.anthropic.com");
      header("anthropic-version", API_VERSION);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Whether to mark cache breakpoints on tools, system and the newest turn; default true.
     *
     * @param enabled whether to mark cache breakpoints
     * @return this builder
     */
    public Builder promptCaching(boolean enabled) {
      this.promptCaching = enabled;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException when no API key was given and the environment variable is unset
     */
    public AnthropicClient build() {
      return new AnthropicClient(this);
    }
  }
}

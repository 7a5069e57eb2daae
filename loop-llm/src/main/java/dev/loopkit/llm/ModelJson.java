package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loop's own JSON shape for requests, responses, content blocks and model errors: the shape of recorded
 * transcripts that {@link ScriptedModelClient#fromTranscript} replays. It is vendor neutral and close to
 * Anthropic's (snake_case, typed blocks), so it reads naturally:
 *
 * <pre>{@code
 * {"type":"response","response":{"id":"msg_1","model":"claude-sonnet-4-5","stop_reason":"tool_use",
 *   "content":[{"type":"text","text":"Reading it."},
 *              {"type":"tool_use","id":"toolu_1","name":"read_file","input":{"path":"README.md"}}],
 *   "usage":{"input_tokens":812,"output_tokens":40,"cache_read_input_tokens":0,
 *            "cache_creation_input_tokens":0,"cost_usd":"0.003036"}}}
 * }</pre>
 *
 * Blocks: {@code text}, {@code tool_use} ({@code id, name, input}), {@code tool_result}
 * ({@code tool_use_id, content, is_error}), {@code thinking} ({@code thinking, signature}),
 * {@code redacted_thinking} ({@code data}), {@code image} ({@code media_type, data}, base64; a
 * {@code tool_result} may carry a list of them as {@code images}), {@code opaque} ({@code vendor}, and the vendor's own {@code block}
 * kept verbatim); a {@code text} block may carry the vendor's {@code citations}. A request carries no
 * credentials, so a transcript never does.
 * Reading is lenient about missing optional fields and strict about wrong types: a bad value fails with an
 * {@link InputException} naming the value, what was expected and the source given by the caller.
 */
public final class ModelJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ModelJson() {}

  /** The shared mapper (thread-safe, default configuration); callers must not reconfigure it. */
  static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * A content block as JSON.
   *
   * @param block the block
   * @return a new object node in the transcript format
   */
  public static ObjectNode toJson(ContentBlock block) {
    ObjectNode n = NODES.objectNode();
    if (block instanceof ContentBlock.Text) {
      ContentBlock.Text t = (ContentBlock.Text) block;
      n.put("type", "text").put("text", t.text());
      if (!t.citations().isEmpty()) {
        ArrayNode citations = n.putArray("citations");
        t.citations().forEach(c -> citations.add(c.deepCopy()));
      }
    } else if (block instanceof ContentBlock.Opaque) {
      ContentBlock.Opaque o = (ContentBlock.Opaque) block;
      n.put("type", "opaque").put("vendor", o.vendor()).set("block", o.json());
    } else if (block instanceof ContentBlock.ToolUse) {
      ContentBlock.ToolUse u = (ContentBlock.ToolUse) block;
      n.put("type", "tool_use").put("id", u.id()).put("name", u.name()).set("input", u.input().deepCopy());
    } else if (block instanceof ContentBlock.ToolResult) {
      ContentBlock.ToolResult r = (ContentBlock.ToolResult) block;
      n.put("type", "tool_result").put("tool_use_id", r.toolUseId()).put("content", r.content())
          .put("is_error", r.isError());
      if (!r.images().isEmpty()) {
        ArrayNode images = n.putArray("images");
        r.images().forEach(i -> images.add(toJson(i)));
      }
    } else if (block instanceof ContentBlock.Image) {
      ContentBlock.Image i = (ContentBlock.Image) block;
      n.put("type", "image").put("media_type", i.mediaType()).put("data", i.base64());
    } else if (block instanceof ContentBlock.Thinking) {
      ContentBlock.Thinking t = (ContentBlock.Thinking) block;
      n.put("type", "thinking").put("thinking", t.thinking()).put("signature", t.signature());
    } else {
      n.put("type", "redacted_thinking").put("data", ((ContentBlock.RedactedThinking) block).data());
    }
    return n;
  }

  /**
   * Content blocks as a JSON array.
   *
   * @param blocks the blocks, in order
   * @return a new array node, one object per block
   */
  public static ArrayNode toJson(List<ContentBlock> blocks) {
    ArrayNode a = NODES.arrayNode();
    blocks.forEach(b -> a.add(toJson(b)));
    return a;
  }

  /**
   * Reads a content block.
   *
   * @param node the JSON node
   * @return the block
   * @param source where the JSON came from, for error messages (a file and line)
   * @throws InputException when the node is not a known block of the documented shape
   */
  public static ContentBlock contentBlock(JsonNode node, String source) {
    if (!node.isObject()) {
      throw new InputException("content block at " + source + " must be a JSON object, got " + brief(node));
    }
    String type = text(node, "type", source);
    switch (type) {
      case "text": {
        JsonNode citations = node.path("citations");
        if (!citations.isMissingNode() && !citations.isNull() && !citations.isArray()) {
          throw new InputException("field 'citations' at " + source + " must be an array, got " + brief(citations));
        }
        List<JsonNode> list = new ArrayList<>();
        citations.forEach(list::add);
        return new ContentBlock.Text(text(node, "text", source), list);
      }
      case "opaque": {
        JsonNode block = node.path("block");
        if (!block.isObject() || !block.path("type").isTextual()) {
          throw new InputException("field 'block' at " + source + " must be a JSON object with a string \"type\","
              + " got " + brief(block));
        }
        return new ContentBlock.Opaque(text(node, "vendor", source), (ObjectNode) block);
      }
      case "tool_use": {
        JsonNode input = node.path("input");
        return new ContentBlock.ToolUse(text(node, "id", source), text(node, "name", source),
            input.isMissingNode() || input.isNull() ? NODES.objectNode() : input.deepCopy());
      }
      case "tool_result": {
        List<ContentBlock.Image> images = new ArrayList<>();
        JsonNode list = node.path("images");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
          throw new InputException("field 'images' at " + source + " must be an array, got " + brief(list));
        }
        for (int i = 0; i < list.size(); i++) {
          ContentBlock image = contentBlock(list.get(i), source + " images[" + i + "]");
          if (!(image instanceof ContentBlock.Image)) {
            throw new InputException("images[" + i + "] at " + source + " must be an image block, got "
                + brief(list.get(i)));
          }
          images.add((ContentBlock.Image) image);
        }
        return new ContentBlock.ToolResult(text(node, "tool_use_id", source), text(node, "content", source),
            node.path("is_error").asBoolean(false), images);
      }
      case "image":
        try {
          return new ContentBlock.Image(text(node, "media_type", source), text(node, "data", source));
        } catch (IllegalArgumentException e) {
          throw new InputException("image at " + source + ": " + e.getMessage(), e);
        }
      case "thinking":
        return new ContentBlock.Thinking(text(node, "thinking", source), optText(node, "signature"));
      case "redacted_thinking":
        return new ContentBlock.RedactedThinking(text(node, "data", source));
      default:
        throw new InputException("content block at " + source + " has type '" + type
            + "'; expected text, tool_use, tool_result, image, thinking, redacted_thinking or opaque");
    }
  }

  /**
   * Reads an array of content blocks; a string is read as one text block.
   *
   * @param node a JSON array of block objects, or a string
   * @param source where the JSON came from, for error messages
   * @return an immutable list of the blocks, in order
   * @throws InputException when the node is neither, or holds a malformed block
   */
  public static List<ContentBlock> content(JsonNode node, String source) {
    if (node.isTextual()) {
      return List.of(new ContentBlock.Text(node.asText()));
    }
    if (!node.isArray()) {
      throw new InputException("content at " + source + " must be an array of blocks or a string, got "
          + brief(node));
    }
    List<ContentBlock> blocks = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      blocks.add(contentBlock(node.get(i), source + " content[" + i + "]"));
    }
    return blocks;
  }

  /**
   * A message as JSON: {@code {"role":"user","content":[...]}}.
   *
   * @param message the message
   * @return a new object node
   */
  public static ObjectNode toJson(Message message) {
    ObjectNode n = NODES.objectNode().put("role", message.role().name().toLowerCase(Locale.ROOT));
    n.set("content", toJson(message.content()));
    return n;
  }

  /**
   * Reads a message.
   *
   * @param node a JSON object with {@code role} ({@code user} or {@code assistant}) and {@code content}
   * @param source where the JSON came from, for error messages
   * @return the message
   * @throws InputException when the role or content is missing or malformed
   */
  public static Message message(JsonNode node, String source) {
    String role = text(node, "role", source);
    List<ContentBlock> content = content(node.path("content"), source);
    switch (role) {
      case "user":
        return Message.user(content);
      case "assistant":
        return Message.assistant(content);
      default:
        throw new InputException("message at " + source + " has role '" + role + "'; expected user or assistant");
    }
  }

  /**
   * A request as JSON (model, system, messages, tools, tool choice, sampling); it holds no credentials.
   *
   * @param request the request
   * @return a new object node
   */
  public static ObjectNode toJson(ModelRequest request) {
    ObjectNode n = NODES.objectNode().put("model", request.model()).put("system", request.system());
    ArrayNode messages = n.putArray("messages");
    request.messages().forEach(m -> messages.add(toJson(m)));
    ArrayNode tools = n.putArray("tools");
    for (ToolSpec t : request.tools()) {
      tools.addObject().put("name", t.name()).put("description", t.description())
          .set("input_schema", t.inputSchema().deepCopy());
    }
    n.put("tool_choice", request.toolChoice().toString());
    n.put("max_tokens", request.maxTokens());
    request.temperature().ifPresent(t -> n.put("temperature", t));
    request.reasoning().ifPresent(r -> {
      ObjectNode reasoning = n.putObject("reasoning");
      if (!r.effort().isEmpty()) {
        reasoning.put("effort", r.effort());
      }
      if (r.budgetTokens() > 0) {
        reasoning.put("budget_tokens", r.budgetTokens());
      }
    });
    request.outputSchema().ifPresent(o -> n.putObject("output_schema").put("name", o.name())
        .put("strict", o.strict()).set("schema", o.schema()));
    ArrayNode stops = n.putArray("stop_sequences");
    request.stopSequences().forEach(stops::add);
    return n;
  }

  /**
   * Usage as JSON; the cost is a decimal string so no precision is lost. {@code unmetered_calls} is written
   * only when some call was unmetered.
   *
   * @param usage the usage
   * @return a new object node
   */
  public static ObjectNode toJson(Usage usage) {
    ObjectNode n = NODES.objectNode().put("input_tokens", usage.inputTokens())
        .put("output_tokens", usage.outputTokens())
        .put("cache_read_input_tokens", usage.cacheReadTokens())
        .put("cache_creation_input_tokens", usage.cacheWriteTokens())
        .put("cost_usd", usage.costUsd().toPlainString());
    if (!usage.isMetered()) {
      n.put("unmetered_calls", usage.unmeteredCalls());
    }
    return n;
  }

  /**
   * Reads usage; missing counts (and a missing {@code unmetered_calls}) are 0.
   *
   * @param node a JSON object, or a missing or null node for zero usage
   * @param source where the JSON came from, for error messages
   * @return the usage
   * @throws InputException when the node is not an object, or a count or the cost is malformed
   */
  public static Usage usage(JsonNode node, String source) {
    if (node.isMissingNode() || node.isNull()) {
      return Usage.ZERO;
    }
    if (!node.isObject()) {
      throw new InputException("usage at " + source + " must be a JSON object, got " + brief(node));
    }
    BigDecimal cost;
    JsonNode c = node.path("cost_usd");
    try {
      cost = c.isMissingNode() || c.isNull() ? BigDecimal.ZERO : new BigDecimal(c.asText());
    } catch (NumberFormatException e) {
      throw new InputException("usage cost_usd at " + source + " must be a decimal number, got " + brief(c), e);
    }
    return new Usage(count(node, "input_tokens", source), count(node, "output_tokens", source),
        count(node, "cache_read_input_tokens", source), count(node, "cache_creation_input_tokens", source), cost,
        count(node, "unmetered_calls", source));
  }

  /**
   * A response as JSON.
   *
   * @param response the response
   * @return a new object node
   */
  public static ObjectNode toJson(ModelResponse response) {
    ObjectNode n = NODES.objectNode().put("id", response.id()).put("model", response.model())
        .put("stop_reason", response.stopReason().value());
    response.stopSequence().ifPresent(s -> n.put("stop_sequence", s));
    n.set("content", toJson(response.content()));
    n.set("usage", toJson(response.usage()));
    if (!response.usageReported()) {
      n.put("usage_reported", false);
    }
    return n;
  }

  /**
   * Reads a response. {@code content} may be a string (one text block); a missing {@code stop_reason} is
   * {@code tool_use} when the content holds a tool call and {@code end_turn} otherwise; a missing
   * {@code usage_reported} is true.
   *
   * @param node a JSON object
   * @param source where the JSON came from, for error messages
   * @return the response
   * @throws InputException when the node is not an object or a field is malformed
   */
  public static ModelResponse response(JsonNode node, String source) {
    if (!node.isObject()) {
      throw new InputException("response at " + source + " must be a JSON object, got " + brief(node));
    }
    List<ContentBlock> content = content(node.path("content"), source);
    ModelResponse.Builder b = ModelResponse.builder().id(optText(node, "id")).model(optText(node, "model"))
        .content(content).usage(usage(node.path("usage"), source + " usage"));
    String stop = optText(node, "stop_reason");
    boolean tools = content.stream().anyMatch(x -> x instanceof ContentBlock.ToolUse);
    b.stopReason(stop.isEmpty() ? (tools ? StopReason.TOOL_USE : StopReason.END_TURN) : StopReason.of(stop));
    String seq = optText(node, "stop_sequence");
    b.stopSequence(seq.isEmpty() ? null : seq);
    JsonNode reported = node.path("usage_reported");
    if (!reported.isMissingNode() && !reported.isBoolean()) {
      throw new InputException("field 'usage_reported' at " + source + " must be true or false, got "
          + brief(reported));
    }
    return b.usageReported(reported.asBoolean(true)).build();
  }

  /**
   * A model error as JSON: kind, message, HTTP status, the server's wait and the vendor's code.
   *
   * @param error the error
   * @return a new object node
   */
  public static ObjectNode toJson(ModelException error) {
    ObjectNode n = NODES.objectNode().put("kind", error.kind().name()).put("message", error.getMessage())
        .put("http_status", error.httpStatus()).put("retryable", error.isRetryable());
    error.retryAfter().ifPresent(d -> n.put("retry_after_ms", d.toMillis()));
    if (!error.vendorCode().isEmpty()) {
      n.put("vendor_code", error.vendorCode());
    }
    return n;
  }

  /**
   * Reads a model error; {@code kind} is required, {@code retryable} defaults to the kind's default.
   *
   * @param node a JSON object
   * @param source where the JSON came from, for error messages
   * @return the error, as it would have been thrown
   * @throws InputException when {@code kind} is missing or names no kind
   */
  public static ModelException error(JsonNode node, String source) {
    String kindName = text(node, "kind", source);
    ModelException.Kind kind;
    try {
      kind = ModelException.Kind.valueOf(kindName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InputException("error kind '" + kindName + "' at " + source + " is not one of "
          + java.util.Arrays.toString(ModelException.Kind.values()), e);
    }
    String message = node.path("message").asText(kind.name().toLowerCase(Locale.ROOT) + " (scripted)");
    JsonNode wait = node.path("retry_after_ms");
    Duration retryAfter = wait.canConvertToLong() ? Duration.ofMillis(wait.asLong()) : null;
    boolean retryable = node.path("retryable").asBoolean(kind.retryableByDefault());
    return new ModelException(kind, message, node.path("http_status").asInt(0), retryAfter,
        optText(node, "vendor_code"), null, retryable);
  }

  static String brief(JsonNode node) {
    String s = node.isMissingNode() ? "nothing" : node.toString();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  private static String text(JsonNode node, String field, String source) {
    JsonNode v = node.path(field);
    if (!v.isTextual()) {
      throw new InputException("field '" + field + "' at " + source + " must be a string, got " + brief(v));
    }
    return v.asText();
  }

  private static String optText(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isTextual() ? v.asText() : "";
  }

  private static long count(JsonNode node, String field, String source) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return 0;
    }
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
      throw new InputException("usage field '" + field + "' at " + source
          + " must be a non-negative integer, got " + brief(v));
    }
    return v.asLong();
  }
}

package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ModelClient} for OpenAI's Responses API ({@code POST /responses} under the base URL), streamed or
 * not: the API OpenAI recommends for its reasoning models, since it carries their reasoning from one turn to
 * the next.
 *
 * <pre>{@code
 * ModelClient gpt = OpenAiResponsesClient.builder().build();   // key from OPENAI_API_KEY
 * ModelResponse r = gpt.send(ModelRequest.builder().model("gpt-5").reasoning(Reasoning.effort("high"))
 *     .system("You fix bugs.").addMessage(Message.user("Hello")).build());
 * }</pre>
 *
 * <p>Mapping: the system prompt is {@code instructions}; the conversation is a list of input items (user and
 * assistant {@code message}s, a {@code function_call} for each tool call and a {@code function_call_output}
 * keyed by its {@code call_id} for each result, with a failed result's text prefixed {@code "Error: "}, since
 * the API has no error flag); tools are flat {@code function} tools; {@link ModelRequest#maxTokens()} is
 * {@code max_output_tokens}; {@link ModelRequest#reasoning()} is {@code reasoning.effort};
 * {@link ModelRequest#outputSchema()} is {@code text.format} of type {@code json_schema}; images go as
 * {@code input_image} parts with a {@code data:} URL, in tool outputs too.
 *
 * <p>Each output item becomes one content block, in order: a {@code message} a text block, a
 * {@code function_call} a tool call (its id is the {@code call_id}), and every other item (a {@code reasoning}
 * item, hosted-tool calls) an {@link ContentBlock.Opaque} block of this client's vendor, sent back unchanged in
 * the next request, which is how the API keeps a reasoning model's reasoning across the turns of a tool loop.
 * Requests are stateless by default ({@code "store": false}, nothing kept at OpenAI): reasoning is then kept by
 * asking for its encrypted content ({@code include: ["reasoning.encrypted_content"]}) whenever the request sets
 * {@link ModelRequest#reasoning()} or the builder says the model reasons
 * ({@link Builder#encryptedReasoning(boolean)}; OpenAI refuses that include for models that do not reason), and
 * item ids are left out of the input, since stored ids cannot be referred to. A reasoning item without encrypted
 * content cannot be sent back statelessly and is left out. With {@link Builder#store(boolean) store(true)} items
 * go back with their ids.
 *
 * <p>The stop reason is derived, since the API has none: {@code incomplete} with reason
 * {@code max_output_tokens} is {@link StopReason#MAX_TOKENS}, with {@code content_filter}
 * {@link StopReason#REFUSAL}; a turn with function calls is {@link StopReason#TOOL_USE}; a turn of only a
 * refusal is {@link StopReason#REFUSAL}; else {@link StopReason#END_TURN}. Usage: {@code input_tokens} less
 * {@code input_tokens_details.cached_tokens} are uncached input, the cached ones cache reads,
 * {@code output_tokens} output, and {@code output_tokens_details.reasoning_tokens} is
 * {@link ModelResponse#reasoningTokens()}.
 *
 * <p>Streaming reads the named {@code response.*} events: text, refusal, function-call argument and reasoning
 * summary deltas reach the listener as they arrive; the answer is assembled from each
 * {@code response.output_item.done}, and the final {@code response.completed} (or {@code response.incomplete})
 * gives the status and usage. {@code response.failed} and {@code error} events are vendor errors, typed like HTTP
 * ones (a server error or rate limit is retryable, a context-window error is not); a stream that ends before its
 * final event is a retryable stream error. Errors sent with an HTTP status use the Chat Completions error shape
 * and mapping. Thread-safe; share one client.
 */
public final class OpenAiResponsesClient extends HttpModelClient {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final boolean store;
  private final boolean encryptedReasoning;

  private OpenAiResponsesClient(Builder b) {
    super(b, "openai", "responses");
    this.store = b.store;
    this.encryptedReasoning = b.encryptedReasoning;
  }

  /**
   * A builder with the key from {@code OPENAI_API_KEY} and base URL {@code https://api.openai.com/v1}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  void authenticate(Request.Builder request, String apiKey) {
    request.header("Authorization", "Bearer " + apiKey);
  }

  @Override
  ObjectNode encode(ModelRequest request, boolean stream) {
    ObjectNode body = NODES.objectNode();
    body.put("model", request.model());
    if (!request.system().isEmpty()) {
      body.put("instructions", request.system());
    }
    ArrayNode input = body.putArray("input");
    for (Message m : request.messages()) {
      if (m.role() == Message.Role.USER) {
        encodeUser(m, input);
      } else {
        encodeAssistant(m, input);
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolSpec t : request.tools()) {
        ObjectNode tool = tools.addObject().put("type", "function").put("name", t.name());
        if (!t.description().isEmpty()) {
          tool.put("description", t.description());
        }
        // the tools' schemas have optional properties, which strict mode forbids
        tool.set("parameters", t.inputSchema().deepCopy());
        tool.put("strict", false);
      }
      switch (request.toolChoice().mode()) {
        case ANY:
          body.put("tool_choice", "required");
          break;
        case NONE:
          body.put("tool_choice", "none");
          break;
        case TOOL:
          body.putObject("tool_choice").put("type", "function")
              .put("name", request.toolChoice().toolName().orElseThrow());
          break;
        default:
          body.put("tool_choice", "auto");
      }
    }
    body.put("max_output_tokens", request.maxTokens());
    request.temperature().ifPresent(t -> body.put("temperature", t));
    request.reasoning().ifPresent(r -> body.putObject("reasoning").put("effort", r.effortOrDerived()));
    request.outputSchema().ifPresent(o -> body.putObject("text").putObject("format").put("type", "json_schema")
        .put("name", o.name()).put("strict", o.strict()).set("schema", o.schema()));
    body.put("store", store);
    if (!store && (encryptedReasoning || request.reasoning().isPresent())) {
      body.putArray("include").add("reasoning.encrypted_content");
    }
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  private static void encodeUser(Message m, ArrayNode input) {
    ArrayNode parts = NODES.arrayNode();
    for (ContentBlock block : m.content()) {
      if (block instanceof ContentBlock.ToolResult) {
        ContentBlock.ToolResult r = (ContentBlock.ToolResult) block;
        ObjectNode item = input.addObject().put("type", "function_call_output").put("call_id", r.toolUseId());
        String text = r.isError() ? "Error: " + r.content() : r.content();
        if (r.images().isEmpty()) {
          item.put("output", text);
        } else {
          ArrayNode output = item.putArray("output");
          output.addObject().put("type", "input_text").put("text", text);
          r.images().forEach(i -> output.add(image(i)));
        }
      } else if (block instanceof ContentBlock.Text && !((ContentBlock.Text) block).text().isEmpty()) {
        parts.addObject().put("type", "input_text").put("text", ((ContentBlock.Text) block).text());
      } else if (block instanceof ContentBlock.Image) {
        parts.add(image((ContentBlock.Image) block));
      }
    }
    if (!parts.isEmpty()) {
      input.addObject().put("type", "message").put("role", "user").set("content", parts);
    }
  }

  private static ObjectNode image(ContentBlock.Image image) {
    return NODES.objectNode().put("type", "input_image").put("image_url", image.dataUrl());
  }

  private void encodeAssistant(Message m, ArrayNode input) {
    for (ContentBlock block : m.content()) {
      if (block instanceof ContentBlock.Text) {
        String text = ((ContentBlock.Text) block).text();
        if (!text.isEmpty()) {
          input.addObject().put("type", "message").put("role", "assistant").put("content", text);
        }
      } else if (block instanceof ContentBlock.ToolUse) {
        ContentBlock.ToolUse u = (ContentBlock.ToolUse) block;
        String args = u.input().isTextual() ? u.input().asText() : u.input().toString();
        input.addObject().put("type", "function_call").put("call_id", u.id()).put("name", u.name())
            .put("arguments", args);
      } else if (block instanceof ContentBlock.Opaque && ((ContentBlock.Opaque) block).vendor().equals(vendor())) {
        ObjectNode item = ((ContentBlock.Opaque) block).json();
        if ("reasoning".equals(item.path("type").asText())) {
          if (!store && !item.path("encrypted_content").isTextual()) {
            continue; // without its encrypted content a stateless request cannot carry it
          }
          item.remove("status");
        }
        if (!store) {
          item.remove("id"); // stored items only can be referred to by id
        }
        input.add(item);
      }
      // thinking blocks of other vendors and Chat Completions' reasoning text have no place here
    }
  }

  @Override
  VendorError readError(JsonNode body) {
    return OpenAiClient.openAiError(body);
  }

  /** The error of a {@code response.failed} or a failed response object: {@code {code, message}}. */
  private static VendorError responseError(JsonNode response) {
    JsonNode error = response.path("error");
    JsonNode code = error.path("code");
    return new VendorError(error.path("type").asText(""), code.isNumber() ? code.asText() : code.asText(""),
        error.path("message").asText(""));
  }

  @Override
  ModelResponse decode(JsonNode body, Call call) {
    if (body.path("error").isObject() && !body.path("output").isArray()) {
      throw call.error(0, readError(body), null);
    }
    if ("failed".equals(body.path("status").asText())) {
      throw call.error(0, responseError(body), null);
    }
    JsonNode output = body.path("output");
    if (!output.isArray()) {
      throw call.malformed("expected a response with an \"output\" array, got " + excerpt(body.toString()), null);
    }
    List<ContentBlock> content = new ArrayList<>();
    for (JsonNode item : output) {
      ContentBlock block = decodeItem(item);
      if (block != null) {
        content.add(block);
      }
    }
    return finished(body, content, call);
  }

  /** The response around its content: id, model, stop reason and usage, from the response object. */
  private static ModelResponse finished(JsonNode response, List<ContentBlock> content, Call call) {
    JsonNode usage = response.path("usage");
    return ModelResponse.builder().id(response.path("id").asText(""))
        .model(response.path("model").asText(call.request.model())).content(content)
        .stopReason(stopReason(response, content)).usage(usage(usage)).usageReported(usage.isObject())
        .reasoningTokens(Math.max(0, usage.path("output_tokens_details").path("reasoning_tokens").asLong(0)))
        .build();
  }

  /** One output item as a block: null only for an item without a type. */
  private @Nullable ContentBlock decodeItem(JsonNode item) {
    String type = item.path("type").asText("");
    switch (type) {
      case "message":
        return new ContentBlock.Text(messageText(item));
      case "function_call":
        return new ContentBlock.ToolUse(item.path("call_id").asText(item.path("id").asText("")),
            item.path("name").asText(""), arguments(item.path("arguments")));
      default:
        return item.isObject() && !type.isEmpty() ? new ContentBlock.Opaque(vendor(), (ObjectNode) item) : null;
    }
  }

  /** A message item's text: its {@code output_text} parts, or its refusal when that is all it holds. */
  private static String messageText(JsonNode item) {
    StringBuilder text = new StringBuilder();
    StringBuilder refusal = new StringBuilder();
    for (JsonNode part : item.path("content")) {
      String type = part.path("type").asText("");
      if (type.equals("output_text")) {
        text.append(part.path("text").asText(""));
      } else if (type.equals("refusal")) {
        refusal.append(part.path("refusal").asText(""));
      }
    }
    return text.length() > 0 ? text.toString() : refusal.toString();
  }

  private static boolean refused(JsonNode output) {
    for (JsonNode item : output) {
      for (JsonNode part : item.path("content")) {
        if ("output_text".equals(part.path("type").asText()) && !part.path("text").asText("").isEmpty()) {
          return false;
        }
      }
    }
    for (JsonNode item : output) {
      for (JsonNode part : item.path("content")) {
        if ("refusal".equals(part.path("type").asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static JsonNode arguments(JsonNode raw) {
    if (raw.isObject()) {
      return raw;
    }
    return toolArguments(raw.isTextual() ? raw.asText() : "", NODES.objectNode());
  }

  private static StopReason stopReason(JsonNode response, List<ContentBlock> content) {
    if ("incomplete".equals(response.path("status").asText())) {
      String reason = response.path("incomplete_details").path("reason").asText("");
      switch (reason) {
        case "max_output_tokens":
          return StopReason.MAX_TOKENS;
        case "content_filter":
          return StopReason.REFUSAL;
        default:
          return reason.isEmpty() ? StopReason.MAX_TOKENS : StopReason.of(reason);
      }
    }
    if (content.stream().anyMatch(b -> b instanceof ContentBlock.ToolUse)) {
      return StopReason.TOOL_USE;
    }
    return refused(response.path("output")) ? StopReason.REFUSAL : StopReason.END_TURN;
  }

  private static Usage usage(JsonNode usage) {
    if (!usage.isObject()) {
      return Usage.ZERO;
    }
    long input = Math.max(0, usage.path("input_tokens").asLong(0));
    long output = Math.max(0, usage.path("output_tokens").asLong(0));
    JsonNode details = usage.path("input_tokens_details");
    long cached = Math.max(0, details.path("cached_tokens").asLong(0));
    long written = Math.max(0, details.path("cache_write_tokens").asLong(0));
    return new Usage(Math.max(0, input - cached - written), output, cached, written, BigDecimal.ZERO);
  }

  @Override
  ModelResponse decodeStream(SseReader events, Call call, StreamListener listener) throws IOException {
    StreamState state = new StreamState(call, listener);
    for (SseReader.Event event = events.next(); event != null; event = events.next()) {
      String data = event.data().strip();
      if (data.isEmpty() || data.equals("[DONE]")) {
        continue;
      }
      ModelResponse done = state.accept(event.name(), parseEvent(call, event));
      if (done != null) {
        return done;
      }
    }
    throw call.streamBroken("stream ended before response.completed");
  }

  /** Assembles a response from its {@code response.*} events. */
  private final class StreamState {
    private final Call call;
    private final StreamListener listener;
    private final TreeMap<Integer, ContentBlock> items = new TreeMap<>();

    StreamState(Call call, StreamListener listener) {
      this.call = call;
      this.listener = listener;
    }

    /** Handles one event; the response when the stream is complete, else null. */
    @Nullable ModelResponse accept(String name, JsonNode data) {
      String type = name.isEmpty() ? data.path("type").asText("") : name;
      switch (type) {
        case "response.created":
        case "response.in_progress":
          return null;
        case "response.output_item.added": {
          JsonNode item = data.path("item");
          if ("function_call".equals(item.path("type").asText())) {
            call.deliver(listener, new StreamEvent.ToolUseStarted(index(data),
                item.path("call_id").asText(item.path("id").asText("")), item.path("name").asText("")));
          }
          return null;
        }
        case "response.output_text.delta":
        case "response.refusal.delta":
          deliverText(data);
          return null;
        case "response.function_call_arguments.delta": {
          String delta = data.path("delta").asText("");
          if (!delta.isEmpty()) {
            call.deliver(listener, new StreamEvent.ToolInputDelta(index(data), delta));
          }
          return null;
        }
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta": {
          String delta = data.path("delta").asText("");
          if (!delta.isEmpty()) {
            call.deliver(listener, new StreamEvent.ThinkingDelta(index(data), delta));
          }
          return null;
        }
        case "response.output_item.done": {
          int index = index(data);
          ContentBlock block = decodeItem(data.path("item"));
          if (block != null) {
            items.put(index, block);
            call.deliver(listener, new StreamEvent.BlockFinished(index, block));
          }
          return null;
        }
        case "response.completed":
        case "response.incomplete":
          return finish(data.path("response"));
        case "response.failed":
          throw call.error(0, responseError(data.path("response")), null);
        case "error":
          throw call.error(0, streamError(data), null);
        default:
          reportUsage(data.path("response"));
          return null; // content_part, *.done and hosted-tool events carry nothing the answer lacks
      }
    }

    private void deliverText(JsonNode data) {
      String delta = data.path("delta").asText("");
      if (!delta.isEmpty()) {
        call.deliver(listener, new StreamEvent.TextDelta(index(data), delta));
      }
    }

    private void reportUsage(JsonNode response) {
      if (response.path("usage").isObject()) {
        call.reported(usage(response.path("usage")));
      }
    }

    private int index(JsonNode data) {
      JsonNode index = data.path("output_index");
      if (!index.canConvertToInt() || index.asInt() < 0) {
        throw call.malformed("stream event " + data.path("type").asText("") + " without a valid output_index: "
            + excerpt(data.toString()), null);
      }
      return index.asInt();
    }

    private ModelResponse finish(JsonNode response) {
      if (!response.isObject()) {
        throw call.malformed("final stream event without a response object", null);
      }
      reportUsage(response);
      List<ContentBlock> content = new ArrayList<>();
      JsonNode output = response.path("output");
      if (output.isArray() && !output.isEmpty()) {
        // the final response is authoritative; items the stream did not finish are announced now
        for (int i = 0; i < output.size(); i++) {
          ContentBlock block = decodeItem(output.get(i));
          if (block != null) {
            if (!items.containsKey(i)) {
              call.deliver(listener, new StreamEvent.BlockFinished(i, block));
            }
            content.add(block);
          }
        }
      } else {
        content.addAll(items.values());
      }
      return finished(response, content, call);
    }
  }

  /** An {@code error} stream event: {@code {"type":"error","code","message","param"}}. */
  private static VendorError streamError(JsonNode data) {
    if (data.path("error").isObject()) {
      return OpenAiClient.openAiError(data);
    }
    JsonNode code = data.path("code");
    return new VendorError("", code.isNumber() ? code.asText() : code.asText(""), data.path("message").asText(""));
  }

  /** Builds an {@link OpenAiResponsesClient}. */
  public static final class Builder extends HttpModelClient.Builder<Builder> {
    private boolean store;
    private boolean encryptedReasoning;

    private Builder() {
      super("OPENAI_API_KEY", "https://api.openai.com/v1");
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Whether OpenAI keeps the responses ({@code "store": true}); default false, so nothing of a worker's
     * conversation stays at the vendor and reasoning travels as encrypted content instead.
     *
     * @param store whether OpenAI keeps the responses
     * @return this builder
     */
    public Builder store(boolean store) {
      this.store = store;
      return this;
    }

    /**
     * Whether every stateless request asks for the reasoning's encrypted content, for a model that reasons by
     * default even when the request sets no {@link ModelRequest#reasoning()} ({@code gpt-5}, {@code o3}, ...);
     * default false, since OpenAI refuses the request for models that do not reason. Requests that set a
     * reasoning effort ask for it anyway.
     *
     * @param enabled whether to ask for encrypted reasoning on every request
     * @return this builder
     */
    public Builder encryptedReasoning(boolean enabled) {
      this.encryptedReasoning = enabled;
      return this;
    }

    /**
     * @return the client
     * @throws IllegalStateException when no API key is set and the environment variable is unset
     */
    public OpenAiResponsesClient build() {
      return new OpenAiResponsesClient(this);
    }
  }
}

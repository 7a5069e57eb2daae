package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ModelClient} for OpenAI's Chat Completions API ({@code POST /chat/completions} under the base
 * URL), streamed or not. Through {@link Builder#baseUrl} it also serves compatible servers: OpenRouter,
 * Ollama, vLLM, llama.cpp and others.
 *
 * <pre>{@code
 * ModelClient gpt = OpenAiClient.builder().build();            // key from OPENAI_API_KEY
 * ModelClient local = OpenAiClient.builder()
 *     .baseUrl("http://localhost:11434/v1").noApiKey()
 *     .tokenLimitField(OpenAiClient.TokenLimitField.MAX_TOKENS).build();
 * }</pre>
 *
 * <p>The key is sent only as {@code Authorization: Bearer}. The reader accepts the documented deviations of
 * compatible servers: tool-call arguments as a JSON object instead of a string, stream fragments without
 * {@code index} or {@code id}, whole calls in one chunk, arguments before the name, numeric error codes,
 * errors sent with HTTP 200 (whole or as a stream chunk), keep-alive comment lines and a missing
 * {@code [DONE]}. Whether the model called tools is decided by the presence of tool calls, never by
 * {@code finish_reason} alone. Usage of a stream is requested with {@code stream_options.include_usage}
 * and read from the final chunk; cached prompt tokens are counted as cache reads.
 *
 * <p>Mapping: the system prompt becomes a {@code system} message; tool results become {@code tool} messages
 * placed before the rest of their turn (a failed result's content is prefixed {@code "Error: "}, since the
 * API has no error flag; a result's images, which tool messages cannot hold, follow in a user message of
 * {@code image_url} parts with {@code data:} URLs, as do a user turn's own images);
 * {@link ModelRequest#reasoning()} is {@code reasoning_effort}; {@link ModelRequest#outputSchema()} is
 * {@code response_format} of type {@code json_schema}; thinking blocks are not sent back (Chat Completions has no field for them);
 * reasoning text that compatible servers return ({@code reasoning_content}, {@code reasoning}) is read as a
 * thinking block. Only choice 0 is read: a response or stream with several choices (this client never asks
 * for {@code n}, but a proxy or server may send them) has the others ignored, never merged. Thread-safe; share
 * one client.
 */
public final class OpenAiClient extends HttpModelClient {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The request field that carries {@link ModelRequest#maxTokens()}. */
  public enum TokenLimitField {
    /** {@code max_completion_tokens}: OpenAI's current field, required by its reasoning models. */
    MAX_COMPLETION_TOKENS("max_completion_tokens"),
    /** {@code max_tokens}: the older field most compatible servers read. */
    MAX_TOKENS("max_tokens");

    private final String field;

    TokenLimitField(String field) {
      this.field = field;
    }

    /**
     * The JSON field name.
     *
     * @return the field's name in the request body
     */
    public String field() {
      return field;
    }
  }

  private final TokenLimitField tokenLimitField;
  private final boolean streamUsage;

  private OpenAiClient(Builder b) {
    super(b, "openai", "chat/completions");
    this.tokenLimitField = b.tokenLimitField;
    this.streamUsage = b.streamUsage;
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
    ArrayNode messages = body.putArray("messages");
    if (!request.system().isEmpty()) {
      messages.addObject().put("role", "system").put("content", request.system());
    }
    for (Message m : request.messages()) {
      if (m.role() == Message.Role.USER) {
        encodeUser(m, messages);
      } else {
        encodeAssistant(m, messages);
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolSpec t : request.tools()) {
        ObjectNode fn = tools.addObject().put("type", "function").putObject("function").put("name", t.name());
        if (!t.description().isEmpty()) {
          fn.put("description", t.description());
        }
        fn.set("parameters", t.inputSchema().deepCopy());
      }
      switch (request.toolChoice().mode()) {
        case ANY:
          body.put("tool_choice", "required");
          break;
        case NONE:
          body.put("tool_choice", "none");
          break;
        case TOOL:
          body.putObject("tool_choice").put("type", "function").putObject("function")
              .put("name", request.toolChoice().toolName().orElseThrow());
          break;
        default:
          body.put("tool_choice", "auto");
      }
    }
    body.put(tokenLimitField.field(), request.maxTokens());
    request.temperature().ifPresent(t -> body.put("temperature", t));
    request.reasoning().ifPresent(r -> body.put("reasoning_effort", r.effortOrDerived()));
    request.outputSchema().ifPresent(o -> body.putObject("response_format").put("type", "json_schema")
        .putObject("json_schema").put("name", o.name()).put("strict", o.strict()).set("schema", o.schema()));
    if (!request.stopSequences().isEmpty()) {
      ArrayNode stops = body.putArray("stop");
      request.stopSequences().forEach(stops::add);
    }
    if (stream) {
      body.put("stream", true);
      if (streamUsage) {
        body.putObject("stream_options").put("include_usage", true);
      }
    }
    return body;
  }

  private static void encodeUser(Message m, ArrayNode messages) {
    ArrayNode parts = NODES.arrayNode();
    List<ContentBlock.Image> resultImages = new ArrayList<>();
    for (ContentBlock block : m.content()) {
      if (block instanceof ContentBlock.ToolResult) {
        ContentBlock.ToolResult r = (ContentBlock.ToolResult) block;
        String text = r.isError() ? "Error: " + r.content() : r.content();
        if (!r.images().isEmpty()) {
          text = text + "\n\n[" + r.images().size() + (r.images().size() == 1 ? " image follows" : " images follow")
              + " in the next user message]";
          resultImages.addAll(r.images());
        }
        messages.addObject().put("role", "tool").put("tool_call_id", r.toolUseId()).put("content", text);
      } else if (block instanceof ContentBlock.Text && !((ContentBlock.Text) block).text().isEmpty()) {
        parts.addObject().put("type", "text").put("text", ((ContentBlock.Text) block).text());
      } else if (block instanceof ContentBlock.Image) {
        parts.add(imagePart((ContentBlock.Image) block));
      }
    }
    // tool messages take text only, so a tool's images go in a user message right after them
    ArrayNode images = NODES.arrayNode();
    resultImages.forEach(i -> images.add(imagePart(i)));
    if (!images.isEmpty()) {
      images.insert(0, NODES.objectNode().put("type", "text").put("text", "The images the tool results above"
          + " returned:"));
      parts.forEach(images::add);
      parts = images;
    }
    if (parts.isEmpty()) {
      return;
    }
    boolean textOnly = true;
    for (JsonNode part : parts) {
      textOnly &= "text".equals(part.path("type").asText());
    }
    if (textOnly) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : parts) {
        text.append(text.length() > 0 ? "\n\n" : "").append(part.path("text").asText());
      }
      messages.addObject().put("role", "user").put("content", text.toString());
    } else {
      messages.addObject().put("role", "user").set("content", parts);
    }
  }

  private static ObjectNode imagePart(ContentBlock.Image image) {
    ObjectNode part = NODES.objectNode().put("type", "image_url");
    part.putObject("image_url").put("url", image.dataUrl());
    return part;
  }

  private static void encodeAssistant(Message m, ArrayNode messages) {
    ObjectNode msg = NODES.objectNode().put("role", "assistant");
    String text = m.text();
    ArrayNode calls = NODES.arrayNode();
    for (ContentBlock block : m.content()) {
      if (block instanceof ContentBlock.ToolUse) {
        ContentBlock.ToolUse u = (ContentBlock.ToolUse) block;
        // arguments always go out as a string, the one form every server accepts
        String args = u.input().isTextual() ? u.input().asText() : u.input().toString();
        calls.addObject().put("id", u.id()).put("type", "function").putObject("function")
            .put("name", u.name()).put("arguments", args);
      }
    }
    if (text.isEmpty() && !calls.isEmpty()) {
      msg.putNull("content");
    } else {
      msg.put("content", text);
    }
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
    messages.add(msg);
  }

  @Override
  VendorError readError(JsonNode body) {
    return openAiError(body);
  }

  /** An error body of OpenAI's shape or a compatible server's variants; shared with the Responses client. */
  static VendorError openAiError(JsonNode body) {
    JsonNode error = body.path("error");
    if (error.isTextual()) {
      return new VendorError("", "", error.asText());
    }
    if (!error.isObject() && "error".equals(body.path("object").asText())) {
      // vLLM's older shape, not wrapped in "error":
      // {"object":"error","message":"...","type":"BadRequestError","param":null,"code":400}
      error = body;
    }
    JsonNode code = error.path("code");
    String codeText = code.isNumber() ? String.valueOf(code.asInt()) : code.asText("");
    String message = error.path("message").asText("");
    JsonNode raw = error.path("metadata").path("raw");
    if (raw.isTextual() && !raw.asText().isBlank()) {
      message = message + " (" + excerpt(raw.asText()) + ")";
    }
    return new VendorError(error.path("type").asText(""), codeText, message);
  }

  /** The HTTP status an error body names in a numeric {@code code} (OpenRouter), else {@code fallback}. */
  private static int statusOf(JsonNode body, int fallback) {
    JsonNode code = body.path("error").path("code");
    return code.isIntegralNumber() && code.asInt() >= 400 && code.asInt() <= 599 ? code.asInt() : fallback;
  }

  @Override
  ModelResponse decode(JsonNode body, Call call) {
    if (hasError(body)) {
      throw call.error(statusOf(body, 0), readError(body), null);
    }
    JsonNode choice = firstChoice(body.path("choices"));
    if (!choice.isObject()) {
      throw call.malformed("expected \"choices\" with one choice, got " + excerpt(body.toString()), null);
    }
    JsonNode message = choice.path("message");
    List<ContentBlock> content = new ArrayList<>();
    String reasoning = firstText(message, "reasoning_content", "reasoning");
    if (!reasoning.isEmpty()) {
      content.add(new ContentBlock.Thinking(reasoning, ""));
    }
    String text = messageText(message.path("content"));
    String refusal = message.path("refusal").asText("");
    if (!text.isEmpty()) {
      content.add(new ContentBlock.Text(text));
    } else if (!refusal.isEmpty()) {
      content.add(new ContentBlock.Text(refusal));
    }
    JsonNode calls = message.path("tool_calls");
    for (int i = 0; i < calls.size(); i++) {
      JsonNode c = calls.get(i);
      JsonNode fn = c.path("function");
      content.add(new ContentBlock.ToolUse(textOr(c.path("id"), syntheticId()), fn.path("name").asText(""),
          arguments(fn.path("arguments"))));
    }
    boolean called = !calls.isEmpty();
    StopReason stop = !refusal.isEmpty() && text.isEmpty() && !called ? StopReason.REFUSAL
        : stopReason(choice.path("finish_reason").asText(""), called);
    return ModelResponse.builder().id(body.path("id").asText("")).model(body.path("model").asText(call.request.model()))
        .content(content).stopReason(stop).usage(usage(body.path("usage")))
        .usageReported(body.path("usage").isObject()).reasoningTokens(reasoningTokens(body.path("usage"))).build();
  }

  /**
   * Choice 0 of a response or chunk, the only one this client reads: a server that sends several (a request
   * with {@code n} from a proxy, a server that fans out) has the others ignored rather than merged into one
   * garbled answer. A choice without an {@code index} counts as 0; missing node when there is no choice 0.
   */
  private static JsonNode firstChoice(JsonNode choices) {
    for (JsonNode choice : choices) {
      JsonNode index = choice.path("index");
      if (index.isMissingNode() || index.isNull() || (index.canConvertToInt() && index.asInt() == 0)) {
        return choice;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static boolean hasError(JsonNode body) {
    JsonNode error = body.path("error");
    return (error.isObject() || error.isTextual()) && !firstChoice(body.path("choices")).path("message").isObject();
  }

  private static String messageText(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    if (content.isArray()) { // some servers answer with content parts
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asText())) {
          sb.append(part.path("text").asText(""));
        }
      }
    }
    return sb.toString();
  }

  private static String firstText(JsonNode node, String... fields) {
    for (String f : fields) {
      if (node.path(f).isTextual() && !node.path(f).asText().isEmpty()) {
        return node.path(f).asText();
      }
    }
    return "";
  }

  private static String textOr(JsonNode node, String fallback) {
    return node.isTextual() && !node.asText().isEmpty() ? node.asText() : fallback;
  }

  private static String syntheticId() {
    return "call_loop_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  /** Arguments as sent: a JSON string to parse, or (some servers) already an object. */
  private static JsonNode arguments(JsonNode raw) {
    if (raw.isObject()) {
      return raw;
    }
    return toolArguments(raw.isTextual() ? raw.asText() : "", NODES.objectNode());
  }

  /** Maps {@code finish_reason}; the presence of tool calls decides whether the model called tools. */
  static StopReason stopReason(String finish, boolean calledTools) {
    StopReason mapped;
    switch (finish) {
      case "":
      case "stop":
        mapped = StopReason.END_TURN;
        break;
      case "length":
        mapped = StopReason.MAX_TOKENS;
        break;
      case "tool_calls":
      case "function_call":
        mapped = StopReason.TOOL_USE;
        break;
      case "content_filter":
        mapped = StopReason.REFUSAL;
        break;
      default:
        mapped = StopReason.of(finish);
    }
    if (calledTools && mapped.equals(StopReason.END_TURN)) {
      return StopReason.TOOL_USE;
    }
    if (!calledTools && mapped.equals(StopReason.TOOL_USE)) {
      return StopReason.END_TURN;
    }
    return mapped;
  }

  private static long reasoningTokens(JsonNode usage) {
    return Math.max(0, usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
  }

  private static Usage usage(JsonNode usage) {
    if (!usage.isObject()) {
      return Usage.ZERO;
    }
    long prompt = Math.max(0, usage.path("prompt_tokens").asLong(0));
    long completion = Math.max(0, usage.path("completion_tokens").asLong(0));
    JsonNode details = usage.path("prompt_tokens_details");
    long cached = Math.max(0, details.path("cached_tokens").asLong(0));
    long written = Math.max(0, details.path("cache_write_tokens").asLong(0));
    long uncached = Math.max(0, prompt - cached - written);
    return new Usage(uncached, completion, cached, written, BigDecimal.ZERO);
  }

  @Override
  ModelResponse decodeStream(SseReader events, Call call, StreamListener listener) throws IOException {
    StreamState state = new StreamState(call, listener);
    for (SseReader.Event event = events.next(); event != null; event = events.next()) {
      String data = event.data().strip();
      if (data.equals("[DONE]")) {
        return state.finish();
      }
      if (!data.isEmpty()) {
        state.accept(parseEvent(call, event));
      }
    }
    if (state.finishReason == null) {
      throw call.streamBroken("stream ended before a finish_reason or [DONE]");
    }
    return state.finish(); // some servers close the stream without [DONE]
  }

  /** One tool call while it streams. */
  private static final class PartialCall {
    final int block;
    String id = "";
    String name = "";
    final StringBuilder arguments = new StringBuilder();
    boolean announced;

    PartialCall(int block) {
      this.block = block;
    }
  }

  /** Assembles a completion from its chunks, tolerating the compatible servers' deviations. */
  private final class StreamState {
    private final Call call;
    private final StreamListener listener;
    private final Map<Integer, PartialCall> callsByIndex = new LinkedHashMap<>();
    private final List<PartialCall> calls = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    private int nextBlock;
    private int textBlock = -1;
    private int reasoningBlock = -1;
    private String id = "";
    private String model;
    private @Nullable String finishReason;
    private Usage usage = Usage.ZERO;
    private long reasoningTokens;
    private boolean usageReported;

    StreamState(Call call, StreamListener listener) {
      this.call = call;
      this.listener = listener;
      this.model = call.request.model();
    }

    void accept(JsonNode chunk) {
      if (chunk.path("error").isObject() || chunk.path("error").isTextual()) {
        throw call.error(statusOf(chunk, 0), readError(chunk), null);
      }
      if (chunk.path("id").isTextual() && id.isEmpty()) {
        id = chunk.path("id").asText();
      }
      if (chunk.path("model").isTextual()) {
        model = chunk.path("model").asText();
      }
      if (chunk.path("usage").isObject()) {
        usage = usage(chunk.path("usage"));
        reasoningTokens = reasoningTokens(chunk.path("usage"));
        usageReported = true;
        call.reported(usage);
      }
      JsonNode choice = firstChoice(chunk.path("choices"));
      if (!choice.isObject()) {
        return; // the usage chunk has no choices, and choices other than 0 are not read
      }
      JsonNode delta = choice.path("delta");
      String thinking = firstText(delta, "reasoning_content", "reasoning");
      if (!thinking.isEmpty()) {
        if (reasoningBlock < 0) {
          reasoningBlock = nextBlock++;
        }
        reasoning.append(thinking);
        call.deliver(listener, new StreamEvent.ThinkingDelta(reasoningBlock, thinking));
      }
      String content = delta.path("content").isTextual() ? delta.path("content").asText() : "";
      String refused = delta.path("refusal").isTextual() ? delta.path("refusal").asText() : "";
      if (!refused.isEmpty()) {
        refusal.append(refused);
      }
      String visible = content + refused;
      if (!visible.isEmpty()) {
        if (textBlock < 0) {
          textBlock = nextBlock++;
        }
        text.append(visible);
        call.deliver(listener, new StreamEvent.TextDelta(textBlock, visible));
      }
      JsonNode toolCalls = delta.path("tool_calls");
      for (int i = 0; i < toolCalls.size(); i++) {
        toolCall(toolCalls.get(i), i);
      }
      String finish = choice.path("finish_reason").asText("");
      if (!finish.isEmpty()) {
        finishReason = finish;
        if (finish.equals("error")) {
          throw call.streamBroken("the server ended the stream with finish_reason \"error\"");
        }
      }
    }

    private void toolCall(JsonNode fragment, int position) {
      PartialCall partial = find(fragment, position);
      if (fragment.path("id").isTextual() && !fragment.path("id").asText().isEmpty()) {
        partial.id = fragment.path("id").asText();
      }
      JsonNode fn = fragment.path("function");
      if (fn.path("name").isTextual() && !fn.path("name").asText().isEmpty()) {
        partial.name = fn.path("name").asText();
      }
      if (!partial.announced && !partial.name.isEmpty()) {
        if (partial.id.isEmpty()) {
          partial.id = syntheticId();
        }
        partial.announced = true;
        call.deliver(listener, new StreamEvent.ToolUseStarted(partial.block, partial.id, partial.name));
      }
      JsonNode args = fn.path("arguments");
      String piece = args.isObject() ? args.toString() : args.isTextual() ? args.asText() : "";
      if (args.isObject()) {
        partial.arguments.setLength(0); // a whole object replaces, it is not a fragment
      }
      if (!piece.isEmpty()) {
        partial.arguments.append(piece);
        call.deliver(listener, new StreamEvent.ToolInputDelta(partial.block, piece));
      }
    }

    /**
     * The call a fragment belongs to: by {@code index} when present; else by {@code id}; else a fragment
     * without a name continues the last call, and one with a name starts a new call.
     */
    private PartialCall find(JsonNode fragment, int position) {
      JsonNode index = fragment.path("index");
      if (index.canConvertToInt()) {
        return callsByIndex.computeIfAbsent(index.asInt(), k -> newCall());
      }
      String fragmentId = fragment.path("id").asText("");
      if (!fragmentId.isEmpty()) {
        for (PartialCall c : calls) {
          if (c.id.equals(fragmentId)) {
            return c;
          }
        }
        return newCall();
      }
      boolean named = !fragment.path("function").path("name").asText("").isEmpty();
      if (!named && !calls.isEmpty()) {
        return calls.get(calls.size() - 1);
      }
      return newCall();
    }

    private PartialCall newCall() {
      PartialCall c = new PartialCall(nextBlock++);
      calls.add(c);
      return c;
    }

    ModelResponse finish() {
      Map<Integer, ContentBlock> blocks = new java.util.TreeMap<>();
      if (reasoningBlock >= 0) {
        blocks.put(reasoningBlock, new ContentBlock.Thinking(reasoning.toString(), ""));
      }
      if (textBlock >= 0) {
        blocks.put(textBlock, new ContentBlock.Text(text.toString()));
      }
      for (PartialCall c : calls) {
        if (c.id.isEmpty()) {
          c.id = syntheticId();
        }
        if (!c.announced) {
          c.announced = true;
          call.deliver(listener, new StreamEvent.ToolUseStarted(c.block, c.id, c.name));
        }
        blocks.put(c.block, new ContentBlock.ToolUse(c.id, c.name, toolArguments(c.arguments.toString(), NODES.objectNode())));
      }
      for (var e : blocks.entrySet()) {
        call.deliver(listener, new StreamEvent.BlockFinished(e.getKey(), e.getValue()));
      }
      boolean called = !calls.isEmpty();
      String finish = Objects.requireNonNullElse(finishReason, "");
      StopReason stop = refusal.length() > 0 && text.length() == refusal.length() && !called
          ? StopReason.REFUSAL : stopReason(finish, called);
      return ModelResponse.builder().id(id).model(model).content(new ArrayList<>(blocks.values()))
          .stopReason(stop).usage(usage).usageReported(usageReported).reasoningTokens(reasoningTokens).build();
    }
  }

  /** Builds an {@link OpenAiClient}. */
  public static final class Builder extends HttpModelClient.Builder<Builder> {
    private TokenLimitField tokenLimitField = TokenLimitField.MAX_COMPLETION_TOKENS;
    private boolean streamUsage = true;

    private Builder() {
      super("OPENAI_API_KEY", "https://api.openai.com/v1");
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Which field carries the token limit; default {@code max_completion_tokens}.
     *
     * @param field the field
     * @return this builder
     */
    public Builder tokenLimitField(TokenLimitField field) {
      this.tokenLimitField = Objects.requireNonNull(field, "field");
      return this;
    }

    /**
     * Whether streamed requests ask for usage with {@code stream_options.include_usage}; default true.
     *
     * @param enabled whether to ask for usage on streams
     * @return this builder
     */
    public Builder streamUsage(boolean enabled) {
      this.streamUsage = enabled;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException when no API key was given and the environment variable is unset
     */
    public OpenAiClient build() {
      return new OpenAiClient(this);
    }
  }
}

package dev.loopkit.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loopkit.core.Usage;
import io.github.resilience4j.retry.Retry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP vendor clients share: the OkHttp call, retries under a {@link RetryPolicy}, the mapping of
 * HTTP failures to typed {@link ModelException}s, SSE reading and pricing. Subclassed only in this package by
 * {@link AnthropicClient} and {@link OpenAiClient}.
 *
 * <p>The API key is held privately and written only into the vendor's authentication header. It never
 * appears in {@link #toString()}, in log lines (which carry no headers), or in exception messages: a vendor
 * error text that echoes the key has it replaced by {@code [redacted]}.
 */
public abstract class HttpModelClient implements ModelClient {
  private static final Logger LOG = LoggerFactory.getLogger(HttpModelClient.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final int ERROR_BODY_LIMIT = 64 * 1024;
  private static final Pattern CONTEXT_WINDOW = Pattern.compile(
      "(?i)(prompt is too long|context[ _-]?(window|length|limit|size)|maximum context|exceeds? the context"
          + "|too many tokens|input length and `?max_tokens`? exceed)");

  private final String vendor;
  private final Auth auth;
  private final @Nullable String keyHeader;
  private final OkHttpClient http;
  private final HttpUrl endpoint;
  private final Headers headers;
  private final @Nullable String apiKey;
  private final RetryPolicy retryPolicy;
  private final Retry retry;
  private final PriceTable prices;
  private final Set<String> unpricedModels = ConcurrentHashMap.newKeySet();
  private final Set<String> unreportedModels = ConcurrentHashMap.newKeySet();

  HttpModelClient(Builder<?> b, String defaultVendor, String path) {
    this.vendor = b.vendor != null ? b.vendor : defaultVendor;
    this.auth = b.auth;
    this.keyHeader = b.keyHeader;
    if (keyHeader != null && b.headers.get(keyHeader) != null) {
      throw new IllegalStateException("header '" + keyHeader + "' is set both as the API key header"
          + " (apiKeyHeader) and as a plain header (header): set it once, with apiKeyHeader and apiKey");
    }
    this.apiKey = b.resolveApiKey();
    this.endpoint = b.baseUrl.newBuilder().addPathSegments(path).build();
    this.headers = b.headers.build();
    this.retryPolicy = b.retryPolicy;
    this.prices = b.fallback != null ? b.prices.withFallback(b.fallback) : b.prices;
    OkHttpClient base = b.httpClient != null ? b.httpClient : new OkHttpClient();
    this.http = base.newBuilder().connectTimeout(b.connectTimeout).readTimeout(b.readTimeout)
        .writeTimeout(b.writeTimeout).callTimeout(b.callTimeout).retryOnConnectionFailure(true).build();
    this.retry = retryPolicy.newRetry(vendor());
  }

  @Override
  public final String vendor() {
    return vendor;
  }

  /**
   * The URL requests are posted to.
   *
   * @return the vendor's messages (or responses) URL under the base URL
   */
  public HttpUrl endpoint() {
    return endpoint;
  }

  /**
   * The retry policy every call of this client follows.
   *
   * @return the policy given to the builder, or {@link RetryPolicy#defaults()}
   */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * The prices that fill in each response's cost, including the builder's fallback price if one was set.
   *
   * @return the price table
   */
  public PriceTable priceTable() {
    return prices;
  }

  /**
   * The Resilience4j retry of this client, for its metrics and event publisher.
   *
   * @return the retry, named after the vendor
   */
  public Retry retry() {
    return retry;
  }

  @Override
  public ModelResponse send(ModelRequest request) {
    return execute(request, null);
  }

  @Override
  public ModelResponse stream(ModelRequest request, StreamListener listener) {
    Objects.requireNonNull(listener, "listener");
    return execute(request, listener);
  }

  @Override
  public String toString() {
    String key = apiKey == null ? "none" : auth == Auth.HEADER ? "set, in " + keyHeader
        : auth == Auth.BEARER ? "set, as Bearer" : "set";
    return getClass().getSimpleName() + "{vendor=" + vendor + ", endpoint=" + endpoint + ", apiKey=" + key + ", "
        + retryPolicy + "}";
  }

  /** Adds the vendor's own authentication headers for {@code apiKey}. */
  abstract void authenticate(Request.Builder request, String apiKey);

  /** How the key is sent: the vendor's own way, as a Bearer token, or in a header the host names. */
  enum Auth {
    VENDOR,
    BEARER,
    HEADER
  }

  private void sendKey(Request.Builder request, String key) {
    switch (auth) {
      case BEARER:
        request.header("Authorization", "Bearer " + key);
        break;
      case HEADER:
        request.header(Objects.requireNonNull(keyHeader), key);
        break;
      default:
        authenticate(request, key);
    }
  }

  /** The request body in the vendor's wire format. */
  abstract ObjectNode encode(ModelRequest request, boolean stream);

  /** Reads a non-streamed 2xx body; throws {@link ModelException} for an error sent with HTTP 200. */
  abstract ModelResponse decode(JsonNode body, Call call);

  /** Reads a streamed 2xx body to its end, passing deltas to the listener. */
  abstract ModelResponse decodeStream(SseReader events, Call call, StreamListener listener) throws IOException;

  /** The vendor's error type and code and message from an error body; blanks when absent. */
  abstract VendorError readError(JsonNode body);

  /** The parts of a vendor's error body. {@code code} may have been a number in the body. */
  record VendorError(String type, String code, String message) {}

  /** One call's context: the request, and what messages need to name. */
  final class Call {
    final ModelRequest request;
    final String what;
    private final AtomicBoolean delivered = new AtomicBoolean();
    /** Usage the current attempt's stream has reported so far; null until it reports any. */
    private volatile @Nullable Usage reported;
    /** Usage of streamed attempts that broke, each unmetered. */
    private volatile Usage lost = Usage.ZERO;

    Call(ModelRequest request) {
      this.request = request;
      this.what = vendor() + " " + request.model();
    }

    /** Notes the usage the stream has reported so far (a running total), in case it breaks. */
    void reported(Usage usage) {
      reported = usage;
    }

    /** Counts a streamed attempt that broke: what it reported, priced if possible, and unmetered. */
    private void broke() {
      Usage known = reported;
      reported = null;
      String model = request.model();
      // priced when the model has a price, so the cost is a lower bound; one unmetered call either way
      Usage tokens = known == null ? Usage.ZERO : prices.price(model, known);
      lost = lost.plus(tokens.isMetered() ? Usage.unmetered(tokens) : tokens);
    }

    /** Passes an event on, noting that the stream can no longer be retried. */
    void deliver(StreamListener listener, StreamEvent event) {
      delivered.set(true);
      listener.onEvent(event);
    }

    /** A typed error for an error the vendor reported inside a body or a stream. */
    ModelException error(int status, VendorError error, @Nullable Headers responseHeaders) {
      return classify(this, status, error, responseHeaders);
    }

    ModelException malformed(String detail, @Nullable Throwable cause) {
      return new ModelException(ModelException.Kind.MALFORMED_RESPONSE, what + ": malformed response: "
          + redact(detail), 0, null, "", cause);
    }

    ModelException streamBroken(String detail) {
      return new ModelException(ModelException.Kind.STREAM_ERROR, what + ": " + redact(detail), 0, null, "", null);
    }
  }

  private ModelResponse execute(ModelRequest request, @Nullable StreamListener listener) {
    Objects.requireNonNull(request, "request");
    Call call = new Call(request);
    byte[] body;
    try {
      body = ModelJson.mapper().writeValueAsBytes(encode(request, listener != null));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the request for " + call.what, e);
    }
    ModelResponse response;
    try {
      response = retryPolicy.execute(retry, call.what, () -> attempt(call, body, listener),
          () -> !call.delivered.get());
    } catch (ModelException e) {
      e.spentUsage(call.lost);
      throw e;
    }
    ModelResponse priced = priced(response, request);
    // streams that broke and were retried used tokens too: they are counted, unmetered
    return call.lost.equals(Usage.ZERO) ? priced : priced.withUsage(priced.usage().plus(call.lost));
  }

  private ModelResponse attempt(Call call, byte[] body, @Nullable StreamListener listener) {
    Request.Builder rb = new Request.Builder().url(endpoint).headers(headers).post(RequestBody.create(body, JSON));
    if (apiKey != null) {
      sendKey(rb, apiKey);
    }
    if (listener != null) {
      rb.header("Accept", "text/event-stream");
    }
    boolean started = false;
    boolean streaming = false; // an SSE body is being read: a failure from here on has used tokens
    OkHttpClient client = call.request.idleTimeout().map(t -> http.newBuilder().readTimeout(t).build()).orElse(http);
    try (Response response = client.newCall(rb.build()).execute()) {
      String requestId = requestId(response.headers());
      LOG.debug("{}: HTTP {} (request id {})", call.what, response.code(), requestId);
      if (!response.isSuccessful()) {
        throw httpError(call, response);
      }
      ResponseBody responseBody = response.body();
      if (responseBody == null) {
        throw call.malformed("HTTP " + response.code() + " without a body", null);
      }
      started = true;
      if (listener == null) {
        JsonNode json = parse(call, responseBody.string());
        return decode(json, call);
      }
      MediaType type = responseBody.contentType();
      if (type != null && type.subtype().equals("json")) {
        // A server that answers a stream request with one JSON document: an error sent with HTTP 200, or a
        // server that does not stream. Either way the body is a complete answer.
        JsonNode json = parse(call, responseBody.string());
        ModelResponse whole = decode(json, call);
        StreamReplay.replay(whole, event -> call.deliver(listener, event), Integer.MAX_VALUE);
        return whole;
      }
      streaming = true;
      return decodeStream(new SseReader(responseBody.source()), call, listener);
    } catch (SocketTimeoutException e) {
      brokeIfStreaming(call, streaming);
      String silence = call.request.idleTimeout().map(t -> ": no byte for " + RetryPolicy.describe(t)
          + " (the request's idle timeout)").orElse("");
      throw ioError(call, ModelException.Kind.TIMEOUT, "timed out" + (started ? " while streaming" : "") + silence, e);
    } catch (InterruptedIOException e) {
      brokeIfStreaming(call, streaming);
      throw ioError(call, ModelException.Kind.TIMEOUT, "call timed out or was cancelled", e);
    } catch (IOException e) {
      brokeIfStreaming(call, streaming);
      throw ioError(call, started ? ModelException.Kind.STREAM_ERROR : ModelException.Kind.CONNECTION,
          started ? "response broke off" : "connection failed", e);
    } catch (ModelException e) {
      brokeIfStreaming(call, streaming); // an error event, or a stream cut inside an event
      throw e;
    }
  }

  /** A stream that began and then failed has used tokens, whatever it managed to report. */
  private static void brokeIfStreaming(Call call, boolean streaming) {
    if (streaming) {
      call.broke();
    }
  }

  private ModelException ioError(Call call, ModelException.Kind kind, String what, IOException e) {
    String detail = e.getMessage() == null ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + redact(e.getMessage());
    return new ModelException(kind, call.what + ": " + what + " (" + detail + ") at " + endpoint, 0, null, "", e);
  }

  private JsonNode parse(Call call, String text) {
    try {
      JsonNode node = ModelJson.mapper().readTree(text);
      if (node == null || !node.isObject()) {
        throw call.malformed("expected a JSON object, got " + excerpt(text), null);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw call.malformed("body is not JSON (" + e.getOriginalMessage() + "): " + excerpt(text), e);
    }
  }

  /**
   * Parses the JSON object of one stream event. An event the body ended inside whose data does not parse was
   * cut by a dropped connection (a proxy's idle timeout, a server restart): a retryable
   * {@link ModelException.Kind#STREAM_ERROR}, not a malformed response. A complete event that does not parse
   * is malformed.
   */
  static JsonNode parseEvent(Call call, SseReader.Event event) {
    String data = event.data().strip();
    try {
      JsonNode node = ModelJson.mapper().readTree(data);
      if (node == null || !node.isObject()) {
        if (!event.complete()) {
          throw call.streamBroken("the stream ended inside an event: " + excerpt(data));
        }
        throw call.malformed("stream event is not a JSON object: " + excerpt(data), null);
      }
      return node;
    } catch (JsonProcessingException e) {
      if (!event.complete()) {
        throw call.streamBroken("the stream ended inside an event (" + e.getOriginalMessage() + "): "
            + excerpt(data));
      }
      throw call.malformed("stream event is not JSON (" + e.getOriginalMessage() + "): " + excerpt(data), e);
    }
  }

  /**
   * Tool-call arguments from their JSON text: the object when it parses as one, {@code whenBlank} for empty
   * text, else the raw text as a string node (arguments cut by max tokens, or a model's broken JSON), so the
   * caller can answer the model with an error result instead of failing the call.
   */
  static JsonNode toolArguments(String json, JsonNode whenBlank) {
    if (json.isBlank()) {
      return whenBlank;
    }
    try {
      JsonNode parsed = ModelJson.mapper().readTree(json);
      return parsed != null && parsed.isObject() ? parsed : TextNode.valueOf(json);
    } catch (JsonProcessingException e) {
      return TextNode.valueOf(json);
    }
  }

  private ModelException httpError(Call call, Response response) throws IOException {
    String text = response.peekBody(ERROR_BODY_LIMIT).string();
    VendorError error;
    try {
      JsonNode json = ModelJson.mapper().readTree(text);
      error = json != null && json.isObject() ? readError(json) : new VendorError("", "", excerpt(text));
    } catch (JsonProcessingException e) {
      error = new VendorError("", "", excerpt(text));
    }
    return classify(call, response.code(), error, response.headers());
  }

  private ModelException classify(Call call, int status, VendorError error, @Nullable Headers responseHeaders) {
    ModelException.Kind kind = kindOf(status, error);
    Duration wait = null;
    String shouldRetry = null;
    String requestId = "";
    if (responseHeaders != null) {
      wait = retryAfter(responseHeaders, retryPolicy.clock());
      shouldRetry = responseHeaders.get("x-should-retry");
      requestId = requestId(responseHeaders);
    }
    boolean retryable = kind.retryableByDefault();
    if ("true".equalsIgnoreCase(shouldRetry)) {
      retryable = true;
    } else if ("false".equalsIgnoreCase(shouldRetry)) {
      retryable = false;
    }
    String code = !error.code().isEmpty() ? error.code() : error.type();
    StringBuilder msg = new StringBuilder(call.what).append(": ")
        .append(kind.name().toLowerCase(Locale.ROOT).replace('_', ' '))
        .append(" (").append(status == 0 ? "error event" : "HTTP " + status);
    if (!code.isEmpty()) {
      msg.append(", ").append(code);
    }
    msg.append(")");
    if (!error.message().isEmpty()) {
      msg.append(": ").append(redact(error.message()));
    }
    if (wait != null) {
      msg.append("; the server asks to wait ").append(RetryPolicy.describe(wait));
    }
    if (!requestId.isEmpty()) {
      msg.append(" [request id ").append(requestId).append(']');
    }
    return new ModelException(kind, msg.toString(), status, wait, code, null, retryable);
  }

  /** Maps a vendor error to a kind: quota and context-window errors first, then the status, then the type. */
  static ModelException.Kind kindOf(int status, VendorError error) {
    String type = error.type().toLowerCase(Locale.ROOT);
    String code = error.code().toLowerCase(Locale.ROOT);
    if (status == 402 || type.contains("insufficient_quota") || code.contains("insufficient_quota")
        || type.equals("billing_error") || code.contains("spend_limit")) {
      return ModelException.Kind.INSUFFICIENT_QUOTA;
    }
    // OpenAI's code; llama.cpp's server type (HTTP 400, "request (N tokens) exceeds the available context size")
    if (code.equals("context_length_exceeded") || type.equals("context_length_exceeded")
        || type.equals("exceed_context_size_error") || code.equals("exceed_context_size_error")
        || ((status == 400 || status == 413 || status == 422 || status == 0 || type.equals("invalid_request_error"))
            && CONTEXT_WINDOW.matcher(error.message()).find())) {
      return ModelException.Kind.CONTEXT_WINDOW_EXCEEDED;
    }
    switch (status) {
      case 400:
      case 413:
      case 422:
        return ModelException.Kind.INVALID_REQUEST;
      case 401:
        return ModelException.Kind.AUTHENTICATION;
      case 403:
        return ModelException.Kind.PERMISSION;
      case 404:
        return ModelException.Kind.NOT_FOUND;
      case 408:
      case 504:
        return ModelException.Kind.TIMEOUT;
      case 409:
        return ModelException.Kind.CONFLICT;
      case 429:
        return ModelException.Kind.RATE_LIMITED;
      case 503:
      case 529:
        return ModelException.Kind.OVERLOADED;
      default:
        break;
    }
    for (String name : new String[] {code, type}) { // the code is the more specific of the two
      ModelException.Kind named = kindNamed(name);
      if (named != null) {
        return named;
      }
    }
    if (status >= 500) {
      return ModelException.Kind.SERVER_ERROR;
    }
    if (status >= 400) {
      return ModelException.Kind.INVALID_REQUEST;
    }
    return ModelException.Kind.STREAM_ERROR;
  }

  private static ModelException.@Nullable Kind kindNamed(String name) {
    switch (name) {
      case "overloaded_error":
      case "server_is_overloaded":
      case "slow_down":
        return ModelException.Kind.OVERLOADED;
      case "rate_limit_error":
      case "rate_limit_exceeded":
        return ModelException.Kind.RATE_LIMITED;
      case "authentication_error":
      case "invalid_api_key":
        return ModelException.Kind.AUTHENTICATION;
      case "permission_error":
        return ModelException.Kind.PERMISSION;
      case "not_found_error":
      case "model_not_found":
        return ModelException.Kind.NOT_FOUND;
      case "invalid_request_error":
        return ModelException.Kind.INVALID_REQUEST;
      case "timeout_error":
        return ModelException.Kind.TIMEOUT;
      case "api_error":
      case "server_error":
        return ModelException.Kind.SERVER_ERROR;
      default:
        return null;
    }
  }

  /**
   * The wait a response asks for: {@code retry-after-ms} (milliseconds, fractions allowed), else
   * {@code retry-after} as seconds (fractions allowed) or an HTTP date; null when absent, unparseable or
   * not in the future.
   */
  static @Nullable Duration retryAfter(Headers headers, Clock clock) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double v = Double.parseDouble(ms.trim());
        if (v > 0 && Double.isFinite(v)) {
          return Duration.ofNanos(Math.round(v * 1_000_000));
        }
      } catch (NumberFormatException ignored) {
        // fall through to retry-after, as the vendors' SDKs do
      }
    }
    String after = headers.get("retry-after");
    if (after == null) {
      return null;
    }
    try {
      double seconds = Double.parseDouble(after.trim());
      return seconds > 0 && Double.isFinite(seconds) ? Duration.ofMillis(Math.round(seconds * 1000)) : null;
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return d.isNegative() || d.isZero() ? null : d;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }

  private static String requestId(Headers headers) {
    String id = headers.get("request-id");
    if (id == null) {
      id = headers.get("x-request-id");
    }
    return id == null ? "" : id;
  }

  /** Replaces the API key wherever it appears in text that may reach a message or a log. */
  final String redact(String text) {
    return apiKey == null || apiKey.isEmpty() ? text : text.replace(apiKey, "[redacted]");
  }

  static String excerpt(String text) {
    String flat = text.strip().replaceAll("\\s+", " ");
    return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
  }

  /**
   * The response with its cost: metered at the price table's price when the server reported usage and the
   * model has a price; otherwise unmetered (tokens as reported, cost unknown), with one warning per model.
   */
  private ModelResponse priced(ModelResponse response, ModelRequest request) {
    String model = response.model().isEmpty() ? request.model() : response.model();
    if (!response.usageReported()) {
      if (unreportedModels.add(model)) {
        LOG.warn("{}: the server reported no usage for model '{}'; such calls are unmetered", vendor(), model);
      }
      Usage usage = response.usage();
      return response.withUsage(usage.isMetered() ? Usage.unmetered(usage.withCost(BigDecimal.ZERO)) : usage);
    }
    if (prices.priceOf(model).isEmpty() && unpricedModels.add(model)) {
      LOG.warn("{}: no price for model '{}' in the price table; its calls are unmetered (set a price or a"
          + " fallback price)", vendor(), model);
    }
    return response.withUsage(prices.price(model, response.usage()));
  }

  /**
   * Settings every HTTP vendor client shares. A bad value fails at its setter; a missing API key fails in
   * {@code build()} naming the environment variable that was read.
   */
  public abstract static class Builder<B extends Builder<B>> {
    private @Nullable String apiKey;
    private String keyVariable;
    private boolean noApiKey;
    private HttpUrl baseUrl;
    private final Headers.Builder headers = new Headers.Builder();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofMinutes(10);
    private Duration writeTimeout = Duration.ofSeconds(60);
    private Duration callTimeout = Duration.ZERO;
    private @Nullable OkHttpClient httpClient;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private PriceTable prices = PriceTable.defaults();
    private PriceTable.@Nullable Price fallback;
    private @Nullable String vendor;
    private Auth auth = Auth.VENDOR;
    private @Nullable String keyHeader;

    Builder(String defaultKeyVariable, String defaultBaseUrl) {
      this.keyVariable = defaultKeyVariable;
      this.baseUrl = Objects.requireNonNull(HttpUrl.parse(defaultBaseUrl));
    }

    abstract B self();

    /**
     * The API key. Without this call the key is read from the environment variable at {@code build()}.
     *
     * @param apiKey the key: non-blank printable ASCII without spaces; never shown in messages
     * @return this builder
     * @throws IllegalArgumentException when the key is not such text (the message does not show it)
     */
    public B apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isBlank() || !apiKey.equals(apiKey.strip()) || apiKey.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException("apiKey must be non-blank printable ASCII without spaces"
            + " (the value is not shown)");
      }
      this.apiKey = apiKey;
      this.noApiKey = false;
      return self();
    }

    /**
     * Reads the API key from this environment variable at {@code build()} (the default names the vendor's usual one).
     *
     * @param variable the variable's name, not blank
     * @return this builder
     * @throws IllegalArgumentException when {@code variable} is blank
     */
    public B apiKeyFromEnv(String variable) {
      Objects.requireNonNull(variable, "variable");
      if (variable.isBlank()) {
        throw new IllegalArgumentException("environment variable name must not be blank");
      }
      this.keyVariable = variable;
      this.apiKey = null;
      this.noApiKey = false;
      return self();
    }

    /**
     * Sends no credentials, for local servers (Ollama, vLLM) that need none.
     *
     * @return this builder
     */
    public B noApiKey() {
      this.noApiKey = true;
      this.apiKey = null;
      return self();
    }

    /**
     * The API's base URL including any version path, such as {@code https://openrouter.ai/api/v1}.
     *
     * @param baseUrl an http or https URL
     * @return this builder
     */
    public B baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      HttpUrl url = HttpUrl.parse(baseUrl);
      if (url == null) {
        throw new IllegalArgumentException("baseUrl '" + baseUrl + "' is not an http or https URL");
      }
      this.baseUrl = url;
      return self();
    }

    /**
     * A header sent with every request, such as OpenRouter's {@code HTTP-Referer} or a gateway's routing
     * header (not for credentials: use {@link #apiKey} with {@link #apiKeyHeader} or {@link #bearerAuth}).
     *
     * @param name the header's name; not {@code Authorization}, {@code x-api-key} or {@code api-key}
     * @param value the header's value
     * @return this builder
     * @throws IllegalArgumentException when the header carries credentials, or is not valid header text
     */
    public B header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("authorization") || lower.equals("x-api-key") || lower.equals("api-key")) {
        throw new IllegalArgumentException("header '" + name + "' carries credentials; set them with apiKey(...)"
            + " (and apiKeyHeader(\"" + name + "\") or bearerAuth()) so they are kept out of logs and messages");
      }
      headers.set(name, value); // OkHttp refuses names and values that are not valid header text, naming them
      return self();
    }

    /**
     * Sends the API key as {@code Authorization: Bearer <key>} instead of the vendor's own header: an
     * Anthropic OAuth token, or a compatible server or gateway that takes Bearer tokens. (OpenAI's own way
     * is Bearer already.)
     *
     * @return this builder
     */
    public B bearerAuth() {
      this.auth = Auth.BEARER;
      this.keyHeader = null;
      return self();
    }

    /**
     * Sends the API key, as it is, in this header instead of the vendor's own: Azure OpenAI's
     * {@code api-key}, a gateway's {@code x-api-key}. The key still comes only from {@link #apiKey} or
     * {@link #apiKeyFromEnv}, and is redacted from messages like any key.
     *
     * @param name a valid HTTP header name
     * @return this builder
     * @throws IllegalArgumentException when {@code name} is not a valid header name
     */
    public B apiKeyHeader(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new IllegalArgumentException("API key header name '" + name + "' is not a valid HTTP header name");
      }
      this.auth = Auth.HEADER;
      this.keyHeader = name;
      return self();
    }

    /**
     * The vendor name {@link ModelClient#vendor()} reports, for a compatible server ({@code openrouter},
     * {@code ollama}, {@code vllm}, an Anthropic-compatible gateway); it names the client in messages and in
     * the reviewer's cross-vendor check. Default {@code anthropic} or {@code openai}.
     *
     * @param name lowercase letters, digits, {@code .}, {@code _} and {@code -}, at most 40 characters
     * @return this builder
     * @throws IllegalArgumentException when {@code name} is not of that form
     */
    public B vendor(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[a-z0-9][a-z0-9._-]{0,39}")) {
        throw new IllegalArgumentException("vendor name '" + name
            + "' must be 1 to 40 lower-case letters, digits, '.', '_' or '-'");
      }
      this.vendor = name;
      return self();
    }

    /**
     * The price of models the price table does not list (a local or routed model), so their calls are
     * metered instead of unmetered. Applies to whichever table {@link #priceTable} sets.
     *
     * @param price the price per million tokens
     * @return this builder
     */
    public B fallbackPrice(PriceTable.Price price) {
      this.fallback = Objects.requireNonNull(price, "price");
      return self();
    }

    /**
     * How long to wait for a connection; positive. Default 10 s.
     *
     * @param timeout positive
     * @return this builder
     */
    public B connectTimeout(Duration timeout) {
      this.connectTimeout = RetryPolicy.positive(timeout, "connectTimeout");
      return self();
    }

    /**
     * The longest silence while reading a response, streamed or not; positive. Default 10 min.
     *
     * @param timeout positive
     * @return this builder
     */
    public B readTimeout(Duration timeout) {
      this.readTimeout = RetryPolicy.positive(timeout, "readTimeout");
      return self();
    }

    /**
     * The longest wait while sending a request; positive. Default 60 s.
     *
     * @param timeout positive
     * @return this builder
     */
    public B writeTimeout(Duration timeout) {
      this.writeTimeout = RetryPolicy.positive(timeout, "writeTimeout");
      return self();
    }

    /**
     * A limit on one whole HTTP call (each retry gets its own); zero means none, the default.
     *
     * @param timeout zero or positive
     * @return this builder
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    public B callTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "callTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("callTimeout must not be negative, got " + timeout);
      }
      this.callTimeout = timeout;
      return self();
    }

    /**
     * The OkHttp client to derive from (sharing its connection pool, dispatcher and interceptors).
     *
     * @param client the client whose settings are shared; this builder's timeouts replace its own
     * @return this builder
     */
    public B httpClient(OkHttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return self();
    }

    /**
     * How calls are retried (attempts, backoff, which failures); default {@link RetryPolicy#defaults()}.
     *
     * @param policy the retry policy
     * @return this builder
     */
    public B retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "policy");
      return self();
    }

    /**
     * The prices that fill in each response's cost; default {@link PriceTable#defaults()}.
     *
     * @param prices the price table
     * @return this builder
     */
    public B priceTable(PriceTable prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return self();
    }

    private @Nullable String resolveApiKey() {
      if (noApiKey) {
        return null;
      }
      if (apiKey != null) {
        return apiKey;
      }
      String fromEnv = System.getenv(keyVariable);
      if (fromEnv == null || fromEnv.isBlank()) {
        throw new IllegalStateException("no API key: environment variable " + keyVariable
            + " is not set; set it, or call apiKey(...), or noApiKey() for a server that needs none");
      }
      return fromEnv.strip();
    }
  }
}

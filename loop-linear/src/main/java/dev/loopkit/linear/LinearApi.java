package dev.loopkit.linear;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * One workspace's GraphQL calls: the {@code Authorization} header, rate-limit budgets read from every answer,
 * waits and retries, and Linear's error answers (HTTP errors and GraphQL errors sent with HTTP 200) turned into
 * typed exceptions naming the operation. Thread-safe. The secret is only ever written into the header and is
 * scrubbed from every message this class builds.
 *
 * <p>Every request may be repeated: queries are reads, and every mutation the tracker sends either sets values
 * (an update) or carries an id the tracker chose (a create), so a repeat after a lost answer cannot file twice.
 */
final class LinearApi {
  private static final Logger LOG = LoggerFactory.getLogger(LinearApi.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /** Everything the class needs, gathered by {@link LinearTracker.Builder}. */
  record Settings(OkHttpClient http, HttpUrl endpoint, String authorization, String secret, Clock clock,
      Sleeper sleeper, Consumer<RateLimitWait> listener, Duration maxWait, Duration minWait, int maxRetries,
      String userAgent) {}

  /** One GraphQL error as Linear sent it; {@code code} normalized, {@code path} the aliases down to the field. */
  record GraphQlError(String message, String code, List<String> path, boolean userError) {
    /** Linear's answer for an id it does not hold: "Entity not found", code INVALID_INPUT or none. */
    boolean notFound() {
      return message.toLowerCase(java.util.Locale.ROOT).contains("not found")
          || code.equals("ENTITY_NOT_FOUND");
    }

    boolean at(String alias) {
      return !path.isEmpty() && path.get(0).equals(alias);
    }
  }

  /** An answer: the data (possibly partial) and the errors scoped to fields that the caller maps itself. */
  record Result(String operation, JsonNode data, List<GraphQlError> errors, @Nullable Instant serverTime,
      boolean repeatedAfterLostAnswer) {
    /** The first error at the field with this alias; null when it resolved. */
    @Nullable GraphQlError errorAt(String alias) {
      for (GraphQlError e : errors) {
        if (e.at(alias)) {
          return e;
        }
      }
      return null;
    }
  }

  private final Settings s;
  private final ObjectMapper json;
  private final AtomicReference<@Nullable RateLimit> rateLimit = new AtomicReference<>();
  private final AtomicLong sent = new AtomicLong();

  LinearApi(Settings settings, ObjectMapper json) {
    this.s = settings;
    this.json = json;
  }

  @Nullable RateLimit rateLimit() {
    return rateLimit.get();
  }

  long requestsSent() {
    return sent.get();
  }

  String endpoint() {
    return s.endpoint().toString();
  }

  /**
   * Sends one operation and returns its data; errors that name a field ({@code path}) and are not rate limits,
   * authentication or server faults are returned for the caller to map (an unknown id, a rejected input).
   *
   * @throws LinearException for transport, HTTP, authentication, rate-limit (past the waits allowed), server
   *     and unscoped GraphQL errors, and for an answer without {@code data}
   */
  Result execute(String operation, String document, ObjectNode variables) {
    ObjectNode body = json.createObjectNode().put("operationName", operation).put("query", document);
    body.set("variables", variables);
    String payload;
    try {
      payload = json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
    boolean lost = false;
    for (int attempt = 1; ; attempt++) {
      Request request = new Request.Builder().url(s.endpoint())
          .header("Authorization", s.authorization())
          .header("Accept", "application/json")
          .header("User-Agent", s.userAgent())
          .post(RequestBody.create(payload, JSON)).build();
      int code;
      JsonNode answer;
      RateLimit budget;
      String retryAfter;
      Instant serverTime;
      try (Response response = s.http().newCall(request).execute()) {
        sent.incrementAndGet();
        code = response.code();
        budget = readRateLimit(response);
        if (budget != null) {
          rateLimit.set(budget);
        }
        retryAfter = response.header("retry-after");
        serverTime = httpDate(response.header("Date"));
        answer = parse(response.body(), code, operation);
        LOG.debug("{} -> {}", operation, code);
      } catch (IOException e) {
        if (attempt > s.maxRetries()) {
          throw new LinearException(LinearException.Kind.TRANSPORT, operation, "", "no answer from Linear to "
              + operation + " at " + s.endpoint() + " after " + attempt + " attempts: "
              + scrub(String.valueOf(e.getMessage())), null);
        }
        lost = true;
        pause(backoff(attempt), operation);
        continue;
      }
      List<GraphQlError> errors = errors(answer);
      GraphQlError limited = first(errors, "RATELIMITED");
      if (code == 429 || limited != null) {
        RateLimitWait wait = rateLimitWait(retryAfter, budget, attempt, operation);
        String said = limited != null ? limited.message() : "HTTP 429";
        if (attempt > s.maxRetries()) {
          throw new LinearException(LinearException.Kind.RATE_LIMITED, operation, "RATELIMITED", "Linear"
              + " rate-limited " + operation + " (" + scrub(said) + ") " + attempt + " times: giving up after the "
              + s.maxRetries() + " retries allowed" + budgetNote(budget), null);
        }
        if (wait.delay().compareTo(s.maxWait()) > 0) {
          throw new LinearException(LinearException.Kind.RATE_LIMITED, operation, "RATELIMITED", "Linear"
              + " rate-limited " + operation + " (" + scrub(said) + "): it asks for a wait of " + wait.delay()
              + ", more than the cap of " + s.maxWait() + budgetNote(budget), null);
        }
        notify(wait);
        pause(wait.delay(), operation);
        continue;
      }
      LinearException failure = failure(code, errors, operation);
      if (failure != null) {
        if (failure.kind() == LinearException.Kind.SERVER && attempt <= s.maxRetries()) {
          pause(backoff(attempt), operation);
          continue;
        }
        throw failure;
      }
      JsonNode data = answer.path("data");
      if (!data.isObject()) {
        if (errors.isEmpty()) {
          throw malformed(operation, "data", "an object (the answer has neither data nor errors)");
        }
        // a non-null field that failed nulls the whole of data (GraphQL's null propagation): the field-scoped
        // errors still say what failed, and the caller maps them
        data = json.createObjectNode();
      }
      return new Result(operation, data, errors, serverTime, lost);
    }
  }

  /**
   * The exception for an answer that is not a success: HTTP errors, and GraphQL errors that are not scoped to a
   * field (or are scoped but mean the key, the plan or the server failed). Null when the caller may map the
   * remaining errors itself.
   */
  private @Nullable LinearException failure(int code, List<GraphQlError> errors, String operation) {
    GraphQlError auth = first(errors, "AUTHENTICATION_ERROR");
    if (code == 401 || auth != null) {
      return new LinearException(LinearException.Kind.AUTHENTICATION, operation, auth != null
          ? "AUTHENTICATION_ERROR" : "HTTP_401", "Linear refused the credentials for " + operation + " ("
          + (auth != null ? scrub(auth.message()) : "HTTP 401") + "): expected a valid personal API key (sent as"
          + " 'Authorization: <key>') or an OAuth token (sent as 'Authorization: Bearer <token>'); check the"
          + " environment variable and the credential kind configured", null);
    }
    GraphQlError forbidden = first(errors, "FORBIDDEN");
    if (code == 403 || forbidden != null) {
      return new LinearException(LinearException.Kind.FORBIDDEN, operation, forbidden != null ? "FORBIDDEN"
          : "HTTP_403", "Linear denied " + operation + " (" + (forbidden != null ? scrub(forbidden.message())
          : "HTTP 403") + "): expected a key whose user can read and write the team's issues", null);
    }
    GraphQlError usage = first(errors, "USAGE_LIMIT_EXCEEDED");
    if (usage != null) {
      return new LinearException(LinearException.Kind.USAGE_LIMIT, operation, "USAGE_LIMIT_EXCEEDED", "Linear"
          + " refused " + operation + ": the workspace's usage limit is reached (" + scrub(usage.message()) + ")",
          null);
    }
    for (String server : List.of("INTERNAL_ERROR", "LOCK_TIMEOUT", "NETWORK_ERROR", "BOOTSTRAP_ERROR")) {
      GraphQlError e = first(errors, server);
      if (e != null) {
        return new LinearException(LinearException.Kind.SERVER, operation, server, "Linear failed " + operation
            + " (" + server + ": " + scrub(e.message()) + ")", null);
      }
    }
    if (code >= 500) {
      return new LinearException(LinearException.Kind.SERVER, operation, "HTTP_" + code, "Linear answered HTTP "
          + code + " to " + operation + summary(errors), null);
    }
    List<GraphQlError> unscoped = new ArrayList<>();
    for (GraphQlError e : errors) {
      if (e.path().isEmpty()) {
        unscoped.add(e);
      }
    }
    if (!unscoped.isEmpty()) {
      // errors scoped to a field (an unknown id, a rejected input) go back to the caller, whatever the status
      GraphQlError e = unscoped.get(0);
      if (e.userError() || e.code().equals("INVALID_INPUT")) {
        // a person fixes this (a value Linear rejects); the tracker's own queries are never malformed by design
        throw new InputException("Linear rejected " + operation + " (" + (e.code().isEmpty() ? "" : e.code()
            + ": ") + scrub(e.message()) + "): expected input Linear accepts; check the values named");
      }
      return new LinearException(LinearException.Kind.OTHER, operation, e.code(), "Linear answered " + operation
          + " with an error" + summary(errors), null);
    }
    if (code >= 300 && errors.isEmpty()) {
      return new LinearException(LinearException.Kind.OTHER, operation,
          "HTTP_" + code, "Linear answered HTTP " + code + " to " + operation + " at " + s.endpoint()
          + ": expected 200 from a GraphQL endpoint such as https://api.linear.app/graphql", null);
    }
    return null;
  }

  private String summary(List<GraphQlError> errors) {
    if (errors.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (GraphQlError e : errors) {
      parts.add((e.code().isEmpty() ? "" : e.code() + " ") + (e.path().isEmpty() ? "" : "at "
          + String.join(".", e.path()) + " ") + "'" + e.message() + "'");
    }
    return ": " + scrub(String.join("; ", parts));
  }

  private static @Nullable GraphQlError first(List<GraphQlError> errors, String code) {
    for (GraphQlError e : errors) {
      if (e.code().equals(code)) {
        return e;
      }
    }
    return null;
  }

  private List<GraphQlError> errors(JsonNode answer) {
    List<GraphQlError> out = new ArrayList<>();
    for (JsonNode e : answer.path("errors")) {
      JsonNode ext = e.path("extensions");
      // third-party clients cite extensions.code (RATELIMITED); Linear's SDK reads extensions.type
      // ("ratelimited", "authentication error"): accept both, case-insensitively
      String code = ext.path("code").asText("");
      if (code.isEmpty()) {
        code = ext.path("type").asText("");
      }
      List<String> path = new ArrayList<>();
      for (JsonNode p : e.path("path")) {
        path.add(p.asText());
      }
      String message = ext.path("userPresentableMessage").asText(e.path("message").asText("(no message)"));
      if (!e.path("message").asText("").isEmpty() && !message.equals(e.path("message").asText())) {
        message = e.path("message").asText() + " - " + message;
      }
      out.add(new GraphQlError(message, LinearException.normalize(code), List.copyOf(path),
          ext.path("userError").asBoolean(false)));
    }
    return out;
  }

  private JsonNode parse(@Nullable ResponseBody body, int code, String operation) throws IOException {
    String text = body == null ? "" : body.string();
    if (text.isBlank()) {
      if (code >= 500) {
        return json.createObjectNode();
      }
      if (code == 401 || code == 403 || code == 429) {
        return json.createObjectNode();
      }
      throw new LinearException(LinearException.Kind.MALFORMED_RESPONSE, operation, "HTTP_" + code, "Linear"
          + " answered " + operation + " with HTTP " + code + " and an empty body: expected a GraphQL JSON answer",
          null);
    }
    try {
      JsonNode node = json.readTree(text);
      if (!node.isObject()) {
        throw malformed(operation, "(the answer)", "a JSON object with data or errors");
      }
      return node;
    } catch (JsonProcessingException e) {
      if (code >= 500 || code == 429) {
        // a proxy's HTML error page: let the status decide
        return json.createObjectNode();
      }
      throw new LinearException(LinearException.Kind.MALFORMED_RESPONSE, operation, "HTTP_" + code, "Linear"
          + " answered " + operation + " with HTTP " + code + " and a body that is not JSON: '"
          + scrub(abbreviate(text)) + "'", null);
    }
  }

  /** A MALFORMED_RESPONSE error naming the field and what was expected of it. */
  LinearException malformed(String operation, String field, String expected) {
    return new LinearException(LinearException.Kind.MALFORMED_RESPONSE, operation, "", "Linear answered "
        + operation + " without the expected shape: field '" + field + "' should be " + expected, null);
  }

  // ---- rate limits ----

  /**
   * The wait for a rate-limited answer: {@code retry-after} if sent; else the reset of whichever budget is spent
   * (requests first, then complexity); else the minimum wait, doubling per attempt (the bucket refills
   * continuously, so a short wait usually suffices).
   */
  private RateLimitWait rateLimitWait(@Nullable String retryAfter, @Nullable RateLimit budget, int attempt,
      String operation) {
    Instant now = s.clock().instant();
    if (retryAfter != null) {
      Duration d = parseRetryAfter(retryAfter.trim(), now);
      if (d != null) {
        return new RateLimitWait(now, RateLimitWait.Reason.RETRY_AFTER, d, attempt, operation, budget);
      }
    }
    if (budget != null && budget.requestsExhausted() && budget.requestsReset() != null) {
      return new RateLimitWait(now, RateLimitWait.Reason.REQUESTS_RESET, until(now, budget.requestsReset()),
          attempt, operation, budget);
    }
    if (budget != null && budget.complexityExhausted() && budget.complexityReset() != null) {
      return new RateLimitWait(now, RateLimitWait.Reason.COMPLEXITY_RESET, until(now, budget.complexityReset()),
          attempt, operation, budget);
    }
    Duration d = s.minWait().multipliedBy(1L << Math.min(attempt - 1, 10));
    return new RateLimitWait(now, RateLimitWait.Reason.BACKOFF, d, attempt, operation, budget);
  }

  private static Duration until(Instant now, Instant reset) {
    Duration d = Duration.between(now, reset).plusSeconds(1);
    return d.isNegative() || d.isZero() ? Duration.ofSeconds(1) : d;
  }

  private static @Nullable Duration parseRetryAfter(String value, Instant now) {
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException e) {
      Instant at = httpDate(value);
      if (at == null) {
        return null;
      }
      Duration d = Duration.between(now, at);
      return d.isNegative() ? Duration.ZERO : d;
    }
  }

  private static @Nullable Instant httpDate(@Nullable String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static @Nullable RateLimit readRateLimit(Response response) {
    long reqLimit = number(response.header("x-ratelimit-requests-limit"));
    long reqRemaining = number(response.header("x-ratelimit-requests-remaining"));
    long cxLimit = number(response.header("x-ratelimit-complexity-limit"));
    long cxRemaining = number(response.header("x-ratelimit-complexity-remaining"));
    if (reqLimit < 0 && reqRemaining < 0 && cxLimit < 0 && cxRemaining < 0) {
      return null;
    }
    return new RateLimit(reqLimit, reqRemaining, epoch(response.header("x-ratelimit-requests-reset")), cxLimit,
        cxRemaining, epoch(response.header("x-ratelimit-complexity-reset")), number(response.header("x-complexity")));
  }

  private static long number(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return (long) Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Linear sends resets as epoch milliseconds; a value small enough to be seconds is read as seconds. */
  private static @Nullable Instant epoch(@Nullable String value) {
    long n = number(value);
    if (n < 0) {
      return null;
    }
    return n < 100_000_000_000L ? Instant.ofEpochSecond(n) : Instant.ofEpochMilli(n);
  }

  private static String budgetNote(@Nullable RateLimit budget) {
    return budget == null ? "" : " (budget: " + budget + ")";
  }

  private Duration backoff(int attempt) {
    Duration d = Duration.ofSeconds(1L << Math.min(attempt - 1, 10));
    return d.compareTo(s.maxWait()) > 0 ? s.maxWait() : d;
  }

  private void pause(Duration d, String operation) {
    try {
      s.sleeper().sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LinearException(LinearException.Kind.TRANSPORT, operation, "", "interrupted while waiting " + d
          + " to repeat " + operation, e);
    }
  }

  private void notify(RateLimitWait wait) {
    LOG.info("Linear rate limit: waiting {} ({}) before repeating {}", wait.delay(), wait.reason(),
        wait.operation());
    try {
      s.listener().accept(wait);
    } catch (RuntimeException e) {
      LOG.warn("rate-limit listener failed on {}; the wait goes ahead", wait, e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** The message with the secret, should it ever appear, replaced. */
  String scrub(String message) {
    return s.secret().isEmpty() ? message : message.replace(s.secret(), "[redacted]");
  }
}

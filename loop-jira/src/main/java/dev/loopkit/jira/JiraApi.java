package dev.loopkit.jira;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
 * One Jira site's REST v3 calls: the {@code Authorization} header, rate-limit waits ({@code Retry-After},
 * {@code X-RateLimit-Reset}, {@code RateLimit-Reason}), retries of what is safe to repeat, and Jira's error
 * answers turned into Loop exceptions. Thread-safe. The secret is only ever written into the header and is
 * scrubbed from every message this class builds.
 */
final class JiraApi {
  private static final Logger LOG = LoggerFactory.getLogger(JiraApi.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  /** {@code X-RateLimit-Reset} as Atlassian documents it, e.g. {@code 2026-01-05T17:36Z}. */
  private static final DateTimeFormatter RESET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm[:ss][.SSS]X");

  /** Everything the class needs, gathered by {@link JiraTracker.Builder}. */
  record Settings(OkHttpClient http, HttpUrl site, String authorization, List<String> secrets, String userAgent,
      Clock clock, Sleeper sleeper, Consumer<JiraTracker.RateLimitWait> listener, Duration maxWait,
      Duration firstBackoff, int maxRetries) {
    /** Without the header value and the secrets: a record's own toString would print them. */
    @Override
    public String toString() {
      return "JiraApi.Settings{" + site + ", authorization [redacted], " + userAgent + ", maxWait " + maxWait
          + ", maxRetries " + maxRetries + "}";
    }
  }

  /** An answer: its status, its parsed body (missing when empty) and the request it answered. */
  record Answer(int code, JsonNode body, String request) {}

  private final Settings s;
  private final ObjectMapper json;
  private final AtomicLong sent = new AtomicLong();

  JiraApi(Settings settings, ObjectMapper json) {
    this.s = settings;
    this.json = json;
  }

  HttpUrl site() {
    return s.site();
  }

  /** {@code <site>/rest/api/3/<segments...>}. */
  HttpUrl.Builder url(String... segments) {
    HttpUrl.Builder b = s.site().newBuilder().addPathSegments("rest/api/3");
    for (String segment : segments) {
      b.addPathSegment(segment);
    }
    return b;
  }

  long requestsSent() {
    return sent.get();
  }

  /** A call whose answer must be 2xx. {@code repeatable}: safe to send again after a lost answer or a 5xx. */
  JsonNode send(String method, HttpUrl url, @Nullable JsonNode body, String what, boolean repeatable) {
    Answer answer = exchange(method, url, body, what, repeatable);
    if (answer.code() >= 200 && answer.code() < 300) {
      return answer.body();
    }
    throw failure(answer, what);
  }

  /** A call whose answer must be 2xx, or empty when Jira answers 404 (no such issue, or not visible to us). */
  Optional<JsonNode> find(String method, HttpUrl url, @Nullable JsonNode body, String what, boolean repeatable) {
    Answer answer = exchange(method, url, body, what, repeatable);
    if (answer.code() == 404) {
      return Optional.empty();
    }
    if (answer.code() >= 200 && answer.code() < 300) {
      return Optional.of(answer.body());
    }
    throw failure(answer, what);
  }

  /** The raw answer, for callers that read a refusal themselves (a transition no longer valid). */
  Answer exchange(String method, HttpUrl url, @Nullable JsonNode body, String what, boolean repeatable) {
    String request = method + " " + url.encodedPath();
    for (int attempt = 1; ; attempt++) {
      Request.Builder rb = new Request.Builder().url(url)
          .header("Authorization", s.authorization())
          .header("Accept", "application/json")
          .header("User-Agent", s.userAgent());
      if (method.equals("GET")) {
        rb.get();
      } else {
        rb.method(method, body == null ? (method.equals("DELETE") ? null : RequestBody.create("", JSON))
            : RequestBody.create(write(body), JSON));
      }
      JiraTracker.RateLimitWait wait = null;
      Answer answer;
      try (Response response = s.http().newCall(rb.build()).execute()) {
        sent.incrementAndGet();
        int code = response.code();
        LOG.debug("{} -> {}", request, code);
        if (code == 401 || code == 403) {
          throw authFailure(response, code, what, request);
        }
        if (code == 429 || code == 503) {
          wait = rateLimitWait(response, code, attempt, request);
        }
        answer = new Answer(code, wait != null ? MissingNode.getInstance()
            : parse(response.body(), code, request, what), request);
      } catch (IOException e) {
        if (!repeatable || attempt > s.maxRetries()) {
          throw new AdapterException("no answer from Jira at " + s.site() + " to " + what + " (" + request
              + ", attempt " + attempt + "): " + scrub(String.valueOf(e.getMessage()))
              + (repeatable ? "" : "; this write is not repeated blindly, so it may or may not have happened"),
              null, true);
        }
        pause(backoff(attempt), request);
        continue;
      }
      if (wait != null) {
        if (attempt > s.maxRetries()) {
          throw new AdapterException("Jira rate-limited " + what + " (" + request + ", " + wait.status() + ", "
              + wait.reason() + ") " + attempt + " times: giving up after the " + s.maxRetries()
              + " retries allowed", null, true);
        }
        if (wait.delay().compareTo(s.maxWait()) > 0) {
          throw new AdapterException("Jira rate-limited " + what + " (" + request + ", " + wait.status() + ", "
              + wait.reason() + "): it asks for a wait of " + wait.delay() + ", more than the cap of "
              + s.maxWait(), null, true);
        }
        notify(wait);
        pause(wait.delay(), request);
        continue;
      }
      if (answer.code() >= 500 && repeatable && attempt <= s.maxRetries()) {
        pause(backoff(attempt), request);
        continue;
      }
      return answer;
    }
  }

  /**
   * A 401 or 403. Repeated failed logins make Jira demand a CAPTCHA, which it says in
   * {@code X-Seraph-LoginReason: AUTHENTICATION_DENIED}: no API call can pass until a person logs in through
   * the browser, so none of these is ever retried.
   */
  private AdapterException authFailure(Response response, int code, String what, String request) {
    String reason = String.valueOf(response.header("X-Seraph-LoginReason"));
    String said = "";
    try {
      ResponseBody body = response.body();
      said = errorText(parse(body, code, request, what));
    } catch (IOException | JiraResponseException e) {
      said = "";
    }
    if (reason.contains("AUTHENTICATION_DENIED")) {
      return new AdapterException("Jira at " + s.site() + " denied the login for " + what + " (" + code
          + ", X-Seraph-LoginReason: AUTHENTICATION_DENIED): too many failed logins made the account require a"
          + " CAPTCHA; log in once in a browser, check the token, then run again (not retried)");
    }
    if (code == 401) {
      return new AdapterException("Jira at " + s.site() + " refused the credentials (401" + said + ") while "
          + what + ": expected a valid email and API token (or bearer token) in the configured environment"
          + " variable (not retried)");
    }
    return new AdapterException("Jira at " + s.site() + " denied " + what + " (403" + said + ", " + request
        + "): expected an account with Browse, Create, Edit, Transition and Comment permission on the project,"
        + " and a token with scope write:jira-work (not retried)");
  }

  /**
   * A 429, or a 503 (Jira sends {@code Retry-After} with some): {@code Retry-After} (seconds or an HTTP date)
   * first, then {@code X-RateLimit-Reset}, else a backoff that doubles per attempt.
   */
  private JiraTracker.RateLimitWait rateLimitWait(Response response, int code, int attempt, String request) {
    Instant now = s.clock().instant();
    String reason = Optional.ofNullable(response.header("RateLimit-Reason")).map(String::trim).orElse("");
    Duration delay = null;
    String retryAfter = response.header("Retry-After");
    if (retryAfter != null) {
      delay = parseRetryAfter(retryAfter.trim(), now);
    }
    String reset = response.header("X-RateLimit-Reset");
    if (delay == null && reset != null) {
      try {
        Duration d = Duration.between(now, OffsetDateTime.parse(reset.trim(), RESET).toInstant());
        delay = d.isNegative() ? Duration.ofSeconds(1) : d;
      } catch (DateTimeParseException e) {
        LOG.debug("ignoring a malformed X-RateLimit-Reset '{}'", reset);
      }
    }
    if (delay == null) {
      delay = backoff(attempt);
    }
    return new JiraTracker.RateLimitWait(now, code, reason.isEmpty() ? (code == 503 ? "unavailable" : "unnamed")
        : reason, delay, attempt, request);
  }

  private static @Nullable Duration parseRetryAfter(String value, Instant now) {
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  private Duration backoff(int attempt) {
    Duration d = s.firstBackoff().multipliedBy(1L << Math.min(attempt - 1, 10));
    return d.compareTo(s.maxWait()) > 0 ? s.maxWait() : d;
  }

  private void pause(Duration d, String request) {
    try {
      s.sleeper().sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdapterException("interrupted while waiting " + d + " to repeat " + request + " on " + s.site(),
          e, true);
    }
  }

  private void notify(JiraTracker.RateLimitWait wait) {
    LOG.info("Jira rate limit at {}: waiting {} ({} {}) before repeating {}", s.site(), wait.delay(),
        wait.status(), wait.reason(), wait.request());
    try {
      s.listener().accept(wait);
    } catch (RuntimeException e) {
      LOG.warn("rate-limit listener failed on {}; the wait goes ahead", wait, e);
    }
  }

  private JsonNode parse(@Nullable ResponseBody body, int code, String request, String what) throws IOException {
    String text = body == null ? "" : body.string();
    if (text.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      if (code >= 500) {
        // a proxy's HTML error page: the failure is the status, not the body
        return MissingNode.getInstance();
      }
      throw new JiraResponseException("Jira answered " + what + " (" + request + ") with HTTP " + code
          + " and a body that is not JSON: '" + scrub(abbreviate(text)) + "'", "(body)");
    }
  }

  private String write(JsonNode body) {
    try {
      return json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /** The exception for a non-2xx answer that was not waited out or retried. */
  RuntimeException failure(Answer answer, String what) {
    int code = answer.code();
    String said = errorText(answer.body());
    if (code == 400) {
      return new InputException("Jira rejected " + what + " (" + answer.request() + ", 400" + said
          + "): expected a request Jira accepts; check the values named");
    }
    if (code == 404) {
      return new AdapterException("Jira answered 404" + said + " to " + what + " (" + answer.request() + " on "
          + s.site() + "): expected the resource to exist and be visible to this account");
    }
    if (code == 410) {
      return new AdapterException("Jira answered 410 Gone" + said + " to " + what + " (" + answer.request()
          + "): the endpoint was removed from this site");
    }
    return new AdapterException("Jira answered " + code + said + " to " + what + " (" + answer.request()
        + " on " + s.site() + ")", null, code >= 500 || code == 429);
  }

  /** {@code errorMessages} and the {@code errors} map of a Jira error body, as " : a; field: b". */
  String errorText(JsonNode body) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : body.path("errorMessages")) {
      out.add(m.asText());
    }
    for (Map.Entry<String, JsonNode> e : body.path("errors").properties()) {
      out.add(e.getKey() + ": " + e.getValue().asText());
    }
    if (out.isEmpty() && body.path("message").isTextual()) {
      out.add(body.path("message").asText());
    }
    return out.isEmpty() ? "" : " " + scrub(String.join("; ", out));
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** The message with every form of the secret, should one ever appear, replaced. */
  String scrub(String message) {
    String out = message;
    for (String secret : s.secrets()) {
      if (!secret.isEmpty()) {
        out = out.replace(secret, "[redacted]");
      }
    }
    return out;
  }
}

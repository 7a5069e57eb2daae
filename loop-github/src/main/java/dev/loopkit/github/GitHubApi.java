package dev.loopkit.github;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * One repository's REST calls: authentication headers, conditional GETs served from a cache of bodies and
 * ETags, {@code Link} pagination, rate-limit waits, and GitHub's error answers turned into Loop exceptions.
 * Thread-safe. The token is only ever written into the {@code Authorization} header and scrubbed from every
 * message this class builds.
 */
final class GitHubApi {
  private static final Logger LOG = LoggerFactory.getLogger(GitHubApi.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  static final String API_VERSION = "2022-11-28";
  private static final int CACHE_ENTRIES = 2_000;

  /** A page (or whole answer) with the next page's address; {@code cached} when GitHub answered 304. */
  record Page(JsonNode body, @Nullable HttpUrl next, boolean cached) {}

  private record Cached(String etag, JsonNode body, @Nullable HttpUrl next) {}

  /** Everything the class needs, gathered by {@link GitHubTracker.Builder}. */
  record Settings(OkHttpClient http, HttpUrl base, String owner, String name, String token, String userAgent,
      Clock clock, Sleeper sleeper, RateLimitListener listener, Duration maxWait, Duration minSecondaryWait,
      int maxRetries) {}

  private final Settings s;
  private final ObjectMapper json;
  private final String repository;
  private final Map<String, Cached> cache = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };
  private final AtomicReference<@Nullable RateLimit> rateLimit = new AtomicReference<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong notModified = new AtomicLong();
  private volatile boolean repositorySeen;

  GitHubApi(Settings settings, ObjectMapper json) {
    this.s = settings;
    this.json = json;
    this.repository = settings.owner() + "/" + settings.name();
  }

  String repository() {
    return repository;
  }

  /** {@code <base>/repos/<owner>/<name>/<segments...>}. */
  HttpUrl.Builder repoUrl(String... segments) {
    HttpUrl.Builder b = s.base().newBuilder().addPathSegment("repos").addPathSegment(s.owner())
        .addPathSegment(s.name());
    for (String segment : segments) {
      b.addPathSegment(segment);
    }
    return b;
  }

  @Nullable RateLimit rateLimit() {
    return rateLimit.get();
  }

  long requestsSent() {
    return sent.get();
  }

  long notModifiedAnswers() {
    return notModified.get();
  }

  /** GET one resource; throws for any answer but 2xx or 304. */
  JsonNode get(HttpUrl url, String what) {
    return require(exchange("GET", url, null, what), url, what).body();
  }

  /** GET one resource; empty when GitHub answers 404 or 410 (and the repository itself exists). */
  Optional<JsonNode> find(HttpUrl url, String what) {
    Answer answer = exchange("GET", url, null, what);
    if (answer.code == 404 || answer.code == 410) {
      requireRepository(what);
      return Optional.empty();
    }
    return Optional.of(require(answer, url, what).body());
  }

  /** Every item of a paginated list, following {@code Link: rel="next"} verbatim. */
  List<JsonNode> getAll(HttpUrl first, String what) {
    return collect(require(exchange("GET", first, null, what), first, what), first, what);
  }

  private List<JsonNode> collect(Page first, HttpUrl firstUrl, String what) {
    List<JsonNode> items = new ArrayList<>();
    Page page = first;
    HttpUrl url = firstUrl;
    while (true) {
      if (page.body().isArray()) {
        page.body().forEach(items::add);
      } else if (!page.body().isMissingNode()) {
        throw new AdapterException("GitHub answered " + what + " (GET " + url.encodedPath()
            + ") with a JSON " + page.body().getNodeType().name().toLowerCase(Locale.ROOT)
            + ": expected an array of items");
      }
      HttpUrl next = page.next();
      if (next == null) {
        return items;
      }
      url = next;
      page = require(exchange("GET", url, null, what), url, what);
    }
  }

  /**
   * Every item of a paginated list; empty when the first page is answered 404 (and the repository exists),
   * for endpoints a server may not offer.
   */
  Optional<List<JsonNode>> findAll(HttpUrl first, String what) {
    Answer answer = exchange("GET", first, null, what);
    if (answer.code == 404) {
      requireRepository(what);
      return Optional.empty();
    }
    return Optional.of(collect(require(answer, first, what), first, what));
  }

  /**
   * A write whose answer must be 2xx, or empty when GitHub answers {@code emptyOn} (for 404, only once the
   * repository is known to exist).
   */
  Optional<JsonNode> trySend(String method, HttpUrl url, @Nullable JsonNode body, String what, int emptyOn) {
    Answer answer = exchange(method, url, body, what);
    if (answer.code == emptyOn) {
      if (emptyOn == 404) {
        requireRepository(what);
      }
      return Optional.empty();
    }
    return Optional.of(require(answer, url, what).body());
  }

  /** A write (POST, PATCH, PUT, DELETE) whose answer must be 2xx. */
  JsonNode send(String method, HttpUrl url, @Nullable JsonNode body, String what) {
    return require(exchange(method, url, body, what), url, what).body();
  }

  // ---- the exchange ----

  private static final class Answer {
    final int code;
    final JsonNode body;
    final @Nullable HttpUrl next;
    final boolean cached;
    final String message;

    Answer(int code, JsonNode body, @Nullable HttpUrl next, boolean cached, String message) {
      this.code = code;
      this.body = body;
      this.next = next;
      this.cached = cached;
      this.message = message;
    }
  }

  private Answer exchange(String method, HttpUrl url, @Nullable JsonNode body, String what) {
    boolean idempotent = !method.equals("POST");
    String request = method + " " + url.encodedPath();
    for (int attempt = 1; ; attempt++) {
      Cached cached = null;
      Request.Builder rb = new Request.Builder().url(url)
          .header("Authorization", "Bearer " + s.token())
          .header("Accept", "application/vnd.github+json")
          .header("X-GitHub-Api-Version", API_VERSION)
          .header("User-Agent", s.userAgent());
      if (method.equals("GET")) {
        synchronized (cache) {
          cached = cache.get(url.toString());
        }
        if (cached != null) {
          rb.header("If-None-Match", cached.etag());
        }
        rb.get();
      } else {
        rb.method(method, body == null ? (method.equals("DELETE") ? null : RequestBody.create("{}", JSON))
            : RequestBody.create(write(body), JSON));
      }
      Answer answer;
      RateLimitWait wait;
      try (Response response = s.http().newCall(rb.build()).execute()) {
        sent.incrementAndGet();
        RateLimit budget = readRateLimit(response);
        if (budget != null) {
          rateLimit.set(budget);
        }
        int code = response.code();
        LOG.debug("{} -> {}", request, code);
        if (code == 304) {
          notModified.incrementAndGet();
          if (cached == null) {
            throw new AdapterException("GitHub answered 304 Not Modified to " + what + " (" + request
                + ") although no If-None-Match was sent");
          }
          repositorySeen = true;
          return new Answer(304, cached.body(), cached.next(), true, "");
        }
        JsonNode parsed = parse(response.body(), code, request, what);
        HttpUrl next = nextLink(response.header("Link"), url);
        String message = parsed.path("message").asText("");
        if (code >= 200 && code < 300) {
          repositorySeen = true;
          String etag = response.header("ETag");
          if (method.equals("GET") && etag != null) {
            synchronized (cache) {
              cache.put(url.toString(), new Cached(etag, parsed, next));
            }
          }
          return new Answer(code, parsed, next, false, message);
        }
        answer = new Answer(code, parsed, next, false, message);
        wait = (code == 403 || code == 429) ? rateLimitWait(response, message, budget, attempt, request) : null;
      } catch (IOException e) {
        if (!idempotent || attempt > s.maxRetries()) {
          throw new AdapterException("no answer from GitHub to " + what + " (" + request + ", attempt " + attempt
              + "): " + scrub(String.valueOf(e.getMessage())) + (idempotent ? "" : "; a POST is not repeated,"
              + " so the write may or may not have happened"), null, true);
        }
        pause(backoff(attempt), request);
        continue;
      }
      if (wait != null) {
        if (attempt > s.maxRetries()) {
          throw new AdapterException("GitHub rate-limited " + what + " on " + repository + " (" + request + ", "
              + answer.code + " " + answer.message + ") " + attempt + " times: giving up after the "
              + s.maxRetries() + " retries allowed" + budgetNote(wait.budget()), null, true);
        }
        if (wait.delay().compareTo(s.maxWait()) > 0) {
          throw new AdapterException("GitHub rate-limited " + what + " on " + repository + " (" + request + ", "
              + answer.code + " " + answer.message + "): it asks for a wait of " + wait.delay()
              + ", more than the cap of " + s.maxWait() + budgetNote(wait.budget()), null, true);
        }
        notify(wait);
        pause(wait.delay(), request);
        continue;
      }
      if (answer.code >= 500 && idempotent && attempt <= s.maxRetries()) {
        pause(backoff(attempt), request);
        continue;
      }
      return answer;
    }
  }

  private static String budgetNote(@Nullable RateLimit budget) {
    return budget == null ? "" : " (budget: " + budget + ")";
  }

  private Duration backoff(int attempt) {
    Duration d = Duration.ofSeconds(1L << Math.min(attempt - 1, 10));
    return d.compareTo(s.maxWait()) > 0 ? s.maxWait() : d;
  }

  private void pause(Duration d, String request) {
    try {
      s.sleeper().sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdapterException("interrupted while waiting " + d + " to repeat " + request + " on " + repository,
          e, true);
    }
  }

  private void notify(RateLimitWait wait) {
    LOG.info("GitHub rate limit on {}: waiting {} ({}) before repeating {}", repository, wait.delay(),
        wait.reason(), wait.request());
    try {
      s.listener().onWait(wait);
    } catch (RuntimeException e) {
      LOG.warn("rate-limit listener failed on {}; the wait goes ahead", wait, e);
    }
  }

  /**
   * GitHub's documented order: {@code retry-after}; else {@code x-ratelimit-remaining: 0} means wait for
   * {@code x-ratelimit-reset}; else a secondary limit (a 429, or a 403 saying so) waits the minimum, doubling.
   * A 403 with none of these is a permission error: null, not retried.
   */
  private @Nullable RateLimitWait rateLimitWait(Response response, String message, @Nullable RateLimit budget,
      int attempt, String request) {
    Instant now = s.clock().instant();
    String retryAfter = response.header("retry-after");
    if (retryAfter != null) {
      Duration d = parseRetryAfter(retryAfter.trim(), now);
      if (d != null) {
        return new RateLimitWait(now, RateLimitWait.Reason.RETRY_AFTER, d, attempt, request, budget);
      }
    }
    if ("0".equals(trimmed(response.header("x-ratelimit-remaining")))) {
      Instant reset = budget != null ? budget.reset() : null;
      Duration d = reset == null ? s.minSecondaryWait() : Duration.between(now, reset).plusSeconds(1);
      if (d.isNegative()) {
        d = Duration.ofSeconds(1);
      }
      return new RateLimitWait(now, RateLimitWait.Reason.PRIMARY_RESET, d, attempt, request, budget);
    }
    if (response.code() == 429 || message.toLowerCase(Locale.ROOT).contains("secondary rate limit")) {
      Duration d = s.minSecondaryWait().multipliedBy(1L << Math.min(attempt - 1, 10));
      return new RateLimitWait(now, RateLimitWait.Reason.SECONDARY, d, attempt, request, budget);
    }
    return null;
  }

  private static @Nullable Duration parseRetryAfter(String value, Instant now) {
    try {
      long seconds = Long.parseLong(value);
      return Duration.ofSeconds(Math.max(0, seconds));
    } catch (NumberFormatException e) {
      try {
        Instant at = java.time.ZonedDateTime.parse(value, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant();
        Duration d = Duration.between(now, at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (java.time.format.DateTimeParseException e2) {
        return null;
      }
    }
  }

  private static @Nullable String trimmed(@Nullable String s) {
    return s == null ? null : s.trim();
  }

  private static @Nullable RateLimit readRateLimit(Response response) {
    String limit = trimmed(response.header("x-ratelimit-limit"));
    String remaining = trimmed(response.header("x-ratelimit-remaining"));
    String reset = trimmed(response.header("x-ratelimit-reset"));
    if (limit == null || remaining == null || reset == null) {
      return null;
    }
    try {
      String used = trimmed(response.header("x-ratelimit-used"));
      String resource = trimmed(response.header("x-ratelimit-resource"));
      long l = Long.parseLong(limit);
      long r = Long.parseLong(remaining);
      return new RateLimit(l, r, used == null ? l - r : Long.parseLong(used),
          Instant.ofEpochSecond(Long.parseLong(reset)), resource == null ? "core" : resource);
    } catch (NumberFormatException e) {
      LOG.debug("ignoring malformed x-ratelimit headers: limit={} remaining={} reset={}", limit, remaining, reset);
      return null;
    }
  }

  /**
   * The {@code rel="next"} address of a {@code Link} header, resolved against the request; null when there is
   * none. Entries may come in any order and the URL is followed verbatim.
   */
  static @Nullable HttpUrl nextLink(@Nullable String header, HttpUrl request) {
    if (header == null) {
      return null;
    }
    for (String entry : header.split(",(?=\\s*<)")) {
      int open = entry.indexOf('<');
      int close = entry.indexOf('>', open + 1);
      if (open < 0 || close < 0) {
        continue;
      }
      for (String param : entry.substring(close + 1).split(";")) {
        String p = param.trim();
        int eq = p.indexOf('=');
        if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("rel")) {
          String rels = p.substring(eq + 1).trim().replace("\"", "");
          for (String rel : rels.split("\\s+")) {
            if (rel.equalsIgnoreCase("next")) {
              return request.resolve(entry.substring(open + 1, close).trim());
            }
          }
        }
      }
    }
    return null;
  }

  private JsonNode parse(@Nullable ResponseBody body, int code, String request, String what) throws IOException {
    String text = body == null ? "" : body.string();
    if (text.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AdapterException("GitHub answered " + what + " (" + request + ") with HTTP " + code
          + " and a body that is not JSON: '" + scrub(abbreviate(text)) + "'", null, code >= 500);
    }
  }

  private String write(JsonNode body) {
    try {
      return json.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  private Page require(Answer answer, HttpUrl url, String what) {
    if (answer.code < 300 || answer.code == 304) {
      return new Page(answer.body, answer.next, answer.cached);
    }
    throw failure(answer, url, what);
  }

  private void requireRepository(String what) {
    if (repositorySeen) {
      return;
    }
    HttpUrl url = repoUrl().build();
    Answer answer = exchange("GET", url, null, "checking that repository " + repository + " exists");
    if (answer.code == 404) {
      throw missingRepository(what);
    }
    require(answer, url, "checking that repository " + repository + " exists");
  }

  private AdapterException missingRepository(String what) {
    return new AdapterException("repository " + repository + " was not found at " + s.base() + " (404 while "
        + what + "): expected an existing owner/name that the token can read; GitHub answers 404, not 403, for"
        + " a private repository the token cannot see");
  }

  private RuntimeException failure(Answer answer, HttpUrl url, String what) {
    String request = url.encodedPath();
    String said = answer.message.isEmpty() ? "" : " " + scrub(answer.message);
    int code = answer.code;
    if (code == 404) {
      if (!repositorySeen) {
        HttpUrl repo = repoUrl().build();
        Answer check = exchange("GET", repo, null, "checking that repository " + repository + " exists");
        if (check.code == 404) {
          return missingRepository(what);
        }
      }
      return new AdapterException("GitHub answered 404" + said + " to " + what + " (" + request + " on "
          + repository + "): expected the resource to exist");
    }
    if (code == 422 || code == 400) {
      return new InputException("GitHub rejected " + what + " on " + repository + " (" + request + ", " + code
          + said + ")" + validationErrors(answer.body) + ": expected a request GitHub accepts; check the values"
          + " named");
    }
    if (code == 401) {
      return new AdapterException("GitHub refused the token for " + repository + " (401" + said + ") while "
          + what + ": expected a valid token in GITHUB_TOKEN or GitHubTracker.builder().token(...)");
    }
    if (code == 403) {
      return new AdapterException("GitHub denied " + what + " on " + repository + " (403" + said + ", no"
          + " rate-limit signal, so not retried): expected a token with Issues read and write permission on the"
          + " repository");
    }
    if (code == 410) {
      return new AdapterException("GitHub answered 410 Gone" + said + " to " + what + " on " + repository
          + ": the issue was deleted or issues are disabled for the repository");
    }
    return new AdapterException("GitHub answered " + code + said + " to " + what + " (" + request + " on "
        + repository + ")", null, code >= 500);
  }

  private String validationErrors(JsonNode body) {
    JsonNode errors = body.path("errors");
    if (!errors.isArray() || errors.isEmpty()) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : errors) {
      if (e.isTextual()) {
        out.add(e.asText());
        continue;
      }
      StringBuilder b = new StringBuilder();
      b.append(e.path("resource").asText("?")).append('.').append(e.path("field").asText("?")).append(' ')
          .append(e.path("code").asText("invalid"));
      if (e.hasNonNull("value")) {
        b.append(" (value ").append(e.get("value").toString()).append(')');
      }
      if (e.hasNonNull("message")) {
        b.append(": ").append(e.get("message").asText());
      }
      out.add(b.toString());
    }
    return ": " + scrub(String.join("; ", out));
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** The message with the token, should it ever appear, replaced. */
  String scrub(String message) {
    return s.token().isEmpty() ? message : message.replace(s.token(), "[redacted]");
  }
}

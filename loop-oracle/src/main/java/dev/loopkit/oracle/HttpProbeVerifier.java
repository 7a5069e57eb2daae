package dev.loopkit.oracle;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A synthetic replay: sends one or more requests, then polls an observation endpoint until the expected
 * number of matching events has arrived or a deadline passes. Passes only when the events arrived; silence
 * (zero matching events), too few events, a sent request answered with an unexpected status, or an error
 * sending is a failure, with evidence of what was sent and what was seen.
 *
 * <p>The observation endpoint answers a GET with JSON; the events are the array found at
 * {@link Builder#events(String) a JSON pointer} (default: the body itself). An event matches when each
 * {@link Builder#where(String, String) where} condition holds: the value at the pointer, as text, equals the
 * expected text after placeholder substitution ({@code ${nonce}}, {@code ${runId}}, {@code ${ticketId}},
 * {@code ${attempt}}, as for {@link ProbeRequest}). Match on the nonce you sent, so that events from before
 * this probe never count.
 *
 * <p>Time comes from the injected {@link Clock} and waiting from the injected {@link Sleeper}: the endpoint
 * is polled at once after sending, then every poll interval, and once more at the deadline. Evidence:
 * one {@code http-request} per request sent (method, URL, status, SHA-256 and excerpt of the response body;
 * never header values) and one {@code http-probe} for the observation (URL, polls, events seen, events
 * matched, expected, the nonce, the last body's SHA-256 and an excerpt of the matched events). Called on the
 * engine's worker thread; blocks up to the deadline plus one request. Immutable and thread-safe.
 */
public final class HttpProbeVerifier implements Verifier, Fingerprinted {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int EXCERPT = 500;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient client;
  private final List<ProbeRequest> requests;
  private final String observeUrl;
  private final Map<String, String> observeHeaders;
  private final String eventsPointer;
  private final Map<String, String> where;
  private final int expectedEvents;
  private final Duration deadline;
  private final Duration pollInterval;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Supplier<String> nonces;

  private HttpProbeVerifier(Builder b, String observeUrl) {
    this.client = b.client == null ? defaultClient() : b.client;
    this.requests = List.copyOf(b.requests);
    this.observeUrl = observeUrl;
    this.observeHeaders = Map.copyOf(b.observeHeaders);
    this.eventsPointer = b.eventsPointer;
    this.where = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.where));
    this.expectedEvents = b.expectedEvents;
    this.deadline = b.deadline;
    this.pollInterval = b.pollInterval;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
    this.nonces = b.nonces;
  }

  /**
   * Starts a probe; {@link Builder#observe} is required, everything else has a default.
   *
   * @return a new builder: no requests to send, one matching event expected within 30 s, polled every second
   */
  public static Builder builder() {
    return new Builder();
  }

  private static HttpClient defaultClient() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1).build();
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Override
  public Verification verify(VerifyRequest request) throws InterruptedException {
    Map<String, String> vars = Map.of("nonce", nonces.get(), "runId", request.runId(),
        "ticketId", request.ticket().id(), "attempt", Integer.toString(request.attempt()));
    List<Evidence> evidence = new ArrayList<>();
    List<String> sent = new ArrayList<>();

    for (ProbeRequest probe : requests) {
      String url = substitute(probe.url(), vars);
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("method", probe.method());
      attributes.put("url", url);
      attributes.put("expectedStatus", probe.expectedStatus());
      try {
        HttpResponse<String> response = send(toRequest(probe, url, vars));
        String body = response.body();
        attributes.put("status", Integer.toString(response.statusCode()));
        attributes.put("responseSha256", Sha256.hex(body));
        attributes.put("responseExcerpt", clip(body, EXCERPT));
        String line = probe.method() + " " + url + " -> " + response.statusCode();
        sent.add(line);
        evidence.add(new Evidence("http-request", line, attributes));
        if (!probe.accepts(response.statusCode())) {
          return Verification.failed(List.of("probe request " + probe.method() + " " + url + " answered "
              + response.statusCode() + ": expected " + probe.expectedStatus()), evidence);
        }
      } catch (IOException | IllegalArgumentException e) {
        attributes.put("error", String.valueOf(e.getMessage()));
        evidence.add(new Evidence("http-request", probe.method() + " " + url + " failed", attributes));
        return Verification.failed(List.of("probe request " + probe.method() + " " + url + " failed: "
            + e.getClass().getSimpleName() + ": " + e.getMessage()), evidence);
      }
    }

    String url = substitute(observeUrl, vars);
    Map<String, String> expected = new LinkedHashMap<>();
    where.forEach((pointer, value) -> expected.put(pointer, substitute(value, vars)));
    Instant start = clock.instant();
    Instant end = start.plus(deadline);
    int polls = 0;
    Observation last = Observation.NONE;
    while (true) {
      last = observe(url, expected);
      polls++;
      if (last.matching.size() >= expectedEvents) {
        break;
      }
      Instant now = clock.instant();
      if (!now.isBefore(end)) {
        break;
      }
      Duration left = Duration.between(now, end);
      sleeper.sleep(left.compareTo(pollInterval) < 0 ? left : pollInterval);
    }

    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("observeUrl", url);
    attributes.put("sent", String.join("; ", sent));
    attributes.put("nonce", vars.get("nonce"));
    attributes.put("where", expected.toString());
    attributes.put("expectedEvents", Integer.toString(expectedEvents));
    attributes.put("matchingEvents", Integer.toString(last.matching.size()));
    attributes.put("eventsSeen", Integer.toString(last.seen));
    attributes.put("polls", Integer.toString(polls));
    attributes.put("waitedMillis", Long.toString(Duration.between(start, clock.instant()).toMillis()));
    attributes.put("deadline", deadline.toString());
    attributes.put("lastStatus", last.status);
    attributes.put("lastBodySha256", last.bodySha256);
    attributes.put("lastBodyExcerpt", clip(last.body, EXCERPT));
    if (!last.matching.isEmpty()) {
      attributes.put("matchedExcerpt", clip(last.matching.toString(), EXCERPT));
    }
    if (!last.problem.isEmpty()) {
      attributes.put("lastProblem", last.problem);
    }
    String seen = last.matching.size() + " of " + expectedEvents + " expected matching events (" + last.seen
        + " events seen) at GET " + url + " after " + polls + " polls";
    evidence.add(new Evidence("http-probe", seen, attributes));
    if (last.matching.size() >= expectedEvents) {
      return Verification.passed(evidence);
    }
    String finding = (last.matching.isEmpty() ? "no matching event arrived: " : "too few matching events: ") + seen
        + " within " + deadline + (sent.isEmpty() ? "" : " after sending " + String.join("; ", sent))
        + (last.problem.isEmpty() ? "" : "; last poll: " + last.problem);
    return Verification.failed(List.of(finding), evidence);
  }

  private Observation observe(String url, Map<String, String> expected) throws InterruptedException {
    HttpRequest.Builder rb;
    try {
      rb = HttpRequest.newBuilder(URI.create(url)).timeout(CALL_TIMEOUT).GET();
      observeHeaders.forEach(rb::header);
    } catch (IllegalArgumentException e) {
      return new Observation("none", 0, List.of(), "", "observation URL does not parse: " + e.getMessage());
    }
    try {
      HttpResponse<String> response = send(rb.build());
      String body = response.body();
      String status = Integer.toString(response.statusCode());
      if (response.statusCode() / 100 != 2) {
        return new Observation(status, 0, List.of(), body, "observation answered " + response.statusCode());
      }
      JsonNode events;
      try {
        events = JSON.readTree(body).at(JsonPointer.compile(eventsPointer));
      } catch (IOException e) {
        return new Observation(status, 0, List.of(), body, "observation body is not JSON: " + e.getMessage());
      }
      if (!events.isArray()) {
        return new Observation(status, 0, List.of(), body, "no JSON array at '" + eventsPointer
            + "' of the observation body (found " + events.getNodeType() + ")");
      }
      List<JsonNode> matching = new ArrayList<>();
      for (JsonNode event : events) {
        if (matches(event, expected)) {
          matching.add(event);
        }
      }
      return new Observation(status, events.size(), matching, body, "");
    } catch (IOException e) {
      return new Observation("none", 0, List.of(), "", "observation failed: " + e.getClass().getSimpleName()
          + ": " + e.getMessage());
    }
  }

  private static boolean matches(JsonNode event, Map<String, String> expected) {
    for (Map.Entry<String, String> e : expected.entrySet()) {
      JsonNode value = event.at(e.getKey());
      if (value.isMissingNode()) {
        return false;
      }
      String text = value.isValueNode() ? value.asText() : value.toString();
      if (!text.equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static HttpRequest toRequest(ProbeRequest probe, String url, Map<String, String> vars) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url)).timeout(CALL_TIMEOUT);
    probe.headers().forEach((name, value) -> rb.header(name, substitute(value, vars)));
    String body = probe.body();
    if (body == null) {
      return rb.method(probe.method(), HttpRequest.BodyPublishers.noBody()).build();
    }
    String type = probe.contentType();
    rb.header("Content-Type", type.toLowerCase(java.util.Locale.ROOT).contains("charset=") ? type
        : type + "; charset=utf-8");
    return rb.method(probe.method(), HttpRequest.BodyPublishers.ofString(substitute(body, vars),
        StandardCharsets.UTF_8)).build();
  }

  static String substitute(String template, Map<String, String> vars) {
    String out = template;
    for (Map.Entry<String, String> v : vars.entrySet()) {
      out = out.replace("${" + v.getKey() + "}", v.getValue());
    }
    return out;
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }

  @Override
  public void describe(FingerprintSink sink) {
    for (int i = 0; i < requests.size(); i++) {
      sink.part("request." + i, requests.get(i));
    }
    sink.config("observe-url", observeUrl).config("observe-headers", observeHeaders)
        .config("events-pointer", eventsPointer).config("where", where).config("expected-events", expectedEvents)
        .config("deadline", deadline).config("poll-interval", pollInterval);
  }

  @Override
  public String toString() {
    return "HttpProbeVerifier{" + requests + " then GET " + observeUrl + " for " + expectedEvents + " events}";
  }

  private static final class Observation {
    static final Observation NONE = new Observation("none", 0, List.of(), "", "not polled");

    final String status;
    final int seen;
    final List<JsonNode> matching;
    final String body;
    final String bodySha256;
    final String problem;

    Observation(String status, int seen, List<JsonNode> matching, String body, String problem) {
      this.status = status;
      this.seen = seen;
      this.matching = matching;
      this.body = body;
      this.bodySha256 = Sha256.hex(body);
      this.problem = problem;
    }
  }

  /** Builds an {@link HttpProbeVerifier}; {@link #observe} is required. */
  public static final class Builder {
    private @Nullable HttpClient client;
    private final List<ProbeRequest> requests = new ArrayList<>();
    private @Nullable String observeUrl;
    private final Map<String, String> observeHeaders = new LinkedHashMap<>();
    private String eventsPointer = "";
    private final Map<String, String> where = new LinkedHashMap<>();
    private int expectedEvents = 1;
    private Duration deadline = Duration.ofSeconds(30);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private Supplier<String> nonces = () -> UUID.randomUUID().toString();

    private Builder() {}

    /**
     * The HTTP client (the JDK's); default one with a 10 s connect timeout, HTTP/1.1 and no redirects. Every
     * request has a 60 s timeout.
     *
     * @param client the client every request and poll is sent with; its redirect and proxy settings apply
     * @return this builder
     */
    public Builder client(HttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * A request to send before observing, in the order added. A status outside the request's expected range ends
     * the verification as failed before the next request is sent.
     *
     * @param request the request, its placeholders replaced at each verification
     * @return this builder
     */
    public Builder send(ProbeRequest request) {
      requests.add(Objects.requireNonNull(request, "request"));
      return this;
    }

    /**
     * The observation endpoint, polled with GET.
     *
     * @param url an {@code http://} or {@code https://} URL answering with JSON; placeholders such as
     *     {@code ${nonce}} allowed
     * @return this builder
     * @throws InputException if the URL is not http(s), naming it
     */
    public Builder observe(String url) {
      this.observeUrl = ProbeRequest.checkUrl(url);
      return this;
    }

    /**
     * A header sent with every observation poll (e.g. authorization); its value is never recorded in evidence.
     *
     * @param name an HTTP header name (an RFC 9110 token)
     * @param value the value, sent as it is
     * @return this builder
     * @throws InputException if the name is not a valid token, naming it
     */
    public Builder observeHeader(String name, String value) {
      ProbeRequest.checkHeaderName(name);
      observeHeaders.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Where the array of events is in the observation body, as a JSON pointer (RFC 6901), e.g.
     * {@code /events}; default the empty pointer (the body is the array).
     *
     * @param jsonPointer an RFC 6901 pointer, or the empty string for the whole body
     * @return this builder
     * @throws InputException if it is not a valid pointer
     */
    public Builder events(String jsonPointer) {
      compilePointer(jsonPointer, "events pointer");
      this.eventsPointer = jsonPointer;
      return this;
    }

    /**
     * An event matches only if the text at {@code jsonPointer} equals {@code expected} (placeholders allowed).
     * Conditions add up; a second condition on the same pointer replaces the first.
     *
     * @param jsonPointer a non-empty RFC 6901 pointer into one event, e.g. {@code /ref}
     * @param expected the text the value must equal, e.g. {@code ${nonce}}
     * @return this builder
     * @throws InputException if the pointer is empty or not a valid pointer, naming it
     */
    public Builder where(String jsonPointer, String expected) {
      if (jsonPointer.isEmpty()) {
        throw new InputException("where-pointer is empty: expected a field of the event such as /ref");
      }
      compilePointer(jsonPointer, "where-pointer");
      where.put(jsonPointer, Objects.requireNonNull(expected, "expected"));
      return this;
    }

    /**
     * How many matching events must arrive; default 1.
     *
     * @param count at least 1: zero arrivals is never evidence
     * @return this builder
     * @throws InputException if the count is below 1
     */
    public Builder expectEvents(int count) {
      if (count < 1) {
        throw new InputException("expected events " + count + " is not positive: expected at least 1"
            + " (zero arrivals is never evidence)");
      }
      this.expectedEvents = count;
      return this;
    }

    /**
     * How long to wait for the events after sending; default 30 s.
     *
     * @param deadline zero or more; zero polls once, at once
     * @return this builder
     * @throws InputException if the duration is negative
     */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative()) {
        throw new InputException("probe deadline " + deadline + " is negative: expected e.g. PT30S");
      }
      this.deadline = deadline;
      return this;
    }

    /**
     * How long to wait between polls; default 1 s.
     *
     * @param interval a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder pollInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new InputException("poll interval " + interval + " is not positive: expected e.g. PT1S");
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * The clock the deadline is measured with; default the system clock.
     *
     * @param clock the clock read before and between polls
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How the probe waits between polls; default {@link Sleeper#system()}. Tests pass one that advances their
     * clock instead of sleeping.
     *
     * @param sleeper the sleeper, called on the verifying thread
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Where {@code ${nonce}} values come from; default random UUIDs.
     *
     * @param nonces called once per verification; should never repeat a value, or older events may count
     * @return this builder
     */
    public Builder nonces(Supplier<String> nonces) {
      this.nonces = Objects.requireNonNull(nonces, "nonces");
      return this;
    }

    /**
     * Builds the immutable probe.
     *
     * @return a verifier with this builder's settings
     * @throws InputException if no observation endpoint is set
     */
    public HttpProbeVerifier build() {
      if (observeUrl == null) {
        throw new InputException("HttpProbeVerifier.builder(): no observation endpoint: expected observe(url)");
      }
      return new HttpProbeVerifier(this, observeUrl);
    }

    private static void compilePointer(String pointer, String what) {
      try {
        JsonPointer.compile(pointer);
      } catch (IllegalArgumentException e) {
        throw new InputException(what + " '" + pointer + "' is not a JSON pointer: expected e.g. /events ("
            + e.getMessage() + ")", e);
      }
    }
  }
}

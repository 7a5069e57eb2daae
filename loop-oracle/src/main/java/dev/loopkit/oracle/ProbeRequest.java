package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request an {@link HttpProbeVerifier} sends before it watches for the effect. The URL, body and header
 * values may hold placeholders replaced at each verification: {@code ${runId}}, {@code ${ticketId}},
 * {@code ${attempt}} and {@code ${nonce}} (a fresh random value per verification, so the events this probe
 * causes can be told from older ones). Immutable; {@link #header} returns a copy.
 */
public final class ProbeRequest implements Fingerprinted {
  private final String method;
  private final String url;
  private final Map<String, String> headers;
  private final @Nullable String body;
  private final String contentType;
  private final int expectedStatusFrom;
  private final int expectedStatusTo;

  private ProbeRequest(String method, String url, Map<String, String> headers, @Nullable String body,
      String contentType, int expectedStatusFrom, int expectedStatusTo) {
    this.method = method;
    this.url = url;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body;
    this.contentType = contentType;
    this.expectedStatusFrom = expectedStatusFrom;
    this.expectedStatusTo = expectedStatusTo;
  }

  public static ProbeRequest get(String url) {
    return new ProbeRequest("GET", checkUrl(url), Map.of(), null, "", 200, 299);
  }

  /** A POST of {@code body} with this content type, e.g. {@code application/json}. */
  public static ProbeRequest post(String url, String contentType, String body) {
    return of("POST", url, contentType, body);
  }

  /** Any method with a body (PUT, PATCH, DELETE with a body, ...). */
  public static ProbeRequest of(String method, String url, String contentType, String body) {
    if (!method.matches("[A-Z]+")) {
      throw new InputException("HTTP method '" + method + "' is not valid: expected upper-case letters, e.g. POST");
    }
    if (contentType.isBlank()) {
      throw new InputException("content type for " + method + " " + url + " is blank: expected e.g. application/json");
    }
    return new ProbeRequest(method, checkUrl(url), Map.of(), Objects.requireNonNull(body, "body"), contentType,
        200, 299);
  }

  /** A copy with this header added; its value is never recorded in evidence. */
  public ProbeRequest header(String name, String value) {
    checkHeaderName(name);
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, Objects.requireNonNull(value, "value"));
    return new ProbeRequest(method, url, copy, body, contentType, expectedStatusFrom, expectedStatusTo);
  }

  /** A copy that accepts only this response status (default: any 2xx). */
  public ProbeRequest expectStatus(int status) {
    if (status < 100 || status > 599) {
      throw new InputException("expected HTTP status " + status + " is out of range: expected 100 to 599");
    }
    return new ProbeRequest(method, url, headers, body, contentType, status, status);
  }

  public String method() {
    return method;
  }

  public String url() {
    return url;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public @Nullable String body() {
    return body;
  }

  public String contentType() {
    return contentType;
  }

  boolean accepts(int status) {
    return status >= expectedStatusFrom && status <= expectedStatusTo;
  }

  String expectedStatus() {
    return expectedStatusFrom == expectedStatusTo ? Integer.toString(expectedStatusFrom)
        : expectedStatusFrom + "-" + expectedStatusTo;
  }

  static void checkHeaderName(String name) {
    if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
      throw new InputException("HTTP header name '" + name + "' is not a valid token: expected e.g. Authorization");
    }
  }

  static String checkUrl(String url) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new InputException("probe URL '" + url + "' is not an http(s) URL: expected e.g. http://127.0.0.1:8080/orders");
    }
    return url;
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.config("method", method).config("url", url).config("headers", headers).config("body", body)
        .config("content-type", contentType).config("expected-status", expectedStatus());
  }

  @Override
  public String toString() {
    return method + " " + url;
  }
}

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

  /**
   * A GET without a body that accepts any 2xx answer.
   *
   * @param url an {@code http://} or {@code https://} URL; placeholders allowed
   * @return the request
   * @throws InputException if the URL is not http(s), naming it
   */
  public static ProbeRequest get(String url) {
    return new ProbeRequest("GET", checkUrl(url), Map.of(), null, "", 200, 299);
  }

  /**
   * A POST of {@code body} with this content type, e.g. {@code application/json}; accepts any 2xx answer.
   *
   * @param url an {@code http://} or {@code https://} URL; placeholders allowed
   * @param contentType the {@code Content-Type} header's value; not blank
   * @param body the body, sent as UTF-8; placeholders allowed
   * @return the request
   * @throws InputException if the URL is not http(s) or the content type is blank
   */
  public static ProbeRequest post(String url, String contentType, String body) {
    return of("POST", url, contentType, body);
  }

  /**
   * Any method with a body (PUT, PATCH, DELETE with a body, ...); accepts any 2xx answer.
   *
   * @param method the method in upper-case letters, e.g. {@code PUT}
   * @param url an {@code http://} or {@code https://} URL; placeholders allowed
   * @param contentType the {@code Content-Type} header's value; not blank
   * @param body the body, sent as UTF-8; placeholders allowed
   * @return the request
   * @throws InputException if the method is not upper-case letters, the URL is not http(s) or the content type
   *     is blank
   */
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

  /**
   * A copy with this header added; its value is never recorded in evidence.
   *
   * @param name an HTTP header name (an RFC 9110 token); the same name again replaces the earlier value
   * @param value the value; placeholders allowed
   * @return a new request; this one is unchanged
   * @throws InputException if the name is not a valid token, naming it
   */
  public ProbeRequest header(String name, String value) {
    checkHeaderName(name);
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, Objects.requireNonNull(value, "value"));
    return new ProbeRequest(method, url, copy, body, contentType, expectedStatusFrom, expectedStatusTo);
  }

  /**
   * A copy that accepts only this response status (default: any 2xx).
   *
   * @param status 100 to 599
   * @return a new request; this one is unchanged
   * @throws InputException if the status is outside 100 to 599
   */
  public ProbeRequest expectStatus(int status) {
    if (status < 100 || status > 599) {
      throw new InputException("expected HTTP status " + status + " is out of range: expected 100 to 599");
    }
    return new ProbeRequest(method, url, headers, body, contentType, status, status);
  }

  /**
   * The HTTP method.
   *
   * @return upper-case letters, e.g. {@code GET}
   */
  public String method() {
    return method;
  }

  /**
   * The URL as given, placeholders not yet replaced.
   *
   * @return an {@code http://} or {@code https://} URL
   */
  public String url() {
    return url;
  }

  /**
   * The extra headers, placeholders not yet replaced.
   *
   * @return an unmodifiable map in the order added; empty by default
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * The body as given, placeholders not yet replaced.
   *
   * @return the body, or null for a {@link #get} request
   */
  public @Nullable String body() {
    return body;
  }

  /**
   * The body's media type.
   *
   * @return the {@code Content-Type} value, or the empty string for a {@link #get} request
   */
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

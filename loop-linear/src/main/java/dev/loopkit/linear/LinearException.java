package dev.loopkit.linear;

import dev.loopkit.core.AdapterException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Linear refused or failed a call: an HTTP error, a GraphQL error (Linear may send those with HTTP 200), or an
 * answer that does not have the shape the query asked for. {@link #kind()} says which; {@link #isRetryable()}
 * is true for rate limits, server faults and lost connections, false for everything a person must fix. The
 * message names the GraphQL operation and never contains the API key.
 */
public final class LinearException extends AdapterException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in the terms a caller acts on. */
  public enum Kind {
    /** The key or token was refused ({@code AUTHENTICATION_ERROR}, HTTP 401). Not retryable. */
    AUTHENTICATION,
    /** The key works but may not do this ({@code FORBIDDEN}, HTTP 403). Not retryable. */
    FORBIDDEN,
    /** A request or complexity budget is spent ({@code RATELIMITED}, HTTP 429) beyond the waits allowed. */
    RATE_LIMITED,
    /** The workspace's plan limit was reached ({@code USAGE_LIMIT_EXCEEDED}). Not retryable. */
    USAGE_LIMIT,
    /** Linear failed ({@code INTERNAL_ERROR}, {@code LOCK_TIMEOUT}, HTTP 5xx). Retryable. */
    SERVER,
    /** No answer (connection refused, reset or timed out). Retryable. */
    TRANSPORT,
    /** The answer is not the JSON the query asked for; the message names the field. Not retryable. */
    MALFORMED_RESPONSE,
    /** Any other GraphQL error. Not retryable. */
    OTHER
  }

  /** What went wrong. */
  private final Kind kind;
  /** The GraphQL operation that failed. */
  private final String operation;
  /** Linear's error code, normalized; empty when there was none. */
  private final String code;

  LinearException(Kind kind, String operation, String code, String message, @Nullable Throwable cause) {
    super(message, cause, kind == Kind.RATE_LIMITED || kind == Kind.SERVER || kind == Kind.TRANSPORT);
    this.kind = kind;
    this.operation = operation;
    this.code = code;
  }

  /**
   * What went wrong, in the terms a caller acts on.
   *
   * @return the kind; {@link #isRetryable()} follows from it
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The GraphQL operation that failed, e.g. {@code LoopBatch}.
   *
   * @return the operation's name as the tracker sent it
   */
  public String operation() {
    return operation;
  }

  /**
   * Linear's error code as sent ({@code extensions.code}, else {@code extensions.type}, upper-cased with
   * underscores, e.g. {@code RATELIMITED}), or {@code HTTP_<status>}; empty when there was none.
   *
   * @return the code, or the empty string
   */
  public String code() {
    return code;
  }

  /** {@code "authentication error"} and {@code "AUTHENTICATION_ERROR"} both become {@code AUTHENTICATION_ERROR}. */
  static String normalize(String code) {
    return code.trim().toUpperCase(Locale.ROOT).replace(' ', '_').replace('-', '_');
  }
}

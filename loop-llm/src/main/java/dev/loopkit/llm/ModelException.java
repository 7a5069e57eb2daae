package dev.loopkit.llm;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Usage;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A model vendor failed or refused a call. {@link #kind()} says what happened in terms a caller acts on;
 * {@link #isRetryable()} says whether the same request may succeed later, following the vendors' rules
 * (a server's {@code x-should-retry} header overrides the kind's default). Messages never contain API keys.
 */
public class ModelException extends AdapterException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** 429 rate limit; retryable, often with a wait the server names. */
    RATE_LIMITED(true),
    /** The vendor is overloaded (Anthropic 529, {@code overloaded_error}); retryable. */
    OVERLOADED(true),
    /** The API key is missing, wrong or revoked (401); never retried. */
    AUTHENTICATION(false),
    /** The key may not use this resource (403). */
    PERMISSION(false),
    /** Unknown model or endpoint (404). */
    NOT_FOUND(false),
    /** The request is malformed or refused as such (400, 413, 422). */
    INVALID_REQUEST(false),
    /** The conversation does not fit the model's context window; never retried. */
    CONTEXT_WINDOW_EXCEEDED(false),
    /** Out of credits or over a spend limit (402, OpenAI {@code insufficient_quota}); never retried. */
    INSUFFICIENT_QUOTA(false),
    /** A conflicting concurrent request (409); retryable. */
    CONFLICT(true),
    /** The vendor failed (5xx other than overload); retryable. */
    SERVER_ERROR(true),
    /** The call or the server timed out (408, 504, a read timeout); retryable. */
    TIMEOUT(true),
    /** The connection failed before an answer; retryable. */
    CONNECTION(true),
    /** A stream broke off or ended without its final event; retryable. */
    STREAM_ERROR(true),
    /** The vendor answered with a body that does not have the documented shape; not retried. */
    MALFORMED_RESPONSE(false);

    private final boolean retryableByDefault;

    Kind(boolean retryableByDefault) {
      this.retryableByDefault = retryableByDefault;
    }

    /**
     * Whether an error of this kind is retried when the server does not say otherwise.
     *
     * @return true when this kind is retried by default
     */
    public boolean retryableByDefault() {
      return retryableByDefault;
    }

    /**
     * Kinds that no server header can make retryable: retrying them cannot help and may cost money.
     *
     * @return true for authentication, context-window and quota errors
     */
    public boolean neverRetried() {
      return this == AUTHENTICATION || this == CONTEXT_WINDOW_EXCEEDED || this == INSUFFICIENT_QUOTA;
    }
  }

  /** What went wrong. */
  private final Kind kind;
  /** The HTTP status of the failed response, 0 when there was none. */
  private final int httpStatus;
  /** The wait the server asked for, or null. */
  private final @Nullable Duration retryAfter;
  /** The vendor's error type or code, empty when it gave none. */
  private final String vendorCode;
  /** Not serialized with the exception: it is for the caller that catches it. */
  private transient @Nullable Usage spent;

  /**
   * Creates an error whose retryability is its kind's default.
   *
   * @param kind what went wrong
   * @param message what happened, naming the vendor and the request's model; never an API key
   * @param httpStatus the response's status, 0 when there was no response
   * @param retryAfter the wait the server asked for, or null
   * @param vendorCode the vendor's error type or code ({@code rate_limit_error}, {@code insufficient_quota}),
   *     empty when none
   * @param cause the underlying failure, or null
   */
  public ModelException(Kind kind, String message, int httpStatus, @Nullable Duration retryAfter,
      String vendorCode, @Nullable Throwable cause) {
    this(kind, message, httpStatus, retryAfter, vendorCode, cause, kind.retryableByDefault());
  }

  /**
   * Creates an error with explicit retryability; kinds that are {@link Kind#neverRetried()} stay unretryable.
   *
   * @param kind what went wrong
   * @param message what happened, naming the vendor and the request's model; never an API key
   * @param httpStatus the response's status, 0 when there was no response
   * @param retryAfter the wait the server asked for, or null
   * @param vendorCode the vendor's error type or code, empty when none
   * @param cause the underlying failure, or null
   * @param retryable whether a caller may retry; ignored (false) for {@link Kind#neverRetried()} kinds
   */
  public ModelException(Kind kind, String message, int httpStatus, @Nullable Duration retryAfter,
      String vendorCode, @Nullable Throwable cause, boolean retryable) {
    super(message, cause, retryable && !kind.neverRetried());
    this.kind = Objects.requireNonNull(kind, "kind");
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
    this.vendorCode = Objects.requireNonNull(vendorCode, "vendorCode");
  }

  /**
   * A short error of the given kind with no HTTP context, as a scripted client or a stream raises it.
   *
   * @param kind what went wrong
   * @param message what happened
   * @return the error, retryable as its kind's default
   */
  public static ModelException of(Kind kind, String message) {
    return new ModelException(kind, message, 0, null, "", null);
  }

  /**
   * What went wrong.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The wait the server asked for ({@code retry-after-ms} or {@code retry-after}), if it named one.
   *
   * @return the wait, or empty when the server named none
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * The HTTP status of the failed response, or 0 when there was none (a broken connection, a stream event).
   *
   * @return the status, or 0
   */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * What the failed call is known to have used before it failed: the tokens a stream reported before it
   * broke or went silent, and those of broken attempts retried before this failure. Unmetered (a broken
   * stream's final count never arrived, so its cost is a lower bound); {@link Usage#ZERO} when the call failed
   * before any response streamed.
   *
   * @return the usage, unmetered, or {@link Usage#ZERO}
   */
  public Usage spentUsage() {
    return spent == null ? Usage.ZERO : spent;
  }

  /** Sets {@link #spentUsage()}; called by the client that throws this exception. */
  void spentUsage(Usage usage) {
    this.spent = Objects.requireNonNull(usage, "usage");
  }

  /**
   * The vendor's error type or code, empty when it gave none.
   *
   * @return the code, possibly empty
   */
  public String vendorCode() {
    return vendorCode;
  }
}

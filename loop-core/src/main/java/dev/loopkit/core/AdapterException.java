package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/** An external system (tracker, model vendor, git, an HTTP endpoint) failed or refused a call. */
public class AdapterException extends LoopException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure that retrying will not fix.
   *
   * @param message what failed, naming the value or part, what was expected and where it came from
   */
  public AdapterException(String message) {
    super(message);
  }

  /**
   * A failure that retrying will not fix.
   *
   * @param message what failed, naming the value or part, what was expected and where it came from
   * @param cause the underlying failure, or null
   */
  public AdapterException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * @param message what failed, naming the value or part, what was expected and where it came from
   * @param cause the underlying failure, or null
   * @param retryable whether the same call may succeed if made again later (a rate limit, a timeout, a 503)
   */
  public AdapterException(String message, @Nullable Throwable cause, boolean retryable) {
    super(message, cause, retryable);
  }
}

package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception Loop throws. Unchecked; the subtypes are the few cases a caller would catch
 * separately: {@link InputException} (bad input a person can fix), {@link AdapterException} (a tracker, a
 * vendor or another external system failed), {@link CapReachedException} (a cap stopped the work) and
 * {@link InvalidOutputException} (a model or tool answered with something that does not parse).
 */
public class LoopException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Whether the same call may succeed if made again later. */
  private final boolean retryable;

  /**
   * A failure that retrying will not fix.
   *
   * @param message what failed, naming the value or part, what was expected and where it came from
   */
  public LoopException(String message) {
    this(message, null, false);
  }

  /**
   * A failure that retrying will not fix.
   *
   * @param message what failed, naming the value or part, what was expected and where it came from
   * @param cause the underlying failure, or null
   */
  public LoopException(String message, @Nullable Throwable cause) {
    this(message, cause, false);
  }

  /**
   * @param message what failed, naming the value or part, what was expected and where it came from
   * @param cause the underlying failure, or null
   * @param retryable whether the same call may succeed if made again later
   */
  public LoopException(String message, @Nullable Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** {@return whether the same call may succeed if made again later (a rate limit, a timeout, a 503)} */
  public boolean isRetryable() {
    return retryable;
  }
}

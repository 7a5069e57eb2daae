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

  private final boolean retryable;

  public LoopException(String message) {
    this(message, null, false);
  }

  public LoopException(String message, @Nullable Throwable cause) {
    this(message, cause, false);
  }

  public LoopException(String message, @Nullable Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** {@return whether the same call may succeed if made again later (a rate limit, a timeout, a 503)} */
  public boolean isRetryable() {
    return retryable;
  }
}

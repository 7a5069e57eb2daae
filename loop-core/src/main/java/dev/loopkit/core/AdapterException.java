package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/** An external system (tracker, model vendor, git, an HTTP endpoint) failed or refused a call. */
public class AdapterException extends LoopException {
  private static final long serialVersionUID = 1L;

  public AdapterException(String message) {
    super(message);
  }

  public AdapterException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  public AdapterException(String message, @Nullable Throwable cause, boolean retryable) {
    super(message, cause, retryable);
  }
}

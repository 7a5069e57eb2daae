package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/** A model, tool or agent answered with output that does not have the expected shape. */
public class InvalidOutputException extends LoopException {
  private static final long serialVersionUID = 1L;

  public InvalidOutputException(String message) {
    super(message);
  }

  public InvalidOutputException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

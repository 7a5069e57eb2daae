package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/** A model, tool or agent answered with output that does not have the expected shape. */
public class InvalidOutputException extends LoopException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was expected and what came back, naming the source
   */
  public InvalidOutputException(String message) {
    super(message);
  }

  /**
   * @param message what was expected and what came back, naming the source
   * @param cause the underlying failure, or null
   */
  public InvalidOutputException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

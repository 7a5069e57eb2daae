package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/**
 * Input a person can fix: a malformed ticket file, an unknown dependency, a dependency cycle, an invalid
 * configuration value. The message names the value, what was expected and where it came from.
 */
public class InputException extends LoopException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the value or part, what was expected and where it came from
   */
  public InputException(String message) {
    super(message);
  }

  /**
   * @param message what failed, naming the value or part, what was expected and where it came from
   * @param cause the underlying failure, or null
   */
  public InputException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

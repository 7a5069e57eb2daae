package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/**
 * Input a person can fix: a malformed ticket file, an unknown dependency, a dependency cycle, an invalid
 * configuration value. The message names the value, what was expected and where it came from.
 */
public class InputException extends LoopException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

package dev.loopkit.beads;

import dev.loopkit.core.AdapterException;

/**
 * A {@code bd} invocation that exited non-zero, with the error {@code code} its JSON error carried (empty when
 * it wrote none). Package-private: callers see an {@link dev.loopkit.core.InputException} for {@code not_found}
 * and this, as an {@link AdapterException}, for the rest.
 */
final class BdException extends AdapterException {
  private static final long serialVersionUID = 1L;

  static final String NOT_FOUND = "not_found";

  private final String code;
  private final String error;

  BdException(String message, String code, String error, boolean retryable) {
    super(message, null, retryable);
    this.code = code;
    this.error = error;
  }

  /** The {@code code} of bd's error JSON, e.g. {@code not_found}; empty when bd gave none. */
  String code() {
    return code;
  }

  /** bd's own {@code error} text (redacted), or an excerpt of its stderr. */
  String error() {
    return error;
  }

  boolean isNotFound() {
    return NOT_FOUND.equals(code);
  }
}

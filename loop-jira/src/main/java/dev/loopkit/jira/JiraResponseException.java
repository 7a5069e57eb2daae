package dev.loopkit.jira;

import dev.loopkit.core.AdapterException;

/**
 * Jira answered with a body this tracker cannot read: not JSON, a required field missing or of the wrong type,
 * or a pagination that contradicts itself. Never retryable (the same request would get the same answer); the
 * message names the request, the field (e.g. {@code issues[2].key}) and what was expected.
 */
public final class JiraResponseException extends AdapterException {
  private static final long serialVersionUID = 1L;

  /** The path of the offending field in the answer. */
  private final String field;

  JiraResponseException(String message, String field) {
    super(message);
    this.field = field;
  }

  /**
   * The path of the offending field in the answer, e.g. {@code nextPageToken} or {@code issues[0].fields.status}.
   *
   * @return the field's path, or {@code (body)} when the body was not JSON at all
   */
  public String field() {
    return field;
  }
}

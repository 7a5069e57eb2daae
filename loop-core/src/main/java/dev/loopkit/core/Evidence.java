package dev.loopkit.core;

import java.util.Map;
import java.util.Objects;

/**
 * Positive evidence that something was checked: what ran, what it answered. A verifier's pass must carry at
 * least one. {@code kind} names the check ({@code command}, {@code http-probe}, ...), {@code summary} says what
 * was seen in one line, {@code attributes} hold the details (command, exit code, duration, output hash, ...).
 */
public record Evidence(String kind, String summary, Map<String, String> attributes) {

  /**
   * Checks the texts and copies the attributes.
   *
   * @param kind names the check, such as {@code command} or {@code http-probe}
   * @param summary what was seen, in one line
   * @param attributes the details (command, exit code, duration, output hash, ...)
   */
  public Evidence {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(summary, "summary");
    attributes = Map.copyOf(attributes);
  }

  /**
   * Evidence without details.
   *
   * @param kind names the check, such as {@code command} or {@code http-probe}
   * @param summary what was seen, in one line
   * @return the evidence
   */
  public static Evidence of(String kind, String summary) {
    return new Evidence(kind, summary, Map.of());
  }

  @Override
  public String toString() {
    return kind + ": " + summary + (attributes.isEmpty() ? "" : " " + attributes);
  }
}

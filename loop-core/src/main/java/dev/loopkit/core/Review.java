package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/** A reviewer's answer: approve, or request changes with findings. */
public sealed interface Review {

  /** {@return tokens and money the review used (a model-driven reviewer); {@link Usage#ZERO} otherwise} */
  Usage usage();

  /**
   * Facts worth journaling: vendor, model, prompt hash, diff hash.
   *
   * @return the facts, possibly empty
   */
  Map<String, String> attributes();

  /**
   * Approves the change without usage or attributes.
   *
   * @param notes what the reviewer saw, in a line
   * @return the approval
   */
  static Review approve(String notes) {
    return new Approved(notes, Usage.ZERO, Map.of());
  }

  /**
   * Requests changes without usage or attributes; the findings go on the ticket and to the next attempt.
   *
   * @param findings what must change, one finding per entry; not empty
   * @return the change request
   * @throws IllegalArgumentException if {@code findings} is empty
   */
  static Review requestChanges(List<String> findings) {
    return new ChangesRequested(findings, Usage.ZERO, Map.of());
  }

  /**
   * The change may go on to integration.
   *
   * @param notes what the reviewer saw, in a line
   * @param usage tokens and money the review used
   * @param attributes facts worth journaling
   */
  record Approved(String notes, Usage usage, Map<String, String> attributes) implements Review {
    /**
     * Copies the attributes.
     *
     * @param notes what the reviewer saw, in a line
     * @param usage tokens and money the review used
     * @param attributes facts worth journaling
     */
    public Approved {
      attributes = Map.copyOf(attributes);
    }
  }

  /**
   * The change goes back to the worker; the attempt fails at review.
   *
   * @param findings what must change, one finding per entry; not empty
   * @param usage tokens and money the review used
   * @param attributes facts worth journaling
   */
  record ChangesRequested(List<String> findings, Usage usage, Map<String, String> attributes)
      implements Review {
    /**
     * Copies the lists.
     *
     * @param findings what must change, one finding per entry; not empty
     * @param usage tokens and money the review used
     * @param attributes facts worth journaling
     * @throws IllegalArgumentException if {@code findings} is empty
     */
    public ChangesRequested {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a change request must carry at least one finding");
      }
      attributes = Map.copyOf(attributes);
    }
  }
}

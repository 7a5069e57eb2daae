package dev.loopkit.core;

import java.util.List;

/**
 * A verifier's answer. A pass must carry positive evidence ("absence of error is not verification") and a
 * failure must say what failed: the factories and constructors refuse anything else.
 */
public sealed interface Verification {

  /** {@return what was checked and seen: not empty for a pass, possibly empty for a failure} */
  List<Evidence> evidence();

  /**
   * A pass.
   *
   * @param evidence what was checked and seen; not empty
   * @return the pass
   * @throws IllegalArgumentException if {@code evidence} is empty
   */
  static Verification passed(List<Evidence> evidence) {
    return new Passed(evidence);
  }

  /**
   * A pass with one piece of evidence.
   *
   * @param evidence what was checked and seen
   * @return the pass
   */
  static Verification passed(Evidence evidence) {
    return new Passed(List.of(evidence));
  }

  /**
   * A failure; the findings go on the ticket and to the next attempt.
   *
   * @param findings what failed, one finding per entry; not empty
   * @param evidence what was checked and seen, possibly none
   * @return the failure
   * @throws IllegalArgumentException if {@code findings} is empty
   */
  static Verification failed(List<String> findings, List<Evidence> evidence) {
    return new Failed(findings, evidence);
  }

  /**
   * A failure with one finding and no evidence.
   *
   * @param finding what failed
   * @return the failure
   */
  static Verification failed(String finding) {
    return new Failed(List.of(finding), List.of());
  }

  /** The ticket's finish line is met, with positive evidence. */
  record Passed(List<Evidence> evidence) implements Verification {
    /**
     * @param evidence what was checked and seen; not empty
     * @throws IllegalArgumentException if {@code evidence} is empty
     */
    public Passed {
      evidence = List.copyOf(evidence);
      if (evidence.isEmpty()) {
        throw new IllegalArgumentException("a passed verification must carry positive evidence of what was"
            + " checked: absence of error is not verification");
      }
    }
  }

  /** The finish line is not met; the findings say why. */
  record Failed(List<String> findings, List<Evidence> evidence) implements Verification {
    /**
     * @param findings what failed, one finding per entry; not empty
     * @param evidence what was checked and seen, possibly none
     * @throws IllegalArgumentException if {@code findings} is empty
     */
    public Failed {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a failed verification must carry at least one finding: say what"
            + " failed");
      }
      evidence = List.copyOf(evidence);
    }
  }
}

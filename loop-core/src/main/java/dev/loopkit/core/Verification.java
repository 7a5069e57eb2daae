package dev.loopkit.core;

import java.util.List;

/**
 * A verifier's answer. A pass must carry positive evidence ("absence of error is not verification") and a
 * failure must say what failed: the factories and constructors refuse anything else.
 */
public sealed interface Verification {

  List<Evidence> evidence();

  static Verification passed(List<Evidence> evidence) {
    return new Passed(evidence);
  }

  static Verification passed(Evidence evidence) {
    return new Passed(List.of(evidence));
  }

  static Verification failed(List<String> findings, List<Evidence> evidence) {
    return new Failed(findings, evidence);
  }

  static Verification failed(String finding) {
    return new Failed(List.of(finding), List.of());
  }

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

package dev.loopkit.core;

import java.util.List;

/**
 * A verifier's answer. A pass must carry positive evidence; the engine treats a pass without evidence as a
 * failure ("absence of error is not verification").
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
    public Passed {
      evidence = List.copyOf(evidence);
    }
  }

  record Failed(List<String> findings, List<Evidence> evidence) implements Verification {
    public Failed {
      findings = List.copyOf(findings);
      evidence = List.copyOf(evidence);
    }
  }
}

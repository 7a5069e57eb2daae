package dev.loopkit.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link Stage} ended. A failure without findings and a request for a person without evidence cannot be
 * built: the factories refuse them.
 */
public sealed interface StageResult {

  /** {@return tokens and money the stage used (a model-driven stage); {@link Usage#ZERO} otherwise} */
  Usage usage();

  /** Facts worth journaling (a vendor, a commit, a duration). */
  Map<String, String> attributes();

  /** Positive evidence of what the stage checked; for the verify and added stages it becomes the done evidence. */
  List<Evidence> evidence();

  /** Passed, saying what was done in one line. */
  static Passed passed(String summary) {
    return new Passed(summary, List.of(), Usage.ZERO, Map.of());
  }

  /** Passed, with evidence of what was checked. */
  static Passed passed(String summary, List<Evidence> evidence) {
    return new Passed(summary, evidence, Usage.ZERO, Map.of());
  }

  /** @throws IllegalArgumentException if {@code findings} is empty: say what failed */
  static Failed failed(List<String> findings) {
    return new Failed(findings, List.of(), Usage.ZERO, Map.of());
  }

  static Failed failed(String finding) {
    return failed(List.of(finding));
  }

  /**
   * The stage hit a wall only a person can move.
   *
   * @throws IllegalArgumentException if {@code evidence} is empty: blocked needs evidence
   */
  static NeedsHuman needsHuman(String reason, List<Evidence> evidence) {
    return new NeedsHuman(reason, evidence, Usage.ZERO, Map.of());
  }

  record Passed(String summary, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    public Passed {
      Objects.requireNonNull(summary, "summary");
      evidence = List.copyOf(evidence);
      Objects.requireNonNull(usage, "usage");
      attributes = Map.copyOf(attributes);
    }

    public Passed withUsage(Usage used) {
      return new Passed(summary, evidence, used, attributes);
    }

    public Passed withAttributes(Map<String, String> facts) {
      return new Passed(summary, evidence, usage, facts);
    }
  }

  record Failed(List<String> findings, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    public Failed {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a failed stage must carry at least one finding: say what failed");
      }
      evidence = List.copyOf(evidence);
      Objects.requireNonNull(usage, "usage");
      attributes = Map.copyOf(attributes);
    }

    public Failed withUsage(Usage used) {
      return new Failed(findings, evidence, used, attributes);
    }

    public Failed withEvidence(List<Evidence> seen) {
      return new Failed(findings, seen, usage, attributes);
    }

    public Failed withAttributes(Map<String, String> facts) {
      return new Failed(findings, evidence, usage, facts);
    }
  }

  record NeedsHuman(String reason, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    public NeedsHuman {
      Objects.requireNonNull(reason, "reason");
      evidence = List.copyOf(evidence);
      if (evidence.isEmpty()) {
        throw new IllegalArgumentException("a request for a person must carry evidence (commands tried, exit"
            + " codes, output, the wall hit): '" + reason + "'");
      }
      Objects.requireNonNull(usage, "usage");
      attributes = Map.copyOf(attributes);
    }

    public NeedsHuman withUsage(Usage used) {
      return new NeedsHuman(reason, evidence, used, attributes);
    }
  }
}

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

  /**
   * Facts worth journaling (a vendor, a commit, a duration).
   *
   * @return the facts, possibly empty
   */
  Map<String, String> attributes();

  /**
   * Positive evidence of what the stage checked; for the verify and added stages it becomes the done evidence.
   *
   * @return the evidence, possibly empty
   */
  List<Evidence> evidence();

  /**
   * Passed, saying what was done in one line.
   *
   * @param summary one line saying what was done
   * @return a pass without evidence, usage or attributes
   */
  static Passed passed(String summary) {
    return new Passed(summary, List.of(), Usage.ZERO, Map.of());
  }

  /**
   * Passed, with evidence of what was checked.
   *
   * @param summary one line saying what was done
   * @param evidence what the stage checked
   * @return a pass without usage or attributes
   */
  static Passed passed(String summary, List<Evidence> evidence) {
    return new Passed(summary, evidence, Usage.ZERO, Map.of());
  }

  /**
   * A failure; its findings go on the ticket and to the next attempt.
   *
   * @param findings what failed, one finding per entry; not empty
   * @return a failure without evidence, usage or attributes
   * @throws IllegalArgumentException if {@code findings} is empty: say what failed
   */
  static Failed failed(List<String> findings) {
    return new Failed(findings, List.of(), Usage.ZERO, Map.of());
  }

  /**
   * A failure with one finding; its finding goes on the ticket and to the next attempt.
   *
   * @param finding what failed
   * @return a failure without evidence, usage or attributes
   */
  static Failed failed(String finding) {
    return failed(List.of(finding));
  }

  /**
   * The stage hit a wall only a person can move.
   *
   * @param reason why a person is needed
   * @param evidence what the stage tried and saw (commands, exit codes, output); not empty
   * @return a request for a person without usage or attributes
   * @throws IllegalArgumentException if {@code evidence} is empty: blocked needs evidence
   */
  static NeedsHuman needsHuman(String reason, List<Evidence> evidence) {
    return new NeedsHuman(reason, evidence, Usage.ZERO, Map.of());
  }

  /**
   * The stage passed.
   *
   * @param summary one line saying what was done
   * @param evidence what the stage checked
   * @param usage tokens and money the stage used
   * @param attributes facts worth journaling
   */
  record Passed(String summary, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    /**
     * Copies the lists and maps.
     *
     * @param summary one line saying what was done
     * @param evidence what the stage checked
     * @param usage tokens and money the stage used
     * @param attributes facts worth journaling
     */
    public Passed {
      Objects.requireNonNull(summary, "summary");
      evidence = List.copyOf(evidence);
      Objects.requireNonNull(usage, "usage");
      attributes = Map.copyOf(attributes);
    }

    /**
     * @param used the stage's usage
     * @return this pass with {@code used} in place of its usage
     */
    public Passed withUsage(Usage used) {
      return new Passed(summary, evidence, used, attributes);
    }

    /**
     * @param facts the stage's attributes
     * @return this pass with {@code facts} in place of its attributes
     */
    public Passed withAttributes(Map<String, String> facts) {
      return new Passed(summary, evidence, usage, facts);
    }
  }

  /**
   * The stage failed; the findings go on the ticket and to the next attempt.
   *
   * @param findings what failed, one finding per entry; not empty
   * @param evidence what the stage checked before it failed
   * @param usage tokens and money the stage used
   * @param attributes facts worth journaling
   */
  record Failed(List<String> findings, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    /**
     * Copies the lists and maps.
     *
     * @param findings what failed, one finding per entry; not empty
     * @param evidence what the stage checked before it failed
     * @param usage tokens and money the stage used
     * @param attributes facts worth journaling
     * @throws IllegalArgumentException if {@code findings} is empty
     */
    public Failed {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a failed stage must carry at least one finding: say what failed");
      }
      evidence = List.copyOf(evidence);
      Objects.requireNonNull(usage, "usage");
      attributes = Map.copyOf(attributes);
    }

    /**
     * @param used the stage's usage
     * @return this failure with {@code used} in place of its usage
     */
    public Failed withUsage(Usage used) {
      return new Failed(findings, evidence, used, attributes);
    }

    /**
     * @param seen what the stage checked before it failed
     * @return this failure with {@code seen} in place of its evidence
     */
    public Failed withEvidence(List<Evidence> seen) {
      return new Failed(findings, seen, usage, attributes);
    }

    /**
     * @param facts the stage's attributes
     * @return this failure with {@code facts} in place of its attributes
     */
    public Failed withAttributes(Map<String, String> facts) {
      return new Failed(findings, evidence, usage, facts);
    }
  }

  /**
   * The stage hit a wall only a person can move; the ticket waits for one.
   *
   * @param reason why a person is needed
   * @param evidence what the stage tried and saw; not empty
   * @param usage tokens and money the stage used
   * @param attributes facts worth journaling
   */
  record NeedsHuman(String reason, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements StageResult {
    /**
     * Copies the lists and maps.
     *
     * @param reason why a person is needed
     * @param evidence what the stage tried and saw; not empty
     * @param usage tokens and money the stage used
     * @param attributes facts worth journaling
     * @throws IllegalArgumentException if {@code evidence} is empty
     */
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

    /**
     * @param used the stage's usage
     * @return this request with {@code used} in place of its usage
     */
    public NeedsHuman withUsage(Usage used) {
      return new NeedsHuman(reason, evidence, used, attributes);
    }
  }
}

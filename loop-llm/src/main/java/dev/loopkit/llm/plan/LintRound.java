package dev.loopkit.llm.plan;

import java.util.List;

/**
 * One proposal's check: the findings sent back to the planner (empty when the proposal passed). Findings of
 * rule {@code proposal} are structural (a missing field, an unknown edge); the others are the
 * {@link ReadinessLint}'s.
 *
 * @param round 1-based over the whole plan
 * @param findings the round's findings; empty when the round passed
 */
public record LintRound(int round, List<LintFinding> findings) {
  /**
   * Copies the findings.
   *
   * @param round 1-based over the whole plan
   * @param findings the round's findings; empty when the round passed
   */
  public LintRound {
    findings = List.copyOf(findings);
  }

  /**
   * Whether the round found nothing.
   *
   * @return true when {@link #findings()} is empty
   */
  public boolean passed() {
    return findings.isEmpty();
  }
}

package dev.loopkit.llm.plan;

import java.util.List;

/**
 * One proposal's check: the findings sent back to the planner (empty when the proposal passed). Findings of
 * rule {@code proposal} are structural (a missing field, an unknown edge); the others are the
 * {@link ReadinessLint}'s.
 *
 * @param round 1-based over the whole plan
 */
public record LintRound(int round, List<LintFinding> findings) {
  public LintRound {
    findings = List.copyOf(findings);
  }

  public boolean passed() {
    return findings.isEmpty();
  }
}

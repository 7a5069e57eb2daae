package dev.loopkit.llm.plan;

import java.util.List;

/**
 * One review of a plan by the reviewer model.
 *
 * @param round 1-based
 * @param approved whether the reviewer approved
 * @param findings what the reviewer asked to change (empty on approval)
 * @param reviewer the reviewer's vendor and model, e.g. {@code openai/gpt-5}
 */
public record ReviewRound(int round, boolean approved, List<String> findings, String reviewer) {
  /**
   * Copies the findings.
   *
   * @param round 1-based
   * @param approved whether the reviewer approved
   * @param findings what the reviewer asked to change (empty on approval)
   * @param reviewer the reviewer's vendor and model, e.g. {@code openai/gpt-5}
   */
  public ReviewRound {
    findings = List.copyOf(findings);
  }
}

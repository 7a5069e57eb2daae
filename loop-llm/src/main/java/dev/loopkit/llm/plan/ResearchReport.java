package dev.loopkit.llm.plan;

import java.util.Objects;

/**
 * What one research agent answered: its question, its answer (the agent's final text), and how its loop ended.
 *
 * @param index 1-based, in the order the planner asked
 * @param question the question the planner asked
 * @param answer the agent's answer, or what ended it without one
 * @param answered whether the agent finished with an answer (false: a cap or an error ended it; {@code answer}
 *     then says which)
 */
public record ResearchReport(int index, String question, String answer, boolean answered) {
  /**
   * Checks that no text is null.
   *
   * @param index 1-based, in the order the planner asked
   * @param question the question the planner asked
   * @param answer the agent's answer, or what ended it without one
   * @param answered whether the agent finished with an answer (false: a cap or an error ended it; {@code answer} then
   *     says which)
   */
  public ResearchReport {
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(answer, "answer");
  }
}

package dev.loopkit.llm.agent;

import dev.loopkit.core.Budget;
import dev.loopkit.core.InputException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * The caps of one agent loop: model turns, tokens (input, cached or not, plus output), money in US dollars
 * and a wall-clock deadline. Each fails closed: the loop checks them before every request and again before
 * running the tool calls of a response.
 *
 * @param maxTurns the most model round trips, at least 1
 * @param maxTokens the most tokens over all round trips, at least 1
 * @param maxCostUsd the most money, not negative
 * @param deadline the instant after which no request is sent
 */
public record AgentLimits(int maxTurns, long maxTokens, BigDecimal maxCostUsd, Instant deadline) {

  /**
   * Checks each cap.
   *
   * @param maxTurns the most model round trips, at least 1
   * @param maxTokens the most tokens over all round trips, at least 1
   * @param maxCostUsd the most money, not negative
   * @param deadline the instant after which no request is sent
   * @throws InputException when a cap is out of range
   */
  public AgentLimits {
    Objects.requireNonNull(maxCostUsd, "maxCostUsd");
    Objects.requireNonNull(deadline, "deadline");
    if (maxTurns < 1) {
      throw new InputException("agent max turns " + maxTurns + ": expected at least 1");
    }
    if (maxTokens < 1) {
      throw new InputException("agent max tokens " + maxTokens + ": expected at least 1");
    }
    if (maxCostUsd.signum() < 0) {
      throw new InputException("agent max cost " + maxCostUsd + " USD: expected 0 or more");
    }
  }

  /**
   * What is left of a run's budget, as agent limits. A budget already spent (no turns or tokens left) is
   * clamped to 1 so the loop can start and at once report the cap it hits.
   *
   * @param budget what is left of the run's budget
   * @return the limits
   */
  public static AgentLimits of(Budget budget) {
    return new AgentLimits(Math.max(1, budget.maxTurns()), Math.max(1, budget.tokens()),
        budget.moneyUsd().signum() < 0 ? BigDecimal.ZERO : budget.moneyUsd(), budget.deadline());
  }

  /**
   * Limits no looser than these nor than {@code other}, cap by cap.
   *
   * @param other the other limits
   * @return the smaller of each pair of caps and the earlier deadline
   */
  public AgentLimits tighter(AgentLimits other) {
    return new AgentLimits(Math.min(maxTurns, other.maxTurns), Math.min(maxTokens, other.maxTokens),
        maxCostUsd.min(other.maxCostUsd), deadline.isBefore(other.deadline) ? deadline : other.deadline);
  }
}

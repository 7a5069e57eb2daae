package dev.loopkit.core;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Tokens and money used by model calls. Costs are in US dollars. Sum usages with {@link #plus}.
 *
 * <p>A call whose cost is not known (the model is not in the price table) or whose tokens the server did not
 * report is <em>unmetered</em>: its tokens and cost here are a lower bound, so the money and token caps cannot
 * see it. The engine stops a run at the cap check when any usage is unmetered, unless the host declared such
 * usage free with {@link Caps.Builder#allowUnmeteredUsage()}; it never counts it as a silent $0.
 *
 * @param inputTokens uncached input tokens
 * @param outputTokens output tokens
 * @param cacheReadTokens input tokens read from a prompt cache
 * @param cacheWriteTokens input tokens written to a prompt cache
 * @param costUsd what these tokens cost, as far as it is known
 * @param unmeteredCalls model calls that could not be priced or reported no usage
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
    BigDecimal costUsd, long unmeteredCalls) {

  /** No tokens, no cost, no unmetered calls. */
  public static final Usage ZERO = new Usage(0, 0, 0, 0, BigDecimal.ZERO, 0);

  /**
   * Checks the counts.
   *
   * @param inputTokens uncached input tokens
   * @param outputTokens output tokens
   * @param cacheReadTokens input tokens read from a prompt cache
   * @param cacheWriteTokens input tokens written to a prompt cache
   * @param costUsd what these tokens cost, as far as it is known
   * @param unmeteredCalls model calls that could not be priced or reported no usage
   * @throws IllegalArgumentException if a count is negative
   */
  public Usage {
    Objects.requireNonNull(costUsd, "costUsd");
    if (inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0
        || unmeteredCalls < 0) {
      throw new IllegalArgumentException("negative count in usage");
    }
  }

  /**
   * Metered usage: every call was priced and reported its tokens.
   *
   * @param inputTokens uncached input tokens
   * @param outputTokens output tokens
   * @param cacheReadTokens input tokens read from a prompt cache
   * @param cacheWriteTokens input tokens written to a prompt cache
   * @param costUsd what these tokens cost
   */
  public Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
      BigDecimal costUsd) {
    this(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costUsd, 0);
  }

  /**
   * Metered usage of uncached input and output tokens at no cost (a model that is free to call).
   *
   * @param input uncached input tokens
   * @param output output tokens
   * @return the usage
   * @throws IllegalArgumentException if a count is negative
   */
  public static Usage tokens(long input, long output) {
    return new Usage(input, output, 0, 0, BigDecimal.ZERO);
  }

  /**
   * {@return one call whose tokens or cost are unknown; {@code known} is what was reported, if anything}
   *
   * @param known the usage the call did report, or {@link #ZERO}
   */
  public static Usage unmetered(Usage known) {
    return known.plus(new Usage(0, 0, 0, 0, BigDecimal.ZERO, 1));
  }

  /** {@return every token counted against a token cap: input (cached or not) plus output} */
  public long totalTokens() {
    return inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens;
  }

  /** {@return whether every call in this usage was priced and reported its tokens} */
  public boolean isMetered() {
    return unmeteredCalls == 0;
  }

  /**
   * {@return the sum of this usage and {@code other}, unmetered if either is}
   *
   * @param other the usage to add
   */
  public Usage plus(Usage other) {
    return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
        cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens,
        costUsd.add(other.costUsd), unmeteredCalls + other.unmeteredCalls);
  }

  /**
   * {@return this usage with {@code cost} in place of its cost}
   *
   * @param cost the cost in US dollars
   */
  public Usage withCost(BigDecimal cost) {
    return new Usage(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cost, unmeteredCalls);
  }
}

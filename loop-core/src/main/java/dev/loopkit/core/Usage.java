package dev.loopkit.core;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Tokens and money used by model calls. Costs are in US dollars. Sum usages with {@link #plus}.
 *
 * @param inputTokens uncached input tokens
 * @param outputTokens output tokens
 * @param cacheReadTokens input tokens read from a prompt cache
 * @param cacheWriteTokens input tokens written to a prompt cache
 * @param costUsd what these tokens cost
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
    BigDecimal costUsd) {

  public static final Usage ZERO = new Usage(0, 0, 0, 0, BigDecimal.ZERO);

  public Usage {
    Objects.requireNonNull(costUsd, "costUsd");
    if (inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0) {
      throw new IllegalArgumentException("negative token count in usage");
    }
  }

  public static Usage tokens(long input, long output) {
    return new Usage(input, output, 0, 0, BigDecimal.ZERO);
  }

  /** Every token counted against a token cap: input (cached or not) plus output. */
  public long totalTokens() {
    return inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens;
  }

  public Usage plus(Usage other) {
    return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
        cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens,
        costUsd.add(other.costUsd));
  }

  public Usage withCost(BigDecimal cost) {
    return new Usage(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cost);
  }
}

package dev.loopkit.llm;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How much a model should reason before it answers: OpenAI's reasoning effort ({@code reasoning_effort} in Chat
 * Completions, {@code reasoning.effort} in the Responses API) and Anthropic's extended-thinking budget
 * ({@code thinking: {"type":"enabled","budget_tokens":N}}). Set on a request with
 * {@link ModelRequest.Builder#reasoning}; each client sends the setting its vendor reads.
 *
 * <p>When only one of the two is given, a client of the other vendor derives its own from it, so a routing rule
 * that asks for "the highest effort" reaches either vendor: an effort becomes a budget of 1,024
 * ({@code minimal}), 4,096 ({@code low}), 10,000 ({@code medium}), 32,000 ({@code high}) or 64,000
 * ({@code xhigh}) tokens; a budget becomes {@code low} below 4,096, {@code medium} below 16,384, else
 * {@code high}. Effort {@code none} turns Anthropic's thinking off.
 *
 * @param effort the OpenAI effort, lower case ({@code none}, {@code minimal}, {@code low}, {@code medium},
 *     {@code high}, {@code xhigh}, or a value a vendor adds later); empty when not given
 * @param budgetTokens Anthropic's thinking budget, at least 1,024 (the Messages API's minimum); 0 when not given
 */
public record Reasoning(String effort, int budgetTokens) {
  /** The smallest thinking budget the Messages API accepts. */
  public static final int MIN_BUDGET_TOKENS = 1024;
  private static final Pattern EFFORT = Pattern.compile("[a-z]{1,20}");

  /**
   * Checks the setting.
   *
   * @param effort the OpenAI effort, lower case, or empty
   * @param budgetTokens Anthropic's thinking budget, at least {@link #MIN_BUDGET_TOKENS}, or 0
   * @throws IllegalArgumentException for a malformed effort, a budget below the minimum, or neither given
   */
  public Reasoning {
    Objects.requireNonNull(effort, "effort");
    if (!effort.isEmpty() && !EFFORT.matcher(effort).matches()) {
      throw new IllegalArgumentException("reasoning effort '" + effort + "' is invalid: expected a lower-case word"
          + " such as low, medium or high");
    }
    if (budgetTokens != 0 && budgetTokens < MIN_BUDGET_TOKENS) {
      throw new IllegalArgumentException("thinking budget " + budgetTokens + " is below the Messages API's minimum:"
          + " expected at least " + MIN_BUDGET_TOKENS + " tokens");
    }
    if (effort.isEmpty() && budgetTokens == 0) {
      throw new IllegalArgumentException("a reasoning setting needs an effort or a thinking budget, got neither");
    }
  }

  /**
   * An OpenAI reasoning effort such as {@code high}; case is ignored.
   *
   * @param effort the effort, such as {@code high}
   * @return the setting, with no budget
   */
  public static Reasoning effort(String effort) {
    return new Reasoning(Objects.requireNonNull(effort, "effort").strip().toLowerCase(Locale.ROOT), 0);
  }

  /**
   * An Anthropic thinking budget in tokens (at least 1,024).
   *
   * @param budgetTokens at least {@link #MIN_BUDGET_TOKENS}
   * @return the setting, with no effort
   * @throws IllegalArgumentException when the budget is below the minimum
   */
  public static Reasoning budget(int budgetTokens) {
    if (budgetTokens == 0) {
      throw new IllegalArgumentException("thinking budget 0: expected at least " + MIN_BUDGET_TOKENS + " tokens");
    }
    return new Reasoning("", budgetTokens);
  }

  /**
   * The effort to send to OpenAI: the given one, else derived from the budget.
   *
   * @return the effort, lower case
   */
  public String effortOrDerived() {
    if (!effort.isEmpty()) {
      return effort;
    }
    return budgetTokens < 4096 ? "low" : budgetTokens < 16_384 ? "medium" : "high";
  }

  /**
   * The budget to send to Anthropic: the given one, else derived from the effort; 0 means thinking off.
   *
   * @return the budget in tokens, or 0
   */
  public int budgetOrDerived() {
    if (budgetTokens != 0) {
      return budgetTokens;
    }
    switch (effort) {
      case "none":
        return 0;
      case "minimal":
        return 1024;
      case "low":
        return 4096;
      case "medium":
        return 10_000;
      case "xhigh":
        return 64_000;
      default:
        return 32_000; // high, and any stronger value a vendor adds
    }
  }
}

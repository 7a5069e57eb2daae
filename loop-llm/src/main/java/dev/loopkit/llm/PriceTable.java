package dev.loopkit.llm;

import dev.loopkit.core.Usage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns token usage into US dollars. Prices are per million tokens, per model. A model id matches an entry
 * when it equals the entry's name or is the name followed by a release date or {@code -latest}, so
 * {@code claude-sonnet-4-5} also prices {@code claude-sonnet-4-5-20250929} and {@code gpt-4.1} prices
 * {@code gpt-4.1-2025-04-14}, while {@code gpt-5-pro} is not priced as {@code gpt-5}: a different model is
 * never charged at a cheaper sibling's price.
 *
 * <p>{@link #defaults()} holds list prices of a few current models as published when this release was made;
 * prices change, so hosts that cap money should check them and override with {@link Builder#price}.
 * Immutable and thread-safe.
 */
public final class PriceTable {
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final Pattern RELEASE_SUFFIX = Pattern.compile("-(\\d{8}|\\d{4}-\\d{2}-\\d{2}|latest)$");

  /**
   * What one model costs, in US dollars per million tokens.
   *
   * @param input uncached input tokens
   * @param output output tokens (thinking included)
   * @param cacheRead input tokens read from the prompt cache
   * @param cacheWrite input tokens written to the prompt cache
   */
  public record Price(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite) {
    /**
     * Checks that no price is negative.
     *
     * @param input uncached input tokens
     * @param output output tokens (thinking included)
     * @param cacheRead input tokens read from the prompt cache
     * @param cacheWrite input tokens written to the prompt cache
     * @throws IllegalArgumentException when a price is negative
     */
    public Price {
      for (BigDecimal v : new BigDecimal[] {input, output, cacheRead, cacheWrite}) {
        Objects.requireNonNull(v, "price");
        if (v.signum() < 0) {
          throw new IllegalArgumentException("prices must not be negative, got " + v);
        }
      }
    }

    /**
     * A price from plain numbers, in dollars per million tokens.
     *
     * @param input dollars per million uncached input tokens
     * @param output dollars per million output tokens
     * @param cacheRead dollars per million cache-read tokens
     * @param cacheWrite dollars per million cache-write tokens
     * @return the price
     * @throws IllegalArgumentException when a price is negative
     */
    public static Price perMillion(double input, double output, double cacheRead, double cacheWrite) {
      return new Price(BigDecimal.valueOf(input), BigDecimal.valueOf(output), BigDecimal.valueOf(cacheRead),
          BigDecimal.valueOf(cacheWrite));
    }

    /**
     * What the usage's tokens cost at this price.
     *
     * @param usage the tokens of one or more calls; its own cost is ignored
     * @return the cost in US dollars
     */
    public BigDecimal cost(Usage usage) {
      BigDecimal micro = input.multiply(BigDecimal.valueOf(usage.inputTokens()))
          .add(output.multiply(BigDecimal.valueOf(usage.outputTokens())))
          .add(cacheRead.multiply(BigDecimal.valueOf(usage.cacheReadTokens())))
          .add(cacheWrite.multiply(BigDecimal.valueOf(usage.cacheWriteTokens())));
      return micro.divide(MILLION, 8, RoundingMode.HALF_UP).stripTrailingZeros();
    }
  }

  private final Map<String, Price> prices;
  private final @Nullable Price fallback;

  private PriceTable(Map<String, Price> prices, @Nullable Price fallback) {
    this.prices = Map.copyOf(prices);
    this.fallback = fallback;
  }

  /**
   * List prices of current Anthropic and OpenAI models, as the vendors' pricing pages gave them in November
   * 2026 (Anthropic cache writes at the 5-minute rate; OpenAI charges no cache writes). Models not listed
   * have no price: the clients log a warning once per model and mark their calls unmetered
   * ({@link #price}), unless a {@link Builder#fallback} is set.
   *
   * @return the table
   */
  public static PriceTable defaults() {
    return defaultsBuilder().build();
  }

  /**
   * A builder starting from {@link #defaults()}, to override or add models.
   *
   * @return a builder holding the default prices
   */
  public static Builder defaultsBuilder() {
    return new Builder()
        .price("claude-opus-4-7", Price.perMillion(5, 25, 0.50, 6.25))
        .price("claude-opus-4-6", Price.perMillion(5, 25, 0.50, 6.25))
        .price("claude-opus-4-5", Price.perMillion(5, 25, 0.50, 6.25))
        .price("claude-opus-4-1", Price.perMillion(15, 75, 1.50, 18.75))
        .price("claude-opus-4", Price.perMillion(15, 75, 1.50, 18.75))
        .price("claude-sonnet-4-6", Price.perMillion(3, 15, 0.30, 3.75))
        .price("claude-sonnet-4-5", Price.perMillion(3, 15, 0.30, 3.75))
        .price("claude-sonnet-4", Price.perMillion(3, 15, 0.30, 3.75))
        .price("claude-haiku-4-5", Price.perMillion(1, 5, 0.10, 1.25))
        .price("claude-3-5-haiku", Price.perMillion(0.80, 4, 0.08, 1))
        .price("gpt-5.4", Price.perMillion(2.50, 15, 0.25, 0))
        .price("gpt-5.4-mini", Price.perMillion(0.75, 4.50, 0.075, 0))
        .price("gpt-5", Price.perMillion(1.25, 10, 0.125, 0))
        .price("gpt-5-mini", Price.perMillion(0.25, 2, 0.025, 0))
        .price("gpt-5-nano", Price.perMillion(0.05, 0.40, 0.005, 0))
        .price("gpt-4.1", Price.perMillion(2, 8, 0.50, 0))
        .price("gpt-4.1-mini", Price.perMillion(0.40, 1.60, 0.10, 0))
        .price("gpt-4.1-nano", Price.perMillion(0.10, 0.40, 0.025, 0))
        .price("gpt-4o", Price.perMillion(2.50, 10, 1.25, 0))
        .price("gpt-4o-mini", Price.perMillion(0.15, 0.60, 0.075, 0));
  }

  /**
   * An empty builder.
   *
   * @return a builder with no prices and no fallback
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The price of a model, by exact name or name plus release suffix, else the fallback if one was set.
   *
   * @param model the model id as the vendor reports it, such as {@code claude-sonnet-4-5-20250929}
   * @return the price, or empty when neither the model nor a fallback is priced
   */
  public Optional<Price> priceOf(String model) {
    Price exact = prices.get(model);
    if (exact != null) {
      return Optional.of(exact);
    }
    Matcher release = RELEASE_SUFFIX.matcher(model);
    if (release.find()) {
      Price base = prices.get(model.substring(0, release.start()));
      if (base != null) {
        return Optional.of(base);
      }
    }
    return Optional.ofNullable(fallback);
  }

  /**
   * One call's usage with its cost, from the tokens the server reported: metered at the model's price (or
   * the fallback), or, when the table has no price for the model, the same tokens marked unmetered
   * ({@link Usage#unmetered}) so that the engine's money cap sees it as unknown instead of as a silent $0.
   * The cost and the unmetered count of {@code reported} are ignored: pass one call's reported tokens, not a
   * sum, and not the usage of a call whose server reported none (that call is unmetered whatever it cost).
   *
   * @param model the model that answered
   * @param reported the usage the server reported for one call
   * @return the usage with its cost, or the same tokens unmetered
   */
  public Usage price(String model, Usage reported) {
    Usage tokens = new Usage(reported.inputTokens(), reported.outputTokens(), reported.cacheReadTokens(),
        reported.cacheWriteTokens(), BigDecimal.ZERO);
    Optional<Price> price = priceOf(model);
    return price.isPresent() ? tokens.withCost(price.get().cost(tokens)) : Usage.unmetered(tokens);
  }

  /**
   * A response's usage as a caller holding this table counts it ({@link dev.loopkit.llm.agent.AgentLoop},
   * {@link dev.loopkit.llm.work.ModelReviewer}): a call whose server reported tokens but whose client left it
   * without a cost (a client without this model's price, whose call is therefore unmetered, or a scripted
   * replay) is priced and metered here when this table has the model's price; any other usage is returned
   * as it is, so a call whose server reported no usage stays unmetered.
   *
   * @param response the response whose usage is counted
   * @return the usage to count for this call
   * @param requestedModel the model of the request, used when the response names none
   */
  public Usage usageOf(ModelResponse response, String requestedModel) {
    Usage usage = response.usage();
    String model = response.model().isEmpty() ? requestedModel : response.model();
    if (!response.usageReported() || usage.costUsd().signum() != 0 || priceOf(model).isEmpty()) {
      return usage;
    }
    return price(model, usage);
  }

  /**
   * This table with {@code price} for every model it does not list.
   *
   * @param price the price of unlisted models
   * @return a new table; this one is unchanged
   */
  public PriceTable withFallback(Price price) {
    return new PriceTable(prices, Objects.requireNonNull(price, "price"));
  }

  /**
   * The model names with a price.
   *
   * @return an unmodifiable view of the priced model names; the fallback is not among them
   */
  public java.util.Set<String> models() {
    return prices.keySet();
  }

  /** Builds a {@link PriceTable}. */
  public static final class Builder {
    private final Map<String, Price> prices = new LinkedHashMap<>();
    private @Nullable Price fallback;

    private Builder() {}

    /**
     * Sets (or replaces) the price of a model (and of its dated releases).
     *
     * @param model the model id without a release suffix, not blank
     * @param price the price
     * @return this builder
     * @throws IllegalArgumentException when {@code model} is blank
     */
    public Builder price(String model, Price price) {
      Objects.requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("a price needs a model name, got a blank one");
      }
      prices.put(model, Objects.requireNonNull(price, "price"));
      return this;
    }

    /**
     * The price of models not in the table; without it calls of such models are unmetered (the engine stops
     * a run on them unless the host allows unmetered usage) and the clients log a warning.
     *
     * @param price the price of unlisted models
     * @return this builder
     */
    public Builder fallback(Price price) {
      this.fallback = Objects.requireNonNull(price, "price");
      return this;
    }

    /**
     * Builds the table.
     *
     * @return the table, holding a copy of the prices
     */
    public PriceTable build() {
      return new PriceTable(prices, fallback);
    }
  }
}

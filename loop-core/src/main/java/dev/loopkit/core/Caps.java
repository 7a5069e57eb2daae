package dev.loopkit.core;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The caps of a run. Every one is enforced and fails closed. Build with {@link #builder()}; a bad value fails
 * at the setter that received it.
 */
public final class Caps {
  private final int maxPasses;
  private final Duration maxWallClock;
  private final BigDecimal maxCostUsd;
  private final long maxTokens;
  private final int maxAttemptsPerTicket;
  private final int maxDiscoveredTickets;
  private final int maxConcurrency;
  private final int maxTurnsPerWorker;
  private final boolean allowUnmeteredUsage;
  private final int maxInfrastructureInterruptions;

  private Caps(Builder b) {
    this.maxPasses = b.maxPasses;
    this.maxWallClock = b.maxWallClock;
    this.maxCostUsd = b.maxCostUsd;
    this.maxTokens = b.maxTokens;
    this.maxAttemptsPerTicket = b.maxAttemptsPerTicket;
    this.maxDiscoveredTickets = b.maxDiscoveredTickets;
    this.maxConcurrency = b.maxConcurrency;
    this.maxTurnsPerWorker = b.maxTurnsPerWorker;
    this.allowUnmeteredUsage = b.allowUnmeteredUsage;
    this.maxInfrastructureInterruptions = b.maxInfrastructureInterruptions;
  }

  /**
   * Defaults: 1,000 passes, 4 hours, $50, 50M tokens, 3 attempts per ticket, 20 discovered tickets, 4 in flight,
   * 50 turns, 10 infrastructure interruptions.
   *
   * @return the default caps
   */
  public static Caps defaults() {
    return builder().build();
  }

  /**
   * Starts a builder at the {@link #defaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a builder holding these caps, to change some of them.
   *
   * @return a builder whose {@code build()} gives caps equal to these until a setter is called
   */
  public Builder toBuilder() {
    return new Builder().maxPasses(maxPasses).maxWallClock(maxWallClock).maxCostUsd(maxCostUsd)
        .maxTokens(maxTokens).maxAttemptsPerTicket(maxAttemptsPerTicket)
        .maxDiscoveredTickets(maxDiscoveredTickets).maxConcurrency(maxConcurrency)
        .maxTurnsPerWorker(maxTurnsPerWorker).allowUnmeteredUsage(allowUnmeteredUsage)
        .maxInfrastructureInterruptions(maxInfrastructureInterruptions);
  }

  /** {@return the most passes (rounds of picking ready tickets and dispatching them) a run may make} */
  public int maxPasses() {
    return maxPasses;
  }

  /** {@return the longest a run may run, summed over its sessions} */
  public Duration maxWallClock() {
    return maxWallClock;
  }

  /** {@return the most a run may spend on priced model calls, in US dollars} */
  public BigDecimal maxCostUsd() {
    return maxCostUsd;
  }

  /** {@return the most tokens (input, cached or not, plus output) a run may use} */
  public long maxTokens() {
    return maxTokens;
  }

  /** {@return how many attempts one ticket may get before the run gives up on it} */
  public int maxAttemptsPerTicket() {
    return maxAttemptsPerTicket;
  }

  /** {@return how many tickets workers may file as discovered work in one run} */
  public int maxDiscoveredTickets() {
    return maxDiscoveredTickets;
  }

  /** {@return how many attempts may be in flight at once} */
  public int maxConcurrency() {
    return maxConcurrency;
  }

  /** {@return the most model turns one worker attempt may take} */
  public int maxTurnsPerWorker() {
    return maxTurnsPerWorker;
  }

  /**
   * How many attempts, over every session of the run, a transient fault of the harness may cut short
   * ({@link Cap#INFRASTRUCTURE_INTERRUPTIONS}); such attempts are not charged to their tickets.
   *
   * @return the limit, at least 1
   */
  public int maxInfrastructureInterruptions() {
    return maxInfrastructureInterruptions;
  }

  /** {@return whether usage that could not be priced or was not reported counts as free (see {@link Usage})} */
  public boolean allowUnmeteredUsage() {
    return allowUnmeteredUsage;
  }

  /**
   * The first cap the run has reached, checked before every pass; null when none is. Unmetered usage counts as
   * reaching the money cap unless {@link #allowUnmeteredUsage()}.
   */
  RunEnding.@org.jspecify.annotations.Nullable Capped reached(Usage used, java.time.Instant now,
      java.time.Instant deadline, @org.jspecify.annotations.Nullable CapReachedException discovery) {
    if (!now.isBefore(deadline)) {
      return new RunEnding.Capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + maxWallClock);
    }
    if (!used.isMetered() && !allowUnmeteredUsage) {
      return new RunEnding.Capped(Cap.MONEY, used.unmeteredCalls() + " model call(s) could not be priced or"
          + " reported no usage, so the money and token caps cannot see them: add the model to the client's price"
          + " table, or declare such usage free with Caps.builder().allowUnmeteredUsage()");
    }
    if (used.totalTokens() >= maxTokens) {
      return new RunEnding.Capped(Cap.TOKENS, "used " + used.totalTokens() + " tokens of " + maxTokens);
    }
    if (used.costUsd().compareTo(maxCostUsd) >= 0) {
      return new RunEnding.Capped(Cap.MONEY, "spent $" + used.costUsd().toPlainString() + " of $"
          + maxCostUsd.toPlainString());
    }
    return discovery == null ? null
        : new RunEnding.Capped(Cap.DISCOVERED_TICKETS, String.valueOf(discovery.getMessage()));
  }

  /** What is left of these caps after {@code used}, for an attempt starting now. */
  Budget budget(Usage used, java.time.Instant deadline) {
    BigDecimal money = maxCostUsd.subtract(used.costUsd()).max(BigDecimal.ZERO);
    return new Budget(Math.max(0, maxTokens - used.totalTokens()), money, deadline, maxTurnsPerWorker);
  }

  /** {@return the caps as strings, for the journal and reports} */
  public Map<String, String> describe() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("passes", Integer.toString(maxPasses));
    out.put("wall-clock", maxWallClock.toString());
    out.put("money-usd", maxCostUsd.toPlainString());
    out.put("tokens", Long.toString(maxTokens));
    out.put("attempts-per-ticket", Integer.toString(maxAttemptsPerTicket));
    out.put("discovered-tickets", Integer.toString(maxDiscoveredTickets));
    out.put("concurrency", Integer.toString(maxConcurrency));
    out.put("turns-per-worker", Integer.toString(maxTurnsPerWorker));
    out.put("unmetered-usage", allowUnmeteredUsage ? "free" : "stops the run");
    out.put("infrastructure-interruptions", Integer.toString(maxInfrastructureInterruptions));
    return out;
  }

  @Override
  public String toString() {
    return "Caps" + describe();
  }

  /** Builds {@link Caps}. Each setter throws {@link InputException} naming the value it rejects. */
  public static final class Builder {
    private int maxPasses = 1_000;
    private Duration maxWallClock = Duration.ofHours(4);
    private BigDecimal maxCostUsd = new BigDecimal("50");
    private long maxTokens = 50_000_000L;
    private int maxAttemptsPerTicket = 3;
    private int maxDiscoveredTickets = 20;
    private int maxConcurrency = 4;
    private int maxTurnsPerWorker = 50;
    private boolean allowUnmeteredUsage;
    private int maxInfrastructureInterruptions = 10;

    private Builder() {}

    private static int atLeast(int min, int value, String name) {
      if (value < min) {
        throw new InputException(name + " is " + value + ": expected at least " + min);
      }
      return value;
    }

    /**
     * @param passes at least 1; default 1,000
     * @return this builder
     * @throws InputException if {@code passes} is less than 1
     */
    public Builder maxPasses(int passes) {
      this.maxPasses = atLeast(1, passes, "maxPasses");
      return this;
    }

    /**
     * @param wallClock positive; default 4 hours
     * @return this builder
     * @throws InputException if {@code wallClock} is zero or negative
     */
    public Builder maxWallClock(Duration wallClock) {
      Objects.requireNonNull(wallClock, "wallClock");
      if (wallClock.isNegative() || wallClock.isZero()) {
        throw new InputException("maxWallClock is " + wallClock + ": expected a positive duration");
      }
      this.maxWallClock = wallClock;
      return this;
    }

    /**
     * @param dollars positive; default 50
     * @return this builder
     * @throws InputException if {@code dollars} is zero or negative
     */
    public Builder maxCostUsd(BigDecimal dollars) {
      Objects.requireNonNull(dollars, "dollars");
      if (dollars.signum() <= 0) {
        throw new InputException("maxCostUsd is " + dollars.toPlainString() + ": expected a positive amount");
      }
      this.maxCostUsd = dollars;
      return this;
    }

    /**
     * As {@link #maxCostUsd(BigDecimal)}, from text such as {@code 12.50}.
     *
     * @param dollars a positive decimal amount
     * @return this builder
     * @throws InputException if {@code dollars} is not a decimal number or not positive
     */
    public Builder maxCostUsd(String dollars) {
      try {
        return maxCostUsd(new BigDecimal(dollars));
      } catch (NumberFormatException e) {
        throw new InputException("maxCostUsd is '" + dollars + "': expected a decimal amount such as 12.50", e);
      }
    }

    /**
     * @param tokens at least 1; default 50,000,000
     * @return this builder
     * @throws InputException if {@code tokens} is less than 1
     */
    public Builder maxTokens(long tokens) {
      if (tokens < 1) {
        throw new InputException("maxTokens is " + tokens + ": expected at least 1");
      }
      this.maxTokens = tokens;
      return this;
    }

    /**
     * @param attempts at least 1; default 3
     * @return this builder
     * @throws InputException if {@code attempts} is less than 1
     */
    public Builder maxAttemptsPerTicket(int attempts) {
      this.maxAttemptsPerTicket = atLeast(1, attempts, "maxAttemptsPerTicket");
      return this;
    }

    /**
     * 0 forbids discovered work: the first ticket a worker files ends the run {@code CAPPED}.
     *
     * @param tickets 0 or more; default 20
     * @return this builder
     * @throws InputException if {@code tickets} is negative
     */
    public Builder maxDiscoveredTickets(int tickets) {
      this.maxDiscoveredTickets = atLeast(0, tickets, "maxDiscoveredTickets");
      return this;
    }

    /**
     * @param concurrency at least 1; default 4
     * @return this builder
     * @throws InputException if {@code concurrency} is less than 1
     */
    public Builder maxConcurrency(int concurrency) {
      this.maxConcurrency = atLeast(1, concurrency, "maxConcurrency");
      return this;
    }

    /**
     * @param turns at least 1; default 50
     * @return this builder
     * @throws InputException if {@code turns} is less than 1
     */
    public Builder maxTurnsPerWorker(int turns) {
      this.maxTurnsPerWorker = atLeast(1, turns, "maxTurnsPerWorker");
      return this;
    }

    /**
     * Declares usage the clients cannot price or that servers do not report (a local model, a flat-rate
     * plan) free, so it does not stop the run; by default it stops the run at the next cap check, since the
     * money and token caps cannot see it.
     *
     * @return this builder
     */
    public Builder allowUnmeteredUsage() {
      return allowUnmeteredUsage(true);
    }

    /**
     * Whether unmetered usage counts as free, as {@link #allowUnmeteredUsage()}; default false.
     *
     * @param allow true to count it as free, false to stop the run on it
     * @return this builder
     */
    public Builder allowUnmeteredUsage(boolean allow) {
      this.allowUnmeteredUsage = allow;
      return this;
    }

    /**
     * How many attempts a transient fault of the harness may cut short in the whole run before it ends
     * {@code FAILED}; default 10.
     *
     * @param interruptions at least 1; default 10
     * @return this builder
     * @throws InputException if {@code interruptions} is less than 1
     */
    public Builder maxInfrastructureInterruptions(int interruptions) {
      this.maxInfrastructureInterruptions = atLeast(1, interruptions, "maxInfrastructureInterruptions");
      return this;
    }

    /** {@return the caps} */
    public Caps build() {
      return new Caps(this);
    }
  }
}

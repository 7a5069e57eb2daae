package dev.loopkit.llm;

import dev.loopkit.core.Sleeper;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the vendor clients retry, following the vendors' own SDK rules: a call that failed with a retryable
 * {@link ModelException} (408, 409, 429, 5xx including 529, a broken connection, unless the server's
 * {@code x-should-retry} header said otherwise) is tried again up to {@link Builder#maxRetries} times. The
 * wait is the server's ({@code retry-after-ms}, else {@code retry-after} in seconds or as an HTTP date) when
 * it names a positive one, else an exponential backoff from {@link Builder#initialBackoff}, doubled per retry,
 * capped at {@link Builder#maxBackoff}, less up to {@link Builder#jitter} of it at random. A server asking
 * for more than {@link Builder#maxServerWait} is not obeyed: the call fails at once with a
 * {@link ModelException.Kind#RATE_LIMITED} error naming the wait. Authentication, insufficient-quota and
 * context-window errors are never retried.
 *
 * <p>Retries are counted and decided by a Resilience4j {@link Retry}; the waiting goes through the injected
 * {@link Sleeper}, so tests never sleep. A streamed call is retried only while nothing has been delivered
 * to its listener. Immutable and thread-safe.
 */
public final class RetryPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

  private final int maxRetries;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final Duration maxServerWait;
  private final Sleeper sleeper;
  private final Clock clock;

  private RetryPolicy(Builder b) {
    this.maxRetries = b.maxRetries;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.jitter = b.jitter;
    this.maxServerWait = b.maxServerWait;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
  }

  /**
   * 2 retries, backoff 0.5 s doubling to at most 8 s with 25 % jitter, servers may ask for at most 60 s.
   *
   * @return the default policy
   */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /**
   * No retries: every failure is thrown at once.
   *
   * @return a policy with {@code maxRetries} 0
   */
  public static RetryPolicy none() {
    return builder().maxRetries(0).build();
  }

  /**
   * A builder with the defaults of {@link #defaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this policy's values, to derive a changed copy.
   *
   * @return a builder whose {@code build()} gives an equal policy until a value is changed
   */
  public Builder toBuilder() {
    return new Builder().maxRetries(maxRetries).initialBackoff(initialBackoff).maxBackoff(maxBackoff)
        .jitter(jitter).maxServerWait(maxServerWait).sleeper(sleeper).clock(clock);
  }

  /**
   * Retries after the first try; 0 means none.
   *
   * @return 0 or more
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * The backoff before the first retry, before jitter; it doubles on each retry.
   *
   * @return a positive duration
   */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /**
   * The cap on any one backoff.
   *
   * @return a positive duration, not below {@link #initialBackoff()}
   */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * The largest share of a backoff removed at random.
   *
   * @return a value from 0 (none) to 1
   */
  public double jitter() {
    return jitter;
  }

  /**
   * The longest wait a server may ask for ({@code retry-after}); above it the call fails naming the wait.
   *
   * @return a positive duration
   */
  public Duration maxServerWait() {
    return maxServerWait;
  }

  /**
   * The clock used to turn an HTTP-date {@code retry-after} into a wait.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxRetries=" + maxRetries + ", initialBackoff=" + initialBackoff + ", maxBackoff="
        + maxBackoff + ", jitter=" + jitter + ", maxServerWait=" + maxServerWait + "}";
  }

  /** A Resilience4j retry for one client; its metrics and events span every call of that client. */
  Retry newRetry(String name) {
    IntervalBiFunction<Object> interval = (attempt, outcome) -> {
      if (outcome.isLeft() && outcome.getLeft() instanceof ModelException) {
        Duration asked = ((ModelException) outcome.getLeft()).retryAfter().orElse(Duration.ZERO);
        if (!asked.isNegative() && !asked.isZero()) {
          return asked.toMillis();
        }
      }
      return backoff(attempt).toMillis();
    };
    RetryConfig config = RetryConfig.custom()
        .maxAttempts(maxRetries + 1)
        .retryOnException(t -> t instanceof ModelException && ((ModelException) t).isRetryable())
        .intervalBiFunction(interval)
        .failAfterMaxAttempts(false)
        .build();
    return Retry.of(name, config);
  }

  /** The backoff before retry number {@code attempt} (1-based), jitter applied. */
  Duration backoff(int attempt) {
    long base = initialBackoff.toMillis();
    long capped = maxBackoff.toMillis();
    long millis = attempt >= 31 ? capped : Math.min(capped, base * (1L << (attempt - 1)));
    double factor = 1.0 - jitter * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.max(0, Math.round(millis * factor)));
  }

  /**
   * Runs {@code attempt}, retrying retryable {@link ModelException}s as described in the class documentation.
   *
   * @param retry the client's Resilience4j retry, from {@link #newRetry}
   * @param what a short description for messages, such as {@code anthropic claude-sonnet-4-5}
   * @param attempt one try; throws {@link ModelException} on failure
   * @param mayRetry whether a failed try may be repeated (false once a stream delivered events)
   */
  <T> T execute(Retry retry, String what, Supplier<T> attempt, BooleanSupplier mayRetry) {
    Retry.AsyncContext<Object> context = retry.asyncContext();
    for (int tries = 1; ; tries++) {
      try {
        T result = attempt.get();
        context.onComplete();
        return result;
      } catch (ModelException e) {
        if (!mayRetry.getAsBoolean()) {
          throw e;
        }
        Duration asked = e.retryAfter().orElse(Duration.ZERO);
        if (e.isRetryable() && maxRetries > 0 && asked.compareTo(maxServerWait) > 0) {
          throw new ModelException(ModelException.Kind.RATE_LIMITED, what + ": the server asks to wait "
              + describe(asked) + " before retrying, longer than the " + describe(maxServerWait)
              + " this client may wait (RetryPolicy.maxServerWait); last error: " + e.getMessage(),
              e.httpStatus(), asked, e.vendorCode(), e, true);
        }
        long delay = context.onError(e);
        if (delay < 0) {
          throw e;
        }
        Duration wait = Duration.ofMillis(delay);
        LOG.warn("{}: attempt {} failed ({}, HTTP {}); retrying in {}", what, tries, e.kind(),
            e.httpStatus(), describe(wait));
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          e.addSuppressed(interrupted);
          throw e;
        }
      }
    }
  }

  /** {@code d} when positive; else an error naming the setting. */
  static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }

  static String describe(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0);
  }

  /** Builds a {@link RetryPolicy}; a bad value fails at its setter, conflicting ones in {@link #build()}. */
  public static final class Builder {
    private int maxRetries = 2;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(8);
    private double jitter = 0.25;
    private Duration maxServerWait = Duration.ofSeconds(60);
    private Sleeper sleeper = Sleeper.system();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Retries after the first try; 0 disables retrying.
     *
     * @param maxRetries 0 or more
     * @return this builder
     * @throws IllegalArgumentException when negative
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must be 0 or more, got " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * The first backoff; positive.
     *
     * @param initialBackoff positive
     * @return this builder
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = positive(initialBackoff, "initialBackoff");
      return this;
    }

    /**
     * The cap on any one backoff; positive.
     *
     * @param maxBackoff positive
     * @return this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = positive(maxBackoff, "maxBackoff");
      return this;
    }

    /**
     * The largest share of a backoff removed at random, from 0 (none) to 1.
     *
     * @param jitter from 0 to 1
     * @return this builder
     * @throws IllegalArgumentException when outside 0 to 1
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * The longest wait a server may ask for; above it the call fails naming the wait. Positive.
     *
     * @param maxServerWait positive
     * @return this builder
     */
    public Builder maxServerWait(Duration maxServerWait) {
      this.maxServerWait = positive(maxServerWait, "maxServerWait");
      return this;
    }

    /**
     * How to wait between tries; tests pass one that records instead of sleeping.
     *
     * @param sleeper the sleeper
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * The clock for HTTP-date {@code retry-after} values.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException when the initial backoff exceeds the max backoff
     */
    public RetryPolicy build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalStateException("initialBackoff " + initialBackoff + " exceeds maxBackoff " + maxBackoff);
      }
      return new RetryPolicy(this);
    }

  }
}

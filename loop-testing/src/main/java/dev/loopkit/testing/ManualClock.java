package dev.loopkit.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} that moves only when told. Thread-safe. Also serves as a {@link dev.loopkit.core.Sleeper}
 * through {@link #sleeper()}: sleeping advances the clock instead of blocking.
 */
public final class ManualClock extends Clock {
  private volatile Instant now;

  /**
   * A clock that starts at {@code start}.
   *
   * @param start the first instant {@link #instant()} returns
   */
  public ManualClock(Instant start) {
    this.now = start;
  }

  /** A clock at 2026-01-01T00:00:00Z. */
  public ManualClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /**
   * Moves the clock forward.
   *
   * @param duration how far; a negative duration moves it back
   * @return this clock, for chaining
   */
  public synchronized ManualClock advance(Duration duration) {
    now = now.plus(duration);
    return this;
  }

  /**
   * Sets the clock to an instant, earlier or later than now.
   *
   * @param instant what {@link #instant()} returns from now on
   * @return this clock, for chaining
   */
  public synchronized ManualClock set(Instant instant) {
    now = instant;
    return this;
  }

  /**
   * A sleeper that advances this clock by the requested duration and returns at once.
   *
   * @return a sleeper bound to this clock; it never blocks
   */
  public dev.loopkit.core.Sleeper sleeper() {
    return this::advance;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("ManualClock is always UTC");
  }
}

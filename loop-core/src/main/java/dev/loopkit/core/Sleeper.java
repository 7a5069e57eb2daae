package dev.loopkit.core;

import java.time.Duration;

/** Waits. Injected wherever Loop waits (retry backoff, polling), so tests never sleep for real. */
@FunctionalInterface
public interface Sleeper {

  /**
   * Waits for {@code duration}; a zero or negative duration returns at once.
   *
   * @param duration how long to wait
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Sleeps the calling thread for real.
   *
   * @return the real sleeper
   */
  static Sleeper system() {
    return duration -> {
      if (!duration.isNegative() && !duration.isZero()) {
        Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
      }
    };
  }
}

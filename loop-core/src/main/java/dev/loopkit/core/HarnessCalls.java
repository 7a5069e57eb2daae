package dev.loopkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Calls to the host's parts around the tickets (today the tracker's reads and status writes) with bounded,
 * journaled retries: a {@link LoopException#isRetryable() retryable} failure is tried again after a jittered,
 * doubling backoff (0.5 s, 1 s, 2 s, ... at most 10 s), never past the run's deadline and at most
 * {@link #MAX_TRIES} times in all; every retry is a {@link LoopEvent.CallRetried} event. A failure that is not
 * retryable, or that outlasts its retries, is a {@link HarnessFault} naming the part, the call and the last
 * error: the run ends FAILED, and no ticket is charged for it. Engine thread only.
 */
final class HarnessCalls {
  static final int MAX_TRIES = 4;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final Ledger ledger;
  private final Sleeper sleeper;
  private final Clock clock;
  private Instant deadline = Instant.MAX;

  HarnessCalls(Ledger ledger, Sleeper sleeper, Clock clock) {
    this.ledger = ledger;
    this.sleeper = sleeper;
    this.clock = clock;
  }

  /** No retry waits past this instant (the run's wall-clock cap). */
  void deadline(Instant until) {
    this.deadline = until;
  }

  /**
   * Runs {@code call}, retrying retryable failures.
   *
   * @param part the part called, for messages ({@code the tracker})
   * @param what the call, for messages ({@code changesSince}, {@code transition T-3 to done})
   * @throws HarnessFault when the call fails for good
   */
  <T> T call(String part, String what, Supplier<T> call) {
    Duration backoff = FIRST_BACKOFF;
    for (int tries = 1; ; tries++) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        boolean retryable = e instanceof LoopException l && l.isRetryable();
        Duration wait = jitter(backoff);
        if (!retryable || tries >= MAX_TRIES || !clock.instant().plus(wait).isBefore(deadline)) {
          String why = retryable ? " after " + tries + " tries" : "";
          throw new HarnessFault(Attempt.describe(part + " (" + what + ")" + why, e), e);
        }
        ledger.append(new LoopEvent.CallRetried(ledger.now(), part, what, tries, Attempt.describe(part, e),
            wait.toMillis()));
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new HarnessFault("interrupted while waiting to retry " + part + " (" + what + ")", ie);
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  void run(String part, String what, Runnable call) {
    call(part, what, () -> {
      call.run();
      return null;
    });
  }

  private static Duration jitter(Duration backoff) {
    long ms = backoff.toMillis();
    return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
  }
}

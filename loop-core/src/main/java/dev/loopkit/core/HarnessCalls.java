package dev.loopkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Calls to the host's parts around the tickets (the tracker's reads, writes, claims, creates and comments; the
 * oracle) with a per-call timeout and bounded, journaled retries. Each call runs on a daemon thread of its own
 * ({@code loop-harness-call-N}) while the engine thread waits at most the call's timeout, and never past the run's
 * deadline (the wall-clock cap): a call that does not answer in time is interrupted and abandoned (a
 * {@link LoopEvent.CallAbandoned} naming the thread left running it; the engine does not wait for that thread to
 * die). A timeout, like a {@link LoopException#isRetryable() retryable} failure, is tried again after a jittered,
 * doubling backoff (0.5 s, 1 s, 2 s, ... at most 10 s), never past the deadline and at most {@link #MAX_TRIES}
 * times in all; every retry is a {@link LoopEvent.CallRetried} event. A failure that is not retryable, or that
 * outlasts its retries, is a {@link HarnessFault} naming the part, the call and the last error: the run ends
 * FAILED, and no ticket is charged for it. A call still running at the deadline is a {@link PastDeadline}: the
 * run ends CAPPED on its wall clock. Engine thread only.
 */
final class HarnessCalls implements AutoCloseable {
  static final int MAX_TRIES = 4;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** A call was still running when the run's wall-clock cap came: the run ends CAPPED, naming the call. */
  static final class PastDeadline extends HarnessFault {
    private static final long serialVersionUID = 1L;

    PastDeadline(String message) {
      super(message, null);
    }
  }

  private final Ledger ledger;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Duration timeout;
  private final ExecutorService threads;
  private Instant deadline = Instant.MAX;

  HarnessCalls(Ledger ledger, Sleeper sleeper, Clock clock, Duration timeout) {
    this.ledger = ledger;
    this.sleeper = sleeper;
    this.clock = clock;
    this.timeout = timeout;
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "loop-harness-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** No call waits and no retry waits past this instant (the run's wall-clock cap). */
  void deadline(Instant until) {
    this.deadline = until;
  }

  /**
   * Runs {@code call} under the per-call timeout, retrying timeouts and retryable failures.
   *
   * @param part the part called, for messages ({@code the tracker})
   * @param what the call, for messages ({@code changesSince}, {@code transition T-3 to done})
   * @throws HarnessFault when the call fails for good
   * @throws PastDeadline when the run's wall clock ran out while the call ran or waited to be retried
   */
  <T> T call(String part, String what, Supplier<T> call) {
    return call(part, what, timeout, call);
  }

  /** As {@link #call(String, String, Supplier)} with a timeout of its own (the oracle's). */
  <T> T call(String part, String what, Duration perCall, Supplier<T> call) {
    Duration backoff = FIRST_BACKOFF;
    for (int tries = 1; ; tries++) {
      try {
        return timed(part, what, perCall, call);
      } catch (PastDeadline e) {
        throw e;
      } catch (RuntimeException e) {
        boolean retryable = e instanceof LoopException l && l.isRetryable();
        Duration wait = jitter(backoff);
        if (!retryable || tries >= MAX_TRIES) {
          String why = retryable ? " after " + tries + " tries" : "";
          throw new HarnessFault(Attempt.describe(part + " (" + what + ")" + why, e), e);
        }
        if (!clock.instant().plus(wait).isBefore(deadline)) {
          throw new PastDeadline("the wall-clock cap came while " + part + " (" + what + ") was failing ("
              + Attempt.describe(part, e) + ")");
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

  /** One try: on its own thread, waited for at most {@code perCall} and never past the deadline. */
  private <T> T timed(String part, String what, Duration perCall, Supplier<T> call) {
    Duration left = deadline.equals(Instant.MAX) ? perCall : Duration.between(clock.instant(), deadline);
    if (left.isNegative() || left.isZero()) {
      throw new PastDeadline("the wall-clock cap came before " + part + " (" + what + ") could be called");
    }
    boolean capBound = left.compareTo(perCall) < 0;
    Duration wait = capBound ? left : perCall;
    AtomicReference<String> runner = new AtomicReference<>("a thread that had not started yet");
    FutureTask<T> task = new FutureTask<>(() -> {
      runner.set(Thread.currentThread().getName());
      return call.get();
    });
    threads.execute(task);
    try {
      return task.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      ledger.append(new LoopEvent.CallAbandoned(ledger.now(), part, what, runner.get(), wait.toMillis()));
      if (capBound) {
        throw new PastDeadline(part + " (" + what + ") was still running at the wall-clock cap; abandoned on "
            + runner.get());
      }
      throw new AdapterException(part + " (" + what + ") did not answer within " + perCall + "; abandoned on "
          + runner.get(), e, true);
    } catch (InterruptedException e) {
      task.cancel(true);
      Thread.currentThread().interrupt();
      throw new HarnessFault("interrupted while waiting for " + part + " (" + what + ")", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new AdapterException(Attempt.describe(part + " (" + what + ")", cause), cause);
    }
  }

  /** Stops the call threads that are idle; a thread still running an abandoned call is left to die. */
  @Override
  public void close() {
    threads.shutdownNow();
  }

  private static Duration jitter(Duration backoff) {
    long ms = backoff.toMillis();
    return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
  }
}

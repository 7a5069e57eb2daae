package dev.loopkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
  private static final Duration CENTURY = Duration.ofDays(36_525);

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
   * One call of a batch run by {@link #callEach}.
   *
   * @param what the call, for messages ({@code transition T-3 to done})
   * @param body the call itself
   */
  record Call<T>(String what, Supplier<T> body) {}

  /** Receives, on the engine thread and in order, the result of each call of a batch that returned. */
  @FunctionalInterface
  interface Each<T> {
    void accept(int index, T result);
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
    List<T> out = new ArrayList<>(1);
    callEach(part, List.of(new Call<>(what, call)), perCall, (i, result) -> out.add(result));
    return out.get(0);
  }

  void run(String part, String what, Runnable call) {
    call(part, what, () -> {
      call.run();
      return null;
    });
  }

  /**
   * Runs the calls in order, one after another on one call thread, handing the engine thread back only when all
   * have returned (or one failed): a pass's writes cost one hand-off, not one per write. Each call keeps its own
   * timeout and its own retries, exactly as if it had been made alone; a call that fails is retried from where
   * it stopped, and the calls after it run only once it has returned. {@code each} gets every result, in order,
   * before this returns or throws, so a caller knows which calls landed when a later one fails for good.
   *
   * @throws HarnessFault when a call fails for good (the calls after it are not made)
   * @throws PastDeadline when the run's wall clock ran out while a call ran or waited to be retried
   */
  <T> void callEach(String part, List<Call<T>> batch, Each<T> each) {
    callEach(part, batch, timeout, each);
  }

  private <T> void callEach(String part, List<Call<T>> batch, Duration perCall, Each<T> each) {
    int next = 0;
    int failing = -1;
    int tries = 0;
    Duration backoff = FIRST_BACKOFF;
    while (next < batch.size()) {
      Batch<T> run = new Batch<>(batch.subList(next, batch.size()));
      RuntimeException failure;
      try {
        failure = timed(part, run, perCall);
      } finally {
        int done = run.take();
        for (int i = 0; i < done; i++) {
          each.accept(next + i, run.result(i));
        }
        next += done;
      }
      if (failure == null || next == batch.size()) {
        return; // every call returned (the last may have returned just as it was abandoned)
      }
      if (next != failing) { // a call that had not failed before: its own tries and backoff
        failing = next;
        tries = 0;
        backoff = FIRST_BACKOFF;
      }
      tries++;
      String what = batch.get(next).what();
      boolean retryable = failure instanceof LoopException l && l.isRetryable();
      Duration wait = jitter(backoff);
      if (!retryable || tries >= MAX_TRIES) {
        String why = retryable ? " after " + tries + " tries" : "";
        throw new HarnessFault(Attempt.describe(part + " (" + what + ")" + why, failure), failure);
      }
      if (!clock.instant().plus(wait).isBefore(deadline)) {
        throw new PastDeadline("the wall-clock cap came while " + part + " (" + what + ") was failing ("
            + Attempt.describe(part, failure) + ")");
      }
      ledger.append(new LoopEvent.CallRetried(ledger.now(), part, what, tries, Attempt.describe(part, failure),
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

  /** The call a batch is running and since when ({@link System#nanoTime}). */
  private record Running(int index, long since) {}

  /**
   * Calls run in order on a call thread. What it publishes is volatile: a result is written before
   * {@link #completed} counts it, so the engine thread reads every counted result, even of a batch it abandoned.
   */
  private static final class Batch<T> implements Runnable {
    private final List<Call<T>> calls;
    private final Object[] results;
    private volatile int completed;
    private volatile @Nullable Running running;
    private volatile @Nullable Throwable failure;
    private volatile boolean abandoned;
    private volatile String runner = "a thread that had not started yet";
    private int taken = -1; // engine thread only

    /**
     * How many calls returned, frozen at the first ask: once the engine has abandoned the batch, a call that
     * returns later is not counted (it is made again, as any abandoned call is).
     */
    int take() {
      if (taken < 0) {
        taken = completed;
      }
      return taken;
    }

    Batch(List<Call<T>> calls) {
      this.calls = calls;
      this.results = new Object[calls.size()];
    }

    @Override
    public void run() {
      runner = Thread.currentThread().getName();
      try {
        for (int i = 0; i < calls.size() && !abandoned; i++) {
          running = new Running(i, System.nanoTime());
          results[i] = calls.get(i).body().get();
          completed = i + 1;
        }
      } catch (Throwable t) { // handed to the engine thread, which decides
        failure = t;
      }
    }

    @SuppressWarnings("unchecked")
    T result(int i) {
      return (T) results[i];
    }
  }

  /**
   * One try of the batch's calls, on a call thread; each call is waited for at most {@code perCall} from when it
   * began, and never past the deadline. Returns null when every call returned, or the failure of the first that
   * did not (a timeout is a retryable {@link AdapterException}).
   */
  private <T> @Nullable RuntimeException timed(String part, Batch<T> batch, Duration perCall) {
    if (!deadline.equals(Instant.MAX) && !clock.instant().isBefore(deadline)) {
      throw new PastDeadline("the wall-clock cap came before " + part + " (" + batch.calls.get(0).what()
          + ") could be called");
    }
    FutureTask<Void> task = new FutureTask<>(batch, null);
    long submitted = System.nanoTime();
    threads.execute(task);
    while (true) {
      Running running = batch.running;
      long callLeft = (running == null ? submitted : running.since()) + nanos(perCall) - System.nanoTime();
      long capLeft = deadline.equals(Instant.MAX) ? Long.MAX_VALUE
          : nanos(Duration.between(clock.instant(), deadline));
      boolean capBound = capLeft <= callLeft;
      try {
        long wait = Math.min(callLeft, capLeft);
        if (wait <= 0) {
          throw new TimeoutException();
        }
        task.get(wait, TimeUnit.NANOSECONDS);
        return failureOf(part, batch);
      } catch (TimeoutException e) {
        if (task.isDone() || batch.running != running && !capBound) {
          continue; // it returned meanwhile, or the next call began: that one has a timeout of its own
        }
        batch.abandoned = true;
        task.cancel(true);
        int returned = batch.take();
        if (returned == batch.calls.size()) {
          return null; // the last call returned as it was abandoned
        }
        String what = batch.calls.get(returned).what();
        long waited = capBound ? Math.max(0, capLeft) : nanos(perCall);
        ledger.append(new LoopEvent.CallAbandoned(ledger.now(), part, what, batch.runner,
            TimeUnit.NANOSECONDS.toMillis(waited)));
        if (capBound) {
          throw new PastDeadline(part + " (" + what + ") was still running at the wall-clock cap; abandoned on "
              + batch.runner);
        }
        return new AdapterException(part + " (" + what + ") did not answer within " + perCall + "; abandoned on "
            + batch.runner, e, true);
      } catch (InterruptedException e) {
        batch.abandoned = true;
        task.cancel(true);
        Thread.currentThread().interrupt();
        throw new HarnessFault("interrupted while waiting for " + part + " ("
            + batch.calls.get(Math.min(batch.take(), batch.calls.size() - 1)).what() + ")", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a batch of calls catches what its calls throw", e);
      }
    }
  }

  private static <T> @Nullable RuntimeException failureOf(String part, Batch<T> batch) {
    Throwable cause = batch.failure;
    if (cause == null || cause instanceof RuntimeException) {
      return (RuntimeException) cause;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new AdapterException(Attempt.describe(part + " (" + batch.calls.get(batch.completed).what() + ")",
        cause), cause);
  }

  /** Stops the call threads that are idle; a thread still running an abandoned call is left to die. */
  @Override
  public void close() {
    threads.shutdownNow();
  }

  /** A duration in nanoseconds, at most a century (so that adding it to {@link System#nanoTime} cannot overflow). */
  private static long nanos(Duration d) {
    return d.compareTo(CENTURY) > 0 ? CENTURY.toNanos() : d.toNanos();
  }

  private static Duration jitter(Duration backoff) {
    long ms = backoff.toMillis();
    return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
  }
}

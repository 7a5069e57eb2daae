package dev.loopkit.testing;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A tracker that misbehaves on purpose, for fault-injection tests of a harness: each call, drawn from a seeded
 * random source, fails with a retryable {@link AdapterException} ({@link Builder#failureRate}), half of the time
 * <em>after</em> the call reached the tracker it wraps (an answer lost on the way back, so a retried write lands
 * twice and a retried claim finds the ticket already claimed), or hangs for {@link Builder#hang} before it
 * answers ({@link Builder#hangRate}; an interrupt ends the hang early, as a client's socket read would end).
 *
 * <pre>{@code
 * Tracker flaky = FaultInjectingTracker.builder(tracker).failureRate(0.2).hangRate(0.02)
 *     .hang(Duration.ofSeconds(30)).seed(7).build();
 * }</pre>
 *
 * Thread-safe as far as the tracker it wraps is. The counts ({@link #calls()}, {@link #failures()},
 * {@link #hangs()}) let a test state what it injected.
 */
public final class FaultInjectingTracker extends ForwardingTracker {
  private final double failureRate;
  private final double hangRate;
  private final Duration hang;
  private final Random random;
  private final int maxConsecutiveFaults;
  private final java.util.concurrent.ConcurrentMap<String, Integer> streaks =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger hangs = new AtomicInteger();

  private FaultInjectingTracker(Builder b) {
    super(b.delegate);
    this.failureRate = b.failureRate;
    this.hangRate = b.hangRate;
    this.hang = b.hang;
    this.random = new Random(b.seed);
    this.maxConsecutiveFaults = b.maxConsecutiveFaults;
  }

  /**
   * Starts a fault injector around {@code delegate}; with no rates set it injects nothing.
   *
   * @param delegate the tracker whose calls are made (and, half of the failures, made before failing)
   * @return a builder of rates, the hang's length, the streak limit and the seed
   */
  public static Builder builder(Tracker delegate) {
    return new Builder(Objects.requireNonNull(delegate, "delegate"));
  }

  /**
   * Calls made through this tracker so far.
   *
   * @return every call, faulty or not
   */
  public int calls() {
    return calls.get();
  }

  /**
   * Calls that failed on purpose so far.
   *
   * @return failures before and after the call reached the tracker, hangs not counted
   */
  public int failures() {
    return failures.get();
  }

  /**
   * Calls that hung on purpose so far.
   *
   * @return hangs, whether the caller waited them out or abandoned them
   */
  public int hangs() {
    return hangs.get();
  }

  private enum Fault { NONE, BEFORE, AFTER, HANG }

  private Fault draw() {
    calls.incrementAndGet();
    double r;
    boolean after;
    synchronized (random) {
      r = random.nextDouble();
      after = random.nextBoolean();
    }
    if (r < hangRate) {
      return Fault.HANG;
    }
    if (r < hangRate + failureRate) {
      return after ? Fault.AFTER : Fault.BEFORE;
    }
    return Fault.NONE;
  }

  private <T> T faulty(String call, Supplier<T> real) {
    Fault f = draw();
    String subject = call.indexOf(' ') < 0 ? call : call.substring(call.indexOf(' ') + 1); // the ticket, or the call
    int streak = streaks.getOrDefault(subject, 0);
    if (f != Fault.NONE && streak >= maxConsecutiveFaults) {
      f = Fault.NONE; // a transient fault: calls about this ticket answer after the streak
    }
    if (f == Fault.NONE) {
      streaks.remove(subject);
    } else {
      streaks.put(subject, streak + 1);
    }
    if (f == Fault.HANG) {
      hangs.incrementAndGet();
      try {
        Thread.sleep(hang.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AdapterException("injected hang of " + call + " was interrupted", e, true);
      }
      return real.get();
    }
    if (f == Fault.BEFORE) {
      failures.incrementAndGet();
      throw new AdapterException("injected fault: 503 Service Unavailable from the tracker (" + call + ")", null,
          true);
    }
    T result = real.get();
    if (f == Fault.AFTER) {
      failures.incrementAndGet();
      throw new AdapterException("injected fault: the answer to " + call + " was lost (it reached the tracker)",
          null, true);
    }
    return result;
  }

  private void faulty(String call, Runnable real) {
    faulty(call, () -> {
      real.run();
      return null;
    });
  }

  @Override
  public Batch readBatch() {
    return faulty("readBatch", super::readBatch);
  }

  @Override
  public BatchChanges changesSince(String cursor) {
    return faulty("changesSince", () -> super.changesSince(cursor));
  }

  @Override
  public Optional<Ticket> find(String id) {
    return faulty("find " + id, () -> super.find(id));
  }

  @Override
  public Ticket create(NewTicket ticket) {
    return faulty("create", () -> super.create(ticket));
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    faulty("addDependency " + ticketId, () -> super.addDependency(ticketId, dependency));
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    faulty("transition " + ticketId, () -> super.transition(ticketId, to, note));
  }

  @Override
  public void comment(String ticketId, String body) {
    faulty("comment " + ticketId, () -> super.comment(ticketId, body));
  }

  @Override
  public boolean claim(String ticketId, String owner) {
    return faulty("claim " + ticketId, () -> super.claim(ticketId, owner));
  }

  /** Builds a {@link FaultInjectingTracker}; each setter rejects a value out of range, naming it. */
  public static final class Builder {
    private final Tracker delegate;
    private double failureRate;
    private double hangRate;
    private Duration hang = Duration.ofSeconds(30);
    private long seed = 1;
    private int maxConsecutiveFaults = Integer.MAX_VALUE;

    private Builder(Tracker delegate) {
      this.delegate = delegate;
    }

    /**
     * The share of calls that fail with a retryable error, 0 to 1; default 0.
     *
     * @param rate the share, from 0 to 1
     * @return this builder
     * @throws InputException if the share is outside 0 to 1
     */
    public Builder failureRate(double rate) {
      this.failureRate = rate("failureRate", rate);
      return this;
    }

    /**
     * The share of calls that hang for {@link #hang}, 0 to 1; default 0.
     *
     * @param rate the share, from 0 to 1
     * @return this builder
     * @throws InputException if the share is outside 0 to 1
     */
    public Builder hangRate(double rate) {
      this.hangRate = rate("hangRate", rate);
      return this;
    }

    /**
     * How long a hanging call hangs before it answers; default 30 s.
     *
     * @param duration a positive duration
     * @return this builder
     * @throws InputException if it is zero or negative
     */
    public Builder hang(Duration duration) {
      Objects.requireNonNull(duration, "duration");
      if (duration.isNegative() || duration.isZero()) {
        throw new InputException("hang is " + duration + ": expected a positive duration");
      }
      this.hang = duration;
      return this;
    }

    /**
     * The most faults (failures and hangs) in a row for calls about one ticket (any method), or for one batch-wide
     * call ({@code readBatch}, {@code changesSince}, {@code create}), before the next such call answers: a
     * tracker that is flaky, not down; default unlimited.
     *
     * @param faults at least 1
     * @return this builder
     * @throws InputException if below 1
     */
    public Builder maxConsecutiveFaults(int faults) {
      if (faults < 1) {
        throw new InputException("maxConsecutiveFaults is " + faults + ": expected at least 1");
      }
      this.maxConsecutiveFaults = faults;
      return this;
    }

    /**
     * The seed of the random source that picks the faults; default 1 (the same seed, the same faults when the
     * calls come in the same order).
     *
     * @param seed any value
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Builds the injector.
     *
     * @return the tracker that misbehaves as set
     * @throws InputException if the two rates add up to more than 1
     */
    public FaultInjectingTracker build() {
      if (failureRate + hangRate > 1) {
        throw new InputException("failureRate " + failureRate + " and hangRate " + hangRate + " add up to more"
            + " than 1: expected shares of the calls that together are at most 1");
      }
      return new FaultInjectingTracker(this);
    }

    private static double rate(String name, double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new InputException(name + " is " + rate + ": expected a share of the calls from 0 to 1");
      }
      return rate;
    }
  }
}

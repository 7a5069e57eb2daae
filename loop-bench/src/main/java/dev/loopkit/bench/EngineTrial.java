package dev.loopkit.bench;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.JournalStats;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.scheduler.DependencyReadySet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One run of the whole engine through its public builder, with the stock parts and probes around them: a
 * {@link CountingTracker} around the tracker, a timing lambda around {@link TrackerOracle}, a listener that
 * counts {@code TicketDone} events and notes the first {@code TicketDispatched}, a {@link HeapProbe}, and a
 * watchdog that stops the run at its time budget or when the run directory outgrows {@link #MAX_RUN_DIR_BYTES}.
 * Workers finish at once, the verifier passes with evidence, and workspaces do no I/O.
 *
 * <p>The engine runs on a thread of its own; a trial is stopped the way a host stops a run, by interrupting
 * that thread, after which {@code run()} ends the run cleanly and returns.
 */
final class EngineTrial {
  static final int CONCURRENCY = 8;
  /** A run whose directory grows past this is stopped, so a journal that grows as n² cannot fill the disk. */
  static final long MAX_RUN_DIR_BYTES = 1L << 30;
  private static final long WATCH_MILLIS = 20;

  /** What returned the run. */
  enum Stop {
    /** The engine reached an ending by itself (the oracle's DONE in a finished trial). */
    ENDING("ending"),
    /** The trial's time budget ran out. */
    BUDGET("budget"),
    /** The run directory grew past {@link #MAX_RUN_DIR_BYTES}. */
    JOURNAL_SIZE("journal-size"),
    /** The trial asked for half the batch, and got it. */
    HALF_DONE("half-done"),
    /** The trial asked only for the first dispatch (a resume). */
    FIRST_DISPATCH("first-dispatch"),
    /** The engine ran out of heap. */
    OUT_OF_MEMORY("out-of-memory");

    final String key;

    Stop(String key) {
      this.key = key;
    }
  }

  /**
   * One trial.
   *
   * @param tracker the filled tracker (wrapped here in a {@link CountingTracker})
   * @param tickets how many tickets the batch holds
   * @param runDirectory the run directory (the journal's medium decides what fsync costs)
   * @param workspace the one directory every attempt is handed; nothing is written to it
   * @param budgetNanos the run is stopped once it has run this long
   * @param stopAfterDone stop once this many {@code TicketDone} events arrived; 0 for never
   * @param stopAtFirstDispatch stop at the first {@code TicketDispatched} event
   */
  record Plan(Tracker tracker, int tickets, Path runDirectory, Path workspace, long budgetNanos, int stopAfterDone,
      boolean stopAtFirstDispatch) {}

  /**
   * What a trial measured. Times are nanoseconds from the call to {@code run()}; -1 where the event never came.
   *
   * @param ending the run's {@link RunEnding.Kind} name, or {@code out-of-memory}
   * @param nanos wall time of {@code run()}
   * @param ticketsDone {@code TicketDone} events the listener received
   * @param halfDoneNanos when the {@code ceil(tickets / 2)}-th {@code TicketDone} arrived
   * @param passes {@code RunReport.passes()} (every session of the run directory)
   * @param journal what this session cost the journal, from {@code RunResult.journal()}
   * @param runDirBytes the size of every file under the run directory after the run
   * @param trackerCalls calls to the tracker by name, see {@link CountingTracker#CALLS}
   * @param oracleNanos time spent inside the oracle's {@code judge}
   * @param firstDispatchNanos when the first {@code TicketDispatched} event reached the listener
   */
  record Outcome(String ending, Stop stop, long nanos, int ticketsDone, long halfDoneNanos, int passes,
      JournalStats journal, long runDirBytes, Map<String, Long> trackerCalls, long oracleNanos, long oracleCalls,
      long firstDispatchNanos, HeapProbe.Peak heap) {}

  private EngineTrial() {}

  /** Runs the plan to its ending or its stop, on a new thread; blocks until the run has returned. */
  static Outcome run(Plan plan) {
    CountingTracker tracker = new CountingTracker(plan.tracker());
    LongAdder oracleNanos = new LongAdder();
    LongAdder oracleCalls = new LongAdder();
    Oracle stock = TrackerOracle.create();
    Oracle timed = context -> {
      long start = System.nanoTime();
      try {
        return stock.judge(context);
      } finally {
        oracleNanos.add(System.nanoTime() - start);
        oracleCalls.increment();
      }
    };
    AtomicLong started = new AtomicLong(-1);
    AtomicInteger done = new AtomicInteger();
    AtomicLong halfDone = new AtomicLong(-1);
    AtomicLong firstDispatch = new AtomicLong(-1);
    AtomicReference<@Nullable Stop> stop = new AtomicReference<>();
    AtomicReference<@Nullable RunResult> result = new AtomicReference<>();
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    int half = (plan.tickets() + 1) / 2;

    // the listener stops the run by interrupting the engine's thread, which is made after the engine
    AtomicReference<@Nullable Thread> engineThread = new AtomicReference<>();
    Runnable interrupt = () -> {
      Thread t = engineThread.get();
      if (t != null) {
        t.interrupt();
      }
    };
    LoopListener listener = event -> {
      long at = System.nanoTime() - started.get();
      if (event instanceof LoopEvent.TicketDone) {
        int n = done.incrementAndGet();
        if (n == half) {
          halfDone.set(at);
        }
        if (plan.stopAfterDone() > 0 && n >= plan.stopAfterDone() && stop.compareAndSet(null, Stop.HALF_DONE)) {
          interrupt.run();
        }
      } else if (event instanceof LoopEvent.TicketDispatched && firstDispatch.compareAndSet(-1, at)
          && plan.stopAtFirstDispatch() && stop.compareAndSet(null, Stop.FIRST_DISPATCH)) {
        interrupt.run();
      }
    };
    LoopEngine engine = LoopEngine.builder()
        .tracker(tracker)
        .readySet(DependencyReadySet.create())
        .oracle(timed)
        .workspaces(Workspaces.shared(plan.workspace()))
        .worker(assignment -> WorkResult.completed("ok", Usage.ZERO))
        .verifier(request -> Verification.passed(Evidence.of("bench", "ok")))
        .caps(Caps.builder().maxConcurrency(CONCURRENCY).maxPasses(Integer.MAX_VALUE)
            .maxWallClock(Duration.ofDays(1)).build())
        .runDirectory(plan.runDirectory())
        .listener(listener)
        .build();

    AtomicLong ended = new AtomicLong();
    Thread thread = new Thread(() -> {
      started.set(System.nanoTime());
      try {
        result.set(engine.run());
      } catch (Throwable t) { // an OutOfMemoryError is a figure; anything else fails the benchmark below
        failure.set(t);
      }
      ended.set(System.nanoTime());
    }, "loop-bench-engine");
    engineThread.set(thread);
    HeapProbe heap = HeapProbe.start();
    thread.start();
    watch(thread, started, plan, stop, interrupt);
    HeapProbe.Peak peak = heap.stop();

    Throwable thrown = failure.get();
    RunResult run = result.get();
    long nanos = ended.get() - started.get();
    long dirBytes = size(plan.runDirectory());
    if (thrown instanceof OutOfMemoryError) {
      return new Outcome("out-of-memory", Stop.OUT_OF_MEMORY, nanos, done.get(), halfDone.get(), -1,
          new JournalStats(0, 0, 0), dirBytes, tracker.counts(), oracleNanos.sum(), oracleCalls.sum(),
          firstDispatch.get(), peak);
    }
    if (thrown != null || run == null) {
      throw new IllegalStateException("the engine threw instead of returning an ending: " + thrown, thrown);
    }
    Stop why = stop.get() == null ? Stop.ENDING : stop.get();
    if (why == Stop.ENDING && run.ending().kind() != RunEnding.Kind.DONE) {
      throw new IllegalStateException("the engine ended " + run.ending().describe() + " on a batch it should finish");
    }
    return new Outcome(run.ending().kind().name(), why, nanos, done.get(), halfDone.get(), run.report().passes(),
        run.journal(), dirBytes, tracker.counts(), oracleNanos.sum(), oracleCalls.sum(), firstDispatch.get(), peak);
  }

  /** Waits for the engine thread, stopping it at the plan's budget or when its directory grows too large. */
  private static void watch(Thread engineThread, AtomicLong started, Plan plan, AtomicReference<@Nullable Stop> stop,
      Runnable interrupt) {
    int ticks = 0;
    try {
      while (engineThread.isAlive()) {
        engineThread.join(WATCH_MILLIS);
        long t0 = started.get();
        if (t0 < 0 || !engineThread.isAlive()) {
          continue;
        }
        if (System.nanoTime() - t0 > plan.budgetNanos() && stop.compareAndSet(null, Stop.BUDGET)) {
          interrupt.run();
        }
        if (++ticks % 10 == 0 && size(plan.runDirectory()) > MAX_RUN_DIR_BYTES
            && stop.compareAndSet(null, Stop.JOURNAL_SIZE)) {
          interrupt.run();
        }
      }
    } catch (InterruptedException e) {
      engineThread.interrupt();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the benchmark was interrupted", e);
    }
  }

  /** Bytes in every regular file under {@code dir}; 0 if it does not exist. */
  static long size(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(EngineTrial::length).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // a file the engine renamed away mid-walk; the next look counts the new one
    }
  }

  private static long length(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}

package dev.loopkit.spring;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.LoopEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Starts, awaits and stops the runs of the configured batch, each in a run directory of its own under
 * {@code loop.runs.directory} ({@code run-001}, {@code run-002}, ..., the {@code loop} command's layout).
 * The starter registers one; inject it where the application decides to run the batch.
 *
 * <pre>{@code
 * @Autowired LoopRuns runs;
 *
 * LoopRun run = runs.resume();            // the newest unfinished run, or a new one
 * RunResult result = run.await();
 * }</pre>
 *
 * <p><b>One run at a time.</b> The runs share one tracker and one repository, so a second run while one is in
 * flight is refused (loop-core's engine would run them, but they would work the same tickets twice). Each run
 * owns a thread; {@link LoopRun#stop()} interrupts it, and the context's shutdown stops the run in flight (its
 * attempts interrupted, their tickets reopened) and waits {@code loop.runs.shutdown-timeout} for it.
 *
 * <p>Thread-safe. The engine is built on the calling thread, so a part that cannot be built throws from
 * {@link #start()} or {@link #resume()}.
 */
public final class LoopRuns {
  private final RunDirectories directories;
  private final LoopEngineFactory engines;
  private final RunReports reports = new RunReports();
  private @Nullable LoopRun active;

  /**
   * Runs under {@code directory}, each with an engine from {@code engines}.
   *
   * @param directory the folder of run directories (created by the first run)
   * @param engines builds each run's engine
   */
  public LoopRuns(Path directory, LoopEngineFactory engines) {
    this.directories = RunDirectories.of(directory.toAbsolutePath().normalize());
    this.engines = Objects.requireNonNull(engines, "engines");
  }

  /** @return the folder of run directories ({@code loop.runs.directory}, absolute) */
  public Path directory() {
    return directories.root();
  }

  /**
   * Starts a new run, in the next run directory.
   *
   * @return the run's handle; its thread is already running
   * @throws IllegalStateException when a run is in flight, naming it
   * @throws dev.loopkit.core.LoopException when the engine cannot be built
   */
  public synchronized LoopRun start() {
    requireIdle();
    return launch(directories.next());
  }

  /**
   * Continues the newest run unless it ended {@code DONE} (after a crash, a stop, or a person acting on a
   * {@code HUMAN_GATED}, {@code CAPPED}, {@code STALLED}, {@code TAMPERED} or {@code FAILED} ending), else starts a
   * new one, as {@code loop run} does.
   *
   * @return the run's handle; its thread is already running
   * @throws IllegalStateException when a run is in flight, naming it
   * @throws dev.loopkit.core.LoopException when the engine cannot be built
   */
  public synchronized LoopRun resume() {
    requireIdle();
    return launch(directories.unfinished().orElseGet(directories::next));
  }

  /** @return the run in flight, if any */
  public synchronized Optional<LoopRun> active() {
    return Optional.ofNullable(active);
  }

  /** @return every run directory holding a journal, oldest first (runs of earlier processes included) */
  public List<Path> runDirectories() {
    return directories.all();
  }

  /**
   * Stops the run in flight, if any, and waits for it to end.
   *
   * @param timeout how long to wait
   * @return true when no run is in flight any more
   * @throws InterruptedException when the calling thread is interrupted while waiting
   */
  public boolean stop(Duration timeout) throws InterruptedException {
    LoopRun run;
    synchronized (this) {
      run = active;
    }
    if (run == null) {
      return true;
    }
    run.stop();
    try {
      run.await(timeout);
    } catch (RuntimeException e) {
      // the run failed to start; it has ended all the same
    }
    return run.isFinished();
  }

  RunDirectories directories() {
    return directories;
  }

  RunReports reports() {
    return reports;
  }

  private void requireIdle() {
    if (active != null) {
      throw new IllegalStateException("run " + active.runId() + " is in flight in " + active.directory()
          + ": expected it to end (LoopRun.await) or to be stopped (LoopRun.stop) before another run starts,"
          + " since runs of one batch share its tracker and repository");
    }
  }

  private LoopRun launch(Path dir) {
    LoopEngine engine = engines.engine(dir);
    LoopRun[] self = new LoopRun[1];
    LoopRun run = new LoopRun(dir, engine, () -> ended(self[0]));
    self[0] = run;
    active = run;
    run.launch();
    return run;
  }

  private synchronized void ended(LoopRun run) {
    if (active == run) {
      active = null;
    }
  }

  @Override
  public String toString() {
    return "LoopRuns{" + directories.root() + "}";
  }
}

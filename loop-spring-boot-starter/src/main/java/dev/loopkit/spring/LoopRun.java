package dev.loopkit.spring;

import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.RunResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run that {@link LoopRuns} started: its engine runs on a thread of its own ({@code loop-run-<id>}) until
 * the run ends. Await it, or stop it; thread-safe.
 *
 * <pre>{@code
 * LoopRun run = runs.start();
 * RunResult result = run.await();       // blocks until the oracle or a cap, a stall, a tripwire ends it
 * result.ending().kind();               // DONE, HUMAN_GATED, CAPPED, STALLED, TAMPERED, FAILED
 * }</pre>
 */
public final class LoopRun {
  private final Path directory;
  private final Thread thread;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();

  LoopRun(Path directory, LoopEngine engine, Runnable onEnd) {
    this.directory = directory;
    this.thread = new Thread(() -> {
      RunResult ran = null;
      Throwable failure = null;
      try {
        ran = engine.run();
      } catch (Throwable t) { // the run could not start (its directory locked or DONE, no sandbox): await says so
        failure = t;
      }
      onEnd.run(); // before the result, so whoever awaited it may start the next run at once
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        result.complete(Objects.requireNonNull(ran));
      }
    }, "loop-run-" + directory.getFileName());
  }

  /** Starts the engine's thread; called once, by {@link LoopRuns}, before the handle is handed out. */
  void launch() {
    thread.start();
  }

  /** @return the run's id: its directory's name ({@code run-007}) */
  public String runId() {
    return directory.getFileName().toString();
  }

  /** @return the run's directory, with its journal, transcripts and kept workspaces */
  public Path directory() {
    return directory;
  }

  /** @return whether the run has ended (with a result, or failing to start) */
  public boolean isFinished() {
    return result.isDone();
  }

  /** @return the result once the run has ended with one; empty while it runs or when it could not start */
  public Optional<RunResult> result() {
    return result.isDone() && !result.isCompletedExceptionally() ? Optional.of(result.join()) : Optional.empty();
  }

  /**
   * Blocks until the run ends.
   *
   * @return the run's result: every ending, including the {@code FAILED} of a stopped run
   * @throws LoopException what {@link LoopEngine#run()} threw when the run could not start: its directory is
   *     locked by another process or holds a run that ended DONE, the sandbox is unavailable
   * @throws InterruptedException when the calling thread is interrupted while waiting (the run goes on)
   */
  public RunResult await() throws InterruptedException {
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw rethrow(e);
    }
  }

  /**
   * Blocks until the run ends or the timeout passes.
   *
   * @param timeout how long to wait, positive
   * @return the result, or empty when the run is still going after {@code timeout}
   * @throws LoopException as {@link #await()}
   * @throws InterruptedException when the calling thread is interrupted while waiting (the run goes on)
   */
  public Optional<RunResult> await(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    try {
      return Optional.of(result.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw rethrow(e);
    }
  }

  /**
   * Asks the run to stop and returns at once: the engine's thread is interrupted, so loop-core interrupts the
   * attempts in flight, reopens their tickets and ends the run {@code FAILED} ("the host stopped the run"); a
   * later {@link LoopRuns#resume()} continues it. Does nothing once the run has ended.
   */
  public void stop() {
    if (!result.isDone()) {
      thread.interrupt();
    }
  }

  private static RuntimeException rethrow(ExecutionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new LoopException("run failed to start: " + cause, cause);
  }

  @Override
  public String toString() {
    return "LoopRun{" + directory + (isFinished() ? ", finished" : ", running") + "}";
  }
}

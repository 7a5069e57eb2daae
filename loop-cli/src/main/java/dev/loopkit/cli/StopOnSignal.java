package dev.loopkit.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT, or SIGTERM) during {@code loop run}: the JVM runs its shutdown hooks, and this one interrupts
 * the thread running the engine, which stops the run cleanly (attempts in flight interrupted and their tickets
 * reopened, the ending journaled), then waits until the command has printed the ending and written the report
 * ({@link #close}), at most {@link #GRACE_SECONDS}, before the JVM exits (130 after SIGINT). Installed for the
 * duration of one run; closing removes the hook.
 */
final class StopOnSignal implements AutoCloseable {
  /** How long the hook waits for the run to stop and the command to finish printing. */
  static final long GRACE_SECONDS = 60;

  private final Thread hook;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean signalled;

  private StopOnSignal(Thread runner) {
    this.hook = new Thread(() -> {
      signalled = true;
      runner.interrupt();
      try {
        finished.await(GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "loop-stop-on-signal");
  }

  /** Installs the hook for the calling thread, the one that runs the engine. */
  static StopOnSignal install() {
    StopOnSignal stop = new StopOnSignal(Thread.currentThread());
    Runtime.getRuntime().addShutdownHook(stop.hook);
    return stop;
  }

  /** Whether a signal asked the run to stop. */
  boolean signalled() {
    return signalled;
  }

  /** The command is done with the run: the hook (if it runs) lets the JVM exit; otherwise it is removed. */
  @Override
  public void close() {
    finished.countDown();
    if (!signalled) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already (a signal after the run ended): the hook returns at once
      }
    }
  }
}

package dev.loopkit.spring;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ties {@link LoopRuns} to the context: on start, resumes a run when {@code loop.runs.start-on-startup} is set;
 * on shutdown (first among the lifecycle beans, before the web server stops) stops the run in flight, so its
 * attempts are interrupted and their tickets reopened, and waits {@code loop.runs.shutdown-timeout} for it.
 */
final class LoopRunsLifecycle implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(LoopRunsLifecycle.class);

  private final LoopRuns runs;
  private final boolean startOnStartup;
  private final Duration shutdownTimeout;
  private volatile boolean running;

  LoopRunsLifecycle(LoopRuns runs, boolean startOnStartup, Duration shutdownTimeout) {
    this.runs = runs;
    this.startOnStartup = startOnStartup;
    this.shutdownTimeout = shutdownTimeout;
  }

  @Override
  public void start() {
    running = true;
    if (startOnStartup) {
      LoopRun run = runs.resume();
      LOG.info("loop: run {} started in {} (loop.runs.start-on-startup)", run.runId(), run.directory());
    }
  }

  @Override
  public void stop() {
    running = false;
    try {
      if (!runs.stop(shutdownTimeout)) {
        // nobody can receive this: the context is closing; a later resume counts the attempt as interrupted
        LOG.warn("loop: the run in flight did not stop within loop.runs.shutdown-timeout ({}); its tickets are"
            + " reopened when the run is resumed", shutdownTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE; // stopped first: runs end before the web server and the pools go
  }
}

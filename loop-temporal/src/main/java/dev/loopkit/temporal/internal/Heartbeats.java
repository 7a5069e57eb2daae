package dev.loopkit.temporal.internal;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Not API: a background heartbeat for an activity whose host part cannot report progress itself. It heartbeats
 * at a third of the heartbeat timeout; when Temporal answers that the activity was cancelled (or no longer exists:
 * its workflow ended) it interrupts the activity's thread, so cancellation reaches the worker and the processes it
 * runs (the process runner kills its sandbox when interrupted).
 */
public final class Heartbeats implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private volatile boolean cancelled;
  private volatile boolean closed;

  private Heartbeats(ActivityExecutionContext context, Supplier<?> details, Thread target) {
    Duration timeout = context.getInfo().getHeartbeatTimeout();
    long every = Math.max(50, (timeout.isZero() ? Duration.ofSeconds(30) : timeout).toMillis() / 3);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loop-heartbeat-" + context.getInfo().getActivityId());
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> {
      try {
        context.heartbeat(details.get());
      } catch (ActivityCompletionException e) {
        synchronized (this) {
          if (!closed) { // never interrupt the thread once it has moved on to other work
            cancelled = true;
            target.interrupt();
          }
        }
        timer.shutdown();
      } catch (RuntimeException e) {
        if (closed) {
          return; // a heartbeat racing the activity's end
        }
        org.slf4j.LoggerFactory.getLogger(Heartbeats.class).warn("heartbeat of {} failed; retrying",
            context.getInfo().getActivityId(), e);
      }
    }, 0, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts heartbeating for the activity running on the calling thread, with {@code details} as progress.
   *
   * @param context the execution context of the activity
   * @param details the progress every heartbeat reports
   * @return the running heartbeat; close it when the activity ends
   */
  public static Heartbeats start(ActivityExecutionContext context, Object details) {
    return new Heartbeats(context, () -> details, Thread.currentThread());
  }

  /**
   * As {@link #start(ActivityExecutionContext, Object)}, with the progress read afresh for every heartbeat.
   *
   * @param context the execution context of the activity
   * @param details gives the progress each heartbeat reports; called on the heartbeat's thread
   * @return the running heartbeat; close it when the activity ends
   */
  public static Heartbeats start(ActivityExecutionContext context, Supplier<?> details) {
    return new Heartbeats(context, details, Thread.currentThread());
  }

  /**
   * Whether Temporal cancelled the activity while it ran.
   *
   * @return whether a heartbeat found the activity cancelled, or no longer existing, before {@link #close()}
   */
  public boolean cancelled() {
    return cancelled;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    timer.shutdown(); // no interrupt: a heartbeat in flight finishes, and no new one starts
    if (cancelled) {
      Thread.interrupted(); // the interrupt was ours; the activity answers with its cancellation instead
    }
  }
}

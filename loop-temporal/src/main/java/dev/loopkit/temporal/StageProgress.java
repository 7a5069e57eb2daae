package dev.loopkit.temporal;

import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What a stage running on a worker host is doing now, for people watching the run in Temporal: a worker (or
 * anything it calls on the stage's thread, such as a model client's stream listener) reports a short line, and
 * the stage's next heartbeat carries it as {@code progress} in its details, which Temporal's UI and {@code
 * temporal workflow describe} show for the attempt's pending activity. Off a stage's thread it does nothing.
 *
 * <pre>{@code
 * Worker worker = a -> {
 *   StageProgress.report("running the test suite");
 *   ...
 * };
 * }</pre>
 *
 * <p>Progress is informational: it does not keep a stage alive (the host heartbeats in the background whatever
 * the worker reports) and it never reaches the journal.
 */
public final class StageProgress {
  /** The longest line kept; a longer one is cut, with an ellipsis. */
  public static final int MAX_LENGTH = 200;

  private static final ThreadLocal<@Nullable AtomicReference<String>> CURRENT = new ThreadLocal<>();

  private StageProgress() {}

  /**
   * Reports what the stage running on the calling thread is doing now; the latest report wins.
   *
   * @param progress a short line for a person; cut to {@link #MAX_LENGTH} characters
   * @return whether the calling thread runs a stage (otherwise the report went nowhere)
   */
  public static boolean report(String progress) {
    AtomicReference<String> holder = CURRENT.get();
    if (holder == null) {
      return false;
    }
    String line = progress.strip().replaceAll("\\s+", " ");
    holder.set(line.length() <= MAX_LENGTH ? line : line.substring(0, MAX_LENGTH - 1) + "…");
    return true;
  }

  /**
   * Not API: marks the calling thread as running a stage until {@link #exit()}; the holder gets its reports.
   *
   * @param holder receives the reports made on this thread
   */
  public static void enter(AtomicReference<String> holder) {
    CURRENT.set(holder);
  }

  /** Not API: ends the mark {@link #enter} set on the calling thread. */
  public static void exit() {
    CURRENT.remove();
  }
}

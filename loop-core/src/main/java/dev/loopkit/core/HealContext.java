package dev.loopkit.core;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why the engine asks a {@link Healer} for help, with what it knows: the batch as read, the run's
 * outstanding tickets, and the most recent findings.
 *
 * @param runId the run asking
 * @param reason why the heal was asked for
 * @param batch the batch as the engine last read it (read-only; valid during the call)
 * @param recentFindings findings of the latest failed attempts, newest last
 * @param healsSoFar heals already attempted in this run (this heal's number is one more)
 * @param stateDirectory a directory private to the harness ({@link RunDirectory#heals()}: no ticket's process
 *     can see it) where a healer may keep what it needs to {@linkplain Healer#revert revert} this heal in a
 *     later session; created on first use by the healer; null when the engine has none
 */
public record HealContext(String runId, Reason reason, BatchView batch, List<Finding> recentFindings,
    int healsSoFar, @Nullable Path stateDirectory) {

  /**
   * Copies the findings.
   *
   * @param runId the run asking
   * @param reason why the heal was asked for
   * @param batch the batch as the engine last read it (read-only; valid during the call)
   * @param recentFindings findings of the latest failed attempts, newest last
   * @param healsSoFar heals already attempted in this run
   * @param stateDirectory a directory private to the harness where a healer may keep what it needs to revert
   *     this heal; null when the engine has none
   */
  public HealContext {
    recentFindings = List.copyOf(recentFindings);
  }

  /**
   * A context without a state directory (a healer that keeps nothing across sessions).
   *
   * @param runId the run asking
   * @param reason why the heal was asked for
   * @param batch the batch as the engine last read it (read-only; valid during the call)
   * @param recentFindings findings of the latest failed attempts, newest last
   * @param healsSoFar heals already attempted in this run
   */
  public HealContext(String runId, Reason reason, BatchView batch, List<Finding> recentFindings, int healsSoFar) {
    this(runId, reason, batch, recentFindings, healsSoFar, null);
  }

  /** {@return this heal's number in the run: {@code healsSoFar() + 1}} */
  public int heal() {
    return healsSoFar + 1;
  }

  /** Why a heal is asked for. */
  public enum Reason {
    /** Nothing is ready, nothing is in flight, and the oracle says the batch is not done. */
    STALLED,
    /** Several attempts in a row failed. */
    REPEATED_FAILURES;

    /** {@return the journal's spelling, e.g. {@code repeated-failures}} */
    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }
}

package dev.loopkit.core;

import java.util.List;

/**
 * Why the engine asks a {@link Healer} for help, with what it knows: the batch as read, the run's
 * outstanding tickets, and the most recent findings.
 *
 * @param reason why the heal was asked for
 * @param batch the batch as the engine last read it (read-only; valid during the call)
 * @param recentFindings findings of the latest failed attempts, newest last
 * @param healsSoFar heals already attempted in this run
 */
public record HealContext(String runId, Reason reason, BatchView batch, List<Finding> recentFindings,
    int healsSoFar) {

  public HealContext {
    recentFindings = List.copyOf(recentFindings);
  }

  /** Why a heal is asked for. */
  public enum Reason {
    /** Nothing is ready, nothing is in flight, and the oracle says the batch is not done. */
    STALLED,
    /** Several attempts in a row failed. */
    REPEATED_FAILURES;

    /** The journal's spelling, e.g. {@code repeated-failures}. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }
}

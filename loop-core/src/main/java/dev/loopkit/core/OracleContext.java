package dev.loopkit.core;

import java.time.Clock;

/**
 * What an {@link Oracle} may read: external truth and the clock, deliberately nothing the workers wrote or said.
 *
 * @param tracker the tracker, for an oracle that reads it its own way (a full {@link Tracker#readBatch()} per
 *     call costs the batch on every pass)
 * @param clock the engine's clock
 * @param batch the batch as the tracker reported it in this pass's read, just before this call (the engine
 *     reads the tracker every pass through {@link Tracker#changesSince})
 * @param changes what that read changed in {@code batch}: a full read on the first call of a session
 */
public record OracleContext(Tracker tracker, Clock clock, BatchView batch, BatchChanges changes) {

  /**
   * {@return a context over one snapshot, for oracles called outside the engine (tests, tools, a canary)}
   *
   * @param tracker read once, for the snapshot
   * @param clock the clock the oracle reads
   */
  public static OracleContext of(Tracker tracker, Clock clock) {
    Batch batch = tracker.readBatch();
    return new OracleContext(tracker, clock, batch, BatchChanges.full(batch));
  }
}

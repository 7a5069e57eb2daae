package dev.loopkit.scheduler;

/**
 * The order in which a {@link ReadyIndex} (and so a {@link DependencyReadySet}) lists ready tickets. Every
 * order ends with the ticket id, so equal keys still give one deterministic order.
 */
public enum ReadyOrder {
  /**
   * Longest chain of tickets waiting on the ticket first (its critical path, counted in tickets), then
   * priority (0 first), then age ({@link dev.loopkit.core.Ticket#createdAt()}, oldest first), then id. The
   * default: starting the ticket that gates the most sequential work first shortens the whole batch.
   */
  CRITICAL_PATH_FIRST,
  /** Priority (0 first), then age, then id: what a tracker's "ready" query sorted by priority gives. */
  PRIORITY,
  /** Age (oldest first), then id: first filed, first started. */
  FIFO
}

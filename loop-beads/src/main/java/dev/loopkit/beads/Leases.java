package dev.loopkit.beads;

/**
 * What the tracker does about the work leases beads 1.3 stamps on every claim. Loop owns liveness itself (its
 * run journal counts an interrupted attempt on resume and hands the ticket to a fresh worker), so a lease that
 * expires while a worker is still busy would only let {@code bd reclaim} revert live work behind the engine's
 * back.
 */
public enum Leases {
  /**
   * Before its first claim, the tracker runs {@code bd lease disarm} once: automatic leases are turned off for
   * the whole database ({@code lease.auto=off}), as beads recommends for orchestrators that own liveness. This
   * is a setting of the database, not of this tracker: other users of the database see it too.
   */
  DISARM,
  /**
   * Leave the database's lease setting alone. Claims then carry whatever lease the database stamps, and a
   * {@code bd reclaim} may revert a claimed ticket that nobody heartbeats; choose this only when leases are
   * already off, or when the host heartbeats ({@code bd heartbeat}) itself.
   */
  KEEP
}

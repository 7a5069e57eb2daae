package dev.loopkit.core;

/**
 * Where a worker files discovered work. The engine creates the ticket through the tracker with a
 * {@code discovered-from} edge to the current ticket, idempotent by a key derived from the run, the current
 * ticket and the title, and counted against the run's discovered-tickets cap. Safe to call from the worker's
 * thread.
 */
@FunctionalInterface
public interface DiscoverySink {

  /**
   * Files a ticket. With {@code blocksCurrent}, the current ticket becomes blocked by the new one: the
   * current attempt then ends without being counted as a failure, and the ticket runs again once the new
   * one is done.
   *
   * @param ticket the draft to file; give it an idempotency key so a retried attempt files it once
   * @param blocksCurrent whether the current ticket waits for the new one
   * @return the created (or, on a repeated call, the existing) ticket
   * @throws CapReachedException when the run's discovered-tickets cap is reached; the run then ends
   *     {@code CAPPED}
   */
  Ticket file(NewTicket ticket, boolean blocksCurrent);
}

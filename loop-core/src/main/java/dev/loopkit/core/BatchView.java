package dev.loopkit.core;

import java.util.List;
import java.util.Optional;

/**
 * A read-only view of the tickets of one batch. A {@link Batch} is an immutable snapshot; the engine's own view
 * is kept current by the tracker's {@link Tracker#changesSince incremental reads} and may be read only on the
 * engine's thread during the call it was handed to (an oracle's judgement, a ready-set computation).
 *
 * <p>Cost: {@link #size()}, {@link #find}, {@link #contains} and {@link #count} are O(1) on the engine's view,
 * {@link #withStatus(Status, int)} is O(limit); {@link #tickets()} copies the whole batch, so an oracle or a
 * ready set that calls it on every pass costs O(batch) per pass.
 */
public interface BatchView {

  /** {@return how many tickets the batch holds} */
  int size();

  /**
   * {@return the ticket of the batch with this id; empty when the batch has none}
   *
   * @param id the ticket's id
   */
  Optional<Ticket> find(String id);

  /**
   * {@return whether the batch holds a ticket with this id}
   *
   * @param id the ticket's id
   */
  boolean contains(String id);

  /**
   * {@return how many tickets have this status}
   *
   * @param status the status to count
   */
  int count(Status status);

  /**
   * At most {@code limit} tickets in this status (a snapshot: in batch order; the engine's view: in the order
   * they reached it).
   *
   * @param status the status to select
   * @param limit the most tickets to return
   * @return the tickets, possibly none
   */
  List<Ticket> withStatus(Status status, int limit);

  /** {@return every ticket, in batch order (a copy: O(batch))} */
  List<Ticket> tickets();
}

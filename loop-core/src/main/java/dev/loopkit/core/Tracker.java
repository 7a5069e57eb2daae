package dev.loopkit.core;

import java.util.List;
import java.util.Optional;

/**
 * The adapter to a ticket system. A tracker instance is bound to one batch (a folder, a label, a milestone)
 * and is called from the engine's thread and from worker threads (discovered work), so implementations must
 * be thread-safe. Failures are reported as {@link AdapterException} (retryable or not) and bad data as
 * {@link InputException}, each naming the ticket or file concerned.
 *
 * <p>Adapter authors: extend {@code dev.loopkit.testing.TrackerContract} to check an implementation.
 */
public interface Tracker {

  /**
   * Reads every ticket of the batch in one call (one request, one folder scan), never one call per ticket.
   *
   * @return the batch's tickets
   */
  Batch readBatch();

  /**
   * What changed in the batch since {@code cursor}, for passes that cost what changed. The engine calls it once
   * per pass on its thread, passing the {@link BatchChanges#cursor()} of the previous read, or the empty string
   * for the first read of a session. An adapter that can ask its service for changes (an {@code updated >=}
   * filter, a conditional request, file identities) returns {@link BatchChanges#since}; whenever it cannot
   * tell (an unknown or expired cursor) it returns a full read. Changes must include the engine's own writes.
   *
   * <p>The default reads the whole batch every time ({@link BatchChanges#full(Batch)}), so an adapter without
   * incremental reads stays correct and costs one {@link #readBatch()} per pass.
   *
   * @param cursor the cursor of the previous read, or the empty string for a first read
   * @return the changes since {@code cursor}, or the whole batch, with the cursor for the next read
   */
  default BatchChanges changesSince(String cursor) {
    return BatchChanges.full(readBatch());
  }

  /**
   * {@return one ticket by id, in the batch or not; empty when the tracker has no such ticket}
   *
   * @param id the ticket's id
   */
  Optional<Ticket> find(String id);

  /**
   * Creates an open ticket. Idempotent: if a ticket created with the same non-empty
   * {@link NewTicket#idempotencyKey()} exists, returns it unchanged instead of filing another.
   *
   * @param ticket the draft to file
   * @return the ticket as the tracker holds it, with its id
   * @throws InputException if a dependency names a ticket the tracker does not know
   */
  Ticket create(NewTicket ticket);

  /**
   * Adds an edge from {@code ticketId} to the dependency's target; adding an edge that exists is a no-op.
   *
   * @param ticketId the ticket that gets the edge
   * @param dependency the edge's kind and target
   * @throws InputException if either ticket is unknown, naming it
   */
  void addDependency(String ticketId, Dependency dependency);

  /**
   * Moves a ticket to {@code to} and records {@code note} (the evidence or reason) as a comment. Moving a
   * ticket to the status it already has records nothing and succeeds, so a transition may be retried.
   *
   * @param ticketId the ticket to move
   * @param to its new status
   * @param note the evidence or reason, as a comment
   * @throws InputException if the ticket is unknown
   */
  void transition(String ticketId, Status to, String note);

  /**
   * Appends a comment to a ticket.
   *
   * @param ticketId the ticket to comment on
   * @param body the comment's text, Markdown
   * @throws InputException if the ticket is unknown
   */
  void comment(String ticketId, String body);

  /**
   * Moves an {@link Status#OPEN} ticket to {@link Status#IN_PROGRESS} for {@code owner}, returning whether
   * this caller won. The default reads, then transitions: it is <em>not</em> atomic, not even within one
   * process, so two callers may both win. Every adapter should override it with the tracker's own
   * compare-and-set (a lock, a conditional update); {@code TrackerContract} checks that exactly one of several
   * concurrent claimers wins.
   *
   * @param ticketId the ticket to claim
   * @param owner who claims it (the run and attempt), recorded on the ticket
   * @return true if this caller moved the ticket to in progress; false if it was not open or is unknown
   */
  default boolean claim(String ticketId, String owner) {
    Optional<Ticket> ticket = find(ticketId);
    if (ticket.isEmpty() || ticket.get().status() != Status.OPEN) {
      return false;
    }
    transition(ticketId, Status.IN_PROGRESS, "claimed by " + owner);
    return true;
  }

  /**
   * Convenience for hosts and tests: every ticket of the batch in this status.
   *
   * @param status the status to select
   * @return those tickets, in batch order
   */
  default List<Ticket> tickets(Status status) {
    return readBatch().withStatus(status);
  }
}

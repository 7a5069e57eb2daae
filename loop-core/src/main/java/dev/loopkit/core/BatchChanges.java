package dev.loopkit.core;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link Tracker#changesSince(String)} read found: either the whole batch ({@link #full()}: every
 * ticket of the batch is in {@link #tickets()}, and any ticket not listed has left the batch), or only the
 * tickets created or changed since the cursor plus the ids of those that left the batch. {@link #cursor()} is
 * what to pass to the next read; it is opaque to the engine (a timestamp, an ETag, a generation number).
 *
 * @param full whether {@code tickets} is the whole batch
 * @param tickets the whole batch, or the tickets created or changed since the cursor (their current state)
 * @param removed ids of tickets that left the batch since the cursor (always empty for a full read)
 * @param cursor the cursor for the next read; the empty string asks for a full read
 */
public record BatchChanges(boolean full, List<Ticket> tickets, Set<String> removed, String cursor) {

  /**
   * Copies the collections.
   *
   * @param full whether {@code tickets} is the whole batch
   * @param tickets the whole batch, or the tickets created or changed since the cursor (their current state)
   * @param removed ids of tickets that left the batch since the cursor (always empty for a full read)
   * @param cursor the cursor for the next read; the empty string asks for a full read
   * @throws IllegalArgumentException if a full read has removed ids
   */
  public BatchChanges {
    tickets = List.copyOf(tickets);
    removed = Set.copyOf(removed);
    Objects.requireNonNull(cursor, "cursor");
    if (full && !removed.isEmpty()) {
      throw new IllegalArgumentException("a full read lists the whole batch; it has no removed ids");
    }
  }

  /**
   * {@return the whole batch; the next read is a full read again unless {@code cursor} says otherwise}
   *
   * @param batch the whole batch
   * @param cursor the cursor for the next read; the empty string asks for a full read
   */
  public static BatchChanges full(Batch batch, String cursor) {
    return new BatchChanges(true, batch.tickets(), Set.of(), cursor);
  }

  /**
   * {@return the whole batch, with no cursor: every read is a full read}
   *
   * @param batch the whole batch
   */
  public static BatchChanges full(Batch batch) {
    return full(batch, "");
  }

  /**
   * Only what changed since the cursor this read was asked with.
   *
   * @param changed the tickets created or changed since the cursor, in their current state
   * @param removed ids of tickets that left the batch since the cursor
   * @param cursor the cursor for the next read
   * @return the changes
   */
  public static BatchChanges since(List<Ticket> changed, Set<String> removed, String cursor) {
    return new BatchChanges(false, changed, removed, cursor);
  }

  /** {@return whether nothing changed (and the read was not a full one)} */
  public boolean isEmpty() {
    return !full && tickets.isEmpty() && removed.isEmpty();
  }
}

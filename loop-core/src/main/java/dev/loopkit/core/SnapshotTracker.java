package dev.loopkit.core;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The tracker as the oracle sees it: every call goes straight through, and the batch the oracle read is kept
 * so the pass that follows plans on exactly what the oracle judged, without a second list call.
 */
final class SnapshotTracker implements Tracker {
  private final Tracker delegate;
  private volatile @Nullable Batch lastBatch;

  SnapshotTracker(Tracker delegate) {
    this.delegate = delegate;
  }

  /** The batch read through this view, if any. */
  @Nullable Batch lastBatch() {
    return lastBatch;
  }

  @Override
  public Batch readBatch() {
    Batch batch = delegate.readBatch();
    lastBatch = batch;
    return batch;
  }

  @Override
  public Optional<Ticket> find(String id) {
    return delegate.find(id);
  }

  @Override
  public Ticket create(NewTicket ticket) {
    return delegate.create(ticket);
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    delegate.addDependency(ticketId, dependency);
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    delegate.transition(ticketId, to, note);
  }

  @Override
  public void comment(String ticketId, String body) {
    delegate.comment(ticketId, body);
  }

  @Override
  public boolean claim(String ticketId, String owner) {
    return delegate.claim(ticketId, owner);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}

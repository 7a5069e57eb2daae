package dev.loopkit.core;

import java.util.Optional;

/**
 * A {@link Tracker} that forwards every call to another one: extend it to decorate a tracker (count reads,
 * log transitions, add a cache) by overriding only the calls that change.
 */
public abstract class ForwardingTracker implements Tracker {
  private final Tracker delegate;

  /**
   * @param delegate the tracker calls are forwarded to
   */
  protected ForwardingTracker(Tracker delegate) {
    this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
  }

  /** {@return the tracker calls are forwarded to} */
  protected final Tracker delegate() {
    return delegate;
  }

  @Override
  public Batch readBatch() {
    return delegate.readBatch();
  }

  @Override
  public BatchChanges changesSince(String cursor) {
    return delegate.changesSince(cursor);
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

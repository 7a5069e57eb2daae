package dev.loopkit.scheduler;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** A tracker over two maps: the batch, and tickets known to the tracker outside the batch. */
final class MapTracker implements Tracker {
  final Map<String, Ticket> batch = new LinkedHashMap<>();
  final Map<String, Ticket> outside = new LinkedHashMap<>();
  int finds;

  MapTracker put(Ticket t) {
    batch.put(t.id(), t);
    return this;
  }

  MapTracker putOutside(Ticket t) {
    outside.put(t.id(), t);
    return this;
  }

  @Override
  public synchronized Batch readBatch() {
    return Batch.of(batch.values());
  }

  @Override
  public synchronized Optional<Ticket> find(String id) {
    finds++;
    Ticket t = batch.get(id);
    return Optional.ofNullable(t != null ? t : outside.get(id));
  }

  @Override
  public Ticket create(NewTicket ticket) {
    throw new UnsupportedOperationException("not used by the ready set");
  }

  @Override
  public synchronized void addDependency(String ticketId, Dependency dependency) {
    Ticket t = batch.get(ticketId);
    if (t == null) {
      throw new InputException("unknown ticket " + ticketId);
    }
    batch.put(ticketId, t.toBuilder().addDependency(dependency).build());
  }

  @Override
  public synchronized void transition(String ticketId, Status to, String note) {
    Ticket t = batch.get(ticketId);
    if (t == null) {
      throw new InputException("unknown ticket " + ticketId);
    }
    batch.put(ticketId, t.withStatus(to));
  }

  @Override
  public void comment(String ticketId, String body) {}
}

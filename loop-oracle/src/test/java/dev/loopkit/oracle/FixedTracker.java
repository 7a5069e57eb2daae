package dev.loopkit.oracle;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A tracker over a fixed list of tickets that counts how often the batch is read; oracles only read. */
final class FixedTracker implements Tracker {
  final AtomicInteger batchReads = new AtomicInteger();
  private final List<Ticket> tickets;

  FixedTracker(Ticket... tickets) {
    this.tickets = new ArrayList<>(List.of(tickets));
  }

  static Ticket ticket(String id, Status status) {
    return Ticket.builder(id).title("ticket " + id).status(status).build();
  }

  @Override
  public Batch readBatch() {
    batchReads.incrementAndGet();
    return Batch.of(tickets);
  }

  @Override
  public Optional<Ticket> find(String id) {
    return tickets.stream().filter(t -> t.id().equals(id)).findFirst();
  }

  @Override
  public Ticket create(NewTicket ticket) {
    throw new UnsupportedOperationException("oracle tests never create tickets");
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    throw new UnsupportedOperationException("oracle tests never add dependencies");
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    throw new UnsupportedOperationException("oracle tests never transition tickets");
  }

  @Override
  public void comment(String ticketId, String body) {
    throw new UnsupportedOperationException("oracle tests never comment");
  }
}

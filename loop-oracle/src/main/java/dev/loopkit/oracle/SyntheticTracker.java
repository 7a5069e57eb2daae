package dev.loopkit.oracle;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.List;
import java.util.Optional;

/**
 * A fixed, read-only batch that the canaries hand to an oracle. Writing to it is a canary failure: an oracle
 * must only read.
 */
final class SyntheticTracker implements Tracker {
  private final Batch batch;

  SyntheticTracker(List<Ticket> tickets) {
    this.batch = Batch.of(tickets);
  }

  @Override
  public Batch readBatch() {
    return batch;
  }

  @Override
  public Optional<Ticket> find(String id) {
    return batch.find(id);
  }

  @Override
  public Ticket create(NewTicket ticket) {
    throw refused("create " + ticket);
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    throw refused("add dependency " + dependency + " to " + ticketId);
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    throw refused("move " + ticketId + " to " + to.wireName());
  }

  @Override
  public void comment(String ticketId, String body) {
    throw refused("comment on " + ticketId);
  }

  private static InputException refused(String what) {
    return new InputException("an oracle tried to " + what + " on a canary batch: expected an oracle to only read");
  }
}

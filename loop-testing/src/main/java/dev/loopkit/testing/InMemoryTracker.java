package dev.loopkit.testing;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A thread-safe {@link Tracker} held in memory: every ticket it holds is in the batch. Besides the tracker
 * calls it records what happened to each ticket, so tests can assert on transitions and on how many times
 * the batch was read.
 */
public final class InMemoryTracker implements Tracker {
  private final Map<String, Ticket> tickets = new LinkedHashMap<>();
  private final Map<String, String> idsByKey = new LinkedHashMap<>();
  private final List<Transition> transitions = new ArrayList<>();
  private final Clock clock;
  private int nextId = 1;
  private int batchReads;
  private int creations;

  /** One transition as it was applied, for assertions. */
  public record Transition(String ticketId, Status from, Status to, String note) {}

  public InMemoryTracker(Clock clock) {
    this.clock = clock;
  }

  public InMemoryTracker() {
    this(Clock.systemUTC());
  }

  /** A tracker holding these tickets. */
  public static InMemoryTracker of(Ticket... tickets) {
    InMemoryTracker tracker = new InMemoryTracker();
    for (Ticket t : tickets) {
      tracker.put(t);
    }
    return tracker;
  }

  /** Adds or replaces a ticket directly, as a person editing the tracker would. */
  public synchronized InMemoryTracker put(Ticket ticket) {
    tickets.put(ticket.id(), ticket);
    return this;
  }

  @Override
  public synchronized Batch readBatch() {
    batchReads++;
    return Batch.of(tickets.values());
  }

  @Override
  public synchronized Optional<Ticket> find(String id) {
    return Optional.ofNullable(tickets.get(id));
  }

  @Override
  public synchronized Ticket create(NewTicket draft) {
    String key = draft.idempotencyKey();
    if (!key.isEmpty() && idsByKey.containsKey(key)) {
      return tickets.get(idsByKey.get(key));
    }
    for (Dependency d : draft.dependencies()) {
      require(d.target(), "dependency of new ticket '" + draft.title() + "'");
    }
    String id = draft.requestedId();
    if (id == null || tickets.containsKey(id)) {
      do {
        id = "T-" + nextId++;
      } while (tickets.containsKey(id));
    }
    Ticket.Builder b = draft.toTicket(id, clock.instant()).toBuilder();
    if (!key.isEmpty()) {
      b.putMetadata("idempotency-key", key);
      idsByKey.put(key, id);
    }
    Ticket ticket = b.build();
    tickets.put(id, ticket);
    creations++;
    return ticket;
  }

  @Override
  public synchronized void addDependency(String ticketId, Dependency dependency) {
    Ticket t = require(ticketId, "addDependency");
    require(dependency.target(), "dependency target of " + ticketId);
    if (!t.dependencies().contains(dependency)) {
      tickets.put(ticketId, t.toBuilder().addDependency(dependency).build());
    }
  }

  @Override
  public synchronized void transition(String ticketId, Status to, String note) {
    Ticket t = require(ticketId, "transition");
    if (t.status() == to) {
      return;
    }
    transitions.add(new Transition(ticketId, t.status(), to, note));
    Ticket.Builder b = t.toBuilder().status(to);
    if (!note.isBlank()) {
      b.addComment(new Comment(clock.instant(), "loop", note));
    }
    tickets.put(ticketId, b.build());
  }

  @Override
  public synchronized void comment(String ticketId, String body) {
    Ticket t = require(ticketId, "comment");
    tickets.put(ticketId, t.toBuilder().addComment(new Comment(clock.instant(), "loop", body)).build());
  }

  @Override
  public synchronized boolean claim(String ticketId, String owner) {
    Ticket t = require(ticketId, "claim");
    if (t.status() != Status.OPEN) {
      return false;
    }
    transition(ticketId, Status.IN_PROGRESS, "claimed by " + owner);
    return true;
  }

  /** The ticket as held now. */
  public synchronized Ticket ticket(String id) {
    return require(id, "ticket");
  }

  /** Every transition applied, oldest first. */
  public synchronized List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** The transitions of one ticket to one status. */
  public synchronized List<Transition> transitions(String ticketId, Status to) {
    List<Transition> out = new ArrayList<>();
    for (Transition t : transitions) {
      if (t.ticketId().equals(ticketId) && t.to() == to) {
        out.add(t);
      }
    }
    return out;
  }

  /** How many times {@link #readBatch()} was called. */
  public synchronized int batchReads() {
    return batchReads;
  }

  /** How many tickets {@link #create} actually filed (idempotent repeats not counted). */
  public synchronized int creations() {
    return creations;
  }

  private Ticket require(String id, String where) {
    Ticket t = tickets.get(id);
    if (t == null) {
      throw new InputException("unknown ticket '" + id + "' in " + where + ": the in-memory tracker holds "
          + tickets.keySet());
    }
    return t;
  }
}

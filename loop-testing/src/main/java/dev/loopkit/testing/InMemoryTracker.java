package dev.loopkit.testing;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link Tracker} held in memory: every ticket it holds is in the batch. Besides the tracker
 * calls it records what happened to each ticket, so tests can assert on transitions and on how many times
 * the batch was read.
 *
 * <p>{@link #changesSince} is exact: every change (create, transition, comment, dependency, {@link #put},
 * {@link #remove}) takes the next number of a generation counter, and a read returns the tickets (and
 * removed ids) whose latest change is newer than the cursor's generation, at a cost proportional to the
 * changes. A cursor names the tracker instance and a generation; another instance's cursor, the empty string
 * or a malformed one gets a full read. {@link #readBatch()} returns the same {@link Batch} until something
 * changes.
 */
public final class InMemoryTracker implements Tracker {
  private final Map<String, Ticket> tickets = new LinkedHashMap<>();
  private final Map<String, String> idsByKey = new LinkedHashMap<>();
  private final List<Transition> transitions = new ArrayList<>();
  private final Clock clock;
  private final String cursorStem = "memory:" + UUID.randomUUID() + ":";
  /** The generation of each id's latest change, present or removed. */
  private final Map<String, Long> changedIn = new HashMap<>();
  /** The same, by generation: one id per generation, so a read since g is the tail after g. */
  private final TreeMap<Long, String> changes = new TreeMap<>();
  private long generation;
  private @Nullable Batch batch;
  private int nextId = 1;
  private int batchReads;
  private int changesSinceCalls;
  private int creations;

  /**
   * One transition as it was applied, for assertions.
   *
   * @param ticketId the ticket that moved
   * @param from its status before
   * @param to its status after
   * @param note the evidence or reason given with the transition
   */
  public record Transition(String ticketId, Status from, Status to, String note) {}

  /**
   * An empty tracker whose created tickets and comments are stamped by {@code clock}.
   *
   * @param clock e.g. a {@link ManualClock}
   */
  public InMemoryTracker(Clock clock) {
    this.clock = clock;
  }

  /** An empty tracker on the system clock. */
  public InMemoryTracker() {
    this(Clock.systemUTC());
  }

  /**
   * A tracker holding these tickets.
   *
   * @param tickets the batch, added with {@link #put} in order
   * @return a tracker on the system clock
   */
  public static InMemoryTracker of(Ticket... tickets) {
    InMemoryTracker tracker = new InMemoryTracker();
    for (Ticket t : tickets) {
      tracker.put(t);
    }
    return tracker;
  }

  /**
   * Adds or replaces a ticket directly, as a person editing the tracker would; no transition is recorded.
   *
   * @param ticket the ticket; its {@code idempotency-key} metadata, if any, is honoured by a later create
   * @return this tracker, for chaining
   */
  public synchronized InMemoryTracker put(Ticket ticket) {
    store(ticket);
    String key = ticket.metadata().get("idempotency-key");
    if (key != null) {
      idsByKey.put(key, ticket.id());
    }
    return this;
  }

  /**
   * Removes a ticket from the tracker (and so from the batch), as a person deleting or moving it would; the
   * next {@link #changesSince} lists its id among the removed.
   *
   * @param id the ticket's id
   * @return whether the tracker held the ticket
   */
  public synchronized boolean remove(String id) {
    if (tickets.remove(id) == null) {
      return false;
    }
    idsByKey.values().removeIf(id::equals);
    noteChange(id);
    return true;
  }

  @Override
  public synchronized Batch readBatch() {
    batchReads++;
    return currentBatch();
  }

  /**
   * Exactly the tickets created or changed, and the ids removed, since {@code cursor}; a full read for the
   * empty string or a cursor this instance did not issue.
   */
  @Override
  public synchronized BatchChanges changesSince(String cursor) {
    changesSinceCalls++;
    String next = cursorStem + generation;
    long since = -1;
    if (cursor.startsWith(cursorStem)) {
      try {
        since = Long.parseLong(cursor.substring(cursorStem.length()));
      } catch (NumberFormatException e) {
        since = -1;
      }
    }
    if (since < 0 || since > generation) {
      return BatchChanges.full(currentBatch(), next);
    }
    List<Ticket> changed = new ArrayList<>();
    Set<String> removed = new LinkedHashSet<>();
    for (String id : changes.tailMap(since, false).values()) {
      Ticket t = tickets.get(id);
      if (t != null) {
        changed.add(t);
      } else {
        removed.add(id);
      }
    }
    return BatchChanges.since(changed, removed, next);
  }

  private Batch currentBatch() {
    Batch b = batch;
    if (b == null) {
      b = Batch.of(tickets.values());
      batch = b;
    }
    return b;
  }

  /** Holds {@code ticket} as the current state of its id, as a change of the next generation. */
  private void store(Ticket ticket) {
    tickets.put(ticket.id(), ticket);
    noteChange(ticket.id());
  }

  private void noteChange(String id) {
    generation++;
    Long previous = changedIn.put(id, generation);
    if (previous != null) {
      changes.remove(previous);
    }
    changes.put(generation, id);
    batch = null;
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
    store(ticket);
    creations++;
    return ticket;
  }

  @Override
  public synchronized void addDependency(String ticketId, Dependency dependency) {
    Ticket t = require(ticketId, "addDependency");
    require(dependency.target(), "dependency target of " + ticketId);
    if (!t.dependencies().contains(dependency)) {
      store(t.toBuilder().addDependency(dependency).build());
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
    store(b.build());
  }

  @Override
  public synchronized void comment(String ticketId, String body) {
    Ticket t = require(ticketId, "comment");
    store(t.toBuilder().addComment(new Comment(clock.instant(), "loop", body)).build());
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

  /**
   * The ticket as held now.
   *
   * @param id the ticket's id
   * @return the ticket with every change applied so far
   * @throws InputException if the tracker holds no such ticket, naming the ids it holds
   */
  public synchronized Ticket ticket(String id) {
    return require(id, "ticket");
  }

  /**
   * Every transition applied, oldest first.
   *
   * @return an unmodifiable copy; empty before the first transition
   */
  public synchronized List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /**
   * The transitions of one ticket to one status.
   *
   * @param ticketId the ticket's id
   * @param to the status moved to
   * @return a fresh list, oldest first; empty when there were none
   */
  public synchronized List<Transition> transitions(String ticketId, Status to) {
    List<Transition> out = new ArrayList<>();
    for (Transition t : transitions) {
      if (t.ticketId().equals(ticketId) && t.to() == to) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * How many times {@link #readBatch()} was called.
   *
   * @return the count since the tracker was made
   */
  public synchronized int batchReads() {
    return batchReads;
  }

  /**
   * How many times {@link #changesSince} was called (full reads included; they do not count as batch reads).
   *
   * @return the count since the tracker was made
   */
  public synchronized int changesSinceCalls() {
    return changesSinceCalls;
  }

  /**
   * How many tickets {@link #create} actually filed (idempotent repeats not counted).
   *
   * @return the count since the tracker was made; tickets added with {@link #put} are not counted
   */
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

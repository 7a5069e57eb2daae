package dev.loopkit.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the tickets of one batch, as read from a tracker in one call. Iteration order is
 * the tracker's order.
 */
public final class Batch implements BatchView {
  private final Map<String, Ticket> byId;

  private Batch(Map<String, Ticket> byId) {
    this.byId = byId;
  }

  /**
   * A batch of these tickets.
   *
   * @param tickets the tickets, in batch order
   * @return the batch
   * @throws InputException if two tickets share an id, naming it
   */
  public static Batch of(Collection<Ticket> tickets) {
    Map<String, Ticket> map = new LinkedHashMap<>();
    for (Ticket t : tickets) {
      if (map.putIfAbsent(t.id(), t) != null) {
        throw new InputException("duplicate ticket id '" + t.id() + "' in the batch: expected unique ids");
      }
    }
    return new Batch(java.util.Collections.unmodifiableMap(map));
  }

  /**
   * A batch of these tickets, in this order.
   *
   * @param tickets the tickets
   * @return the batch
   * @throws InputException if two tickets share an id, naming it
   */
  public static Batch of(Ticket... tickets) {
    return of(List.of(tickets));
  }

  @Override
  public List<Ticket> tickets() {
    return List.copyOf(byId.values());
  }

  @Override
  public Optional<Ticket> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * The ticket of the batch with this id.
   *
   * @param id the ticket's id
   * @return the ticket
   * @throws InputException if the batch holds no ticket with this id
   */
  public Ticket get(String id) {
    Ticket t = byId.get(id);
    if (t == null) {
      throw new InputException("no ticket '" + id + "' in the batch");
    }
    return t;
  }

  @Override
  public boolean contains(String id) {
    return byId.containsKey(id);
  }

  @Override
  public int size() {
    return byId.size();
  }

  /**
   * {@return the tickets in this status, in batch order}
   *
   * @param status the status to select
   */
  public List<Ticket> withStatus(Status status) {
    List<Ticket> out = new ArrayList<>();
    for (Ticket t : byId.values()) {
      if (t.status() == status) {
        out.add(t);
      }
    }
    return out;
  }

  /** O(batch): a snapshot keeps no counts. */
  @Override
  public int count(Status status) {
    int n = 0;
    for (Ticket t : byId.values()) {
      if (t.status() == status) {
        n++;
      }
    }
    return n;
  }

  @Override
  public List<Ticket> withStatus(Status status, int limit) {
    List<Ticket> out = new ArrayList<>();
    for (Ticket t : byId.values()) {
      if (out.size() >= limit) {
        break;
      }
      if (t.status() == status) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Batch" + byId.keySet();
  }
}

package dev.loopkit.core;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's view of the batch, kept current by applying each pass's {@link BatchChanges}: tickets by id,
 * ids by status, and the open tickets that need each resource (for the resource-wait bookkeeping). Applying
 * changes costs what changed, except a full read, which costs the batch. Engine thread only.
 */
final class LiveBatch implements BatchView {
  private final Map<String, Ticket> byId = new LinkedHashMap<>();
  private final Map<Status, Set<String>> byStatus = new EnumMap<>(Status.class);
  private final Map<String, Set<String>> openByResource = new HashMap<>();
  private boolean read;
  private String cursor = "";

  LiveBatch() {
    for (Status s : Status.values()) {
      byStatus.put(s, new LinkedHashSet<>());
    }
  }

  /**
   * Reads what changed since the last read (the cursor it returned) and applies it.
   *
   * @throws HarnessFault if the tracker fails for good (retryable failures are retried), naming it
   */
  BatchChanges read(Tracker tracker, HarnessCalls calls) {
    String from = cursor;
    return apply(calls.call("the tracker", "changesSince", () -> tracker.changesSince(from)));
  }

  /** The whole view as a full read, for a part that must see everything once (a ready set's first call). */
  BatchChanges asFullRead() {
    return new BatchChanges(true, tickets(), Set.of(), cursor);
  }

  /**
   * Applies a tracker read and returns what it really changed: a full read the first time (so the ready set
   * builds its index), afterwards only the tickets whose state differs from the view's and the ids that left.
   */
  BatchChanges apply(BatchChanges read) {
    List<Ticket> changed = new ArrayList<>();
    Set<String> removed = new HashSet<>();
    if (read.full()) {
      Set<String> seen = new HashSet<>();
      for (Ticket t : read.tickets()) {
        seen.add(t.id());
      }
      for (String id : byId.keySet()) {
        if (!seen.contains(id)) {
          removed.add(id);
        }
      }
    } else {
      removed.addAll(read.removed());
    }
    for (String id : removed) {
      Ticket old = byId.remove(id);
      if (old != null) {
        unindex(old);
      }
    }
    for (Ticket t : read.tickets()) {
      Ticket old = byId.put(t.id(), t);
      if (old == t) {
        continue;
      }
      if (old != null) {
        unindex(old);
      }
      index(t);
      if (old == null || !old.equals(t)) {
        changed.add(t);
      }
    }
    boolean first = !this.read;
    this.read = true;
    this.cursor = read.cursor();
    return first ? new BatchChanges(true, read.full() ? read.tickets() : tickets(), Set.of(), read.cursor())
        : BatchChanges.since(changed, removed, read.cursor());
  }

  /**
   * Applies the engine's own status writes to the view at once (the tracker was just told) and returns
   * {@code delta} with them merged in, so this pass's oracle and ready set see them.
   */
  BatchChanges wrote(BatchChanges delta, List<Settler.Effect> writes) {
    if (writes.isEmpty()) {
      return delta;
    }
    Map<String, Ticket> merged = new LinkedHashMap<>();
    delta.tickets().forEach(t -> merged.put(t.id(), t));
    for (Settler.Effect w : writes) {
      Ticket old = byId.get(w.ticketId());
      if (old != null && old.status() != w.to()) {
        Ticket now = old.toBuilder().status(w.to()).build();
        byId.put(now.id(), now);
        unindex(old);
        index(now);
        merged.put(now.id(), now);
      }
    }
    return delta.full() ? asFullRead() : BatchChanges.since(new ArrayList<>(merged.values()), delta.removed(),
        delta.cursor());
  }

  private void index(Ticket t) {
    byStatus.get(t.status()).add(t.id());
    if (t.status() == Status.OPEN) {
      for (String r : t.resources()) {
        openByResource.computeIfAbsent(r, k -> new LinkedHashSet<>()).add(t.id());
      }
    }
  }

  private void unindex(Ticket t) {
    byStatus.get(t.status()).remove(t.id());
    for (String r : t.resources()) {
      Set<String> users = openByResource.get(r);
      if (users != null) {
        users.remove(t.id());
      }
    }
  }

  /** Open tickets that need this resource, in batch order of arrival. */
  Set<String> openNeeding(String resource) {
    return openByResource.getOrDefault(resource, Set.of());
  }

  @Override
  public int size() {
    return byId.size();
  }

  @Override
  public Optional<Ticket> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public boolean contains(String id) {
    return byId.containsKey(id);
  }

  @Override
  public int count(Status status) {
    return byStatus.get(status).size();
  }

  @Override
  public List<Ticket> withStatus(Status status, int limit) {
    List<Ticket> out = new ArrayList<>();
    for (String id : byStatus.get(status)) {
      if (out.size() >= limit) {
        break;
      }
      out.add(byId.get(id));
    }
    return out;
  }

  @Override
  public List<Ticket> tickets() {
    return List.copyOf(byId.values());
  }

  @Override
  public String toString() {
    return "LiveBatch{" + byId.size() + " tickets}";
  }
}

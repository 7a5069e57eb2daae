package dev.loopkit.scheduler;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The incremental index behind {@link DependencyReadySet}: which tickets are ready, kept up to date change by
 * change instead of by rescanning the batch.
 *
 * <p><b>Readiness</b> follows beads. A ticket is ready when it is {@link Status#OPEN}, not in flight, needs no
 * held resource, and is not <em>blocked</em>. A ticket is blocked when one of its {@code blocks} targets is
 * neither {@link Status#DONE} nor {@link Status#CANCELLED}, or when one of its parents (its {@code
 * parent-child} targets) is blocked; blocking thus propagates down the parent-child tree, while an open
 * parent does not block its children and open children never block their parent. {@code related} and
 * {@code discovered-from} edges never affect readiness.
 *
 * <p><b>Targets outside the batch</b> are looked up once through the {@code outside} function given at
 * creation (the engine passes {@link dev.loopkit.core.Tracker#find}); their status counts like any other.
 * A target unknown there too is an {@link InputException} naming both ids.
 *
 * <p><b>Cycles</b> of {@code blocks} and {@code parent-child} edges are an {@link InputException} that lists
 * the ids around the cycle, each followed by the edge it declares, e.g. {@code a -blocks-> b
 * -parent-child-> c -blocks-> a}. After an exception from {@link #rebuild} or {@link #apply} the index is
 * unusable until the next successful {@link #rebuild}.
 *
 * <p><b>Cost.</b> {@link #rebuild} is linear in tickets plus edges. {@link #apply} costs, per changed ticket,
 * time proportional to the edges whose state it changes: a status change touches the tickets waiting on it
 * (and their children while blocking propagates); a new edge is checked for cycles against a maintained
 * topological order (Pearce and Kelly), searching only the region between its ends; a changed critical path
 * is pushed up only as far as it changes. {@link #ready(int, Collection)} costs {@code O(k log n)} for
 * {@code k} tickets listed; {@link #markInFlight} and {@link #clearInFlight} cost {@code O(log n)} (the
 * ticket leaves or rejoins the ordered ready list). A ticket changed in status only (the usual change)
 * compares its other fields and touches no order, lock or edge list beyond the tickets waiting on it.
 *
 * <p>Not thread-safe: one thread (the engine's) owns an index.
 */
public final class ReadyIndex {
  /** The edge list of a node without edges of that kind; replaced, never added to (see {@link #plus}). */
  private static final List<Node> NONE = List.of();
  private final ReadyOrder order;
  private final Function<String, Optional<Ticket>> outside;
  private Map<String, Node> nodes = new HashMap<>();
  private final TreeSet<Node> candidates;
  /** In-flight tickets in the order they were marked, linked through their nodes (no hashing, no garbage). */
  private @Nullable Node firstInFlight;
  private @Nullable Node lastInFlight;
  private final Map<String, Integer> heldByInFlight = new HashMap<>();
  /** Outside targets that may still change status (not yet done or cancelled). */
  private final Set<Node> unsettledOutside = new LinkedHashSet<>();
  private int members;
  private int minOrd;
  private int maxOrd;
  private boolean broken;

  private ReadyIndex(ReadyOrder order, Function<String, Optional<Ticket>> outside) {
    this.order = order;
    this.outside = outside;
    this.candidates = new TreeSet<>(comparator(order));
  }

  /**
   * An empty index in this order that treats every dependency target outside the batch as unknown.
   *
   * @param order how {@link #ready(int, Collection)} ranks ready tickets
   * @return an empty index; a dependency on an id not in the batch is then an {@link InputException}
   */
  public static ReadyIndex create(ReadyOrder order) {
    return create(order, id -> Optional.empty());
  }

  /**
   * An empty index in this order; {@code outside} finds dependency targets that are not in the batch (empty
   * when unknown), typically {@code tracker::find}.
   *
   * @param order how {@link #ready(int, Collection)} ranks ready tickets
   * @param outside from a ticket id to the ticket, called on the index's thread once per new outside target and
   *     again by {@link #refreshOutside} while that target is unsettled
   * @return an empty index
   */
  public static ReadyIndex create(ReadyOrder order, Function<String, Optional<Ticket>> outside) {
    return new ReadyIndex(Objects.requireNonNull(order, "order"), Objects.requireNonNull(outside, "outside"));
  }

  /**
   * The order ready tickets are listed in.
   *
   * @return the order given at creation
   */
  public ReadyOrder order() {
    return order;
  }

  /**
   * Forgets everything and indexes these tickets (the batch) from scratch; in-flight marks are kept for the
   * ids still present.
   *
   * @param batch every ticket of the batch, in any order; ids must be unique (a duplicate is an {@link InputException})
   * @throws InputException on a dependency cycle or a target unknown both here and outside
   */
  public void rebuild(Collection<Ticket> batch) {
    Set<String> flying = inFlight();
    nodes = new HashMap<>(capacityFor(batch.size()));
    candidates.clear();
    firstInFlight = null;
    lastInFlight = null;
    heldByInFlight.clear();
    unsettledOutside.clear();
    members = 0;
    broken = true;
    List<Node> created = new ArrayList<>(batch.size());
    for (Ticket t : batch) {
      Node n = nodes.get(t.id());
      if (n != null) {
        throw new InputException("duplicate ticket id '" + t.id() + "' given to ReadyIndex.rebuild: expected unique ids");
      }
      n = new Node(t.id());
      nodes.put(t.id(), n);
      n.member = true;
      members++;
      n.ticket = t;
      n.status = t.status();
      n.priority = t.priority();
      n.setCreatedAt(t.createdAt());
      n.resources = t.resources();
      created.add(n);
    }
    for (Node n : created) {
      n.declared = Objects.requireNonNull(n.ticket).dependencies();
      n.deps = readinessDeps(n.ticket);
      for (Dependency d : n.deps) {
        Node target = targetOf(n, d);
        link(target, n, d.type());
      }
    }
    // targets outside the batch got nodes too
    List<Node> all = nodes.size() == created.size() ? created : new ArrayList<>(nodes.values());
    List<Node> byOrd = topologicalOrder(created, all);
    for (Node n : all) {
      n.unmet = 0;
      for (Node b : n.blockers) {
        if (!releases(b.status)) {
          n.unmet++;
        }
      }
    }
    // byOrd runs from sources to sinks, so parents are settled before their children
    for (Node n : byOrd) {
      n.blockedParents = 0;
      for (Node p : n.parents) {
        if (p.blocked()) {
          n.blockedParents++;
        }
      }
    }
    for (int i = byOrd.size() - 1; i >= 0; i--) {
      Node n = byOrd.get(i);
      n.cp = computeCp(n);
      n.down = computeDown(n);
    }
    broken = false;
    for (Node n : all) {
      if (flying.contains(n.id) && n.member) {
        linkInFlight(n);
      }
      refreshCandidate(n);
    }
  }

  /**
   * Indexes one new or changed ticket; see {@link #apply}.
   *
   * @param ticket the ticket as the tracker now has it
   * @throws InputException on a dependency cycle or a target unknown both here and outside
   * @throws IllegalStateException if an earlier exception left the index in need of a {@link #rebuild}
   */
  public void update(Ticket ticket) {
    apply(List.of(ticket));
  }

  /**
   * Indexes new tickets and changes to known ones (status, priority, age, resources, dependencies). New
   * tickets given together may depend on each other in any order. A ticket equal to the one indexed costs
   * next to nothing, so a caller may pass a whole fresh batch.
   *
   * @param tickets new and changed tickets as the tracker now has them; unchanged ones may be included
   * @throws InputException on a dependency cycle or a target unknown both here and outside
   * @throws IllegalStateException if an earlier exception left the index in need of a {@link #rebuild}
   */
  public void apply(Collection<Ticket> tickets) {
    checkUsable();
    broken = true;
    @Nullable List<Node> rewire = null;
    for (Ticket t : tickets) {
      Node n = nodes.get(t.id());
      if (n == null) {
        n = new Node(t.id());
        nodes.put(t.id(), n);
        // a ticket that waits on nothing can go first in the topological order, so an edge later added
        // from it to an existing ticket needs no reordering (the usual case for discovered work)
        n.ord = readinessDeps(t).isEmpty() ? --minOrd : ++maxOrd;
        n.status = t.status();
        n.cp = 1;
        n.down = 1;
      } else if (n.ticket == t) {
        continue;
      }
      if (!n.member) {
        n.member = true;
        members++;
        unsettledOutside.remove(n);
      }
      n.ticket = t;
      // each field is compared first (a status change, the usual one, then touches no order and no lock)
      Instant createdAt = t.createdAt();
      if (n.priority != t.priority() || n.createdSecond != createdAt.getEpochSecond()
          || n.createdNano != createdAt.getNano()) {
        boolean listed = n.candidate;
        if (listed) {
          candidates.remove(n);
        }
        n.priority = t.priority();
        n.setCreatedAt(createdAt);
        if (listed) {
          candidates.add(n);
        }
      }
      if (n.resources != t.resources() && !n.resources.equals(t.resources())) {
        if (n.inFlight) {
          hold(n, -1);
          n.resources = t.resources();
          hold(n, +1);
        } else {
          n.resources = t.resources();
        }
      }
      if (n.status != t.status()) {
        setStatus(n, t.status());
      }
      if (t.dependencies() != n.declared && !t.dependencies().equals(n.declared)
          && !readinessDeps(t).equals(n.deps)) {
        if (rewire == null) {
          rewire = new ArrayList<>();
        }
        rewire.add(n);
      }
      n.declared = t.dependencies();
      refreshCandidate(n);
    }
    if (rewire != null) {
      for (Node n : rewire) {
        rewire(n, readinessDeps(Objects.requireNonNull(n.ticket)));
      }
    }
    broken = false;
  }

  /**
   * Looks up again every outside target that is not yet done or cancelled and applies any status change.
   * The engine's ready set calls this once per pass.
   */
  public void refreshOutside() {
    checkUsable();
    for (Node n : List.copyOf(unsettledOutside)) {
      Optional<Ticket> found = outside.apply(n.id);
      if (found.isPresent() && found.get().status() != n.status) {
        setStatus(n, found.get().status());
        if (releases(n.status)) {
          unsettledOutside.remove(n);
        }
      }
    }
  }

  /**
   * Marks a ticket in flight: it is no longer listed, and its resources count as held. Unknown ids are
   * ignored (a ticket may be in flight for another batch).
   *
   * @param id the ticket's id; marking a ticket already in flight does nothing
   * @throws IllegalStateException if an earlier exception left the index in need of a {@link #rebuild}
   */
  public void markInFlight(String id) {
    checkUsable();
    Node n = nodes.get(id);
    if (n == null || !n.member || n.inFlight) {
      return;
    }
    linkInFlight(n);
    refreshCandidate(n);
  }

  /**
   * Clears a ticket's in-flight mark, releasing its resources. Unknown ids are ignored.
   *
   * @param id the ticket's id; a ticket not in flight is left as it is
   */
  public void clearInFlight(String id) {
    checkUsable();
    Node n = nodes.get(id);
    if (n == null || !n.inFlight) {
      return;
    }
    n.inFlight = false;
    Node before = n.previousInFlight;
    Node after = n.nextInFlight;
    if (before == null) {
      firstInFlight = after;
    } else {
      before.nextInFlight = after;
    }
    if (after == null) {
      lastInFlight = before;
    } else {
      after.previousInFlight = before;
    }
    n.previousInFlight = null;
    n.nextInFlight = null;
    hold(n, -1);
    refreshCandidate(n);
  }

  /**
   * The ids currently marked in flight, in the order they were marked.
   *
   * @return a fresh copy; empty when nothing is in flight
   */
  public Set<String> inFlight() {
    Set<String> ids = new LinkedHashSet<>();
    for (Node n = firstInFlight; n != null; n = n.nextInFlight) {
      ids.add(n.id);
    }
    return ids;
  }

  /**
   * Every ready ticket, best first, with only the in-flight tickets' resources held.
   *
   * @return a fresh list in this index's order; empty when nothing is ready
   * @throws IllegalStateException if an earlier exception left the index in need of a {@link #rebuild}
   */
  public List<Ticket> ready() {
    return ready(Integer.MAX_VALUE, Set.of());
  }

  /**
   * Up to {@code limit} ready tickets, best first. A ticket is left out when it needs a resource in {@code
   * heldResources} or one held by an in-flight ticket.
   *
   * @param limit the most tickets to list, 0 or more (typically the free worker slots)
   * @param heldResources resources held elsewhere (e.g. locks of another run), on top of the in-flight tickets'
   * @return a fresh list of at most {@code limit} tickets in this index's order
   * @throws IllegalArgumentException if {@code limit} is negative
   * @throws IllegalStateException if an earlier exception left the index in need of a {@link #rebuild}
   */
  public List<Ticket> ready(int limit, Collection<String> heldResources) {
    checkUsable();
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + ": expected 0 or more");
    }
    List<Ticket> out = new ArrayList<>(Math.min(limit, candidates.size()));
    for (Node n : candidates) {
      if (out.size() >= limit) {
        break;
      }
      if (!n.resources.isEmpty() && holdsAny(n.resources, heldResources)) {
        continue;
      }
      out.add(Objects.requireNonNull(n.ticket));
    }
    return out;
  }

  /**
   * Whether the ticket is ready (ignoring resources held outside the index); false for unknown ids.
   *
   * @param id the ticket's id
   * @return true if {@link #ready()} would list it
   */
  public boolean isReady(String id) {
    Node n = nodes.get(id);
    return n != null && n.candidate && (n.resources.isEmpty() || !holdsAny(n.resources, Set.of()));
  }

  /**
   * Whether the ticket is blocked by an unfinished blocker, directly or through its parents.
   *
   * @param id the ticket's id, in the batch or an outside target
   * @return true if blocked; false for unknown ids
   */
  public boolean isBlocked(String id) {
    Node n = nodes.get(id);
    return n != null && n.blocked();
  }

  /**
   * The ticket's critical path: the number of tickets in the longest chain that starts at it and follows
   * tickets waiting on the previous one (its {@code blocks} dependents and, since blocking propagates down,
   * their descendants). 1 for a ticket nothing waits on; 0 for an unknown id. It counts tickets whatever their
   * status, so it changes only when edges change.
   *
   * @param id the ticket's id
   * @return the chain's length in tickets, at least 1 for a known id
   */
  public int criticalPath(String id) {
    Node n = nodes.get(id);
    return n == null ? 0 : n.cp;
  }

  /**
   * The indexed ticket with this id, if it is in the batch.
   *
   * @param id the ticket's id
   * @return the ticket as last indexed; empty for unknown ids and for targets outside the batch
   */
  public Optional<Ticket> ticket(String id) {
    Node n = nodes.get(id);
    return n == null || !n.member ? Optional.empty() : Optional.ofNullable(n.ticket);
  }

  /**
   * How many batch tickets are indexed (outside targets not counted).
   *
   * @return 0 or more
   */
  public int size() {
    return members;
  }

  // ---------------------------------------------------------------------------------------------------------

  private void checkUsable() {
    if (broken) {
      throw new IllegalStateException("the ready index failed on bad input earlier: rebuild it first");
    }
  }

  private static boolean releases(Status s) {
    return s.releasesDependents();
  }

  private boolean holdsAny(Set<String> resources, Collection<String> extra) {
    for (String r : resources) {
      if (heldByInFlight.containsKey(r) || extra.contains(r)) {
        return true;
      }
    }
    return false;
  }

  /** Appends {@code n} to the in-flight list and takes its resources. */
  private void linkInFlight(Node n) {
    n.inFlight = true;
    n.previousInFlight = lastInFlight;
    if (lastInFlight == null) {
      firstInFlight = n;
    } else {
      lastInFlight.nextInFlight = n;
    }
    lastInFlight = n;
    hold(n, +1);
  }

  private void hold(Node n, int delta) {
    if (n.resources.isEmpty()) {
      return;
    }
    for (String r : n.resources) {
      heldByInFlight.merge(r, delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** A hash map capacity that holds {@code size} entries without resizing. */
  private static int capacityFor(int size) {
    return (int) Math.min(1L << 30, (long) Math.ceil(size / 0.75) + 1);
  }

  /** The ticket's blocks and parent-child dependencies: its own list when it declares no other kind. */
  private static List<Dependency> readinessDeps(Ticket t) {
    List<Dependency> all = t.dependencies();
    int keep = 0;
    for (Dependency d : all) {
      if (d.type().affectsReadiness()) {
        keep++;
      }
    }
    if (keep == all.size()) {
      return all;
    }
    List<Dependency> out = new ArrayList<>(keep);
    for (Dependency d : all) {
      if (d.type().affectsReadiness()) {
        out.add(d);
      }
    }
    return out;
  }

  /** The node for a dependency target, looked up outside the batch when needed. */
  private Node targetOf(Node holder, Dependency d) {
    Node target = nodes.get(d.target());
    if (target != null) {
      return target;
    }
    Optional<Ticket> found = outside.apply(d.target());
    if (found.isEmpty()) {
      throw new InputException("ticket " + holder.id + " depends on " + d.target() + " (" + d + "), but "
          + d.target() + " is neither in the batch nor known to the tracker: expected an existing ticket id");
    }
    target = new Node(d.target());
    target.status = found.get().status();
    target.ord = --minOrd;
    target.cp = 1;
    target.down = 1;
    nodes.put(target.id, target);
    if (!releases(target.status)) {
      unsettledOutside.add(target);
    }
    return target;
  }

  private static void link(Node from, Node to, DependencyType type) {
    if (type == DependencyType.BLOCKS) {
      if (!to.blockers.contains(from)) {
        to.blockers = plus(to.blockers, from, to.deps.size());
        from.waiters = plus(from.waiters, to, 2);
      }
    } else if (!to.parents.contains(from)) {
      to.parents = plus(to.parents, from, 1);
      from.children = plus(from.children, to, 2);
    }
  }

  /**
   * {@code list} with {@code x} appended. Edge lists start as the shared {@link #NONE} and get an array list
   * (of {@code expected} capacity) on their first edge: most tickets have no parent-child edges at all, and a
   * large batch keeps far fewer objects alive for the garbage collector to copy.
   */
  private static List<Node> plus(List<Node> list, Node x, int expected) {
    List<Node> out = list == NONE ? new ArrayList<>(Math.max(1, expected)) : list;
    out.add(x);
    return out;
  }

  /** Kahn's algorithm: assigns ords 0..n-1 and returns the nodes in that order, or throws naming a cycle. */
  private List<Node> topologicalOrder(List<Node> batchOrder, List<Node> all) {
    // the output doubles as the queue: nodes are appended once free and numbered as the scan reaches them
    List<Node> sorted = new ArrayList<>(all.size());
    for (Node n : all) {
      n.pending = n.blockers.size() + n.parents.size();
      if (n.pending == 0) {
        sorted.add(n);
      }
    }
    int next = 0;
    for (; next < sorted.size(); next++) {
      Node n = sorted.get(next);
      n.ord = next;
      for (Node s : n.waiters) {
        if (--s.pending == 0) {
          sorted.add(s);
        }
      }
      for (Node s : n.children) {
        if (--s.pending == 0) {
          sorted.add(s);
        }
      }
    }
    if (next < all.size()) {
      for (Node start : batchOrder) {
        if (start.pending > 0) {
          throw cycle(walkBackToCycle(start));
        }
      }
    }
    minOrd = 0;
    maxOrd = next - 1;
    return sorted;
  }

  /** From a node left over by Kahn's algorithm, follows dependencies among left-over nodes until one repeats. */
  private static List<Node> walkBackToCycle(Node start) {
    List<Node> path = new ArrayList<>();
    Map<Node, Integer> seen = new HashMap<>();
    Node n = start;
    while (!seen.containsKey(n)) {
      seen.put(n, path.size());
      path.add(n);
      Node next = null;
      for (Node b : n.blockers) {
        if (b.pending > 0) {
          next = b;
          break;
        }
      }
      if (next == null) {
        for (Node p : n.parents) {
          if (p.pending > 0) {
            next = p;
            break;
          }
        }
      }
      n = Objects.requireNonNull(next, "a left-over node always has a left-over dependency");
    }
    return path.subList(seen.get(n), path.size());
  }

  /** {@code cycle} lists nodes each of which depends on the next, the last on the first. */
  private static InputException cycle(List<Node> cycle) {
    int start = 0;
    for (int i = 1; i < cycle.size(); i++) {
      if (cycle.get(i).id.compareTo(cycle.get(start).id) < 0) {
        start = i;
      }
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i <= cycle.size(); i++) {
      Node n = cycle.get((start + i) % cycle.size());
      text.append(n.id);
      if (i < cycle.size()) {
        Node next = cycle.get((start + i + 1) % cycle.size());
        text.append(n.blockers.contains(next) ? " -blocks-> " : " -parent-child-> ");
      }
    }
    return new InputException("dependency cycle " + text
        + " (each ticket waits on the next): expected blocks and parent-child edges without cycles");
  }

  private void setStatus(Node n, Status status) {
    boolean released = releases(n.status);
    n.status = status;
    if (released != releases(status)) {
      int delta = released ? +1 : -1;
      for (Node w : n.waiters) {
        boolean was = w.blocked();
        w.unmet += delta;
        blockedChanged(w, was);
      }
    }
    refreshCandidate(n);
  }

  /** Pushes a change of {@code n}'s blocked state down the parent-child tree. */
  private void blockedChanged(Node n, boolean wasBlocked) {
    if (n.blocked() == wasBlocked) {
      return;
    }
    // most tickets have no children, so the work list is only made when the change must go further down
    @Nullable ArrayDeque<Node> todo = null;
    @Nullable Node x = n;
    while (x != null) {
      refreshCandidate(x);
      int delta = x.blocked() ? +1 : -1;
      for (Node c : x.children) {
        boolean was = c.blocked();
        c.blockedParents += delta;
        if (c.blocked() != was) {
          if (todo == null) {
            todo = new ArrayDeque<>();
          }
          todo.push(c);
        }
      }
      x = todo == null ? null : todo.poll();
    }
  }

  private void refreshCandidate(Node n) {
    boolean should = n.member && n.status == Status.OPEN && !n.inFlight && !n.blocked();
    if (should != n.candidate) {
      if (should) {
        n.candidate = true;
        candidates.add(n);
      } else {
        candidates.remove(n);
        n.candidate = false;
      }
    }
  }

  /** Replaces the readiness edges of {@code n}, keeping counts, order and critical paths exact. */
  private void rewire(Node n, List<Dependency> deps) {
    boolean wasBlocked = n.blocked();
    List<Node> oldPreds = new ArrayList<>(n.blockers);
    oldPreds.addAll(n.parents);
    for (Node b : n.blockers) {
      b.waiters.remove(n);
    }
    for (Node p : n.parents) {
      p.children.remove(n);
    }
    n.blockers = NONE;
    n.parents = NONE;
    n.unmet = 0;
    n.blockedParents = 0;
    n.deps = deps;
    for (Dependency d : deps) {
      Node target = targetOf(n, d);
      boolean fresh = d.type() == DependencyType.BLOCKS ? !n.blockers.contains(target)
          : !n.parents.contains(target);
      if (!fresh) {
        continue;
      }
      keepOrder(target, n, d.type());
      link(target, n, d.type());
      if (d.type() == DependencyType.BLOCKS) {
        if (!releases(target.status)) {
          n.unmet++;
        }
      } else if (target.blocked()) {
        n.blockedParents++;
      }
    }
    blockedChanged(n, wasBlocked);
    refreshCandidate(n);
    // n's own cp and down depend only on what waits on it; its old and new predecessors read n's down
    recomputeUpward(n);
    for (Node p : oldPreds) {
      recomputeUpward(p);
    }
    for (Node p : n.blockers) {
      recomputeUpward(p);
    }
    for (Node p : n.parents) {
      recomputeUpward(p);
    }
  }

  /**
   * Pearce-Kelly: before adding the edge {@code from -> to}, make sure {@code from} precedes {@code to} in
   * the topological order, reordering only the nodes between them, or throw if the edge closes a cycle.
   */
  private void keepOrder(Node from, Node to, DependencyType type) {
    if (from.ord < to.ord) {
      return;
    }
    int upper = from.ord;
    int lower = to.ord;
    // forward from `to`: nodes that (transitively) wait on it and sit before `from` in the order
    List<Node> forward = new ArrayList<>();
    Map<Node, Node> cameFrom = new HashMap<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    stack.push(to);
    cameFrom.put(to, to);
    while (!stack.isEmpty()) {
      Node x = stack.pop();
      forward.add(x);
      for (int k = 0; k < 2; k++) {
        for (Node s : k == 0 ? x.waiters : x.children) {
          if (s == from) {
            throw cycleWithNewEdge(to, from, type, cameFrom, x);
          }
          if (s.ord < upper && !cameFrom.containsKey(s)) {
            cameFrom.put(s, x);
            stack.push(s);
          }
        }
      }
    }
    // backward from `from`: nodes it (transitively) waits on that sit after `to` in the order
    List<Node> backward = new ArrayList<>();
    Set<Node> seen = new HashSet<>();
    stack.push(from);
    seen.add(from);
    while (!stack.isEmpty()) {
      Node x = stack.pop();
      backward.add(x);
      for (int k = 0; k < 2; k++) {
        for (Node p : k == 0 ? x.blockers : x.parents) {
          if (p.ord > lower && seen.add(p)) {
            stack.push(p);
          }
        }
      }
    }
    Comparator<Node> byOrd = Comparator.comparingInt(x -> x.ord);
    backward.sort(byOrd);
    forward.sort(byOrd);
    int[] ords = new int[backward.size() + forward.size()];
    int i = 0;
    for (Node x : backward) {
      ords[i++] = x.ord;
    }
    for (Node x : forward) {
      ords[i++] = x.ord;
    }
    java.util.Arrays.sort(ords);
    i = 0;
    for (Node x : backward) {
      x.ord = ords[i++];
    }
    for (Node x : forward) {
      x.ord = ords[i++];
    }
  }

  /**
   * The cycle closed by the new edge (the holder {@code to} would wait on {@code from}): {@code to} waits on
   * {@code from}, which (through the found path) waits back on {@code to}.
   */
  private static InputException cycleWithNewEdge(Node to, Node from, DependencyType type,
      Map<Node, Node> cameFrom, Node last) {
    // cameFrom walks back from `last` to `to`; each step goes to the node the current one waits on
    List<Node> dependsOrder = new ArrayList<>();
    dependsOrder.add(to);
    dependsOrder.add(from);
    for (Node y = last; y != to; y = cameFrom.get(y)) {
      dependsOrder.add(y);
    }
    // the new edge is not linked yet, so make cycle() see it while formatting
    if (type == DependencyType.BLOCKS) {
      to.blockers = plus(to.blockers, from, 1);
      try {
        return cycle(dependsOrder);
      } finally {
        to.blockers.remove(to.blockers.size() - 1);
      }
    }
    return cycle(dependsOrder);
  }

  private static int computeCp(Node n) {
    int best = 0;
    for (Node w : n.waiters) {
      best = Math.max(best, w.down);
    }
    return 1 + best;
  }

  private static int computeDown(Node n) {
    int best = n.cp;
    for (Node c : n.children) {
      best = Math.max(best, c.down);
    }
    return best;
  }

  /** Recomputes cp and down of {@code start} and pushes changes up to whatever depends on them. */
  private void recomputeUpward(Node start) {
    ArrayDeque<Node> todo = new ArrayDeque<>();
    todo.push(start);
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      int cp = computeCp(n);
      if (cp != n.cp) {
        if (n.candidate) {
          candidates.remove(n);
          n.cp = cp;
          candidates.add(n);
        } else {
          n.cp = cp;
        }
      }
      int down = computeDown(n);
      if (down != n.down) {
        n.down = down;
        todo.addAll(n.blockers);
        todo.addAll(n.parents);
      }
    }
  }

  private static Comparator<Node> comparator(ReadyOrder order) {
    switch (order) {
      case CRITICAL_PATH_FIRST:
        return (a, b) -> a.cp != b.cp ? Integer.compare(b.cp, a.cp) : byPriority(a, b);
      case PRIORITY:
        return ReadyIndex::byPriority;
      case FIFO:
        return ReadyIndex::byAge;
      default:
        throw new AssertionError(order);
    }
  }

  private static int byPriority(Node a, Node b) {
    return a.priority != b.priority ? Integer.compare(a.priority, b.priority) : byAge(a, b);
  }

  private static int byAge(Node a, Node b) {
    if (a.createdSecond != b.createdSecond) {
      return Long.compare(a.createdSecond, b.createdSecond);
    }
    return a.createdNano != b.createdNano ? Integer.compare(a.createdNano, b.createdNano) : a.id.compareTo(b.id);
  }

  private static final class Node {
    final String id;
    @Nullable Ticket ticket;
    boolean member;
    Status status = Status.OPEN;
    int priority;
    /** {@link Ticket#createdAt()} held as numbers, so comparing ages reads no other object. */
    long createdSecond;
    int createdNano;
    Set<String> resources = Set.of();
    List<Dependency> deps = List.of();
    /** Every dependency the ticket declared, readiness-affecting or not, as last indexed. */
    List<Dependency> declared = List.of();
    List<Node> blockers = NONE;
    List<Node> waiters = NONE;
    List<Node> parents = NONE;
    List<Node> children = NONE;
    int unmet;
    int blockedParents;
    int cp;
    int down;
    int ord;
    /** Dependencies not yet placed, during a rebuild's topological sort. */
    int pending;
    boolean inFlight;
    @Nullable Node previousInFlight;
    @Nullable Node nextInFlight;
    boolean candidate;

    Node(String id) {
      this.id = id;
    }

    void setCreatedAt(Instant createdAt) {
      createdSecond = createdAt.getEpochSecond();
      createdNano = createdAt.getNano();
    }

    boolean blocked() {
      return unmet > 0 || blockedParents > 0;
    }

    @Override
    public String toString() {
      return id;
    }
  }
}

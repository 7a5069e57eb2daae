package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random change sequences: after every change the incrementally maintained index must list exactly what a
 * rebuilt index lists, and both must match a direct reading of beads' rule.
 */
class ReadyIndexRandomTest {
  private static final Status[] STATUSES = Status.values();
  private static final DependencyType[] TYPES = DependencyType.values();
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void incrementalIndexAgreesWithARebuildAfterRandomChanges(long seed) {
    Random random = new Random(seed);
    ReadyOrder order = ReadyOrder.values()[(int) (seed % 3)];
    Map<String, Ticket> tickets = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      String id = "t" + i;
      Ticket.Builder b = Ticket.builder(id).priority(random.nextInt(5)).createdAt(T0.plusSeconds(random.nextInt(5)));
      for (int k = 0; k < random.nextInt(3) && i > 0; k++) {
        b.addDependency(new Dependency(TYPES[random.nextInt(TYPES.length)], "t" + random.nextInt(i)));
      }
      tickets.put(id, b.build());
    }
    ReadyIndex incremental = ReadyIndex.create(order);
    incremental.rebuild(tickets.values());
    Set<String> flying = new HashSet<>();
    int cyclesRefused = 0;

    for (int step = 0; step < 400; step++) {
      List<String> ids = new ArrayList<>(tickets.keySet());
      String id = ids.get(random.nextInt(ids.size()));
      Ticket current = tickets.get(id);
      List<Ticket> changes = new ArrayList<>();
      int kind = step % 50 == 49 ? 7 : random.nextInt(7);
      switch (kind) {
        case 0, 1 -> changes.add(current.withStatus(STATUSES[random.nextInt(STATUSES.length)]));
        case 2 -> { // add an edge in any direction; may close a cycle
          String target = ids.get(random.nextInt(ids.size()));
          if (!target.equals(id)) {
            changes.add(current.toBuilder()
                .addDependency(new Dependency(TYPES[random.nextInt(2)], target)).build());
          }
        }
        case 3 -> { // drop an edge
          List<Dependency> deps = new ArrayList<>(current.dependencies());
          if (!deps.isEmpty()) {
            deps.remove(random.nextInt(deps.size()));
            changes.add(current.toBuilder().dependencies(deps).build());
          }
        }
        case 4 -> { // discovered work: a new ticket that blocks an existing one, filed together
          String fresh = "n" + step;
          changes.add(Ticket.builder(fresh).priority(random.nextInt(5))
              .addDependency(Dependency.discoveredFrom(id)).build());
          changes.add(current.toBuilder().addDependency(Dependency.blockedBy(fresh)).build());
        }
        case 5 -> { // a new ticket waiting on existing ones, or a child of one
          String fresh = "m" + step;
          changes.add(Ticket.builder(fresh).priority(random.nextInt(5)).createdAt(T0.plusSeconds(step))
              .addDependency(new Dependency(TYPES[random.nextInt(2)], id)).build());
        }
        case 7 -> { // reverse an existing readiness edge: always a cycle
          for (Ticket t : tickets.values()) {
            List<Dependency> deps = t.dependencies().stream().filter(d -> d.type().affectsReadiness()).toList();
            if (!deps.isEmpty()) {
              Ticket target = tickets.get(deps.get(0).target());
              changes.add(target.toBuilder().addDependency(Dependency.blockedBy(t.id())).build());
              break;
            }
          }
        }
        default -> { // in flight, resources, priority
          if (flying.remove(id)) {
            incremental.clearInFlight(id);
          } else if (random.nextBoolean()) {
            flying.add(id);
            incremental.markInFlight(id);
          }
          changes.add(current.toBuilder().priority(random.nextInt(5))
              .resources(random.nextBoolean() ? Set.of("merge") : Set.of()).build());
        }
      }
      Map<String, Ticket> next = new LinkedHashMap<>(tickets);
      changes.forEach(t -> next.put(t.id(), t));
      if (Reference.hasCycle(next)) {
        assertThrows(InputException.class, () -> incremental.apply(changes));
        incremental.rebuild(tickets.values());
        flying.forEach(incremental::markInFlight);
        cyclesRefused++;
        continue;
      }
      incremental.apply(changes);
      tickets = next;

      ReadyIndex rebuilt = ReadyIndex.create(order);
      rebuilt.rebuild(tickets.values());
      flying.forEach(rebuilt::markInFlight);
      Set<String> held = random.nextInt(4) == 0 ? Set.of("merge") : Set.of();
      List<String> expected = ReadyIndexTest.ids(rebuilt.ready(Integer.MAX_VALUE, held));
      assertEquals(expected, ReadyIndexTest.ids(incremental.ready(Integer.MAX_VALUE, held)),
          "seed " + seed + " step " + step);
      assertEquals(Reference.ready(tickets, flying, held), new HashSet<>(expected), "seed " + seed + " step " + step);
      assertEquals(flying, incremental.inFlight(), "in flight, step " + step);
      for (Ticket t : tickets.values()) {
        assertSame(t, incremental.ticket(t.id()).orElseThrow(), "indexed ticket " + t.id() + " step " + step);
      }
      Map<String, Integer> cps = Reference.criticalPaths(tickets);
      for (String t : tickets.keySet()) {
        assertEquals(cps.get(t), incremental.criticalPath(t), "cp of " + t + " step " + step);
      }
    }
    assertTrue(cyclesRefused > 0, "the sequence should have tried at least one cycle");
  }

  /** beads' rule read directly off the definitions, recursively; slow and obviously right. */
  static final class Reference {
    static Set<String> ready(Map<String, Ticket> tickets, Set<String> flying, Set<String> held) {
      Set<String> out = new HashSet<>();
      Set<String> flyingResources = new HashSet<>();
      flying.forEach(id -> flyingResources.addAll(tickets.get(id).resources()));
      for (Ticket t : tickets.values()) {
        boolean free = t.resources().stream().noneMatch(r -> held.contains(r) || flyingResources.contains(r));
        if (t.status() == Status.OPEN && !flying.contains(t.id()) && !blocked(tickets, t.id()) && free) {
          out.add(t.id());
        }
      }
      return out;
    }

    static boolean blocked(Map<String, Ticket> tickets, String id) {
      Ticket t = tickets.get(id);
      for (String b : t.dependencyTargets(DependencyType.BLOCKS)) {
        if (!tickets.get(b).status().releasesDependents()) {
          return true;
        }
      }
      for (String p : t.dependencyTargets(DependencyType.PARENT_CHILD)) {
        if (blocked(tickets, p)) {
          return true;
        }
      }
      return false;
    }

    /** Every ticket's critical path: 1 + the longest chain among blocks dependents and their subtrees. */
    static Map<String, Integer> criticalPaths(Map<String, Ticket> tickets) {
      Map<String, List<String>> waiters = new HashMap<>();
      Map<String, List<String>> children = new HashMap<>();
      for (Ticket t : tickets.values()) {
        t.dependencyTargets(DependencyType.BLOCKS).forEach(
            b -> waiters.computeIfAbsent(b, k -> new ArrayList<>()).add(t.id()));
        t.dependencyTargets(DependencyType.PARENT_CHILD).forEach(
            p -> children.computeIfAbsent(p, k -> new ArrayList<>()).add(t.id()));
      }
      Map<String, Integer> cp = new HashMap<>();
      Map<String, Integer> sub = new HashMap<>();
      for (String id : tickets.keySet()) {
        cp(id, waiters, children, cp, sub);
      }
      return cp;
    }

    private static int cp(String id, Map<String, List<String>> waiters, Map<String, List<String>> children,
        Map<String, Integer> cp, Map<String, Integer> sub) {
      Integer known = cp.get(id);
      if (known != null) {
        return known;
      }
      int best = 0;
      for (String w : waiters.getOrDefault(id, List.of())) {
        best = Math.max(best, subtree(w, waiters, children, cp, sub));
      }
      cp.put(id, 1 + best);
      return 1 + best;
    }

    private static int subtree(String id, Map<String, List<String>> waiters, Map<String, List<String>> children,
        Map<String, Integer> cp, Map<String, Integer> sub) {
      Integer known = sub.get(id);
      if (known != null) {
        return known;
      }
      int best = cp(id, waiters, children, cp, sub);
      for (String c : children.getOrDefault(id, List.of())) {
        best = Math.max(best, subtree(c, waiters, children, cp, sub));
      }
      sub.put(id, best);
      return best;
    }

    static boolean hasCycle(Map<String, Ticket> tickets) {
      Map<String, Integer> state = new HashMap<>();
      for (String id : tickets.keySet()) {
        if (visit(tickets, id, state)) {
          return true;
        }
      }
      return false;
    }

    private static boolean visit(Map<String, Ticket> tickets, String id, Map<String, Integer> state) {
      Integer s = state.get(id);
      if (s != null) {
        return s == 1;
      }
      state.put(id, 1);
      for (Dependency d : tickets.get(id).dependencies()) {
        if (d.type().affectsReadiness() && visit(tickets, d.target(), state)) {
          return true;
        }
      }
      state.put(id, 2);
      return false;
    }
  }
}

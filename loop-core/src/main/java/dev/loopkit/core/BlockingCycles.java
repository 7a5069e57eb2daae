package dev.loopkit.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds a cycle of {@code blocks} edges within a batch: an input error that no worker can resolve. */
final class BlockingCycles {
  private BlockingCycles() {}

  /**
   * @throws InputException naming the ids around the first cycle found, in edge order
   */
  static void check(Collection<Ticket> tickets) {
    Map<String, Ticket> byId = new HashMap<>();
    tickets.forEach(t -> byId.put(t.id(), t));
    Map<String, Integer> state = new HashMap<>(); // 1 on the stack, 2 finished
    for (Ticket root : tickets) {
      if (state.containsKey(root.id())) {
        continue;
      }
      // Iterative depth-first search: a deep chain must not overflow the stack.
      Deque<String> path = new ArrayDeque<>();
      Deque<java.util.Iterator<String>> edges = new ArrayDeque<>();
      path.push(root.id());
      edges.push(root.dependencyTargets(DependencyType.BLOCKS).iterator());
      state.put(root.id(), 1);
      while (!path.isEmpty()) {
        java.util.Iterator<String> it = edges.peek();
        if (!it.hasNext()) {
          state.put(path.pop(), 2);
          edges.pop();
          continue;
        }
        String next = it.next();
        Ticket target = byId.get(next);
        if (target == null) {
          continue;
        }
        Integer s = state.get(next);
        if (s == null) {
          state.put(next, 1);
          path.push(next);
          edges.push(target.dependencyTargets(DependencyType.BLOCKS).iterator());
        } else if (s == 1) {
          List<String> cycle = new ArrayList<>();
          for (java.util.Iterator<String> p = path.descendingIterator(); p.hasNext(); ) {
            String id = p.next();
            if (!cycle.isEmpty() || id.equals(next)) {
              cycle.add(id);
            }
          }
          cycle.add(next);
          throw new InputException("dependency cycle: " + String.join(" is blocked by ", cycle)
              + ": expected blocking edges without a cycle (remove one of these edges)");
        }
      }
    }
  }
}

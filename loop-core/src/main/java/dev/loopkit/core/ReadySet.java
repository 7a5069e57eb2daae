package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the tickets that may start now, best first. Called on the engine's thread once per pass. A
 * ticket returned must be {@link Status#OPEN}, not in flight, and need no resource that is held.
 */
@FunctionalInterface
public interface ReadySet {

  List<Ticket> ready(ReadyContext context);

  /**
   * A simple rule for small batches and tests: open tickets, not in flight, whose {@code blocks} targets are
   * all done or cancelled and whose resources are free, in priority then batch order. Ignores parent-child
   * propagation; {@code loop-scheduler}'s dependency-aware ready set is the one to use in production.
   */
  static ReadySet simple() {
    return context -> {
      List<Ticket> out = new ArrayList<>();
      for (Ticket t : context.batch().tickets()) {
        if (t.status() != Status.OPEN || context.inFlight().contains(t.id())) {
          continue;
        }
        boolean blocked = false;
        for (String target : t.dependencyTargets(DependencyType.BLOCKS)) {
          Ticket blocker = context.batch().find(target).orElse(null);
          if (blocker == null || !blocker.status().releasesDependents()) {
            blocked = true;
            break;
          }
        }
        if (blocked) {
          continue;
        }
        boolean locked = false;
        for (String resource : t.resources()) {
          if (context.heldResources().containsKey(resource)) {
            locked = true;
            break;
          }
        }
        if (!locked) {
          out.add(t);
        }
      }
      out.sort(java.util.Comparator.comparingInt(Ticket::priority));
      return out;
    };
  }
}

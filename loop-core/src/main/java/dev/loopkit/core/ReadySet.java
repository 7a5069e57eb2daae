package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the tickets that may start now, best first. Called on the engine's thread once per pass that may
 * start work. A ticket returned must be {@link Status#OPEN}, not in flight, and need no resource that is held;
 * the engine starts at most {@link ReadyContext#limit()} of them.
 *
 * <p>A blocking cycle is an {@link InputException} naming the cycle; the engine asks the ready set before any
 * worker starts, so a cycle in the batch ends the run {@code FAILED} with that message and no work done.
 */
@FunctionalInterface
public interface ReadySet {

  /**
   * @param context this pass's batch, its changes, what is in flight and the free worker slots
   * @return the tickets that may start now, in the order to start them
   * @throws InputException on a blocking cycle, naming the ids around it
   */
  List<Ticket> ready(ReadyContext context);

  /**
   * The engine's default, a simple rule for small batches and tests: open tickets, not in flight, whose
   * {@code blocks} targets are all done or cancelled and whose resources are free, in priority then batch order;
   * a blocking cycle is an input error. It rescans the whole batch on every call (O(batch) per pass) and ignores
   * parent-child propagation; {@code loop-scheduler}'s {@code DependencyReadySet} is incremental and the one to
   * use in production.
   *
   * @return the simple ready set
   */
  static ReadySet simple() {
    return context -> {
      List<Ticket> all = context.batch().tickets();
      BlockingCycles.check(all);
      List<Ticket> out = new ArrayList<>();
      for (Ticket t : all) {
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

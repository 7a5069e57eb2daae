package dev.loopkit.scheduler;

import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.InputException;
import dev.loopkit.core.ReadyContext;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The dependency-aware {@link ReadySet}: beads' readiness rule (see {@link ReadyIndex}), resources held by
 * in-flight tickets respected, tickets listed in a {@link ReadyOrder} (critical path first by default).
 *
 * <p>The engine calls {@link #ready} once per pass on its thread with what changed since the last call
 * ({@link ReadyContext#changes()}). A full read (the first call of a session) builds a {@link ReadyIndex}, so a
 * dependency cycle or an unknown dependency target is an {@link InputException} before any worker starts;
 * later calls apply only the changed tickets, so a pass costs what changed plus the tickets it returns (at
 * most {@link ReadyContext#limit()}). A ticket that left the batch makes the call rebuild. Dependency targets
 * outside the batch are looked up with {@link Tracker#find} and re-read each pass until they are done or
 * cancelled.
 *
 * <p>One instance serves one batch; calls are serialized.
 */
public final class DependencyReadySet implements ReadySet {
  private final ReadyOrder order;
  private @Nullable Tracker tracker;
  private @Nullable ReadyIndex index;

  private DependencyReadySet(ReadyOrder order) {
    this.order = order;
  }

  /**
   * Critical path first, then priority, then age, then id.
   *
   * @return a ready set in {@link ReadyOrder#CRITICAL_PATH_FIRST} order
   */
  public static DependencyReadySet create() {
    return create(ReadyOrder.CRITICAL_PATH_FIRST);
  }

  /**
   * A ready set that lists ready tickets in {@code order}.
   *
   * @param order how ready tickets are ranked
   * @return a new ready set; it builds its index from the first context it is given
   */
  public static DependencyReadySet create(ReadyOrder order) {
    return new DependencyReadySet(Objects.requireNonNull(order, "order"));
  }

  /**
   * The order ready tickets are listed in.
   *
   * @return the order given to {@link #create(ReadyOrder)}
   */
  public ReadyOrder order() {
    return order;
  }

  /**
   * The ready tickets, best first: open, not in flight, not blocked, and needing none of {@link
   * ReadyContext#heldResources()}.
   *
   * @throws InputException on a dependency cycle (naming the ids around it) or a dependency on an id neither
   *     in the batch nor known to the tracker (naming both)
   */
  @Override
  public synchronized List<Ticket> ready(ReadyContext context) {
    tracker = context.tracker();
    BatchChanges changes = context.changes();
    try {
      ReadyIndex idx = index;
      if (idx == null || changes.full() || !changes.removed().isEmpty()) {
        idx = ReadyIndex.create(order, this::findOutside);
        idx.rebuild(context.batch().tickets());
        index = idx;
      } else {
        idx.apply(changes.tickets());
        idx.refreshOutside();
      }
      syncInFlight(idx, context.inFlight());
      return idx.ready(context.limit(), context.heldResources().keySet());
    } catch (RuntimeException e) {
      index = null; // rebuilt (and the bad input reported again) on the next call
      throw e;
    }
  }

  private static void syncInFlight(ReadyIndex idx, Set<String> now) {
    for (String id : new HashSet<>(idx.inFlight())) {
      if (!now.contains(id)) {
        idx.clearInFlight(id);
      }
    }
    for (String id : now) {
      idx.markInFlight(id);
    }
  }

  private Optional<Ticket> findOutside(String id) {
    Tracker t = tracker;
    return t == null ? Optional.empty() : t.find(id);
  }
}

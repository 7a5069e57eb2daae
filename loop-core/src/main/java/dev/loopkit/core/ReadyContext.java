package dev.loopkit.core;

import java.util.Map;
import java.util.Set;

/**
 * What a {@link ReadySet} sees on one pass.
 *
 * @param batch the batch as read in this pass (see {@link BatchView} for what each call costs)
 * @param changes what changed since the previous call: a full read on the first call of a session, after which
 *     an incremental ready set applies only {@link BatchChanges#tickets()} and {@link BatchChanges#removed()}
 * @param inFlight the tickets in flight
 * @param heldResources resources held by in-flight tickets (resource name to holder ticket id)
 * @param limit the most tickets the engine can start now (its free worker slots); a ready set may return fewer
 *     or more, the engine starts at most this many
 * @param tracker to look up a dependency target outside the batch ({@link Tracker#find}); a ready set must not
 *     write through it
 */
public record ReadyContext(BatchView batch, BatchChanges changes, Set<String> inFlight,
    Map<String, String> heldResources, int limit, Tracker tracker) {
  /**
   * Copies the set and map.
   *
   * @param batch the batch as read in this pass
   * @param changes what changed since the previous call
   * @param inFlight the tickets in flight
   * @param heldResources resources held by in-flight tickets (resource name to holder ticket id)
   * @param limit the most tickets the engine can start now
   * @param tracker to look up a dependency target outside the batch; a ready set must not write through it
   */
  public ReadyContext {
    inFlight = Set.copyOf(inFlight);
    heldResources = Map.copyOf(heldResources);
  }

  /**
   * {@return a first-call context over one snapshot with nothing in flight, for tools and tests}
   *
   * @param batch the snapshot, read in full
   * @param tracker to look up dependency targets outside the batch
   */
  public static ReadyContext of(Batch batch, Tracker tracker) {
    return new ReadyContext(batch, BatchChanges.full(batch), Set.of(), Map.of(), Integer.MAX_VALUE, tracker);
  }
}

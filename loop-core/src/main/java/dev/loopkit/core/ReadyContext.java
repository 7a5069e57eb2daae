package dev.loopkit.core;

import java.util.Map;
import java.util.Set;

/**
 * What a {@link ReadySet} sees: the batch as just read from the tracker, the tickets in flight, the resources
 * they hold (resource name to holder ticket id), and the tracker, to look up a dependency target outside the
 * batch ({@link Tracker#find}); a ready set must not write through it.
 */
public record ReadyContext(Batch batch, Set<String> inFlight, Map<String, String> heldResources,
    Tracker tracker) {
  public ReadyContext {
    inFlight = Set.copyOf(inFlight);
    heldResources = Map.copyOf(heldResources);
  }
}

package dev.loopkit.core;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * When otherwise-ready tickets started waiting for a resource an in-flight ticket holds, so the wait can be
 * journaled when they start. Costs the open tickets needing a held resource per pass, not the batch.
 */
final class Waits {
  private record Waiting(String resource, String holder, Instant since) {}

  private final Map<String, Waiting> waiting = new HashMap<>();

  void note(LiveBatch batch, Map<String, String> held, Set<String> inFlight, Instant now) {
    for (Map.Entry<String, String> h : held.entrySet()) {
      for (String id : batch.openNeeding(h.getKey())) {
        if (waiting.containsKey(id) || inFlight.contains(id)) {
          continue;
        }
        Ticket t = batch.find(id).orElse(null);
        if (t != null && unblocked(batch, t)) {
          waiting.put(id, new Waiting(h.getKey(), h.getValue(), now));
        }
      }
    }
  }

  /** The wait that ends now that this ticket starts, if it waited. */
  LoopEvent.@Nullable ResourceWaited ended(String ticketId, Instant now) {
    Waiting w = waiting.remove(ticketId);
    return w == null ? null
        : new LoopEvent.ResourceWaited(now, ticketId, w.resource(), w.holder(),
            Duration.between(w.since(), now).toMillis());
  }

  private static boolean unblocked(BatchView batch, Ticket t) {
    for (String target : t.dependencyTargets(DependencyType.BLOCKS)) {
      Ticket b = batch.find(target).orElse(null);
      if (b == null || !b.status().releasesDependents()) {
        return false;
      }
    }
    return true;
  }
}

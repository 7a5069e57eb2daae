package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The definition of done as frozen at the run's first start: the tripwire's fingerprint then, compared with
 * a fresh one whenever the engine is about to trust the oracle or mark a ticket done.
 */
final class FrozenDefinition {
  private final Tripwire tripwire;
  private final Map<String, String> baseline;

  FrozenDefinition(Tripwire tripwire, Map<String, String> baseline) {
    this.tripwire = tripwire;
    this.baseline = Map.copyOf(baseline);
  }

  Map<String, String> baseline() {
    return baseline;
  }

  /** What differs from the baseline now; empty when nothing does. */
  List<String> changes() {
    try {
      return diff(baseline, tripwire.fingerprint());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return List.of("the definition of done can no longer be read: " + Attempt.describe("the tripwire", e));
    }
  }

  /** The canaries' failures, each named; empty when every canary behaved. */
  List<String> canaryFailures() {
    List<String> failures;
    try {
      failures = tripwire.canaries();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failures = List.of(Attempt.describe("a canary", e));
    }
    List<String> named = new ArrayList<>();
    failures.forEach(f -> named.add("canary failed: " + f));
    return named;
  }

  static List<String> diff(Map<String, String> before, Map<String, String> after) {
    List<String> changes = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(before).entrySet()) {
      String now = after.get(e.getKey());
      if (now == null) {
        changes.add("removed: " + e.getKey());
      } else if (!now.equals(e.getValue())) {
        changes.add("changed: " + e.getKey());
      }
    }
    for (String key : new TreeMap<>(after).keySet()) {
      if (!before.containsKey(key)) {
        changes.add("added: " + key);
      }
    }
    return changes;
  }
}

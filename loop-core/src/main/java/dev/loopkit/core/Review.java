package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/** A reviewer's answer: approve, or request changes with findings. */
public sealed interface Review {

  Usage usage();

  /** Facts worth journaling: vendor, model, prompt hash, diff hash. */
  Map<String, String> attributes();

  static Review approve(String notes) {
    return new Approved(notes, Usage.ZERO, Map.of());
  }

  static Review requestChanges(List<String> findings) {
    return new ChangesRequested(findings, Usage.ZERO, Map.of());
  }

  record Approved(String notes, Usage usage, Map<String, String> attributes) implements Review {
    public Approved {
      attributes = Map.copyOf(attributes);
    }
  }

  record ChangesRequested(List<String> findings, Usage usage, Map<String, String> attributes)
      implements Review {
    public ChangesRequested {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a change request must carry at least one finding");
      }
      attributes = Map.copyOf(attributes);
    }
  }
}

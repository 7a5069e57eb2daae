package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/** The outcome of integrating a change: integrated (with e.g. the resulting commit), or a conflict. */
public sealed interface Integration {

  static Integration integrated(String summary, Map<String, String> attributes) {
    return new Integrated(summary, attributes);
  }

  static Integration conflict(List<String> findings) {
    return new Conflict(findings);
  }

  record Integrated(String summary, Map<String, String> attributes) implements Integration {
    public Integrated {
      attributes = Map.copyOf(attributes);
    }
  }

  /** Nothing was integrated; the findings (e.g. the conflicting paths) go to the next attempt. */
  record Conflict(List<String> findings) implements Integration {
    /** @throws IllegalArgumentException if {@code findings} is empty: name what conflicted */
    public Conflict {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("an integration conflict must carry at least one finding (the"
            + " conflicting paths)");
      }
    }
  }
}

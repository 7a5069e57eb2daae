package dev.loopkit.core;

import java.util.List;

/** How one attempt's pipeline ended, as the engine's thread receives it. */
sealed interface AttemptOutcome {

  /** Verified with evidence: the engine marks the ticket done. */
  record Succeeded(List<Evidence> evidence) implements AttemptOutcome {}

  /** Failed at {@code stage}; the findings go on the ticket and to the next attempt. */
  record Failed(String stage, List<String> findings) implements AttemptOutcome {}

  /** The worker filed blockers for its own ticket. */
  record Deferred(List<String> blockers) implements AttemptOutcome {}

  /** The worker asked for a person, with evidence. */
  record NeedsHuman(String reason, List<Evidence> evidence) implements AttemptOutcome {}

  /** The attempt was cut short (interrupt, a cap reached inside it). */
  record Interrupted(String reason) implements AttemptOutcome {}
}

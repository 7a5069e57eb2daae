package dev.loopkit.core;

import java.util.List;

/** How one attempt's pipeline ended, as the engine's thread receives it. */
sealed interface AttemptOutcome {

  /** Every stage passed; {@code evidence} is the verify and added stages' evidence, never empty. */
  record Succeeded(List<Evidence> evidence) implements AttemptOutcome {}

  /** Failed at a stage; the findings go on the ticket and to the next attempt. */
  record Failed(StageKind kind, String stage, List<String> findings) implements AttemptOutcome {}

  /** The worker filed blockers for its own ticket. */
  record Deferred(List<String> blockers) implements AttemptOutcome {}

  /** A stage asked for a person, with evidence. */
  record NeedsHuman(String reason, List<Evidence> evidence) implements AttemptOutcome {}

  /** A part refused in a way no attempt can fix: the run stops, the ticket is not charged. */
  record Fatal(String reason, FatalAdapterException cause) implements AttemptOutcome {}

  /**
   * A part of the harness failed in a way that may pass if tried again (a retryable error from the workspace, git,
   * a vendor): the attempt is interrupted by the infrastructure, not charged to the ticket.
   */
  record Infrastructure(String part, String error) implements AttemptOutcome {}

  /** The attempt was cut short (interrupt, a cap reached inside it). */
  record Interrupted(String reason) implements AttemptOutcome {}
}

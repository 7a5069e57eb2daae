package dev.loopkit.core;

import java.util.List;

/**
 * What a worker says about its attempt. It is a claim, never a status: the engine decides what happens to
 * the ticket (review, verification, retries, a human gate).
 */
public sealed interface WorkResult {

  /** Tokens and money this attempt used. */
  Usage usage();

  /** The worker believes the ticket's finish line is met; {@code summary} says what it did. */
  static WorkResult completed(String summary, Usage usage) {
    return new Completed(summary, usage);
  }

  /** The worker gave up; the findings go to the next attempt. */
  static WorkResult failed(List<String> findings, Usage usage) {
    return new Failed(findings, usage);
  }

  /**
   * The worker hit a wall only a person can move. Without evidence (commands tried, exit codes, output, the
   * wall it hit) the engine counts this as a failed attempt.
   */
  static WorkResult needsHuman(String reason, List<Evidence> evidence, Usage usage) {
    return new NeedsHuman(reason, evidence, usage);
  }

  record Completed(String summary, Usage usage) implements WorkResult {}

  record Failed(List<String> findings, Usage usage) implements WorkResult {
    /** @throws IllegalArgumentException if {@code findings} is empty: a worker that gives up says why */
    public Failed {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a failed work result must carry at least one finding: say why the"
            + " worker gave up");
      }
    }
  }

  record NeedsHuman(String reason, List<Evidence> evidence, Usage usage) implements WorkResult {
    public NeedsHuman {
      evidence = List.copyOf(evidence);
    }
  }
}

package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/**
 * What a worker says about its attempt. It is a claim, never a status: the engine decides what happens to
 * the ticket (review, verification, retries, a human gate).
 */
public sealed interface WorkResult {

  /** {@return tokens and money this attempt used} */
  Usage usage();

  /**
   * Facts about the attempt worth journaling (which model worked it and why, for a routing worker); the engine
   * records them on the work stage's {@link LoopEvent.StageCompleted}. Empty by default.
   *
   * @return the facts, possibly empty
   */
  Map<String, String> attributes();

  /**
   * {@return the same result with these attributes added (a later value wins for a repeated key)}
   *
   * @param more the attributes to add
   */
  default WorkResult withAttributes(Map<String, String> more) {
    Map<String, String> all = new java.util.LinkedHashMap<>(attributes());
    all.putAll(more);
    if (this instanceof Completed c) {
      return new Completed(c.summary(), c.usage(), all);
    }
    if (this instanceof Failed f) {
      return new Failed(f.findings(), f.usage(), all);
    }
    NeedsHuman h = (NeedsHuman) this;
    return new NeedsHuman(h.reason(), h.evidence(), h.usage(), all);
  }

  /**
   * The worker believes the ticket's finish line is met; {@code summary} says what it did.
   *
   * @param summary one line saying what the worker did
   * @param usage tokens and money the attempt used
   * @return a completed result without attributes
   */
  static WorkResult completed(String summary, Usage usage) {
    return new Completed(summary, usage);
  }

  /**
   * The worker gave up; the findings go to the next attempt.
   *
   * @param findings why it gave up, one finding per entry; not empty
   * @param usage tokens and money the attempt used
   * @return a failed result without attributes
   * @throws IllegalArgumentException if {@code findings} is empty
   */
  static WorkResult failed(List<String> findings, Usage usage) {
    return new Failed(findings, usage);
  }

  /**
   * The worker hit a wall only a person can move. Without evidence (commands tried, exit codes, output, the
   * wall it hit) the engine counts this as a failed attempt.
   *
   * @param reason why a person is needed
   * @param evidence what the worker tried and saw
   * @param usage tokens and money the attempt used
   * @return a request for a person without attributes
   */
  static WorkResult needsHuman(String reason, List<Evidence> evidence, Usage usage) {
    return new NeedsHuman(reason, evidence, usage);
  }

  /** See {@link WorkResult#completed}. */
  record Completed(String summary, Usage usage, Map<String, String> attributes) implements WorkResult {
    /**
     * Copies the attributes.
     *
     * @param summary one line saying what the worker did
     * @param usage tokens and money the attempt used
     * @param attributes facts worth journaling
     */
    public Completed {
      attributes = Map.copyOf(attributes);
    }

    /**
     * Without attributes.
     *
     * @param summary one line saying what the worker did
     * @param usage tokens and money the attempt used
     */
    public Completed(String summary, Usage usage) {
      this(summary, usage, Map.of());
    }
  }

  /** See {@link WorkResult#failed}. */
  record Failed(List<String> findings, Usage usage, Map<String, String> attributes) implements WorkResult {
    /**
     * @param findings why the worker gave up, one finding per entry; not empty
     * @param usage tokens and money the attempt used
     * @param attributes facts worth journaling
     * @throws IllegalArgumentException if {@code findings} is empty: a worker that gives up says why
     */
    public Failed {
      findings = List.copyOf(findings);
      attributes = Map.copyOf(attributes);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("a failed work result must carry at least one finding: say why the"
            + " worker gave up");
      }
    }

    /**
     * Without attributes.
     *
     * @param findings why the worker gave up, one finding per entry; not empty
     * @param usage tokens and money the attempt used
     * @throws IllegalArgumentException if {@code findings} is empty
     */
    public Failed(List<String> findings, Usage usage) {
      this(findings, usage, Map.of());
    }
  }

  /** See {@link WorkResult#needsHuman}. */
  record NeedsHuman(String reason, List<Evidence> evidence, Usage usage, Map<String, String> attributes)
      implements WorkResult {
    /**
     * Copies the evidence and attributes.
     *
     * @param reason why a person is needed
     * @param evidence what the worker tried and saw
     * @param usage tokens and money the attempt used
     * @param attributes facts worth journaling
     */
    public NeedsHuman {
      evidence = List.copyOf(evidence);
      attributes = Map.copyOf(attributes);
    }

    /**
     * Without attributes.
     *
     * @param reason why a person is needed
     * @param evidence what the worker tried and saw
     * @param usage tokens and money the attempt used
     */
    public NeedsHuman(String reason, List<Evidence> evidence, Usage usage) {
      this(reason, evidence, usage, Map.of());
    }
  }
}

package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/**
 * The outcome of integrating a change: a candidate to verify before the integration branch moves (what
 * {@code GitMergeIntegrator} builds), integrated directly (a host integrator with no candidate step), or a
 * conflict.
 */
public sealed interface Integration {

  /**
   * Integrated directly: the engine verifies the attempt's own workspace, as before candidates existed.
   *
   * @param summary one line: what was integrated, such as the merged commit
   * @param attributes facts recorded with the stage
   * @return the direct integration
   */
  static Integration integrated(String summary, Map<String, String> attributes) {
    return new Integrated(summary, attributes);
  }

  /**
   * A candidate was built (for example the integration branch with this ticket's change merged, on a ref of its
   * own) and checked out in {@code workspace}; the integration branch has not moved. The engine verifies the
   * candidate there, runs the host's later stages on it, and only then calls {@link Integrator#advance}.
   *
   * @param summary one line: what the candidate is
   * @param attributes recorded with the stage and joined to the done evidence
   * @param workspace the checkout of the candidate, where the verifier runs
   * @return the candidate
   */
  static Integration candidate(String summary, Map<String, String> attributes, Workspace workspace) {
    return new Candidate(summary, attributes, workspace);
  }

  /**
   * Nothing was integrated; the findings (e.g. the conflicting paths) go to the next attempt.
   *
   * @param findings what conflicted, one finding per entry; not empty
   * @return the conflict
   * @throws IllegalArgumentException if {@code findings} is empty
   */
  static Integration conflict(List<String> findings) {
    return new Conflict(findings);
  }

  /**
   * Integrated directly, without a candidate.
   *
   * @param summary one line: what was integrated
   * @param attributes facts recorded with the stage
   */
  record Integrated(String summary, Map<String, String> attributes) implements Integration {
    /**
     * Copies the attributes.
     *
     * @param summary one line: what was integrated
     * @param attributes facts recorded with the stage
     */
    public Integrated {
      attributes = Map.copyOf(attributes);
    }
  }

  /**
   * A candidate to verify.
   *
   * @param attributes recorded with the stage and joined to the done evidence (such as {@code candidate} =
   *     the commit and {@code tree} = its tree hash)
   * @param workspace a fresh checkout of the candidate, with the definition of done restored from the run's
   *     frozen baseline: where the verifier runs
   */
  record Candidate(String summary, Map<String, String> attributes, Workspace workspace) implements Integration {
    /**
     * Copies the attributes.
     *
     * @param summary one line: what the candidate is
     * @param attributes recorded with the stage and joined to the done evidence (such as {@code candidate} =
     *     the commit and {@code tree} = its tree hash)
     * @param workspace a fresh checkout of the candidate, with the definition of done restored from the run's
     *     frozen baseline: where the verifier runs
     */
    public Candidate {
      attributes = Map.copyOf(attributes);
    }
  }

  /** Nothing was integrated; the findings (e.g. the conflicting paths) go to the next attempt. */
  record Conflict(List<String> findings) implements Integration {
    /**
     * @param findings what conflicted, one finding per entry; not empty
     * @throws IllegalArgumentException if {@code findings} is empty: name what conflicted
     */
    public Conflict {
      findings = List.copyOf(findings);
      if (findings.isEmpty()) {
        throw new IllegalArgumentException("an integration conflict must carry at least one finding (the"
            + " conflicting paths)");
      }
    }
  }

  /** What {@link Integrator#advance} did with a verified candidate. */
  sealed interface Advance {

    /**
     * The integration branch now holds the verified candidate.
     *
     * @param summary one line: what the branch moved to
     * @param attributes facts recorded with the stage
     * @return the advance
     */
    static Advance advanced(String summary, Map<String, String> attributes) {
      return new Advanced(summary, attributes);
    }

    /**
     * The integration branch moved since the candidate was built; the engine builds and verifies a new one.
     *
     * @param finding what moved (from which commit to which)
     * @return the refusal to advance, for the engine to rebuild
     */
    static Advance moved(String finding) {
      return new Moved(finding);
    }

    /** The integration branch now holds the verified candidate. */
    record Advanced(String summary, Map<String, String> attributes) implements Advance {
      /**
       * Copies the attributes.
       *
       * @param summary one line: what the branch moved to
       * @param attributes facts recorded with the stage
       */
      public Advanced {
        attributes = Map.copyOf(attributes);
      }
    }

    /** @param finding what moved (from which commit to which), recorded if the engine gives up rebuilding */
    record Moved(String finding) implements Advance {}
  }
}

package dev.loopkit.scheduler;

/** How {@link GitMergeIntegrator} builds a candidate from the integration branch and a ticket branch. */
public enum MergeStyle {
  /** Always a merge commit (like {@code --no-ff}), so each ticket's change is one commit on the integration branch. */
  MERGE_COMMIT,
  /** The ticket branch itself when the integration branch has not moved, a merge commit otherwise (like {@code --ff}). */
  FAST_FORWARD,
  /**
   * The ticket branch itself or nothing (like {@code --ff-only}): when the integration branch has moved, the attempt
   * fails and the next attempt's workspace brings the ticket branch up to date first.
   */
  FAST_FORWARD_ONLY
}

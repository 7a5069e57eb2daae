package dev.loopkit.scheduler;

/** How {@link GitMergeIntegrator} brings a ticket branch into the integration branch. */
public enum MergeStyle {
  /** Always a merge commit ({@code --no-ff}), so each ticket's change is one commit on the integration branch. */
  MERGE_COMMIT("--no-ff"),
  /** A fast-forward when the integration branch has not moved, a merge commit otherwise ({@code --ff}). */
  FAST_FORWARD("--ff"),
  /**
   * A fast-forward or nothing ({@code --ff-only}): when the integration branch has moved, the attempt fails
   * and the retry brings the ticket branch up to date first.
   */
  FAST_FORWARD_ONLY("--ff-only");

  private final String flag;

  MergeStyle(String flag) {
    this.flag = flag;
  }

  String flag() {
    return flag;
  }
}

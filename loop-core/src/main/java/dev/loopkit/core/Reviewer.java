package dev.loopkit.core;

/**
 * Checks a worker's change before it is integrated and verified; ideally a model of another vendor than the
 * worker's. Called on the worker thread of the attempt. An exception is a failed attempt.
 */
@FunctionalInterface
public interface Reviewer {

  /**
   * Reviews one attempt's change.
   *
   * @param request the ticket, the workspace with the change, the worker's claim and earlier findings
   * @return an approval, or a change request whose findings go to the next attempt
   * @throws Exception if it cannot review; the attempt fails, naming the error
   */
  Review review(ReviewRequest request) throws Exception;

  /**
   * Approves everything: for runs without review.
   *
   * @return the approving reviewer
   */
  static Reviewer approveAll() {
    return request -> Review.approve("no review configured");
  }
}

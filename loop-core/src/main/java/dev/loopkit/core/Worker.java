package dev.loopkit.core;

import java.util.List;

/**
 * Does one attempt on one ticket, starting fresh each time. Called on a worker thread of the engine's
 * executor, concurrently with other workers on other tickets; may block for as long as the work takes and
 * should stop when interrupted. Any exception thrown is a failed attempt with the exception as its finding.
 */
@FunctionalInterface
public interface Worker {

  /**
   * Works one attempt.
   *
   * @param assignment the ticket, the workspace, earlier findings, the budget and a confined process runner
   * @return what the worker claims: completed, failed with findings, or a request for a person
   * @throws Exception if the attempt cannot go on; the attempt fails with the exception as its finding
   */
  WorkResult work(Assignment assignment) throws Exception;

  /** {@return a worker that does nothing and claims success: useful with verifiers that check existing state} */
  static Worker claimDone() {
    return assignment -> WorkResult.completed("claimed done without changes", Usage.ZERO);
  }

  /**
   * {@return a worker that always gives up with the given finding}
   *
   * @param finding why it gives up
   */
  static Worker giveUp(String finding) {
    return assignment -> WorkResult.failed(List.of(finding), Usage.ZERO);
  }
}

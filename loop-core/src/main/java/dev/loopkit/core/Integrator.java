package dev.loopkit.core;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The optional stage between review and verification that brings a ticket's change into the integration
 * branch. The engine runs {@link #integrate} and {@link #advance} one at a time per resource in
 * {@link #resources()} (by default {@code merge}), on the worker thread of the attempt; a host never has to lock
 * around them.
 *
 * <p>Two shapes: an integrator that returns {@link Integration#integrated} brought the change in directly and
 * the engine verifies the attempt's workspace. One that returns {@link Integration#candidate} built a candidate
 * without moving the integration branch: the engine verifies the candidate's checkout (outside the lock), runs
 * the host's later stages on it, then calls {@link #advance} under the lock; when the branch moved meanwhile the
 * engine builds a new candidate (at most {@link #MAX_REBUILDS} times) so the branch only ever holds verified
 * commits.
 */
@FunctionalInterface
public interface Integrator {

  /** How often an attempt rebuilds its candidate after the integration branch moved before it fails. */
  int MAX_REBUILDS = 3;

  /**
   * Brings the attempt's change in, or builds a candidate for it, under the lock of {@link #resources()}.
   *
   * @param request the ticket, the attempt and the workspace with its reviewed change
   * @return integrated, a candidate to verify, or a conflict whose findings go to the next attempt
   * @throws Exception if it cannot integrate; the attempt fails at the integrate stage, naming the error
   */
  Integration integrate(IntegrateRequest request) throws Exception;

  /**
   * Moves the integration branch to the verified candidate, only if the branch is still where the candidate
   * was built from (a compare-and-swap); otherwise answers {@link Integration.Advance#moved}.
   *
   * @param candidate the candidate {@link #integrate} built, now verified
   * @param request the request the candidate was built for
   * @return advanced, or moved when the branch is no longer where the candidate was built from
   * @throws UnsupportedOperationException by default: an integrator that returns candidates must implement it
   * @throws Exception if the branch cannot be moved; the attempt fails at the integrate stage, naming the error
   */
  default Integration.Advance advance(Integration.Candidate candidate, IntegrateRequest request) throws Exception {
    throw new UnsupportedOperationException(getClass().getName() + " returned a candidate but does not implement"
        + " Integrator.advance");
  }

  /**
   * Called once for every candidate the engine is done with (advanced, failed, or rebuilt); default no-op.
   *
   * @param candidate the candidate to give back (its checkout, its ref)
   * @throws Exception if it cannot be given back
   */
  default void release(Integration.Candidate candidate) throws Exception {}

  /**
   * A fresh checkout of the integration branch's head with the definition of done restored from the run's
   * frozen baseline, for the final gate: before a run ends DONE, every ticket it marked done is verified once
   * more there. Null (the default) when the integrator has none; the gate is then skipped and the report says
   * so.
   *
   * @param runId the run whose final gate asks
   * @return the checkout, or null when the integrator has none
   * @throws Exception if the checkout cannot be made; the engine reports it as the integrator's fault, not a
   *     ticket's
   */
  default @Nullable Workspace head(String runId) throws Exception {
    return null;
  }

  /**
   * Gives back the checkout {@link #head} returned, once the final gate is through with it (it may delete it); the
   * default does nothing. Called on the engine's thread; a failure is logged, never the run's.
   *
   * @param head the checkout {@link #head} returned
   * @throws Exception if it cannot be given back; the engine logs it
   */
  default void releaseHead(Workspace head) throws Exception {}

  /**
   * Resources held while integrating; integrations sharing one never overlap.
   *
   * @return the resource names; {@code merge} by default
   */
  default Set<String> resources() {
    return Set.of("merge");
  }
}

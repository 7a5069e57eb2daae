package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/**
 * An external system refused in a way no retry and no fresh attempt can fix: bad credentials, a missing
 * permission, an exhausted quota, a repository that cannot be used. A worker, reviewer, integrator, verifier,
 * stage or workspace that throws it stops the run at once: the session ends {@code FAILED} with this message
 * (which should name the part and what a person must do), the attempt is counted as interrupted, and the ticket
 * is neither charged an attempt nor gated. Never retryable.
 */
public class FatalAdapterException extends AdapterException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the part that refused and what a person must do
   * @param cause the underlying failure, or null
   */
  public FatalAdapterException(String message, @Nullable Throwable cause) {
    super(message, cause, false);
  }
}

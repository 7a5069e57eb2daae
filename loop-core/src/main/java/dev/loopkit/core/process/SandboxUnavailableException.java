package dev.loopkit.core.process;

import dev.loopkit.core.LoopException;

/**
 * The sandbox cannot start here (no bubblewrap, no user namespaces, not Linux). A run refuses to start with
 * this, before any worker runs; the message names the cause and the fix, including the explicit opt-out
 * ({@link Sandbox#none()}, {@code sandbox: {kind: none}} in loop.yaml). Never retryable: nothing changes
 * until a person installs or configures something.
 */
public final class SandboxUnavailableException extends LoopException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the cause and the fix
   */
  public SandboxUnavailableException(String message) {
    super(message);
  }
}

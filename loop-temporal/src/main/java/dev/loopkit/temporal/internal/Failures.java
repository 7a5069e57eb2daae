package dev.loopkit.temporal.internal;

/** Not API: the application failure types loop-temporal's activities throw, and what the caller makes of them. */
public final class Failures {
  /** A stage threw: the attempt fails with the message as its finding. Never retried by Temporal. */
  public static final String STAGE_FAILED = "LoopStageFailed";
  /** A part that cannot go on (a fatal adapter error, the sandbox gone): the run stops, no ticket is charged. */
  public static final String FATAL = "LoopFatal";
  /** A cap was reached inside the stage: the attempt is interrupted, the run ends CAPPED. */
  public static final String CAP = "LoopCapReached";
  /** The stage was interrupted or cancelled on its host: the attempt is interrupted, not charged. */
  public static final String INTERRUPTED = "LoopInterrupted";
  /** The run's input is wrong (e.g. it already ended DONE): the session is not retried. */
  public static final String INPUT = "LoopInputError";
  /** The run directory is locked by a session that is still stopping: the session is retried. */
  public static final String BUSY = "LoopRunDirectoryBusy";

  /** The worker host runs as many attempts as it may: the workspace request is retried on the next free host. */
  public static final String HOST_FULL = "LoopHostFull";

  private Failures() {}
}

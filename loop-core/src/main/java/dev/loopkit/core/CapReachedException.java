package dev.loopkit.core;

/** A cap stopped the work. Never retryable: caps fail closed. */
public class CapReachedException extends LoopException {
  private static final long serialVersionUID = 1L;

  /** The cap that was reached. */
  private final Cap cap;

  /**
   * @param cap the cap that was reached
   * @param message the figures, such as how much of the cap was used
   */
  public CapReachedException(Cap cap, String message) {
    super(message);
    this.cap = cap;
  }

  /** {@return the cap that was reached} */
  public Cap cap() {
    return cap;
  }
}

package dev.loopkit.core;

/** A cap stopped the work. Never retryable: caps fail closed. */
public class CapReachedException extends LoopException {
  private static final long serialVersionUID = 1L;

  private final Cap cap;

  public CapReachedException(Cap cap, String message) {
    super(message);
    this.cap = cap;
  }

  public Cap cap() {
    return cap;
  }
}

package dev.loopkit.core;

/**
 * A host part around the tickets failed (the tracker, the oracle, the tripwire, the healer): the session ends
 * {@code FAILED} with this message, which names the part and what it threw; it is never charged to a ticket.
 */
class HarnessFault extends LoopException {
  private static final long serialVersionUID = 1L;

  HarnessFault(String message, Throwable cause) {
    super(message, cause);
  }

  static void restoreInterrupt(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }
}

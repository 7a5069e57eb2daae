package dev.loopkit.core;

import java.util.List;

/** An oracle's judgement of a batch: done, or pending with each outstanding ticket and why. */
public sealed interface Verdict {

  boolean isDone();

  static Verdict done(String why) {
    return new Done(why);
  }

  static Verdict pending(List<Outstanding> outstanding) {
    return new Pending(outstanding);
  }

  /** The batch is finished by external truth; {@code why} says what was read. */
  record Done(String why) implements Verdict {
    @Override
    public boolean isDone() {
      return true;
    }
  }

  /** Not finished; never empty. */
  record Pending(List<Outstanding> outstanding) implements Verdict {
    public Pending {
      outstanding = List.copyOf(outstanding);
      if (outstanding.isEmpty()) {
        throw new IllegalArgumentException("a pending verdict must name at least one outstanding ticket");
      }
    }

    @Override
    public boolean isDone() {
      return false;
    }
  }

  /** A ticket that keeps the batch from being done, and why (e.g. {@code status open}). */
  record Outstanding(String ticketId, String reason) {
    @Override
    public String toString() {
      return ticketId + " (" + reason + ")";
    }
  }
}

package dev.loopkit.core;

import java.util.List;

/** An oracle's judgement of a batch: done, or pending with the outstanding tickets and why. */
public sealed interface Verdict {

  /** {@return whether the batch is finished} */
  boolean isDone();

  /**
   * The batch is finished by external truth.
   *
   * @param why what was read, in a line
   * @return the done verdict
   */
  static Verdict done(String why) {
    return new Done(why);
  }

  /**
   * Pending, naming every outstanding ticket.
   *
   * @param outstanding the outstanding tickets; not empty
   * @return the pending verdict
   * @throws IllegalArgumentException if {@code outstanding} is empty
   */
  static Verdict pending(List<Outstanding> outstanding) {
    return new Pending(outstanding, outstanding.size());
  }

  /**
   * Pending, naming the first outstanding tickets and counting all of them: an oracle over a large batch names
   * a few, so a verdict never grows with the batch.
   *
   * @param first the first outstanding tickets; not empty
   * @param count how many tickets are outstanding in all; at least {@code first.size()}
   * @return the pending verdict
   * @throws IllegalArgumentException if {@code first} is empty or {@code count} is less than its size
   */
  static Verdict pending(List<Outstanding> first, int count) {
    return new Pending(first, count);
  }

  /** The batch is finished by external truth; {@code why} says what was read. */
  record Done(String why) implements Verdict {
    @Override
    public boolean isDone() {
      return true;
    }
  }

  /**
   * Not finished.
   *
   * @param outstanding the outstanding tickets named, never empty (possibly only the first of them)
   * @param count how many tickets are outstanding in all
   */
  record Pending(List<Outstanding> outstanding, int count) implements Verdict {
    /**
     * Copies the list.
     *
     * @param outstanding the outstanding tickets named; not empty
     * @param count how many tickets are outstanding in all; at least {@code outstanding.size()}
     * @throws IllegalArgumentException if {@code outstanding} is empty or {@code count} is less than its size
     */
    public Pending {
      outstanding = List.copyOf(outstanding);
      if (outstanding.isEmpty()) {
        throw new IllegalArgumentException("a pending verdict must name at least one outstanding ticket");
      }
      if (count < outstanding.size()) {
        throw new IllegalArgumentException("a pending verdict counts " + count + " outstanding tickets but names "
            + outstanding.size());
      }
    }

    @Override
    public boolean isDone() {
      return false;
    }

    /** {@return the named tickets and, if more are outstanding, how many more} */
    public String describe() {
      String listed = outstanding.toString();
      return count > outstanding.size() ? count + " outstanding, first " + listed : count + " outstanding " + listed;
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

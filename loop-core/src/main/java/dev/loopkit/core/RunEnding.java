package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why a run ended. Only {@link Done} is success: every ticket of the batch is done. A batch that settled with
 * tickets waiting for a person ends {@link HumanGated}, never {@code DONE}; every other case names what stopped
 * the run.
 */
public sealed interface RunEnding {

  /** How many tickets an ending names; it counts the rest, so an ending never grows with the batch. */
  int NAMED_TICKETS = 20;

  /** {@return which kind of ending this is} */
  Kind kind();

  /** {@return one line for people and logs} */
  String describe();

  /** The kinds of ending, for exit codes and reports; in the journal each is its name, e.g. {@code DONE}. */
  enum Kind {
    /** Every ticket of the batch is done. */
    DONE,
    /** The batch settled, but some tickets wait for a person (attempts exhausted, or a worker's request). */
    HUMAN_GATED,
    /** A cap was reached; raising it lets the run be continued. */
    CAPPED,
    /** Nothing was ready, nothing was in flight, and the batch was not done. */
    STALLED,
    /** The definition of done changed during the run, or a canary misbehaved. */
    TAMPERED,
    /** The run could not go on: a tracker, oracle or other required part failed. */
    FAILED;

    /** {@return whether the batch is finished with no ticket waiting for anyone} */
    public boolean isSuccess() {
      return this == DONE;
    }
  }

  /** The oracle judged the batch done and every ticket is done. */
  record Done(String why) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.DONE;
    }

    @Override
    public String describe() {
      return "DONE: " + why;
    }
  }

  /**
   * The oracle judged the batch settled, but these tickets wait for a person.
   *
   * @param gated the gated tickets named (at most {@link #NAMED_TICKETS}), each with why and its evidence
   * @param count how many tickets are gated in all
   * @param why what the oracle read
   */
  record HumanGated(List<GatedTicket> gated, int count, String why) implements RunEnding {
    /**
     * Copies the list.
     *
     * @param gated the gated tickets named (at most {@link #NAMED_TICKETS}), each with why and its evidence
     * @param count how many tickets are gated in all; at least {@code gated.size()}
     * @param why what the oracle read
     * @throws IllegalArgumentException if {@code gated} is empty or {@code count} is less than its size
     */
    public HumanGated {
      gated = List.copyOf(gated);
      if (gated.isEmpty() || count < gated.size()) {
        throw new IllegalArgumentException("a human-gated ending names at least one gated ticket and counts"
            + " them all");
      }
    }

    @Override
    public Kind kind() {
      return Kind.HUMAN_GATED;
    }

    @Override
    public String describe() {
      List<String> parts = new ArrayList<>();
      gated.forEach(g -> parts.add(g.ticketId() + " (" + g.reason() + ")"));
      return "HUMAN_GATED: " + count + " ticket(s) wait for a person: " + String.join("; ", parts)
          + (count > gated.size() ? "; and " + (count - gated.size()) + " more" : "");
    }
  }

  /** A ticket waiting for a person, why, and the evidence (one item per failed attempt, or the worker's). */
  record GatedTicket(String ticketId, String reason, List<Evidence> evidence) {
    /**
     * Copies the evidence.
     *
     * @param ticketId the ticket's id
     * @param reason why it waits for a person
     * @param evidence one item per failed attempt, or the worker's
     */
    public GatedTicket {
      evidence = List.copyOf(evidence);
    }
  }

  /** A cap was reached; the work stopped there. */
  record Capped(Cap cap, String detail) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.CAPPED;
    }

    @Override
    public String describe() {
      return "CAPPED (" + cap + "): " + detail;
    }
  }

  /**
   * Nothing was ready, nothing was in flight, and the batch was not done.
   *
   * @param outstanding the outstanding tickets the oracle named
   * @param count how many are outstanding in all
   * @param note what else a person should know, such as the heal that was tried and rejected; empty if nothing
   */
  record Stalled(List<Verdict.Outstanding> outstanding, int count, String note) implements RunEnding {
    /**
     * Copies the list.
     *
     * @param outstanding the outstanding tickets the oracle named
     * @param count how many are outstanding in all
     * @param note what else a person should know, such as the heal that was tried and rejected; empty if nothing
     */
    public Stalled {
      outstanding = List.copyOf(outstanding);
    }

    /**
     * A stall without a note.
     *
     * @param outstanding the outstanding tickets the oracle named
     * @param count how many are outstanding in all
     */
    public Stalled(List<Verdict.Outstanding> outstanding, int count) {
      this(outstanding, count, "");
    }

    @Override
    public Kind kind() {
      return Kind.STALLED;
    }

    @Override
    public String describe() {
      return "STALLED: nothing is ready; " + count + " outstanding " + outstanding
          + (count > outstanding.size() ? " and " + (count - outstanding.size()) + " more" : "")
          + (note.isEmpty() ? "" : "; " + note);
    }
  }

  /** The definition of done changed during the run, or a canary misbehaved. */
  record Tampered(List<String> changes) implements RunEnding {
    /**
     * Copies the list.
     *
     * @param changes one line per change found
     */
    public Tampered {
      changes = List.copyOf(changes);
    }

    @Override
    public Kind kind() {
      return Kind.TAMPERED;
    }

    @Override
    public String describe() {
      return "TAMPERED: " + String.join("; ", changes);
    }
  }

  /** The run could not go on: a tracker, oracle or other required part failed. */
  record Failed(String message, @Nullable Throwable cause) implements RunEnding {
    @Override
    public Kind kind() {
      return Kind.FAILED;
    }

    @Override
    public String describe() {
      return "FAILED: " + message;
    }
  }
}

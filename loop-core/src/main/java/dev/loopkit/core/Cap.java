package dev.loopkit.core;

/** The caps every run enforces. Each one fails closed: reaching it stops the work and names it. */
public enum Cap {
  /** Outer-loop iterations (oracle, ready set, dispatch). */
  PASSES,
  /** Elapsed time of the run, summed over every process that worked on it. */
  WALL_CLOCK,
  /** Money spent by every worker and reviewer, in US dollars. */
  MONEY,
  /** Tokens (input + output) used by every worker and reviewer. */
  TOKENS,
  /** Attempts on one ticket; reaching it gates that ticket for a human rather than ending the run. */
  ATTEMPTS_PER_TICKET,
  /** Tickets filed by workers as discovered work in one run. */
  DISCOVERED_TICKETS,
  /** Turns of one worker's conversation (enforced by agent loops, reported here). */
  TURNS,
  /** Tickets in flight at once; a limit the engine keeps rather than an ending. */
  CONCURRENCY,
  /**
   * Attempts a run lets a transient fault of the harness cut short (a workspace or git failure that may pass if
   * retried): they are not charged to their tickets; reaching it ends the run {@code FAILED}, naming the part.
   */
  INFRASTRUCTURE_INTERRUPTIONS
}

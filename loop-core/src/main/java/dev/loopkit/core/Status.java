package dev.loopkit.core;

import java.util.Locale;

/** The status of a ticket. Only the engine moves a ticket to {@link #DONE}; a worker never sets a status. */
public enum Status {
  /** Waiting for the loop to pick it up. */
  OPEN,
  /** Claimed by an attempt that is working on it. */
  IN_PROGRESS,
  /** Verified done by the engine, or approved done by a person. */
  DONE,
  /** Waiting for a person, with the evidence of why. Counts as settled for the oracle. */
  HUMAN_GATED,
  /** Dropped; counts as settled, and no longer blocks its dependents. */
  CANCELLED;

  /** {@return whether the ticket needs no more work from the loop: done, cancelled or gated for a human} */
  public boolean isSettled() {
    return this == DONE || this == CANCELLED || this == HUMAN_GATED;
  }

  /** {@return whether a ticket in this status no longer blocks the tickets that depend on it} */
  public boolean releasesDependents() {
    return this == DONE || this == CANCELLED;
  }

  /** {@return the lower-case, hyphenated spelling used in files and on the wire, e.g. {@code human-gated}} */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses a status as written by people: case-insensitive, {@code -}, {@code _} or a space between words.
   *
   * @param value the text, such as {@code in progress} or {@code human-gated}
   * @return the status
   * @throws InputException naming the value and the statuses expected
   */
  public static Status parse(String value) {
    String normal = value.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    for (Status status : values()) {
      if (status.name().equals(normal)) {
        return status;
      }
    }
    throw new InputException(
        "unknown status '" + value + "': expected one of open, in-progress, done, human-gated, cancelled");
  }
}

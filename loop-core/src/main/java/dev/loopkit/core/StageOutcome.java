package dev.loopkit.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How one stage of an attempt ended; in the journal each is its lower-case, hyphenated {@link #wireName()}. */
public enum StageOutcome {
  /** The stage passed; the attempt goes on to the next stage. */
  PASSED,
  /** The stage failed with findings; the attempt ends, and the findings reach the next attempt. */
  FAILED,
  /** The stage asked for a person, with evidence; the ticket is gated. */
  NEEDS_HUMAN,
  /** The host's part threw; the attempt ends failed, naming the exception. */
  ERROR;

  /** {@return the outcome as journals spell it, e.g. {@code needs-human}} */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}

package dev.loopkit.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What kind of step of an attempt something happened in. The stock stages each have their own kind; every
 * stage a host adds is a {@link #CHECK}, told apart by its name. In the journal each kind is its lower-case
 * {@link #wireName()}.
 */
public enum StageKind {
  /** Opening the attempt's workspace. */
  WORKSPACE,
  /** The worker. */
  WORK,
  /** The reviewer. */
  REVIEW,
  /** The integrator (e.g. a merge), under its resource lock. */
  INTEGRATE,
  /** The verifier: the ticket's finish line, checked live. */
  VERIFY,
  /** A stage the host added (a second reviewer, a post-merge probe). */
  CHECK,
  /** The engine itself (an interrupted attempt, a refused claim). */
  ENGINE;

  /** {@return the stable spelling in journals and reports, e.g. {@code verify}} */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

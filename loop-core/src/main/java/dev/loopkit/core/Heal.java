package dev.loopkit.core;

import java.util.Objects;

/**
 * What a {@link Healer} did to the harness, and what asking cost. The engine journals every heal with its number
 * ({@link LoopEvent.HealAttempted#heal()}), adds its {@link #usage()} to the run's usage (so the money and token
 * caps see the healer's model calls) and acts on its outcome: an applied heal lets the run go on with the patched
 * harness; a rejected heal or an external wall ends a stalled run with its real stop, naming the heal.
 */
public sealed interface Heal {

  /** Which case a heal was, as journaled: {@code applied}, {@code rejected}, {@code no-change} or {@code wall}. */
  enum Outcome {
    /** The harness was patched. */
    APPLIED,
    /** A guard (or the healer itself) refused the patch and rolled it back. */
    REJECTED,
    /** The healer found nothing to change. */
    NO_CHANGE,
    /** The stop is a genuine external wall (a credential, a permission, a product decision): a person must act. */
    WALL;

    /** {@return the journal's spelling, e.g. {@code no-change}} */
    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** {@return which case this heal is} */
  Outcome outcome();

  /** {@return one line saying what the healer did or why it did nothing} */
  String summary();

  /** {@return what asking the healer cost (its model calls); {@link Usage#ZERO} for a healer that calls no model} */
  Usage usage();

  /**
   * {@return this heal with {@code usage} in place of its own (a guard wrapping a healer passes the cost on)}
   *
   * @param usage what asking the healer cost
   */
  Heal withUsage(Usage usage);

  /**
   * The healer found nothing to change; a stalled run then ends {@code STALLED}.
   *
   * @param why why nothing was changed, in a line
   * @return a no-change heal that cost nothing
   */
  static Heal noChange(String why) {
    return new NoChange(why, Usage.ZERO);
  }

  /**
   * The harness was patched; {@code diff} shows exactly what changed.
   *
   * @param summary what was changed and why, in a line
   * @param diff exactly what changed, as a unified diff of the harness files and settings
   * @return an applied heal that cost nothing
   */
  static Heal applied(String summary, String diff) {
    return new Applied(summary, diff, Usage.ZERO);
  }

  /**
   * The patch was refused and rolled back, for {@code reason}.
   *
   * @param summary what the healer tried, in a line
   * @param diff what it had changed before it was rolled back
   * @param reason why it was refused
   * @return a rejected heal that cost nothing
   */
  static Heal rejected(String summary, String diff, String reason) {
    return new Rejected(summary, diff, reason, Usage.ZERO);
  }

  /**
   * The stop is an external wall a person must act on; {@code evidence} is what shows it (quoted findings, an
   * error message), one line each.
   *
   * @param why what the wall is and who must act, in a line
   * @param evidence what shows it, one line each
   * @return a wall that cost nothing
   */
  static Heal wall(String why, java.util.List<String> evidence) {
    return new Wall(why, evidence, Usage.ZERO);
  }

  /**
   * The healer found nothing to change; a stalled run then ends {@code STALLED}.
   *
   * @param why why nothing was changed
   * @param usage what asking cost
   */
  record NoChange(String why, Usage usage) implements Heal {
    /**
     * Checks the text; a missing usage (an older journal) reads as {@link Usage#ZERO}.
     *
     * @param why why nothing was changed
     * @param usage what asking cost
     */
    public NoChange {
      Objects.requireNonNull(why, "why");
      usage = usage == null ? Usage.ZERO : usage;
    }

    /**
     * A no-change that cost nothing.
     *
     * @param why why nothing was changed, in a line
     */
    public NoChange(String why) {
      this(why, Usage.ZERO);
    }

    @Override
    public Outcome outcome() {
      return Outcome.NO_CHANGE;
    }

    @Override
    public String summary() {
      return why;
    }

    @Override
    public Heal withUsage(Usage usage) {
      return new NoChange(why, usage);
    }
  }

  /**
   * The harness was patched.
   *
   * @param summary what was changed and why, in a line
   * @param diff exactly what changed, as a unified diff of the harness files and settings
   * @param usage what asking cost
   */
  record Applied(String summary, String diff, Usage usage) implements Heal {
    /**
     * Checks the texts; a missing usage (an older journal) reads as {@link Usage#ZERO}.
     *
     * @param summary what was changed and why, in a line
     * @param diff exactly what changed, as a unified diff of the harness files and settings
     * @param usage what asking cost
     */
    public Applied {
      Objects.requireNonNull(summary, "summary");
      Objects.requireNonNull(diff, "diff");
      usage = usage == null ? Usage.ZERO : usage;
    }

    /**
     * An applied heal that cost nothing.
     *
     * @param summary what was changed and why, in a line
     * @param diff exactly what changed, as a unified diff
     */
    public Applied(String summary, String diff) {
      this(summary, diff, Usage.ZERO);
    }

    @Override
    public Outcome outcome() {
      return Outcome.APPLIED;
    }

    @Override
    public Heal withUsage(Usage usage) {
      return new Applied(summary, diff, usage);
    }
  }

  /**
   * A guard refused the patch (e.g. it touched the oracle or a verifier) and rolled it back; the run stops
   * for a person.
   *
   * @param summary what the healer tried, in a line
   * @param diff what it had changed before it was rolled back
   * @param reason why it was refused
   * @param usage what asking cost
   */
  record Rejected(String summary, String diff, String reason, Usage usage) implements Heal {
    /**
     * Checks the texts; a missing usage (an older journal) reads as {@link Usage#ZERO}.
     *
     * @param summary what the healer tried, in a line
     * @param diff what it had changed before it was rolled back
     * @param reason why it was refused
     * @param usage what asking cost
     */
    public Rejected {
      Objects.requireNonNull(summary, "summary");
      Objects.requireNonNull(diff, "diff");
      Objects.requireNonNull(reason, "reason");
      usage = usage == null ? Usage.ZERO : usage;
    }

    /**
     * A rejected heal that cost nothing.
     *
     * @param summary what the healer tried, in a line
     * @param diff what it had changed before it was rolled back
     * @param reason why it was refused
     */
    public Rejected(String summary, String diff, String reason) {
      this(summary, diff, reason, Usage.ZERO);
    }

    @Override
    public Outcome outcome() {
      return Outcome.REJECTED;
    }

    @Override
    public Heal withUsage(Usage usage) {
      return new Rejected(summary, diff, reason, usage);
    }
  }

  /**
   * The stop is a genuine external wall; the run ends with the stop it would have had, naming the wall and its
   * evidence for the person who must act.
   *
   * @param why what the wall is and who must act, in a line
   * @param evidence what shows it, one line each (possibly empty)
   * @param usage what asking cost
   */
  record Wall(String why, java.util.List<String> evidence, Usage usage) implements Heal {
    /**
     * Copies the evidence; a missing usage (an older journal) reads as {@link Usage#ZERO}.
     *
     * @param why what the wall is and who must act, in a line
     * @param evidence what shows it, one line each (possibly empty)
     * @param usage what asking cost
     */
    public Wall {
      Objects.requireNonNull(why, "why");
      evidence = java.util.List.copyOf(evidence);
      usage = usage == null ? Usage.ZERO : usage;
    }

    @Override
    public Outcome outcome() {
      return Outcome.WALL;
    }

    @Override
    public String summary() {
      return evidence.isEmpty() ? why : why + " (" + String.join("; ", evidence) + ")";
    }

    @Override
    public Heal withUsage(Usage usage) {
      return new Wall(why, evidence, usage);
    }
  }
}

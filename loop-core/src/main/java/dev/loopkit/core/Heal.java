package dev.loopkit.core;

/** What a {@link Healer} did to the harness. */
public sealed interface Heal {

  /** Which case a heal was, as journaled: {@code applied}, {@code rejected} or {@code no-change}. */
  enum Outcome {
    APPLIED,
    REJECTED,
    NO_CHANGE;

    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  Outcome outcome();

  /** One line saying what the healer did or why it did nothing. */
  String summary();

  static Heal noChange(String why) {
    return new NoChange(why);
  }

  static Heal applied(String summary, String diff) {
    return new Applied(summary, diff);
  }

  static Heal rejected(String summary, String diff, String reason) {
    return new Rejected(summary, diff, reason);
  }

  /** The healer found nothing to change; a stalled run then ends {@code STALLED}. */
  record NoChange(String why) implements Heal {
    @Override
    public Outcome outcome() {
      return Outcome.NO_CHANGE;
    }

    @Override
    public String summary() {
      return why;
    }
  }

  /** The harness was patched; {@code diff} shows exactly what changed. */
  record Applied(String summary, String diff) implements Heal {
    @Override
    public Outcome outcome() {
      return Outcome.APPLIED;
    }
  }

  /**
   * A guard refused the patch (e.g. it touched the oracle or a verifier) and rolled it back; the run stops
   * for a person.
   */
  record Rejected(String summary, String diff, String reason) implements Heal {
    @Override
    public Outcome outcome() {
      return Outcome.REJECTED;
    }
  }
}

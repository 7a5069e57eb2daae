package dev.loopkit.core;

/** What a {@link Healer} did to the harness. */
public sealed interface Heal {

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
  record NoChange(String why) implements Heal {}

  /** The harness was patched; {@code diff} shows exactly what changed. */
  record Applied(String summary, String diff) implements Heal {}

  /**
   * A guard refused the patch (e.g. it touched the oracle or a verifier) and rolled it back; the run stops
   * for a person.
   */
  record Rejected(String summary, String diff, String reason) implements Heal {}
}

package dev.loopkit.core;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/** Asks the host's healer for a patch when the run would stall or keeps failing, and journals what it did. */
final class Healing {
  private final @Nullable Healer healer;
  private final int maxHeals;
  private final Ledger ledger;
  private final String runId;
  private final BatchView batch;

  Healing(@Nullable Healer healer, int maxHeals, Ledger ledger, String runId, BatchView batch) {
    this.healer = healer;
    this.maxHeals = maxHeals;
    this.ledger = ledger;
    this.runId = runId;
    this.batch = batch;
  }

  /** Why no session may start with this healer and fingerprint baseline, or null when it may. */
  @Nullable String refusal(Map<String, String> baseline) {
    return healer != null && baseline.isEmpty() ? "a healer is set but the tripwire fingerprints nothing: a healer"
        + " may only run under a tripwire that freezes the oracle and verifiers" : null;
  }

  /**
   * The healer's answer; null when there is no healer or no heal is left (heals count across sessions).
   *
   * @throws HarnessFault if the healer throws, naming it
   */
  @Nullable Heal ask(HealContext.Reason reason) {
    RunHistory history = ledger.history();
    if (healer == null || history.heals() >= maxHeals) {
      return null;
    }
    Heal heal;
    try {
      heal = healer.heal(new HealContext(runId, reason, batch, history.recentFindings(), history.heals()));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the healer", e), e);
    }
    String diff = heal instanceof Heal.Applied a ? a.diff() : heal instanceof Heal.Rejected r ? r.diff() : "";
    String summary = heal instanceof Heal.Rejected r ? r.summary() + ": " + r.reason() : heal.summary();
    ledger.append(new LoopEvent.HealAttempted(ledger.now(), reason, heal.outcome(), summary, diff,
        history.heals() + 1));
    return heal;
  }
}

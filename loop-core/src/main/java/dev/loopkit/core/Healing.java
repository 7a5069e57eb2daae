package dev.loopkit.core;

import java.nio.file.Path;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Asks the host's healer for a patch when the run would stall or keeps failing, journals what it did (and what it
 * cost), and reverts an applied heal that brought no progress: no ticket done within {@code revertAfter} attempts
 * of it, or before the healer is asked again. Engine thread only.
 */
final class Healing {
  private final @Nullable Healer healer;
  private final int maxHeals;
  private final int healAfterFailures;
  private final int revertAfter;
  private final Ledger ledger;
  private final String runId;
  private final BatchView batch;
  private final Path stateDirectory;

  Healing(EngineSettings settings, Ledger ledger, String runId, BatchView batch, RunDirectory directory) {
    this.healer = settings.healer();
    this.maxHeals = settings.maxHeals();
    this.healAfterFailures = settings.healAfterConsecutiveFailures();
    this.revertAfter = settings.revertHealAfterAttempts();
    this.ledger = ledger;
    this.runId = runId;
    this.batch = batch;
    this.stateDirectory = directory.heals();
  }

  /** Why no session may start with this healer and fingerprint baseline, or null when it may. */
  @Nullable String refusal(Map<String, String> baseline) {
    return healer != null && baseline.isEmpty() ? "a healer is set but the tripwire fingerprints nothing: a healer"
        + " may only run under a tripwire that freezes the oracle and verifiers" : null;
  }

  /**
   * After attempts settled: reverts a heal whose attempts brought no progress, and asks for a heal after
   * {@code healAfterConsecutiveFailures} failures in a row (a rejected heal is rolled back and journaled; work
   * goes on).
   */
  void afterSettle(Settler settler) {
    if (healer == null) {
      return;
    }
    RunHistory history = ledger.history();
    if (revertAfter > 0 && history.pendingHeal() > 0 && history.dispatchesSinceHeal() >= revertAfter) {
      revert(history.pendingHeal(), "no ticket done in " + history.dispatchesSinceHeal() + " attempts since it");
    }
    if (settler.consecutiveFailures() >= healAfterFailures) {
      settler.resetConsecutiveFailures();
      ask(HealContext.Reason.REPEATED_FAILURES);
    }
  }

  /**
   * The healer's answer; null when there is no healer or no heal is left (heals count across sessions). An
   * earlier applied heal that no ticket has been done since is reverted first.
   *
   * @throws HarnessFault if the healer throws, naming it
   */
  @Nullable Heal ask(HealContext.Reason reason) {
    if (healer == null) {
      return null;
    }
    RunHistory history = ledger.history();
    if (revertAfter > 0 && history.pendingHeal() > 0) {
      revert(history.pendingHeal(), "no ticket done since it (" + history.dispatchesSinceHeal()
          + " attempts), and the run " + (reason == HealContext.Reason.STALLED ? "stalled" : "kept failing")
          + " again");
    }
    if (history.heals() >= maxHeals) {
      return null;
    }
    Heal heal;
    try {
      heal = healer.heal(new HealContext(runId, reason, batch, history.recentFindings(), history.heals(),
          stateDirectory));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the healer", e), e);
    }
    String diff = heal instanceof Heal.Applied a ? a.diff() : heal instanceof Heal.Rejected r ? r.diff() : "";
    String summary = heal instanceof Heal.Rejected r ? r.summary() + ": " + r.reason() : heal.summary();
    ledger.append(new LoopEvent.HealAttempted(ledger.now(), reason, heal.outcome(), summary, diff,
        history.heals() + 1, heal.usage()));
    return heal;
  }

  /** What a stalled run's ending says of the heal asked for last (empty when none was, or it did nothing). */
  static String stopDetail(@Nullable Heal heal) {
    if (heal instanceof Heal.Rejected r) {
      return "a heal was tried and rejected (" + r.summary() + ": " + r.reason() + ")";
    }
    if (heal instanceof Heal.Wall w) {
      return "a heal found an external wall, a person must act (" + w.summary() + ")";
    }
    return "";
  }

  private void revert(int heal, String why) {
    boolean reverted;
    try {
      reverted = healer.revert(new HealRevert(runId, heal, why, stateDirectory));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the healer (reverting heal " + heal + ")", e), e);
    }
    ledger.append(new LoopEvent.HealReverted(ledger.now(), heal, reverted, reverted ? why
        : why + "; the healer cannot revert it, so it stays"));
  }
}

package dev.loopkit.core;

/**
 * Patches the harness (prompts, budgets, retry settings, tool choices) when a run would stall or keeps
 * failing. Never the oracle or the verifiers: the engine re-checks the {@link Tripwire} after every heal and
 * ends the run {@code TAMPERED} if the definition of done moved. Called on the engine's thread while no
 * attempt is in flight for a stall, or between attempts for repeated failures.
 */
@FunctionalInterface
public interface Healer {

  /**
   * Decides whether the stop is a harness gap (and patches it) or an external wall.
   *
   * @param context why the engine asks, with the batch and the latest findings
   * @return what was done; its usage is added to the run's
   * @throws Exception when the healer itself fails: the run ends {@code FAILED}, naming it
   */
  Heal heal(HealContext context) throws Exception;

  /**
   * Undoes applied heal number {@code request.heal()}, which brought no progress: the harness files and settings
   * it changed go back to what they were before it. The engine calls this at most once per heal, on its own
   * thread, and journals the answer ({@link LoopEvent.HealReverted}). The default cannot revert and says so.
   *
   * @param request which heal, why, and the state directory the heal was applied with
   * @return true if the harness was restored, false if this healer cannot revert that heal
   * @throws Exception when reverting fails: the run ends {@code FAILED}, naming the healer
   */
  default boolean revert(HealRevert request) throws Exception {
    return false;
  }
}

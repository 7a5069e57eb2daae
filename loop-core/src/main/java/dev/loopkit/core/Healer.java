package dev.loopkit.core;

/**
 * Patches the harness (prompts, budgets, retry settings, tool choices) when a run would stall or keeps
 * failing. Never the oracle or the verifiers: the engine re-checks the {@link Tripwire} after every heal and
 * ends the run {@code TAMPERED} if the definition of done moved. Called on the engine's thread while no
 * attempt is in flight for a stall, or between attempts for repeated failures.
 */
@FunctionalInterface
public interface Healer {

  Heal heal(HealContext context) throws Exception;
}

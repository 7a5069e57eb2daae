package dev.loopkit.oracle;

import dev.loopkit.core.Oracle;
import dev.loopkit.core.Verifier;

/**
 * An oracle that runs verifiers as part of its judgement. The {@link DefinitionTripwire}'s canaries use
 * {@link #withVerifier} to check the oracle's own logic on synthetic tickets without running the real
 * verifiers against them: with a verifier that passes, an all-done batch must be judged done; with one that
 * fails, it must not be.
 */
public interface VerifyingOracle extends Oracle {

  /**
   * The same oracle with every verifier it runs replaced by {@code verifier}; the original is unchanged.
   *
   * @param verifier the stand-in verifier, e.g. one that always passes
   * @return a new oracle with the same rule that runs only {@code verifier}, in a scratch workspace
   */
  Oracle withVerifier(Verifier verifier);
}

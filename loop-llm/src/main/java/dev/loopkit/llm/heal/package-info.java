/**
 * The self-heal agent: {@link dev.loopkit.llm.heal.ModelHealer} is a {@link dev.loopkit.core.Healer} that runs
 * the capped agent loop with tools confined to the harness's healable files and read-only access to the run's
 * evidence, makes the model classify the stop (a harness gap it patches, or an external wall a person must
 * move), smoke-checks a patch and rolls it back when a check fails. {@link dev.loopkit.llm.heal.HealEvidence}
 * is how a host hands it more evidence (verifier output, transcript excerpts). See {@code loop-llm/HEAL.md}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm.heal;

import org.jspecify.annotations.NullMarked;

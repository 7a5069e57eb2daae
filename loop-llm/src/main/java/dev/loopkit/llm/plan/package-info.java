/**
 * Planning: from an intent (a sentence or two, a file, or an existing master ticket) to a batch an unattended
 * loop can finish. {@link dev.loopkit.llm.plan.Planner} runs the research pass, the decomposition, the
 * {@link dev.loopkit.llm.plan.ReadinessLint readiness lint} and the review on the capped agent loop, then files
 * the tickets idempotently; {@code ReadinessLint} also checks any batch on its own. See loop-llm/PLAN.md.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm.plan;

import org.jspecify.annotations.NullMarked;

/**
 * Micrometer meters for Loop runs: {@link dev.loopkit.micrometer.LoopMetrics}, a listener that counts tickets,
 * attempts, tokens, money, lock waits, heals and interventions, and times attempts, stages and passes, with
 * low-cardinality tags only.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.micrometer;

import org.jspecify.annotations.NullMarked;

/**
 * The signal of a loop: oracles that read the tracker (and can re-verify what it says), verifiers that pass
 * only on positive evidence (a command's output, events that arrived at an endpoint), the tripwire that
 * freezes the definition of done for a run, and the guard that keeps a self-heal away from it.
 *
 * <p>Entry points: {@link dev.loopkit.oracle.TrackerOracle}, {@link dev.loopkit.oracle.ReverifyingOracle},
 * {@link dev.loopkit.oracle.CompositeOracle}, {@link dev.loopkit.oracle.CommandVerifier},
 * {@link dev.loopkit.oracle.HttpProbeVerifier}, {@link dev.loopkit.oracle.CompositeVerifier},
 * {@link dev.loopkit.oracle.TicketCommandVerifier}, {@link dev.loopkit.oracle.DefinitionTripwire},
 * {@link dev.loopkit.oracle.ProtectedPaths} and {@link dev.loopkit.oracle.HealGuard}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.oracle;

import org.jspecify.annotations.NullMarked;

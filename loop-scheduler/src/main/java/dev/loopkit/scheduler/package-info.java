/**
 * Scheduling for Loop: the dependency-aware {@link dev.loopkit.core.ReadySet} ({@link
 * dev.loopkit.scheduler.DependencyReadySet}, backed by the incremental {@link dev.loopkit.scheduler.ReadyIndex}),
 * a git repository per attempt ({@link dev.loopkit.scheduler.GitWorkspaces}), the candidate-building git merge
 * integrator ({@link dev.loopkit.scheduler.GitMergeIntegrator}) and the hardened git they, and the CLI, run
 * ({@link dev.loopkit.scheduler.GitRunner}).
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.scheduler;

import org.jspecify.annotations.NullMarked;

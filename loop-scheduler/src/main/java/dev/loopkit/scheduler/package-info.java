/**
 * Scheduling for Loop: the dependency-aware {@link dev.loopkit.core.ReadySet} ({@link
 * dev.loopkit.scheduler.DependencyReadySet}, backed by the incremental {@link dev.loopkit.scheduler.ReadyIndex}),
 * git worktree workspaces ({@link dev.loopkit.scheduler.GitWorktrees}) and the git merge integrator ({@link
 * dev.loopkit.scheduler.GitMergeIntegrator}).
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.scheduler;

import org.jspecify.annotations.NullMarked;

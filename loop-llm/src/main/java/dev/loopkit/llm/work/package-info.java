/**
 * Workers and the reviewer built on models: {@link dev.loopkit.llm.work.ModelWorker} (the agent loop with the
 * workspace tools, a fresh conversation per attempt), {@link dev.loopkit.llm.work.ModelReviewer} (a second
 * model, of another vendor by default, returning a validated JSON verdict) and
 * {@link dev.loopkit.llm.work.CommandWorker} (a headless CLI agent such as Claude Code or Codex, run with a
 * locked {@link dev.loopkit.llm.work.AgentProfile}).
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm.work;

import org.jspecify.annotations.NullMarked;

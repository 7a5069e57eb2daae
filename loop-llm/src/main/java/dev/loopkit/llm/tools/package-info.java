/**
 * Workspace tools for model-driven workers, confined to one workspace directory: read, write, edit, list and
 * search files, run a command, file discovered work, and ask a person for help with evidence. Commands run
 * through the attempt's {@link dev.loopkit.core.process.ProcessRunner} (loop-core's one process runner),
 * confined by the engine's sandbox to the ticket's workspace.
 *
 * <p>Entry points: {@link dev.loopkit.llm.tools.WorkspaceTools} (configuration) opens a
 * {@link dev.loopkit.llm.tools.Toolbox} for one workspace; {@link dev.loopkit.llm.tools.Confinement} is the
 * path check every file tool goes through.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm.tools;

import org.jspecify.annotations.NullMarked;

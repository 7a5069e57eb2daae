/**
 * Workspace tools for model-driven workers, confined to one workspace directory: read, write, edit, list and
 * search files, run a command, file discovered work, and ask a person for help with evidence. Also the one
 * place Loop runs child processes ({@link dev.loopkit.llm.tools.CommandRunner}), shared by the
 * {@code run_command} tool and the headless-CLI worker.
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

/**
 * The {@code loop} command: {@code run}, {@code quickstart}, {@code status}, {@code ready} and {@code report}
 * for a project folder described by its {@code loop.yaml}.
 *
 * <p>Entry points: {@link dev.loopkit.cli.LoopCommand#main} (the runnable jar), {@link
 * dev.loopkit.cli.LoopCommand#execute} (the same, returning the exit code, for hosts and tests), {@link
 * dev.loopkit.cli.ProjectConfig#read} (the configuration file) and {@link dev.loopkit.cli.HtmlReport} (the
 * self-contained HTML report of a project's runs).
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.cli;

import org.jspecify.annotations.NullMarked;

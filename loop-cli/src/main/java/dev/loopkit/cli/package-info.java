/**
 * The {@code loop} command: {@code init}, {@code run}, {@code quickstart}, {@code status}, {@code ready},
 * {@code report}, {@code approve}, {@code plan} and {@code lint} for a project folder described by its
 * {@code loop.yaml}.
 *
 * <p>Entry points: {@link dev.loopkit.cli.LoopCommand#main} (the runnable jar), {@link
 * dev.loopkit.cli.LoopCommand#execute} (the same, returning the exit code, for hosts and tests), {@link
 * dev.loopkit.cli.ProjectConfig#read} (the configuration file). The HTML report is loop-report's {@code
 * dev.loopkit.report.HtmlReport}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.cli;

import org.jspecify.annotations.NullMarked;

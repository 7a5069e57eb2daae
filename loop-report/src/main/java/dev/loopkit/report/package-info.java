/**
 * The HTML report of a Loop run, for any run directory, any tracker and any engine: {@link
 * dev.loopkit.report.HtmlReport} writes one self-contained file (inline CSS, JavaScript and SVG; it works offline)
 * from a run's journal, the tracker's batch when the host gives it, the plan that filed the batch and the runs a
 * trend covers. {@link dev.loopkit.report.Figures} is the one number format of reports and of the {@code loop}
 * command; {@link dev.loopkit.report.SessionSandboxes} says how a run's sessions confined tickets' processes.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.report;

import org.jspecify.annotations.NullMarked;

/**
 * Not API: the workflow and activity types, and the small records they exchange, that
 * {@link dev.loopkit.temporal.TemporalLoopEngine} and {@link dev.loopkit.temporal.TemporalWorkerHost} register.
 * They are public only because Temporal instantiates and proxies them; they may change in any release (a change to
 * workflow code is versioned with {@code Workflow.getVersion}).
 */
@NullMarked
package dev.loopkit.temporal.internal;

import org.jspecify.annotations.NullMarked;

/**
 * The Loop engine on Temporal: {@link dev.loopkit.temporal.TemporalLoopEngine} runs a batch as a durable batch
 * workflow whose sessions are the core engine's own loop, with every attempt's stages run as heartbeating
 * activities on worker hosts ({@link dev.loopkit.temporal.TemporalWorkerHost}).
 */
@NullMarked
package dev.loopkit.temporal;

import org.jspecify.annotations.NullMarked;

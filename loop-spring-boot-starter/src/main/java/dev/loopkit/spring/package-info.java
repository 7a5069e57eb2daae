/**
 * Spring Boot auto-configuration for Loop: the stock parts from {@code loop.*} properties
 * ({@link dev.loopkit.spring.LoopProperties}), {@link dev.loopkit.spring.LoopRuns} to start, await and stop
 * runs, graceful shutdown, and Actuator's {@code loop} endpoint and health indicator.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.spring;

import org.jspecify.annotations.NullMarked;

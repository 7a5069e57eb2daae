/**
 * OpenTelemetry traces for Loop runs: {@link dev.loopkit.opentelemetry.LoopTracing}, a listener that makes a
 * span per run session, attempt and stage on the engine's clock, with GenAI usage attributes, and gives each
 * attempt's W3C {@code traceparent} to processes it starts.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.opentelemetry;

import org.jspecify.annotations.NullMarked;

/**
 * Model clients and the parts built on them.
 *
 * <p>{@link dev.loopkit.llm.ModelClient} is one request, one response, with no tool loop inside. Its
 * implementations speak the vendors' own wire formats: {@link dev.loopkit.llm.AnthropicClient} (Messages
 * API) and {@link dev.loopkit.llm.OpenAiClient} (Chat Completions, which also serves OpenRouter, Ollama,
 * vLLM and other compatible servers). {@link dev.loopkit.llm.ScriptedModelClient} replays scripted or
 * recorded responses for tests and offline runs. {@link dev.loopkit.llm.PriceTable} turns usage into money
 * and {@link dev.loopkit.llm.UsageMeter} sums it across every round trip.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm;

import org.jspecify.annotations.NullMarked;

/**
 * The capped agent loop: {@link dev.loopkit.llm.agent.AgentLoop} sends the conversation and the tools, runs
 * the tool calls, appends the results and repeats, within {@link dev.loopkit.llm.agent.AgentLimits}, and
 * ends with a named {@link dev.loopkit.llm.agent.AgentOutcome}. {@link dev.loopkit.llm.agent.TranscriptWriter}
 * records each turn as a line of JSON, replayable by {@link dev.loopkit.llm.ScriptedModelClient}.
 *
 * <p>Every type is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.loopkit.llm.agent;

import org.jspecify.annotations.NullMarked;

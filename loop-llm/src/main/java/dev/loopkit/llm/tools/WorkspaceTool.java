package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool a model may call: a name, a description for the model, a JSON Schema for its input, and the code
 * that runs a call. Called by the agent loop on its own thread, one call at a time. A {@link ToolException}
 * (or any other exception but an interruption or a {@link dev.loopkit.core.CapReachedException}) becomes an
 * error result for the model; the loop never stops because a tool failed.
 */
public interface WorkspaceTool {

  /**
   * The name the model calls it by: letters, digits, {@code _} and {@code -}, at most 64 characters.
   *
   * @return the name
   */
  String name();

  /**
   * What it does and when to use it, written for the model.
   *
   * @return the description
   */
  String description();

  /**
   * The JSON Schema (an object schema) of its arguments.
   *
   * @return a JSON Schema object
   */
  JsonNode inputSchema();

  /**
   * Runs one call, on the agent loop's thread; it may block, within {@link ToolCall#timeLeft()}.
   *
   * @param call the call, with its parsed arguments
   * @return the answer for the model
   * @throws Exception when the call fails; a {@link ToolException}'s message is what the model reads
   */
  ToolOutput execute(ToolCall call) throws Exception;
}

package dev.loopkit.llm.tools;

import dev.loopkit.core.LoopException;

/**
 * A tool refused or failed a call in a way the model should hear about: a path outside the workspace, a
 * missing argument, a string not found. The agent loop turns it into an error tool result whose text is the
 * message, so messages are written for the model: say what was wrong and what is expected.
 */
public class ToolException extends LoopException {
  private static final long serialVersionUID = 1L;

  /**
   * A refusal whose message the model reads as the tool's error result.
   *
   * @param message what was wrong and what is expected, written for the model
   */
  public ToolException(String message) {
    super(message);
  }
}

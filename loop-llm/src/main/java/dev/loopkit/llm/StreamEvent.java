package dev.loopkit.llm;

import java.util.Objects;

/**
 * Something that arrived while a response streamed. {@code index} is the block's position in the final
 * {@link ModelResponse#content()}, unless the vendor also sent blocks without a type, which are dropped but
 * keep their place in the numbering. Blocks this library keeps {@linkplain ContentBlock.Opaque opaque}
 * (Anthropic server-tool blocks) get only a {@link BlockFinished}.
 */
public sealed interface StreamEvent
    permits StreamEvent.TextDelta, StreamEvent.ThinkingDelta, StreamEvent.ToolUseStarted,
    StreamEvent.ToolInputDelta, StreamEvent.BlockFinished {

  /**
   * More text of a text block.
   *
   * @param index the block's position in the response's content
   * @param text the text that arrived
   */
  record TextDelta(int index, String text) implements StreamEvent {
    /**
     * Checks that the text is not null.
     *
     * @param index the block's position in the response's content
     * @param text the text that arrived
     */
    public TextDelta {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * More reasoning of a thinking block.
   *
   * @param index the block's position in the response's content
   * @param thinking the reasoning text that arrived
   */
  record ThinkingDelta(int index, String thinking) implements StreamEvent {
    /**
     * Checks that the text is not null.
     *
     * @param index the block's position in the response's content
     * @param thinking the reasoning text that arrived
     */
    public ThinkingDelta {
      Objects.requireNonNull(thinking, "thinking");
    }
  }

  /**
   * The model began a tool call.
   *
   * @param index the block's position in the response's content
   * @param id the call's id
   * @param name the tool's name
   */
  record ToolUseStarted(int index, String id, String name) implements StreamEvent {
    /**
     * Checks that the id and name are not null.
     *
     * @param index the block's position in the response's content
     * @param id the call's id
     * @param name the tool's name
     */
    public ToolUseStarted {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * A fragment of a tool call's JSON arguments; fragments may split anywhere, even inside a string.
   *
   * @param index the block's position in the response's content
   * @param partialJson the fragment
   */
  record ToolInputDelta(int index, String partialJson) implements StreamEvent {
    /**
     * Checks that the fragment is not null.
     *
     * @param index the block's position in the response's content
     * @param partialJson the fragment
     */
    public ToolInputDelta {
      Objects.requireNonNull(partialJson, "partialJson");
    }
  }

  /**
   * A block is complete; {@code block} is its final value, as it will appear in the response.
   *
   * @param index the block's position in the response's content
   * @param block the finished block
   */
  record BlockFinished(int index, ContentBlock block) implements StreamEvent {
    /**
     * Checks that the block is not null.
     *
     * @param index the block's position in the response's content
     * @param block the finished block
     */
    public BlockFinished {
      Objects.requireNonNull(block, "block");
    }
  }
}

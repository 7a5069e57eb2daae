package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One block of a message's content. Messages are lists of blocks so that text, tool calls, tool results
 * and the model's thinking travel in order, as both vendors define them.
 *
 * <p>Thinking blocks carry a vendor signature and must be sent back unchanged, in order, in the assistant
 * turn they came from; a modified one is rejected by the vendor.
 */
public sealed interface ContentBlock
    permits ContentBlock.Text, ContentBlock.ToolUse, ContentBlock.ToolResult, ContentBlock.Thinking,
    ContentBlock.RedactedThinking {

  /** Creates a text block. */
  static Text text(String text) {
    return new Text(text);
  }

  /** Plain text, from the user or the model. */
  record Text(String text) implements ContentBlock {
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A tool call made by the model.
   *
   * @param id the vendor's call id; the answering {@link ToolResult} must carry the same id
   * @param name the tool's name, as declared in a {@link ToolSpec}
   * @param input the call's arguments, a JSON object when the model produced valid JSON; when a vendor sent
   *     arguments that do not parse, a JSON string node holding the raw text, so the caller can answer the
   *     model with an error result instead of failing
   */
  record ToolUse(String id, String name, JsonNode input) implements ContentBlock {
    public ToolUse {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(input, "input");
    }

    /** Whether the arguments parsed as a JSON object. */
    public boolean hasValidInput() {
      return input.isObject();
    }
  }

  /**
   * The answer to a {@link ToolUse}, sent in the next user turn.
   *
   * @param toolUseId the id of the call it answers
   * @param content what the tool returned, or the error text when {@code isError}
   * @param isError whether the call failed; the model sees the flag and can recover
   */
  record ToolResult(String toolUseId, String content, boolean isError) implements ContentBlock {
    public ToolResult {
      Objects.requireNonNull(toolUseId, "toolUseId");
      Objects.requireNonNull(content, "content");
    }

    public static ToolResult ok(String toolUseId, String content) {
      return new ToolResult(toolUseId, content, false);
    }

    public static ToolResult error(String toolUseId, String content) {
      return new ToolResult(toolUseId, content, true);
    }
  }

  /**
   * The model's visible reasoning.
   *
   * @param thinking the reasoning text
   * @param signature the vendor's signature over it, empty when the vendor sends none
   */
  record Thinking(String thinking, String signature) implements ContentBlock {
    public Thinking {
      Objects.requireNonNull(thinking, "thinking");
      Objects.requireNonNull(signature, "signature");
    }
  }

  /** Reasoning the vendor encrypted; opaque, passed back unchanged. */
  record RedactedThinking(String data) implements ContentBlock {
    public RedactedThinking {
      Objects.requireNonNull(data, "data");
    }
  }
}

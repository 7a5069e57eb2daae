package dev.loopkit.llm;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation. The system prompt is not a message: it goes on {@link ModelRequest}.
 *
 * @param role who spoke
 * @param content the blocks of the turn, in order; tool results must come first in a user turn that answers
 *     tool calls
 */
public record Message(Role role, List<ContentBlock> content) {

  /** Who spoke a turn. */
  public enum Role {
    /** The user (or the tool results sent for the harness). */
    USER,
    /** The model. */
    ASSISTANT
  }

  /**
   * Copies the content.
   *
   * @param role who spoke
   * @param content the blocks of the turn, in order
   */
  public Message {
    Objects.requireNonNull(role, "role");
    content = List.copyOf(content);
  }

  /**
   * A user turn holding one text block.
   *
   * @param text the text
   * @return the message
   */
  public static Message user(String text) {
    return new Message(Role.USER, List.of(new ContentBlock.Text(text)));
  }

  /**
   * A user turn of the given blocks (for example tool results followed by text).
   *
   * @param content the blocks, in order; copied
   * @return the message
   */
  public static Message user(List<ContentBlock> content) {
    return new Message(Role.USER, content);
  }

  /**
   * An assistant turn, usually {@link ModelResponse#content()} sent back unchanged.
   *
   * @param content the blocks, in order; copied
   * @return the message
   */
  public static Message assistant(List<ContentBlock> content) {
    return new Message(Role.ASSISTANT, content);
  }

  /**
   * The concatenated text blocks of this turn.
   *
   * @return the text, possibly empty
   */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (ContentBlock block : content) {
      if (block instanceof ContentBlock.Text) {
        sb.append(((ContentBlock.Text) block).text());
      }
    }
    return sb.toString();
  }
}

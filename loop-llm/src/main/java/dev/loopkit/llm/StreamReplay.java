package dev.loopkit.llm;

import java.util.ArrayList;
import java.util.List;

/** Turns a finished response into the stream events a vendor would have sent for it. */
final class StreamReplay {
  private StreamReplay() {}

  /**
   * Delivers each block of {@code response} to {@code listener} as deltas of at most {@code chunk}
   * characters, followed by the finished block.
   */
  static void replay(ModelResponse response, StreamListener listener, int chunk) {
    List<ContentBlock> content = response.content();
    for (int i = 0; i < content.size(); i++) {
      ContentBlock block = content.get(i);
      if (block instanceof ContentBlock.Text) {
        text(i, ((ContentBlock.Text) block).text(), listener, chunk);
      } else if (block instanceof ContentBlock.Thinking) {
        for (String part : chunks(((ContentBlock.Thinking) block).thinking(), chunk)) {
          listener.onEvent(new StreamEvent.ThinkingDelta(i, part));
        }
      } else if (block instanceof ContentBlock.ToolUse) {
        ContentBlock.ToolUse use = (ContentBlock.ToolUse) block;
        listener.onEvent(new StreamEvent.ToolUseStarted(i, use.id(), use.name()));
        String json = use.input().isTextual() ? use.input().asText() : use.input().toString();
        for (String part : chunks(json, chunk)) {
          listener.onEvent(new StreamEvent.ToolInputDelta(i, part));
        }
      }
      listener.onEvent(new StreamEvent.BlockFinished(i, block));
    }
  }

  /** Delivers text as deltas of at most {@code chunk} characters for the block at {@code index}. */
  static void text(int index, String text, StreamListener listener, int chunk) {
    for (String part : chunks(text, chunk)) {
      listener.onEvent(new StreamEvent.TextDelta(index, part));
    }
  }

  /** Splits into pieces of at most {@code chunk} characters, never inside a surrogate pair. */
  static List<String> chunks(String s, int chunk) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    while (start < s.length()) {
      int end = Math.min(s.length(), start + chunk);
      if (end < s.length() && Character.isHighSurrogate(s.charAt(end - 1))) {
        end++;
      }
      parts.add(s.substring(start, end));
      start = end;
    }
    return parts;
  }
}

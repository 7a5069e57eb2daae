package dev.loopkit.llm.tools;

import dev.loopkit.llm.ContentBlock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a tool answers: text for the model, whether it is an error, images that go with the text, and optionally
 * a {@link Halt} asking the agent loop to stop after this turn.
 */
public final class ToolOutput {
  private final String text;
  private final boolean error;
  private final @Nullable Halt halt;
  private final List<ContentBlock.Image> images;

  private ToolOutput(String text, boolean error, @Nullable Halt halt, List<ContentBlock.Image> images) {
    this.text = Objects.requireNonNull(text, "text");
    this.error = error;
    this.halt = halt;
    this.images = List.copyOf(images);
  }

  private ToolOutput(String text, boolean error, @Nullable Halt halt) {
    this(text, error, halt, List.of());
  }

  /** A successful answer of text and images (such as {@code read_file} on a PNG: a line about it, the image). */
  public static ToolOutput withImages(String text, List<ContentBlock.Image> images) {
    return new ToolOutput(text, false, null, images);
  }

  /** The images of this answer, in order; empty for text only. */
  public List<ContentBlock.Image> images() {
    return images;
  }

  public static ToolOutput ok(String text) {
    return new ToolOutput(text, false, null);
  }

  public static ToolOutput error(String text) {
    return new ToolOutput(text, true, null);
  }

  /** A successful answer that also ends the loop after this turn. */
  public static ToolOutput halt(String text, Halt halt) {
    return new ToolOutput(text, false, Objects.requireNonNull(halt, "halt"));
  }

  public String text() {
    return text;
  }

  public boolean isError() {
    return error;
  }

  public Optional<Halt> halt() {
    return Optional.ofNullable(halt);
  }

  @Override
  public String toString() {
    return (error ? "error: " : "") + (text.length() > 80 ? text.substring(0, 80) + "..." : text)
        + (images.isEmpty() ? "" : " " + images) + (halt == null ? "" : " [" + halt.describe() + "]");
  }
}

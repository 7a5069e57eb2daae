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

  /**
   * A successful answer of text and images (such as {@code read_file} on a PNG: a line about it, the image).
   *
   * @param text the text for the model
   * @param images the images, in order; copied
   * @return the output
   */
  public static ToolOutput withImages(String text, List<ContentBlock.Image> images) {
    return new ToolOutput(text, false, null, images);
  }

  /**
   * The images of this answer, in order; empty for text only.
   *
   * @return an immutable list of the images
   */
  public List<ContentBlock.Image> images() {
    return images;
  }

  /**
   * A successful answer of text only.
   *
   * @param text the text for the model
   * @return the output
   */
  public static ToolOutput ok(String text) {
    return new ToolOutput(text, false, null);
  }

  /**
   * A failed call's answer: the model sees {@code text} as the error and can recover.
   *
   * @param text the error, for the model
   * @return the output
   */
  public static ToolOutput error(String text) {
    return new ToolOutput(text, true, null);
  }

  /**
   * A successful answer that also ends the loop after this turn.
   *
   * @param text the text for the model
   * @param halt why the loop stops
   * @return the output
   */
  public static ToolOutput halt(String text, Halt halt) {
    return new ToolOutput(text, false, Objects.requireNonNull(halt, "halt"));
  }

  /**
   * The text the model sees as the tool's result.
   *
   * @return the text, possibly empty
   */
  public String text() {
    return text;
  }

  /**
   * Whether the call failed; the model sees the flag.
   *
   * @return true for an error
   */
  public boolean isError() {
    return error;
  }

  /**
   * The halt this answer asks for.
   *
   * @return the halt, or empty when the loop goes on
   */
  public Optional<Halt> halt() {
    return Optional.ofNullable(halt);
  }

  @Override
  public String toString() {
    return (error ? "error: " : "") + (text.length() > 80 ? text.substring(0, 80) + "..." : text)
        + (images.isEmpty() ? "" : " " + images) + (halt == null ? "" : " [" + halt.describe() + "]");
  }
}

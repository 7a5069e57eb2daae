package dev.loopkit.llm.tools;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a tool answers: text for the model, whether it is an error, and optionally a {@link Halt} asking the
 * agent loop to stop after this turn.
 */
public final class ToolOutput {
  private final String text;
  private final boolean error;
  private final @Nullable Halt halt;

  private ToolOutput(String text, boolean error, @Nullable Halt halt) {
    this.text = Objects.requireNonNull(text, "text");
    this.error = error;
    this.halt = halt;
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
        + (halt == null ? "" : " [" + halt.describe() + "]");
  }
}

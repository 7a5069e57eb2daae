package dev.loopkit.llm;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Whether and which tool the model must call. Build with {@link #auto()}, {@link #any()}, {@link #none()}
 * or {@link #tool(String)}.
 */
public final class ToolChoice {

  /** The kinds of choice. */
  public enum Mode {
    /** The model decides whether to call tools. */
    AUTO,
    /** The model must call at least one tool (OpenAI {@code "required"}). */
    ANY,
    /** The model must not call tools. */
    NONE,
    /** The model must call the named tool. */
    TOOL
  }

  private static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
  private static final ToolChoice ANY = new ToolChoice(Mode.ANY, null);
  private static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);

  private final Mode mode;
  private final @Nullable String toolName;

  private ToolChoice(Mode mode, @Nullable String toolName) {
    this.mode = mode;
    this.toolName = toolName;
  }

  /**
   * The model decides whether to call tools; the default of a request.
   *
   * @return the choice
   */
  public static ToolChoice auto() {
    return AUTO;
  }

  /**
   * The model must call at least one tool.
   *
   * @return the choice
   */
  public static ToolChoice any() {
    return ANY;
  }

  /**
   * The model must not call tools.
   *
   * @return the choice
   */
  public static ToolChoice none() {
    return NONE;
  }

  /**
   * The model must call the tool of this name.
   *
   * @param name the tool's name, not blank; the request must declare it
   * @return the choice
   * @throws IllegalArgumentException when {@code name} is blank
   */
  public static ToolChoice tool(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("tool choice needs a tool name, got a blank one");
    }
    return new ToolChoice(Mode.TOOL, name);
  }

  /**
   * The kind of choice.
   *
   * @return the mode
   */
  public Mode mode() {
    return mode;
  }

  /**
   * The tool's name when the mode is {@link Mode#TOOL}.
   *
   * @return the name, or empty for the other modes
   */
  public Optional<String> toolName() {
    return Optional.ofNullable(toolName);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ToolChoice && ((ToolChoice) o).mode == mode
        && Objects.equals(((ToolChoice) o).toolName, toolName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, toolName);
  }

  @Override
  public String toString() {
    return toolName == null ? mode.name().toLowerCase(java.util.Locale.ROOT) : "tool(" + toolName + ")";
  }
}

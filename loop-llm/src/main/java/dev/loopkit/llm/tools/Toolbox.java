package dev.loopkit.llm.tools;

import dev.loopkit.core.InputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The tools one agent loop offers, by unique name, in the order given. Immutable and thread-safe. */
public final class Toolbox {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Toolbox EMPTY = new Toolbox(Map.of());

  private final Map<String, WorkspaceTool> tools;

  private Toolbox(Map<String, WorkspaceTool> tools) {
    this.tools = tools;
  }

  /**
   * A toolbox with no tools: the model can only write text.
   *
   * @return the empty toolbox
   */
  public static Toolbox empty() {
    return EMPTY;
  }

  /**
   * A toolbox of these tools, in order. A name is 1 to 64 letters, digits, {@code _} or {@code -}.
   *
   * @param tools the tools, names distinct
   * @return the toolbox
   * @throws InputException when a name is malformed or used twice
   */
  public static Toolbox of(List<? extends WorkspaceTool> tools) {
    Map<String, WorkspaceTool> byName = new LinkedHashMap<>();
    for (WorkspaceTool tool : tools) {
      if (!NAME.matcher(tool.name()).matches()) {
        throw new InputException("tool name '" + tool.name() + "' of " + tool.getClass().getName()
            + ": expected 1-64 letters, digits, _ or -");
      }
      if (byName.putIfAbsent(tool.name(), tool) != null) {
        throw new InputException("tool name '" + tool.name() + "' is used twice in one toolbox: expected unique"
            + " names");
      }
    }
    return new Toolbox(java.util.Collections.unmodifiableMap(byName));
  }

  /**
   * {@link #of(List)} of these tools.
   *
   * @param tools the tools, names distinct
   * @return the toolbox
   * @throws InputException when a name is malformed or used twice
   */
  public static Toolbox of(WorkspaceTool... tools) {
    return of(List.of(tools));
  }

  /**
   * This toolbox plus {@code more}.
   *
   * @param more the tools to add after this toolbox's
   * @return a new toolbox; this one is unchanged
   * @throws InputException when a name repeats
   */
  public Toolbox with(List<? extends WorkspaceTool> more) {
    List<WorkspaceTool> all = new ArrayList<>(tools.values());
    all.addAll(more);
    return of(all);
  }

  /**
   * The tool of this name.
   *
   * @param name the tool's name
   * @return the tool, or empty when there is none of that name
   */
  public Optional<WorkspaceTool> find(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  /**
   * The tools, in the order given.
   *
   * @return an immutable list
   */
  public List<WorkspaceTool> tools() {
    return List.copyOf(tools.values());
  }

  /**
   * The tools' names, in the order given.
   *
   * @return an immutable list
   */
  public List<String> names() {
    return List.copyOf(tools.keySet());
  }

  /**
   * Whether the toolbox has no tools.
   *
   * @return true when empty
   */
  public boolean isEmpty() {
    return tools.isEmpty();
  }

  @Override
  public String toString() {
    return "Toolbox" + tools.keySet();
  }
}

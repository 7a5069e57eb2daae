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

  public static Toolbox empty() {
    return EMPTY;
  }

  /** @throws InputException when a name is malformed or used twice */
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

  public static Toolbox of(WorkspaceTool... tools) {
    return of(List.of(tools));
  }

  /** This toolbox plus {@code more}. @throws InputException when a name repeats */
  public Toolbox with(List<? extends WorkspaceTool> more) {
    List<WorkspaceTool> all = new ArrayList<>(tools.values());
    all.addAll(more);
    return of(all);
  }

  public Optional<WorkspaceTool> find(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  public List<WorkspaceTool> tools() {
    return List.copyOf(tools.values());
  }

  public List<String> names() {
    return List.copyOf(tools.keySet());
  }

  public boolean isEmpty() {
    return tools.isEmpty();
  }

  @Override
  public String toString() {
    return "Toolbox" + tools.keySet();
  }
}

package dev.loopkit.llm.tools;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the workspace tools, reusable across attempts: the protected paths, the command runner and
 * the read cap. {@link #open(Path)} gives the file and command tools for one workspace;
 * {@link #forAssignment(Assignment)} adds {@code file_ticket} and {@code request_human} for one attempt. No
 * tool sets a ticket's status. Immutable and thread-safe.
 *
 * <pre>{@code
 * WorkspaceTools tools = WorkspaceTools.builder()
 *     .protect("oracle/**", "verify.sh")
 *     .commands(CommandRunner.builder().timeout(Duration.ofMinutes(5)).build())
 *     .build();
 * Toolbox box = tools.forAssignment(assignment);
 * }</pre>
 */
public final class WorkspaceTools {
  private final List<String> protectedGlobs;
  private final CommandRunner commands;
  private final boolean commandsEnabled;
  private final int readLimitChars;

  private WorkspaceTools(Builder b) {
    this.protectedGlobs = List.copyOf(b.protectedGlobs);
    this.commands = b.commands;
    this.commandsEnabled = b.commandsEnabled;
    this.readLimitChars = b.readLimitChars;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every tool with the defaults: nothing protected but {@code .git}, {@link CommandRunner#defaults()}. */
  public static WorkspaceTools defaults() {
    return builder().build();
  }

  public List<String> protectedGlobs() {
    return protectedGlobs;
  }

  /** The file tools (read, write, edit, list, search) and, unless disabled, {@code run_command}. */
  public Toolbox open(Path workspaceRoot) {
    return Toolbox.of(tools(Confinement.of(workspaceRoot, protectedGlobs)));
  }

  /** {@link #open} on the assignment's workspace plus {@code file_ticket} and {@code request_human}. */
  public Toolbox forAssignment(Assignment assignment) {
    List<WorkspaceTool> tools = tools(Confinement.of(assignment.workspace().directory(), protectedGlobs));
    tools.add(new FileTicketTool(assignment.discoveries()));
    tools.add(new RequestHumanTool());
    return Toolbox.of(tools);
  }

  private List<WorkspaceTool> tools(Confinement confinement) {
    List<WorkspaceTool> tools = new ArrayList<>(List.of(new ReadFileTool(confinement, readLimitChars),
        new WriteFileTool(confinement), new EditFileTool(confinement), new ListFilesTool(confinement),
        new SearchFilesTool(confinement)));
    if (commandsEnabled) {
      tools.add(new RunCommandTool(confinement, commands));
    }
    return tools;
  }

  @Override
  public String toString() {
    return "WorkspaceTools{protected=" + protectedGlobs + ", commands=" + (commandsEnabled ? commands : "off")
        + "}";
  }

  /** Builds {@link WorkspaceTools}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Set<String> protectedGlobs = new LinkedHashSet<>();
    private CommandRunner commands = CommandRunner.defaults();
    private boolean commandsEnabled = true;
    private int readLimitChars = 100_000;

    private Builder() {}

    /**
     * Paths no tool may write, as globs relative to the workspace root (a glob matching a directory protects
     * all below it). Give the files of the oracle and the verifiers here. {@code .git} is always protected.
     */
    public Builder protect(String... globs) {
      for (String glob : globs) {
        if (glob.isBlank()) {
          throw new InputException("blank glob passed to WorkspaceTools.protect: expected e.g. oracle/**");
        }
        protectedGlobs.add(glob);
      }
      return this;
    }

    /** How {@code run_command} runs: timeout, output cap, environment allow-list. */
    public Builder commands(CommandRunner runner) {
      this.commands = Objects.requireNonNull(runner, "runner");
      return this;
    }

    /** Leaves {@code run_command} out of the toolbox. */
    public Builder withoutCommands() {
      this.commandsEnabled = false;
      return this;
    }

    /** Characters {@code read_file} returns at most per call. @throws InputException unless at least 1,000 */
    public Builder readLimitChars(int chars) {
      if (chars < 1000) {
        throw new InputException("read limit " + chars + " passed to WorkspaceTools.readLimitChars: expected at"
            + " least 1000 characters");
      }
      this.readLimitChars = chars;
      return this;
    }

    public WorkspaceTools build() {
      return new WorkspaceTools(this);
    }
  }
}

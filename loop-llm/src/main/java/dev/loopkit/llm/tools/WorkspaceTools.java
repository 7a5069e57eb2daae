package dev.loopkit.llm.tools;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.InputException;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Configuration of the workspace tools, reusable across attempts: the protected paths, how {@code run_command}
 * builds its commands (timeout, output cap, environment allow-list) and the read cap.
 * {@link #forAssignment(Assignment)} gives the tools for one attempt, {@code run_command} running through the
 * assignment's {@link Assignment#processes() confined runner}; {@link #open(Path, ProcessRunner)} gives the
 * file and command tools for one workspace and runner. No tool sets a ticket's status, and no setting here
 * loosens the sandbox: confinement always comes from the runner. Immutable and thread-safe.
 *
 * <pre>{@code
 * WorkspaceTools tools = WorkspaceTools.builder()
 *     .protect("oracle/**", "verify.sh")
 *     .commandTimeout(Duration.ofMinutes(5))
 *     .build();
 * Toolbox box = tools.forAssignment(assignment);
 * }</pre>
 */
public final class WorkspaceTools {
  /** 3,750,000 bytes: base64 makes them 5,000,000 characters, within Anthropic's 5 MB per image. */
  public static final int DEFAULT_IMAGE_LIMIT_BYTES = 3_750_000;

  private final List<String> protectedGlobs;
  private final CommandPolicy commands;
  private final boolean commandsEnabled;
  private final int readLimitChars;
  private final int imageLimitBytes;

  private WorkspaceTools(Builder b) {
    this.protectedGlobs = List.copyOf(b.protectedGlobs);
    this.commands = new CommandPolicy(b.commandTimeout, b.outputCap, b.environment, b.hostEnvironment);
    this.commandsEnabled = b.commandsEnabled;
    this.readLimitChars = b.readLimitChars;
    this.imageLimitBytes = b.imageLimitBytes;
  }

  /**
   * A builder with the defaults of {@link #defaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Every tool with the defaults: nothing protected but {@code .git}; commands for at most 10 minutes, 100,000
   * bytes per stream, {@link CommandEnvironment#defaults()}.
   *
   * @return the tools
   */
  public static WorkspaceTools defaults() {
    return builder().build();
  }

  /**
   * The globs no tool may write, relative to the workspace root, as given to {@link Builder#protect}.
   *
   * @return an immutable list of globs, in the order added; {@code .git} is protected whether or not it is listed
   */
  public List<String> protectedGlobs() {
    return protectedGlobs;
  }

  /**
   * {@link #open(Path, ProcessRunner)} with the default sandbox ({@link ProcessRunner#confinedTo}).
   *
   * @param workspaceRoot the workspace directory, the only place the tools read and write
   * @return the toolbox
   */
  public Toolbox open(Path workspaceRoot) {
    return open(workspaceRoot, ProcessRunner.confinedTo(workspaceRoot));
  }

  /**
   * The file tools (read, write, edit, list, search) and, unless disabled, {@code run_command} running through
   * {@code processes}.
   *
   * @param workspaceRoot the workspace directory, the only place the tools read and write
   * @param processes the runner {@code run_command} uses, confined to the workspace
   * @return the toolbox
   * @throws InputException when the workspace is not a directory, or {@code run_command} is enabled and
   *     {@code processes} is {@link ProcessRunner#unconfined()} (a model's commands never run as the harness;
   *     an explicit opt-out is {@code ProcessRunner.confined(Sandbox.none(), Jail.of(workspace))})
   */
  public Toolbox open(Path workspaceRoot, ProcessRunner processes) {
    return Toolbox.of(tools(workspaceRoot, processes));
  }

  /**
   * The tools for one attempt: {@link #open(Path, ProcessRunner)} on the assignment's workspace and runner,
   * plus {@code file_ticket} and {@code request_human}.
   *
   * @param assignment the attempt, giving the workspace, the process runner and the discoveries sink
   * @return the toolbox
   */
  public Toolbox forAssignment(Assignment assignment) {
    List<WorkspaceTool> tools = tools(assignment.workspace().directory(), assignment.processes());
    tools.add(new FileTicketTool(assignment.discoveries()));
    tools.add(new RequestHumanTool());
    return Toolbox.of(tools);
  }

  private List<WorkspaceTool> tools(Path root, ProcessRunner processes) {
    Confinement confinement = Confinement.of(root, protectedGlobs);
    List<WorkspaceTool> tools = new ArrayList<>(List.of(new ReadFileTool(confinement, readLimitChars, imageLimitBytes),
        new WriteFileTool(confinement), new EditFileTool(confinement), new ListFilesTool(confinement),
        new SearchFilesTool(confinement)));
    if (commandsEnabled) {
      if (processes.jail() == null) {
        throw new InputException("run_command for workspace " + root + " was given " + processes + ": expected"
            + " a runner confined to the workspace (Assignment.processes()), or an explicit opt-out such as"
            + " ProcessRunner.confined(Sandbox.none(), Jail.of(workspace))");
      }
      tools.add(new RunCommandTool(root.toAbsolutePath().normalize(), processes, commands));
    }
    return tools;
  }

  @Override
  public String toString() {
    return "WorkspaceTools{protected=" + protectedGlobs + ", commands=" + (commandsEnabled ? "timeout "
        + commands.timeout() + ", output cap " + commands.outputCap() + ", " + commands.environment() : "off") + "}";
  }

  /** Builds {@link WorkspaceTools}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Set<String> protectedGlobs = new LinkedHashSet<>();
    private Duration commandTimeout = CommandPolicy.DEFAULT_TIMEOUT;
    private int outputCap = CommandPolicy.DEFAULT_OUTPUT_CAP;
    private CommandEnvironment environment = CommandEnvironment.defaults();
    private Supplier<Map<String, String>> hostEnvironment = System::getenv;
    private boolean commandsEnabled = true;
    private int readLimitChars = 100_000;
    private int imageLimitBytes = DEFAULT_IMAGE_LIMIT_BYTES;

    private Builder() {}

    /**
     * The largest image {@code read_file} returns as an image (PNG, JPEG, GIF or WebP, told by its first bytes);
     * a larger one is refused with an error naming its size. Default {@link #DEFAULT_IMAGE_LIMIT_BYTES}; 0 turns
     * images off, so {@code read_file} refuses them as binary files.
     *
     * @param bytes 0 to 20,000,000
     * @return this builder
     * @throws InputException when negative or above 20 MB (OpenAI's per-image limit)
     */
    public Builder imageLimitBytes(int bytes) {
      if (bytes < 0 || bytes > 20_000_000) {
        throw new InputException("image limit " + bytes + " passed to WorkspaceTools.imageLimitBytes: expected 0"
            + " (images off) to 20000000 bytes");
      }
      this.imageLimitBytes = bytes;
      return this;
    }

    /**
     * Paths no tool may write, as globs relative to the workspace root (a glob matching a directory protects
     * all below it). Give the files of the oracle and the verifiers here. {@code .git} is always protected.
     *
     * @param globs globs relative to the workspace root, none blank
     * @return this builder
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

    /**
     * The longest a {@code run_command} call may run (the model may ask for less); then the command and
     * everything it started are killed. Default 10 minutes. @throws InputException unless positive
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = CommandPolicy.checkTimeout(timeout, "WorkspaceTools.commandTimeout");
      return this;
    }

    /**
     * Bytes of each output stream kept (first and last halves); default 100,000.
     *
     * @param bytes at least 256
     * @return this builder
     * @throws InputException below 256
     */
    public Builder commandOutputCap(int bytes) {
      this.outputCap = CommandPolicy.checkOutputCap(bytes, "WorkspaceTools.commandOutputCap");
      return this;
    }

    /**
     * The variables a command gets, from an allow-list; default {@link CommandEnvironment#defaults()}.
     *
     * @param environment the command environment
     * @return this builder
     */
    public Builder commandEnvironment(CommandEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Where the allow-listed names are looked up when a command starts; {@link System#getenv()} unless a host
     * (or a test) says otherwise. Only allow-listed names ever reach a command.
     *
     * @param hostEnvironment supplies the host's environment variables when a command starts
     * @return this builder
     */
    public Builder hostEnvironment(Supplier<Map<String, String>> hostEnvironment) {
      this.hostEnvironment = Objects.requireNonNull(hostEnvironment, "hostEnvironment");
      return this;
    }

    /**
     * Leaves {@code run_command} out of the toolbox.
     *
     * @return this builder
     */
    public Builder withoutCommands() {
      this.commandsEnabled = false;
      return this;
    }

    /**
     * Characters {@code read_file} returns at most per call.
     *
     * @param chars at least 1,000; default 100,000
     * @return this builder
     * @throws InputException unless at least 1,000
     */
    public Builder readLimitChars(int chars) {
      if (chars < 1000) {
        throw new InputException("read limit " + chars + " passed to WorkspaceTools.readLimitChars: expected at"
            + " least 1000 characters");
      }
      this.readLimitChars = chars;
      return this;
    }

    /**
     * Builds the tools.
     *
     * @return the tools, which may open any number of toolboxes
     */
    public WorkspaceTools build() {
      return new WorkspaceTools(this);
    }
  }
}

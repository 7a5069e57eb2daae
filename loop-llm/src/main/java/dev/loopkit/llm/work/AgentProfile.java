package dev.loopkit.llm.work;

import dev.loopkit.core.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How to run one headless CLI agent: its argument vector with the task's place in it, how the task reaches
 * it (as one whole argument, or on standard input), the vendor behind it and how to read its output. The
 * task text never passes through a shell: it is one element of the argument vector, or the standard input.
 * Immutable.
 *
 * <p>The stock profiles lock the agent down for unattended runs in a workspace:
 * <ul>
 *   <li>{@link #claudeCode(int)}: {@code claude -p <task> --output-format json --permission-mode dontAsk
 *       --allowedTools Read,Edit,Write,Glob,Grep,Bash --disallowedTools WebFetch,WebSearch --strict-mcp-config
 *       --max-turns N}: only the listed tools, no web, no MCP servers from user settings. The permission mode
 *       is always passed: since Claude Code 2.1.302 a {@code -p} run without one starts in {@code default}
 *       mode and stops at the first approval prompt, which nobody answers. {@code dontAsk} runs the
 *       pre-approved tools and denies anything that would prompt (writes to protected paths such as
 *       {@code .git} included), so the agent never waits; denials are reported as findings.
 *       {@link #claudeCode(int, ClaudePermissionMode)} picks another mode. A mode that does not ask is as
 *       safe as the boundary around the process: Loop runs it in the ticket's sandbox (only the workspace
 *       writable, an allow-listed environment plus the profile's secrets, the network on so it reaches its
 *       vendor), and {@code Bash} reaches whatever that sandbox does.
 *   <li>{@link #codex()}: {@code codex exec --sandbox workspace-write --ephemeral --json <task>}: writes
 *       confined to the workspace by Codex's sandbox, JSON Lines events on standard output.
 *   <li>{@link #custom}: any command, with {@code {task}} as one whole argument, or no placeholder for
 *       standard input.
 * </ul>
 *
 * <p>The agent runs in the ticket's sandbox (the engine's {@link dev.loopkit.core.process.ProcessRunner}), with
 * a private {@code HOME}, so the host's logins under {@code ~/.claude} or {@code ~/.codex} are not in reach. A
 * profile says what it needs to reach its vendor: {@link #network()} (true for the stock profiles, false for
 * custom ones) and the {@link #secrets()} it is handed, the only host secrets that ever reach it. The stock
 * profiles name their vendors' documented variables: Claude Code {@code ANTHROPIC_API_KEY},
 * {@code CLAUDE_CODE_OAUTH_TOKEN} (from {@code claude setup-token}) and {@code ANTHROPIC_AUTH_TOKEN}; Codex
 * {@code CODEX_API_KEY} and {@code OPENAI_API_KEY}. Those of them that are set are passed; when a profile names
 * secrets and none is set, the attempt does not start (see {@link CommandWorker}). Change either with
 * {@link #withNetwork} and {@link #withSecrets}.
 */
public final class AgentProfile {
  /** The placeholder an argument of a template may consist of. */
  public static final String TASK = "{task}";
  private static final Set<String> SHELLS = Set.of("sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh");

  /**
   * The Claude Code permission modes an unattended run can use (its {@code --permission-mode} values).
   * {@code default} (manual) and {@code plan} are left out: the first stops at approval prompts nobody
   * answers, the second makes no edits.
   */
  public enum ClaudePermissionMode {
    /** Pre-approved tools run; anything that would ask is denied. The default for unattended runs. */
    DONT_ASK("dontAsk"),
    /** File edits and common filesystem commands run; other actions would ask (and wait). */
    ACCEPT_EDITS("acceptEdits"),
    /** A classifier approves or denies each action (needs an account with auto mode). */
    AUTO("auto"),
    /** No permission checks at all: only in an isolated container or VM. */
    BYPASS_PERMISSIONS("bypassPermissions");

    private final String flag;

    ClaudePermissionMode(String flag) {
      this.flag = flag;
    }

    /**
     * The value passed to {@code --permission-mode}.
     *
     * @return the mode's spelling on the command line, such as {@code dontAsk}
     */
    public String flag() {
      return flag;
    }
  }

  /** How the agent's output is read. */
  public enum OutputFormat {
    /** Claude Code's {@code --output-format json}: one result object. */
    CLAUDE_JSON,
    /** Codex's {@code exec --json}: JSON Lines events. */
    CODEX_JSONL,
    /** Plain text: the exit code decides, standard output is the summary. */
    TEXT
  }

  /** The variables Claude Code authenticates with, in the order it prefers them (any one suffices). */
  public static final List<String> CLAUDE_SECRETS = List.of("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN",
      "ANTHROPIC_AUTH_TOKEN");
  /** The variables {@code codex exec} authenticates with (any one suffices). */
  public static final List<String> CODEX_SECRETS = List.of("CODEX_API_KEY", "OPENAI_API_KEY");

  private final String name;
  private final String vendor;
  private final List<String> template;
  private final OutputFormat format;
  private final boolean network;
  private final List<String> secrets;
  private final List<Path> readOnly;

  private AgentProfile(String name, String vendor, List<String> template, OutputFormat format, boolean network,
      List<String> secrets, List<Path> readOnly) {
    this.name = name;
    this.vendor = vendor;
    this.template = List.copyOf(template);
    this.format = format;
    this.network = network;
    this.secrets = List.copyOf(secrets);
    this.readOnly = List.copyOf(readOnly);
  }

  /**
   * Claude Code with at most 50 turns.
   *
   * @return the profile
   */
  public static AgentProfile claudeCode() {
    return claudeCode(50);
  }

  /**
   * Claude Code, locked for unattended runs ({@code dontAsk}), with at most {@code maxTurns} agent turns.
   *
   * @param maxTurns at least 1
   * @return the profile
   */
  public static AgentProfile claudeCode(int maxTurns) {
    return claudeCode(maxTurns, ClaudePermissionMode.DONT_ASK);
  }

  /**
   * Claude Code with at most {@code maxTurns} agent turns, in the given permission mode.
   *
   * @param maxTurns at least 1
   * @param mode the permission mode
   * @return the profile
   * @throws InputException when {@code maxTurns} is below 1
   */
  public static AgentProfile claudeCode(int maxTurns, ClaudePermissionMode mode) {
    Objects.requireNonNull(mode, "mode");
    if (maxTurns < 1) {
      throw new InputException("max turns " + maxTurns + " passed to AgentProfile.claudeCode: expected at least 1");
    }
    return new AgentProfile("claude-code", "anthropic", List.of("claude", "-p", TASK, "--output-format", "json",
        "--permission-mode", mode.flag(), "--allowedTools", "Read,Edit,Write,Glob,Grep,Bash",
        "--disallowedTools", "WebFetch,WebSearch", "--strict-mcp-config", "--max-turns", String.valueOf(maxTurns)),
        OutputFormat.CLAUDE_JSON, true, CLAUDE_SECRETS, List.of());
  }

  /**
   * Codex CLI, sandboxed to writes in the workspace.
   *
   * @return the profile, with the network on and {@link #CODEX_SECRETS} as its secrets
   */
  public static AgentProfile codex() {
    return new AgentProfile("codex", "openai", List.of("codex", "exec", "--sandbox", "workspace-write",
        "--ephemeral", "--json", TASK), OutputFormat.CODEX_JSONL, true, CODEX_SECRETS, List.of());
  }

  /**
   * Any command. {@code template} is the argument vector; an argument that is exactly {@value #TASK} is
   * replaced by the task text; without one, the task goes to standard input.
   *
   * @param name names the profile in messages and the journal, not blank
   * @param vendor the vendor of the model behind the agent, not blank
   * @param template the argument vector, the program first
   * @param format how the agent's standard output is read
   * @return the profile, with the network off and no secrets or read-only paths
   * @throws InputException when the template is empty, starts with the placeholder, holds it more than once
   *     or inside a larger argument, or hands it to a shell's {@code -c} (which would run the task as code)
   */
  public static AgentProfile custom(String name, String vendor, List<String> template, OutputFormat format) {
    if (name.isBlank() || vendor.isBlank()) {
      throw new InputException("custom agent profile needs a name and a vendor, got '" + name + "' and '" + vendor
          + "'");
    }
    if (template.isEmpty()) {
      throw new InputException("custom agent profile '" + name + "' has an empty command: expected an executable"
          + " and its arguments");
    }
    int at = -1;
    for (int i = 0; i < template.size(); i++) {
      String arg = Objects.requireNonNull(template.get(i), "template argument");
      if (arg.equals(TASK)) {
        if (at >= 0) {
          throw new InputException("custom agent profile '" + name + "' holds " + TASK + " twice: expected it at"
              + " most once");
        }
        at = i;
      } else if (arg.contains(TASK)) {
        throw new InputException("custom agent profile '" + name + "' has " + TASK + " inside the argument '"
            + arg + "': expected it as one whole argument, so the task text is never spliced into other text");
      }
    }
    if (at == 0) {
      throw new InputException("custom agent profile '" + name + "' starts with " + TASK + ": expected an"
          + " executable first");
    }
    String program = Path.of(template.get(0)).getFileName().toString();
    if (at > 0 && SHELLS.contains(program) && template.get(at - 1).equals("-c")) {
      throw new InputException("custom agent profile '" + name + "' passes " + TASK + " to " + program + " -c,"
          + " which would run the task text as shell code: pass it as a later argument ($1) or on standard input");
    }
    return new AgentProfile(name, vendor, template, format, false, List.of(), List.of());
  }

  /**
   * This profile with the network on or off. Off, the agent's sandbox has only a loopback interface of its
   * own; on, it shares the host's network (and so reaches whatever the host reaches).
   *
   * @param network whether the sandbox shares the host's network
   * @return a copy with that setting
   */
  public AgentProfile withNetwork(boolean network) {
    return new AgentProfile(name, vendor, template, format, network, secrets, readOnly);
  }

  /**
   * This profile handing the agent exactly these host variables (when set) besides the environment's
   * allow-list, such as its own API key; none to pass none. The values are redacted from transcripts.
   *
   * @param names the variables' names, none blank or holding {@code =}
   * @return a copy with exactly these secrets
   * @throws InputException when a name is blank or holds {@code =}
   */
  public AgentProfile withSecrets(String... names) {
    List<String> list = new ArrayList<>();
    for (String n : names) {
      if (n.isBlank() || n.indexOf('=') >= 0 || n.indexOf('\0') >= 0) {
        throw new InputException("secret variable name '" + n + "' passed to AgentProfile.withSecrets of '" + name
            + "': expected a variable name such as ANTHROPIC_API_KEY");
      }
      if (!list.contains(n)) {
        list.add(n);
      }
    }
    return new AgentProfile(name, vendor, template, format, network, list, readOnly);
  }

  /**
   * This profile showing the agent these host paths read-only in its sandbox, besides the system
   * directories: its own installation when it lives elsewhere (a script, a virtual environment, a
   * {@code node_modules}). Nothing else of the host is shown; the workspace stays the only writable place.
   *
   * @param paths absolute paths, added to those already shown
   * @return a copy showing these paths too
   * @throws InputException when a path is relative (the sandbox binds each at its own absolute path)
   */
  public AgentProfile withReadOnly(List<Path> paths) {
    List<Path> all = new ArrayList<>(readOnly);
    for (Path p : paths) {
      if (!p.isAbsolute()) {
        throw new InputException("read-only path '" + p + "' passed to AgentProfile.withReadOnly of '" + name
            + "': expected an absolute path");
      }
      all.add(p.normalize());
    }
    return new AgentProfile(name, vendor, template, format, network, secrets, all);
  }

  /**
   * Host paths shown read-only to the agent's sandbox besides the system; empty unless set.
   *
   * @return an immutable list of absolute paths
   */
  public List<Path> readOnly() {
    return readOnly;
  }

  /**
   * Whether the agent's sandbox gets the network (to reach its vendor).
   *
   * @return true when the sandbox shares the host's network
   */
  public boolean network() {
    return network;
  }

  /**
   * The host variables handed to the agent when set; any one of them is enough.
   *
   * @return an immutable list of variable names; empty to pass none
   */
  public List<String> secrets() {
    return secrets;
  }

  /**
   * The profile's name, used in messages and the journal.
   *
   * @return the name, not blank
   */
  public String name() {
    return name;
  }

  /**
   * The vendor of the model behind the agent, for choosing a reviewer of another vendor.
   *
   * @return the vendor's name, not blank
   */
  public String vendor() {
    return vendor;
  }

  /**
   * The argument vector, the program first, possibly holding the {@value #TASK} placeholder once.
   *
   * @return an immutable list, never empty
   */
  public List<String> template() {
    return template;
  }

  /**
   * How the agent's standard output is read.
   *
   * @return the output format
   */
  public OutputFormat format() {
    return format;
  }

  /**
   * Whether the task goes to standard input (the template has no placeholder).
   *
   * @return true when {@link #template()} has no {@value #TASK} placeholder
   */
  public boolean taskOnStdin() {
    return !template.contains(TASK);
  }

  /**
   * The argument vector for {@code task}.
   *
   * @param task the task text
   * @return a new list: the template with the placeholder replaced by {@code task}, or the template as it is
   */
  public List<String> command(String task) {
    List<String> argv = new ArrayList<>(template.size());
    for (String arg : template) {
      argv.add(arg.equals(TASK) ? task : arg);
    }
    return argv;
  }

  /**
   * What goes to standard input: the task when there is no placeholder, else nothing.
   *
   * @param task the task text
   * @return {@code task} when it goes to standard input, else null
   */
  public @Nullable String stdin(String task) {
    return taskOnStdin() ? task : null;
  }

  @Override
  public String toString() {
    return "AgentProfile{" + name + " (" + vendor + "): " + String.join(" ", template) + ", network "
        + (network ? "on" : "off") + (secrets.isEmpty() ? "" : ", secrets " + secrets)
        + (readOnly.isEmpty() ? "" : ", read-only " + readOnly) + "}";
  }
}

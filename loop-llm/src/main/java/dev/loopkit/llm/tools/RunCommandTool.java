package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code run_command}: a shell command line run with {@code /bin/sh -c} in the workspace root through the
 * attempt's {@link ProcessRunner}, so it is confined by the engine's sandbox to the ticket's workspace (no view
 * of the tracker, the run directory, the main repository, other workspaces, the host's home or the JVM's
 * processes; nothing it starts outlives the call). The policy gives the timeout (never longer than the
 * caller's time left), the output cap and the allow-listed environment. The command line is the model's own;
 * nothing from a ticket is interpolated into it.
 */
final class RunCommandTool implements WorkspaceTool {
  static final String NAME = "run_command";

  private final Path directory;
  private final ProcessRunner processes;
  private final CommandPolicy policy;
  private final JsonNode schema;

  /** @param directory the workspace root as the workspace names it (the jail's own spelling of it) */
  RunCommandTool(Path directory, ProcessRunner processes, CommandPolicy policy) {
    this.directory = directory;
    this.processes = processes;
    this.policy = policy;
    int maxSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, policy.timeout().toSeconds()));
    this.schema = ObjectSchema.create()
        .string("command", "The command line, run by /bin/sh -c in the workspace root.", true)
        .integer("timeout_seconds", "Kill the command (and everything it started) after this many seconds"
            + " (default and maximum " + maxSeconds + ").", 1, maxSeconds)
        .build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Run a shell command in the workspace root (for builds, tests, git). Returns the exit status,"
        + " standard output and standard error, each cut in the middle past " + policy.outputCap() + " bytes."
        + " The command runs in a sandbox: only the workspace is writable, the environment holds no credentials,"
        + (processes.jail() != null && processes.jail().network() ? "" : " there is no network,")
        + " and the command and everything it started are killed when it ends or passes the timeout.";
  }

  @Override
  public JsonNode inputSchema() {
    return schema;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws InterruptedException {
    String command = call.nonBlank("command");
    Duration timeout = call.optionalInt("timeout_seconds", 1, Integer.MAX_VALUE).map(s -> Duration.ofSeconds(s))
        .orElse(policy.timeout());
    if (timeout.compareTo(policy.timeout()) > 0) {
      timeout = policy.timeout();
    }
    if (!call.timeLeft().isZero() && call.timeLeft().compareTo(timeout) < 0) {
      timeout = call.timeLeft();
    }
    Command run = Command.builder(List.of("/bin/sh", "-c", command)).directory(directory)
        .environment(policy.environment().resolve(policy.host().get())).timeout(timeout)
        .outputCap(policy.outputCap()).build();
    CommandOutcome outcome = processes.run(run);
    return outcome.succeeded() ? ToolOutput.ok(text(outcome)) : ToolOutput.error(text(outcome));
  }

  /** The result text; its first line is the status, which {@code request_human} citations are checked against. */
  static String text(CommandOutcome outcome) {
    return outcome.status() + "\n--- stdout ---\n" + outcome.stdout() + "\n--- stderr ---\n" + outcome.stderr();
  }
}

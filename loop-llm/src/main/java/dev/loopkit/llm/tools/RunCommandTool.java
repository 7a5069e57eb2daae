package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * {@code run_command}: a shell command line run with {@code /bin/sh -c} in the workspace root, with the
 * runner's timeout (never longer than the caller's time left), output cap and allow-listed environment. The
 * command line is the model's own; nothing from a ticket is interpolated into it. Not a sandbox: confinement
 * of what the command touches is the workspace's job (a worktree, a container); see the module README.
 */
final class RunCommandTool implements WorkspaceTool {
  private final Confinement confinement;
  private final CommandRunner runner;
  private final JsonNode schema;

  RunCommandTool(Confinement confinement, CommandRunner runner) {
    this.confinement = confinement;
    this.runner = runner;
    int maxSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, runner.timeout().toSeconds()));
    this.schema = ObjectSchema.create()
        .string("command", "The command line, run by /bin/sh -c in the workspace root.", true)
        .integer("timeout_seconds", "Kill the command (and everything it started) after this many seconds"
            + " (default and maximum " + maxSeconds + ").", 1, maxSeconds)
        .build();
  }

  @Override
  public String name() {
    return "run_command";
  }

  @Override
  public String description() {
    return "Run a shell command in the workspace root (for builds, tests, git). Returns the exit status,"
        + " standard output and standard error, each cut in the middle past " + runner.outputCap() + " bytes."
        + " The environment holds no credentials; commands that run longer than the timeout are killed.";
  }

  @Override
  public JsonNode inputSchema() {
    return schema;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws InterruptedException {
    String command = call.nonBlank("command");
    Duration timeout = call.optionalInt("timeout_seconds", 1, Integer.MAX_VALUE).map(s -> Duration.ofSeconds(s))
        .orElse(runner.timeout());
    if (!call.timeLeft().isZero() && call.timeLeft().compareTo(timeout) < 0) {
      timeout = call.timeLeft();
    }
    CommandOutcome outcome = runner.run(confinement.root(), List.of("/bin/sh", "-c", command), null, timeout);
    String text = outcome.status() + "\n--- stdout ---\n" + outcome.stdout() + "\n--- stderr ---\n"
        + outcome.stderr();
    return outcome.succeeded() ? ToolOutput.ok(text) : ToolOutput.error(text);
  }
}

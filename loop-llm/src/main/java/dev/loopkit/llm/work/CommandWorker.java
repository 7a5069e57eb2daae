package dev.loopkit.llm.work;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.Usage;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.llm.agent.TranscriptWriter;
import dev.loopkit.llm.tools.CommandOutcome;
import dev.loopkit.llm.tools.CommandRunner;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Worker} that runs a headless CLI agent (Claude Code, Codex, or a custom command; see
 * {@link AgentProfile}) once per attempt in the workspace. The ticket supplies only the task text, built
 * from the ticket, its acceptance criteria, earlier findings and comments, and handed over as one argument or
 * on standard input, never through a shell. The process runs through a {@link CommandRunner}: allow-listed
 * environment, a timeout (the runner's, or less when the run's deadline is nearer) after which its whole
 * process tree is killed, and captured output.
 *
 * <p>Exit 0 is {@link WorkResult#completed} with the agent's summary (and usage and cost when its output
 * reports them); a non-zero exit, a timeout or an agent-reported error is {@link WorkResult#failed} with
 * findings holding the status and the output's tail. The run is recorded in
 * {@code <run dir>/transcripts/<ticket>-attempt-<n>.jsonl}, redacted. Thread-safe.
 *
 * <pre>{@code
 * Worker worker = CommandWorker.builder(AgentProfile.claudeCode(40))
 *     .runner(CommandRunner.builder().timeout(Duration.ofMinutes(30)).build())
 *     .build();
 * }</pre>
 */
public final class CommandWorker implements Worker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TAIL = 2000;

  private final AgentProfile profile;
  private final CommandRunner runner;
  private final Clock clock;

  private CommandWorker(Builder b) {
    this.profile = b.profile;
    this.runner = b.runner;
    this.clock = b.clock;
  }

  public static Builder builder(AgentProfile profile) {
    return new Builder(profile);
  }

  public AgentProfile profile() {
    return profile;
  }

  /** The vendor behind the agent, for choosing a reviewer of another vendor. */
  public String vendor() {
    return profile.vendor();
  }

  @Override
  public WorkResult work(Assignment assignment) throws InterruptedException {
    String task = TaskPrompt.build(assignment.ticket(), assignment.attempt(), assignment.findings(),
        assignment.workspace().directory(), List.of());
    Duration left = Duration.between(clock.instant(), assignment.budget().deadline());
    if (left.isNegative() || left.isZero()) {
      return WorkResult.failed(List.of("the run's deadline " + assignment.budget().deadline() + " passed before "
          + profile.name() + " could start"), Usage.ZERO);
    }
    Duration timeout = left.compareTo(runner.timeout()) < 0 ? left : runner.timeout();
    CommandOutcome outcome = runner.run(assignment.workspace().directory(), profile.command(task),
        profile.stdin(task), timeout);
    Path file = ModelWorker.transcriptPath(assignment);
    try (TranscriptWriter transcript = TranscriptWriter.open(file)) {
      transcript.event("command", record(assignment, outcome, timeout));
    }
    if (outcome.timedOut()) {
      return WorkResult.failed(findings(profile.name() + " timed out after " + timeout + "; its process tree was"
          + " killed", outcome, file), Usage.ZERO);
    }
    if (outcome.exitCode() != 0) {
      return WorkResult.failed(findings(profile.name() + " exited with status " + outcome.exitCode(), outcome,
          file), Usage.ZERO);
    }
    switch (profile.format()) {
      case CLAUDE_JSON:
        return claudeResult(outcome, file);
      case CODEX_JSONL:
        return codexResult(outcome, file);
      default:
        String out = outcome.stdout().strip();
        return WorkResult.completed(out.isEmpty() ? profile.name() + " exited 0 without output" : tail(out),
            Usage.ZERO);
    }
  }

  private ObjectNode record(Assignment assignment, CommandOutcome outcome, Duration timeout) {
    ObjectNode n = JsonNodeFactory.instance.objectNode().put("run_id", assignment.runId())
        .put("ticket", assignment.ticket().id()).put("attempt", assignment.attempt()).put("profile", profile.name())
        .put("vendor", profile.vendor()).put("timeout", timeout.toString());
    profile.template().forEach(n.putArray("command")::add);
    n.put("task_on_stdin", profile.taskOnStdin()).put("exit_code", outcome.exitCode())
        .put("timed_out", outcome.timedOut()).put("truncated", outcome.truncated()).put("stdout", outcome.stdout())
        .put("stderr", outcome.stderr());
    return n;
  }

  private WorkResult claudeResult(CommandOutcome outcome, Path file) {
    JsonNode result;
    try {
      result = JSON.readTree(outcome.stdout());
    } catch (IOException e) {
      result = null;
    }
    if (result == null || !result.isObject()) {
      return WorkResult.failed(findings(profile.name() + " exited 0 but its output is not the JSON object of"
          + " --output-format json", outcome, file), Usage.ZERO);
    }
    JsonNode u = result.path("usage");
    BigDecimal cost = result.path("total_cost_usd").isNumber() ? result.path("total_cost_usd").decimalValue()
        : BigDecimal.ZERO;
    Usage usage = new Usage(u.path("input_tokens").asLong(0), u.path("output_tokens").asLong(0),
        u.path("cache_read_input_tokens").asLong(0), u.path("cache_creation_input_tokens").asLong(0), cost);
    String text = result.path("result").asText("");
    if (result.path("is_error").asBoolean(false) || !"success".equals(result.path("subtype").asText("success"))) {
      return WorkResult.failed(List.of(profile.name() + " reported an error (" + result.path("subtype").asText("?")
          + "): " + tail(text), "transcript " + file), usage);
    }
    return WorkResult.completed(text.isBlank() ? profile.name() + " finished without a summary" : text, usage);
  }

  private WorkResult codexResult(CommandOutcome outcome, Path file) {
    long input = 0;
    long cached = 0;
    long output = 0;
    String last = "";
    List<String> errors = new ArrayList<>();
    for (String line : outcome.stdout().split("\n")) {
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (IOException e) {
        continue; // codex may print non-JSON notices; only events count
      }
      if (event == null || !event.isObject()) {
        continue;
      }
      String type = event.path("type").asText("");
      if (type.equals("turn.completed")) {
        JsonNode u = event.path("usage");
        input += u.path("input_tokens").asLong(0);
        cached += u.path("cached_input_tokens").asLong(0);
        output += u.path("output_tokens").asLong(0);
      } else if (type.equals("item.completed") && event.path("item").path("type").asText("").equals("agent_message")) {
        last = event.path("item").path("text").asText(last);
      } else if (type.equals("turn.failed") || type.equals("error")) {
        JsonNode error = event.has("error") ? event.path("error") : event;
        errors.add(error.path("message").asText(error.toString()));
      }
    }
    Usage usage = new Usage(Math.max(0, input - cached), output, Math.min(cached, input), 0, BigDecimal.ZERO);
    if (!errors.isEmpty()) {
      List<String> findings = new ArrayList<>();
      errors.forEach(e -> findings.add(profile.name() + " reported an error: " + e));
      findings.add("transcript " + file);
      return WorkResult.failed(findings, usage);
    }
    return WorkResult.completed(last.isBlank() ? profile.name() + " finished without a summary" : last, usage);
  }

  private static List<String> findings(String first, CommandOutcome outcome, Path file) {
    List<String> findings = new ArrayList<>();
    findings.add(first);
    if (!outcome.stderr().isBlank()) {
      findings.add("stderr (tail): " + tail(outcome.stderr()));
    }
    if (!outcome.stdout().isBlank()) {
      findings.add("stdout (tail): " + tail(outcome.stdout()));
    }
    findings.add("transcript " + file);
    return findings;
  }

  private static String tail(String text) {
    String t = text.strip();
    return t.length() <= TAIL ? t : "..." + t.substring(t.length() - TAIL);
  }

  @Override
  public String toString() {
    return "CommandWorker{" + profile + "}";
  }

  /** Builds a {@link CommandWorker}. */
  public static final class Builder {
    private final AgentProfile profile;
    private CommandRunner runner = CommandRunner.builder().timeout(Duration.ofMinutes(30)).build();
    private Clock clock = Clock.systemUTC();

    private Builder(AgentProfile profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
    }

    /** Timeout, output cap and environment of the agent process (default: 30 minutes, allow-listed env). */
    public Builder runner(CommandRunner runner) {
      this.runner = Objects.requireNonNull(runner, "runner");
      return this;
    }

    /** The clock compared with the run's deadline. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public CommandWorker build() {
      return new CommandWorker(this);
    }
  }
}

package dev.loopkit.llm.work;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Usage;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.llm.PriceTable;
import dev.loopkit.llm.agent.TranscriptWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Worker} that runs a headless CLI agent (Claude Code, Codex, or a custom command; see
 * {@link AgentProfile}) once per attempt in the workspace. The ticket supplies only the task text, built
 * from the ticket, its acceptance criteria, earlier findings and comments, and handed over as one argument or
 * on standard input, never through a shell.
 *
 * <p>The agent runs through the assignment's {@link Assignment#processes() runner}, so the engine's sandbox
 * confines it to the ticket's workspace: nothing else of the host is visible or writable, its {@code HOME} is
 * private, and it and everything it started are killed when it exits, times out (this worker's timeout, or
 * less when the run's deadline is nearer) or the attempt is interrupted. Its environment is exactly the
 * {@link Builder#environment allow-list} plus the profile's {@link AgentProfile#secrets() secrets} that are set;
 * the sandbox gets the network only when the profile asks for it ({@link AgentProfile#network()}) and shows the
 * agent's own installation read-only when the profile names it ({@link AgentProfile#readOnly()}). A profile
 * that names secrets of which none is set stops the run with a {@link FatalAdapterException} (no attempt
 * could succeed). The secrets' values are redacted from the transcript, the summary and the findings.
 *
 * <p>Exit 0 is {@link WorkResult#completed} with the agent's summary (and usage and cost when its output
 * reports them); a non-zero exit, a timeout or an agent-reported error is {@link WorkResult#failed} with
 * findings holding the status and the output's tail. Usage is never a silent $0: it is
 * {@linkplain Usage#isMetered() unmetered} when the agent reports no tokens (plain-text agents, a timeout,
 * a failed exit) or no cost (Codex, unless {@link Builder#price} gives its model's price). The run is recorded in
 * {@code <run dir>/transcripts/<ticket>-attempt-<n>.jsonl}, redacted. Thread-safe; {@link #work} blocks.
 *
 * <pre>{@code
 * Worker worker = CommandWorker.builder(AgentProfile.claudeCode(40))
 *     .timeout(Duration.ofMinutes(30))
 *     .build();
 * }</pre>
 */
public final class CommandWorker implements Worker {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TAIL = 2000;
  /** The usage of a run whose agent reported none. */
  private static final Usage UNREPORTED = Usage.unmetered(Usage.ZERO);

  private static final String REDACTED = "[redacted]";
  /** The longest task passed as one argument; Linux's limit for one argument is 128 KiB. */
  static final int MAX_ARGUMENT_BYTES = 100 * 1024;

  private final AgentProfile profile;
  private final Duration timeout;
  private final int outputCap;
  private final CommandEnvironment environment;
  private final Supplier<Map<String, String>> hostEnvironment;
  private final Clock clock;
  private final PriceTable.@Nullable Price price;

  private CommandWorker(Builder b) {
    this.profile = b.profile;
    this.timeout = b.timeout;
    this.outputCap = b.outputCap;
    this.environment = b.environment;
    this.hostEnvironment = b.hostEnvironment;
    this.clock = b.clock;
    this.price = b.price;
  }

  /**
   * A worker running the agent {@code profile} describes, in the attempt's sandbox.
   *
   * @param profile the agent's command line, vendor, secrets and sandbox settings
   * @return a builder
   */
  public static Builder builder(AgentProfile profile) {
    return new Builder(profile);
  }

  /**
   * The agent this worker runs.
   *
   * @return the profile
   */
  public AgentProfile profile() {
    return profile;
  }

  /**
   * The vendor behind the agent, for choosing a reviewer of another vendor.
   *
   * @return the profile's vendor
   */
  public String vendor() {
    return profile.vendor();
  }

  /**
   * Runs the agent once for this attempt.
   *
   * @throws InputException when the assignment's runner is {@link ProcessRunner#unconfined()} (an agent never
   *     runs as the harness), or the agent cannot be started in the sandbox (no such executable there)
   * @throws FatalAdapterException when the profile names secrets and none of them is set
   * @throws InterruptedException when the thread is interrupted; the agent's processes are killed first
   */
  @Override
  public WorkResult work(Assignment assignment) throws InterruptedException {
    ProcessRunner processes = assignment.processes();
    Jail jail = processes.jail();
    if (jail == null) {
      throw new InputException("command agent " + profile.name() + " for ticket " + assignment.ticket().id()
          + " was given " + processes + ": expected a runner confined to the ticket's workspace"
          + " (Assignment.processes()), or an explicit opt-out such as ProcessRunner.confined(Sandbox.none(),"
          + " Jail.of(workspace))");
    }
    if (profile.network() && !jail.network()) {
      jail = jail.withNetwork(true);
    }
    if (!profile.readOnly().isEmpty()) {
      jail = jail.withReadOnly(profile.readOnly());
    }
    String task = TaskPrompt.build(assignment.ticket(), assignment.attempt(), assignment.findings(),
        assignment.workspace().directory(), List.of());
    Path taskFile = null;
    boolean tooLong = task.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ARGUMENT_BYTES;
    if (!profile.taskOnStdin() && tooLong) {
      // Linux refuses one argument over 128 KiB ("Argument list too long"): a long ticket goes through a file
      taskFile = taskFile(assignment, task);
      jail = jail.withReadOnly(List.of(taskFile));
      task = "The task of this attempt is too long for a command line. Read it in full from the file " + taskFile
          + " (read-only, outside your workspace) before you start, and do what it says.";
    }
    try {
      return run(assignment, processes.withJail(jail), task);
    } finally {
      if (taskFile != null) {
        deleteTaskFile(taskFile);
      }
    }
  }

  /** Where a task too long for argv is handed over: a file of its own in a private temporary directory. */
  private static Path taskFile(Assignment assignment, String task) {
    try {
      Path dir = java.nio.file.Files.createTempDirectory("loop-task-",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      Path file = dir.resolve(assignment.ticket().id() + "-attempt-" + assignment.attempt() + ".md");
      java.nio.file.Files.writeString(file, task, java.nio.charset.StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the task of " + assignment.ticket().id()
          + " to a temporary file for the agent: " + e, e);
    }
  }

  private static void deleteTaskFile(Path file) {
    try {
      java.nio.file.Files.deleteIfExists(file);
      java.nio.file.Files.deleteIfExists(file.getParent());
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(CommandWorker.class).warn("could not delete the task file {}", file, e);
    }
  }

  private WorkResult run(Assignment assignment, ProcessRunner processes, String task) throws InterruptedException {
    Map<String, String> host = hostEnvironment.get();
    Map<String, String> env = new LinkedHashMap<>(environment.resolve(host));
    List<String> passed = new ArrayList<>();
    List<String> secretValues = new ArrayList<>(CommandEnvironment.secretValues(host));
    for (String name : profile.secrets()) {
      String value = host.get(name);
      if (value != null && !value.isEmpty()) {
        env.put(name, value);
        passed.add(name);
        secretValues.add(value);
      }
    }
    if (!profile.secrets().isEmpty() && passed.isEmpty()) {
      throw new FatalAdapterException(profile.name() + " needs one of " + profile.secrets() + " to reach its vendor"
          + " from its sandbox (where the host's logins under HOME are not visible), and none is set in the host"
          + " environment: set one (it is passed to the agent alone, never logged), or give the profile the"
          + " variables it does use with AgentProfile.withSecrets(...)", null);
    }
    Duration left = Duration.between(clock.instant(), assignment.budget().deadline());
    if (left.isNegative() || left.isZero()) {
      return WorkResult.failed(List.of("the run's deadline " + assignment.budget().deadline() + " passed before "
          + profile.name() + " could start"), Usage.ZERO);
    }
    Duration limit = left.compareTo(timeout) < 0 ? left : timeout;
    Command command = Command.builder(profile.command(task)).directory(assignment.workspace().directory())
        .environment(env).stdin(profile.stdin(task)).timeout(limit).outputCap(outputCap).build();
    CommandOutcome ran = processes.run(command);
    Path file = ModelWorker.transcriptPath(assignment);
    Redactor redactor;
    try (TranscriptWriter transcript = TranscriptWriter.open(file, secretValues)) {
      transcript.event("command", record(assignment, ran, limit, processes, passed));
      redactor = transcript::redact;
    }
    // the agent's own output may echo its key: nothing of it reaches the journal unredacted
    CommandOutcome outcome = new CommandOutcome(ran.command(), ran.exitCode(), ran.timedOut(),
        redactor.redact(ran.stdout()), redactor.redact(ran.stderr()), ran.truncated());
    return result(outcome, limit, file);
  }

  /** Replaces secret values in text; the transcript writer's rules, applied to what leaves this worker. */
  private interface Redactor {
    String redact(String text);
  }

  private WorkResult result(CommandOutcome outcome, Duration limit, Path file) {
    // An agent that was killed or failed may have spent tokens it never reported: unmetered, not $0.
    if (outcome.timedOut()) {
      return WorkResult.failed(findings(profile.name() + " timed out after " + limit + "; its process tree was"
          + " killed", outcome, file), UNREPORTED);
    }
    if (outcome.exitCode() != 0) {
      return WorkResult.failed(findings(profile.name() + " exited with status " + outcome.exitCode(), outcome,
          file), UNREPORTED);
    }
    switch (profile.format()) {
      case CLAUDE_JSON:
        return claudeResult(outcome, file);
      case CODEX_JSONL:
        return codexResult(outcome, file);
      default:
        String out = outcome.stdout().strip();
        return WorkResult.completed(out.isEmpty() ? profile.name() + " exited 0 without output" : tail(out),
            UNREPORTED);
    }
  }

  private ObjectNode record(Assignment assignment, CommandOutcome outcome, Duration timeout,
      ProcessRunner processes, List<String> passed) {
    ObjectNode n = JsonNodeFactory.instance.objectNode().put("run_id", assignment.runId())
        .put("ticket", assignment.ticket().id()).put("attempt", assignment.attempt()).put("profile", profile.name())
        .put("vendor", profile.vendor()).put("timeout", timeout.toString())
        .put("sandbox", processes.sandbox().describe())
        .put("network", processes.jail() != null && processes.jail().network());
    passed.forEach(n.putArray("secrets_passed")::add); // names only; values never leave the agent's environment
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
          + " --output-format json", outcome, file), UNREPORTED);
    }
    JsonNode u = result.path("usage");
    JsonNode cost = result.path("total_cost_usd");
    Usage usage = new Usage(count(u, "input_tokens"), count(u, "output_tokens"), count(u, "cache_read_input_tokens"),
        count(u, "cache_creation_input_tokens"), cost.isNumber() && cost.decimalValue().signum() >= 0
            ? cost.decimalValue() : BigDecimal.ZERO);
    boolean reported = u.isObject() && (u.path("input_tokens").isIntegralNumber()
        || u.path("output_tokens").isIntegralNumber());
    if (!reported || !cost.isNumber() || cost.decimalValue().signum() < 0) {
      usage = Usage.unmetered(usage); // Claude Code reports both; a result without them cannot be metered
    }
    String text = result.path("result").asText("");
    String denied = denials(result.path("permission_denials"));
    if (result.path("is_error").asBoolean(false) || !"success".equals(result.path("subtype").asText("success"))) {
      List<String> findings = new ArrayList<>();
      findings.add(profile.name() + " reported an error (" + result.path("subtype").asText("?") + "): " + tail(text));
      if (!denied.isEmpty()) {
        findings.add(profile.name() + " was denied " + denied + " (its permission mode and allowed tools did not"
            + " cover them)");
      }
      findings.add("transcript " + file);
      return WorkResult.failed(findings, usage);
    }
    String summary = text.isBlank() ? profile.name() + " finished without a summary" : text;
    return WorkResult.completed(denied.isEmpty() ? summary : summary + "\n(" + profile.name() + " was denied "
        + denied + ")", usage);
  }

  /**
   * Reads {@code codex exec --json} events. Usage: a {@code turn.completed} event carries the thread's token
   * totals so far, as does {@code total_token_usage} of a {@code token_count} event (older releases, and
   * the session log's shape); {@code last_token_usage} is the delta of one model call. Totals are never
   * added up: the last total wins, and deltas are summed only when no total was reported.
   */
  private WorkResult codexResult(CommandOutcome outcome, Path file) {
    CodexTokens total = null;
    CodexTokens deltas = null;
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
      // the protocol's envelope ({"id":..,"msg":{..}}) and the session log's ({"payload":{..}}) hold the event
      JsonNode body = event.path("msg").isObject() ? event.path("msg")
          : event.path("payload").isObject() ? event.path("payload") : event;
      String type = body.path("type").asText("");
      if (type.equals("turn.completed") && body.path("usage").isObject()) {
        total = CodexTokens.of(body.path("usage"));
      } else if (type.equals("token_count")) {
        JsonNode info = body.path("info");
        if (info.path("total_token_usage").isObject()) {
          total = CodexTokens.of(info.path("total_token_usage"));
        } else if (info.path("last_token_usage").isObject()) {
          deltas = CodexTokens.of(info.path("last_token_usage")).plus(deltas);
        }
      } else if (type.equals("item.completed") && body.path("item").path("type").asText("").equals("agent_message")) {
        last = body.path("item").path("text").asText(last);
      } else if (type.equals("agent_message") && body.path("message").isTextual()) {
        last = body.path("message").asText(); // the older protocol's event
      } else if (type.equals("turn.failed") || type.equals("error")) {
        JsonNode error = body.has("error") ? body.path("error") : body;
        errors.add(error.path("message").asText(error.toString()));
      }
    }
    CodexTokens tokens = total != null ? total : deltas;
    Usage usage;
    if (tokens == null) {
      usage = UNREPORTED;
    } else {
      Usage counted = new Usage(Math.max(0, tokens.input - tokens.cached), tokens.output,
          Math.min(tokens.cached, tokens.input), 0, BigDecimal.ZERO);
      // codex reports tokens but no money: metered only at the price the host gave for its model
      usage = price != null ? counted.withCost(price.cost(counted)) : Usage.unmetered(counted);
    }
    if (!errors.isEmpty()) {
      List<String> findings = new ArrayList<>();
      errors.forEach(e -> findings.add(profile.name() + " reported an error: " + e));
      findings.add("transcript " + file);
      return WorkResult.failed(findings, usage);
    }
    return WorkResult.completed(last.isBlank() ? profile.name() + " finished without a summary" : last, usage);
  }

  /** Codex's token counts: {@code input_tokens} includes {@code cached_input_tokens}. */
  private static final class CodexTokens {
    final long input;
    final long cached;
    final long output;

    CodexTokens(long input, long cached, long output) {
      this.input = input;
      this.cached = cached;
      this.output = output;
    }

    static CodexTokens of(JsonNode usage) {
      return new CodexTokens(count(usage, "input_tokens"), count(usage, "cached_input_tokens"),
          count(usage, "output_tokens"));
    }

    CodexTokens plus(@Nullable CodexTokens other) {
      return other == null ? this : new CodexTokens(input + other.input, cached + other.cached, output + other.output);
    }
  }

  /** Claude Code's {@code permission_denials}, as "Bash, WebFetch" with repeats counted; empty when none. */
  private static String denials(JsonNode denials) {
    java.util.Map<String, Integer> byTool = new java.util.LinkedHashMap<>();
    for (JsonNode d : denials) {
      byTool.merge(d.path("tool_name").asText("a tool"), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    byTool.forEach((tool, n) -> parts.add(n == 1 ? tool : tool + " (" + n + " times)"));
    return String.join(", ", parts);
  }

  private static long count(JsonNode usage, String field) {
    JsonNode v = usage.path(field);
    return v.isIntegralNumber() && v.asLong() >= 0 ? v.asLong() : 0;
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
    private Duration timeout = Duration.ofMinutes(30);
    private int outputCap = 100_000;
    private CommandEnvironment environment = CommandEnvironment.defaults();
    private Supplier<Map<String, String>> hostEnvironment = System::getenv;
    private Clock clock = Clock.systemUTC();
    private PriceTable.@Nullable Price price;

    private Builder(AgentProfile profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
    }

    /**
     * The longest one run of the agent may take (less when the run's deadline is nearer); then it and
     * everything it started are killed. Default 30 minutes. @throws InputException unless positive
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("agent timeout " + timeout + " passed to CommandWorker.timeout: expected a"
            + " positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Bytes of each output stream kept (first and last halves); default 100,000.
     *
     * @param bytes at least 256
     * @return this builder
     * @throws InputException below 256
     */
    public Builder outputCap(int bytes) {
      if (bytes < 256) {
        throw new InputException("output cap " + bytes + " passed to CommandWorker.outputCap: expected at least"
            + " 256 bytes");
      }
      this.outputCap = bytes;
      return this;
    }

    /**
     * The allow-list of host variables the agent gets besides its profile's secrets; default
     * {@link CommandEnvironment#defaults()}.
     *
     * @param environment the allow-list
     * @return this builder
     */
    public Builder environment(CommandEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /**
     * Where host variables are read from when the agent starts; {@link System#getenv()} unless set.
     *
     * @param hostEnvironment supplies the host's environment variables when the agent starts
     * @return this builder
     */
    public Builder hostEnvironment(Supplier<Map<String, String>> hostEnvironment) {
      this.hostEnvironment = Objects.requireNonNull(hostEnvironment, "hostEnvironment");
      return this;
    }

    /**
     * The clock compared with the run's deadline.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The price of the model the agent runs, for agents that report tokens but no cost (Codex). Without it
     * such usage is unmetered: the engine stops the run on it unless the host allows unmetered usage.
     * Agents that report their cost (Claude Code) are not repriced.
     *
     * @param price the price per million tokens of the agent's model
     * @return this builder
     */
    public Builder price(PriceTable.Price price) {
      this.price = Objects.requireNonNull(price, "price");
      return this;
    }

    /**
     * Builds the worker.
     *
     * @return the worker
     */
    public CommandWorker build() {
      return new CommandWorker(this);
    }
  }
}

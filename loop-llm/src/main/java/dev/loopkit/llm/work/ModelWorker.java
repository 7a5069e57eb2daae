package dev.loopkit.llm.work;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.PriceTable;
import dev.loopkit.llm.StreamListener;
import dev.loopkit.llm.agent.AgentLimits;
import dev.loopkit.llm.agent.AgentLoop;
import dev.loopkit.llm.agent.AgentOutcome;
import dev.loopkit.llm.agent.TranscriptWriter;
import dev.loopkit.llm.tools.Halt;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTools;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Worker} that runs the {@link AgentLoop} with the workspace tools on one ticket. Each attempt starts
 * a fresh conversation: the first message is built from the ticket, its acceptance criteria, the findings of
 * earlier attempts and reviews, the ticket's comments and the notes files of the workspace ({@code AGENTS.md},
 * {@code CLAUDE.md}, {@code NOTES.md} by default). The loop is capped by the assignment's budget and this
 * worker's own limits, whichever is tighter. The conversation is written to
 * {@code <run dir>/transcripts/<ticket>-attempt-<n>.jsonl} (redacted, replayable).
 *
 * <p>The worker's tools cannot set a ticket's status: it returns a claim. An end of turn is
 * {@link WorkResult#completed}; {@code request_human} is {@link WorkResult#needsHuman} only when every evidence
 * item cites a tool call of this attempt that the transcript shows as claimed (the call ran; its command, exit
 * code and quoted output are what the harness recorded), and the evidence handed on is built from that record.
 * Every other ending (a cap, stuck, a refusal, a model error, a request for a human without evidence or with a
 * citation that does not hold, work filed that blocks the ticket) is {@link WorkResult#failed} with findings
 * naming it. {@code run_command} runs through the assignment's {@link Assignment#processes() confined runner}.
 * Thread-safe: one worker serves concurrent attempts, each with its own loop.
 *
 * <pre>{@code
 * Worker worker = ModelWorker.builder(anthropic, "claude-sonnet-4-5")
 *     .tools(WorkspaceTools.builder().protect("oracle/**").build())
 *     .maxTurns(60)
 *     .build();
 * }</pre>
 */
public final class ModelWorker implements Worker {
  /** The default system prompt: the rules of the harness as the model should hear them. */
  public static final String DEFAULT_SYSTEM = "You are a software engineer working on one ticket in a"
      + " workspace (a git checkout) through the tools you are given. Read before you change; make the smallest"
      + " change that meets every acceptance criterion; run the project's checks with run_command and read their"
      + " output. Paths are relative to the workspace root and cannot leave it; some files (the verifier's) are"
      + " protected. You cannot mark the ticket done: an independent verifier decides. If you find work outside"
      + " this ticket, file it with file_ticket. Ask for a person with request_human only when you hit a wall you"
      + " cannot move, and always with evidence: cite the tool calls that show it by their ids, with their"
      + " commands, exit codes and output copied exactly (they are checked). When you are done, reply with a"
      + " short summary of what you changed and how you checked it, and call no more tools.";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelWorker.class);

  private final ModelClient client;
  private final String model;
  private final String system;
  private final WorkspaceTools tools;
  private final int maxTurns;
  private final long maxTokens;
  private final BigDecimal maxCostUsd;
  private final Duration maxDuration;
  private final int maxOutputTokens;
  private final int stuckAfter;
  private final List<String> notesFiles;
  private final Clock clock;
  private final @Nullable PriceTable prices;
  private final boolean streaming;
  private final Duration idleTimeout;
  private final StreamListener progress;
  private final boolean stopOnUnmetered;
  private final dev.loopkit.llm.@Nullable Reasoning reasoning;
  private final int continueTurns;

  private ModelWorker(Builder b) {
    this.client = b.client;
    this.model = b.model;
    this.system = b.system;
    this.tools = b.tools;
    this.maxTurns = b.maxTurns;
    this.maxTokens = b.maxTokens;
    this.maxCostUsd = b.maxCostUsd;
    this.maxDuration = b.maxDuration;
    this.maxOutputTokens = b.maxOutputTokens;
    this.stuckAfter = b.stuckAfter;
    this.notesFiles = List.copyOf(b.notesFiles);
    this.clock = b.clock;
    this.prices = b.prices;
    this.streaming = b.streaming;
    this.idleTimeout = b.idleTimeout;
    this.progress = b.progress;
    this.stopOnUnmetered = b.stopOnUnmetered;
    this.reasoning = b.reasoning;
    this.continueTurns = b.continueTurns;
  }

  /**
   * A worker talking to {@code model} through {@code client}, with the defaults of {@link Builder}.
   *
   * @param client the worker model's client
   * @param model the model id, not blank
   * @return a builder
   * @throws InputException when {@code model} is blank
   */
  public static Builder builder(ModelClient client, String model) {
    return new Builder(client, model);
  }

  /**
   * The vendor of this worker's client, for choosing a reviewer of another vendor.
   *
   * @return the client's {@link dev.loopkit.llm.ModelClient#vendor()}
   */
  public String vendor() {
    return client.vendor();
  }

  /**
   * The model id every attempt's requests carry.
   *
   * @return the model id, not blank
   */
  public String model() {
    return model;
  }

  /**
   * Where the transcript of an attempt goes.
   *
   * @param assignment the attempt's assignment, naming the run directory, the ticket and the attempt number
   * @return {@code transcripts/<ticket>-attempt-<n>.jsonl} under the run directory
   */
  public static Path transcriptPath(Assignment assignment) {
    return assignment.runDirectory().resolve("transcripts")
        .resolve(assignment.ticket().id() + "-attempt-" + assignment.attempt() + ".jsonl");
  }

  @Override
  public WorkResult work(Assignment assignment) throws InterruptedException {
    Instant now = clock.instant();
    AgentLimits own = new AgentLimits(maxTurns, maxTokens, maxCostUsd, now.plus(maxDuration));
    AgentLimits limits = AgentLimits.of(assignment.budget()).tighter(own);
    Toolbox toolbox = tools.forAssignment(assignment);
    String task = TaskPrompt.build(assignment.ticket(), assignment.attempt(), assignment.findings(),
        assignment.workspace().directory(), notesFiles);
    AgentLoop.Builder loop = AgentLoop.builder(client, model).system(system).toolbox(toolbox).limits(limits)
        .maxOutputTokens(maxOutputTokens).stuckAfter(stuckAfter).clock(clock).streaming(streaming)
        .idleTimeout(idleTimeout).listener(progress).stopOnUnmeteredUsage(stopOnUnmetered).reasoning(reasoning);
    if (prices != null) {
      loop.prices(prices);
    }
    Path file = transcriptPath(assignment);
    Continuation continued = continueTurns == 0 ? null : Continuation.of(assignment, continueTurns);
    List<Message> conversation = continued == null ? List.of(Message.user(task)) : continued.messages();
    AgentOutcome outcome;
    try (TranscriptWriter transcript = TranscriptWriter.open(file)) {
      ObjectNode header = header(assignment, toolbox, limits);
      if (continued != null) {
        header.put("continues_attempt", assignment.attempt() - 1);
      }
      transcript.start(header);
      outcome = loop.build().run(conversation, transcript);
    }
    WorkResult result = result(outcome, file);
    return continued == null ? result : result.withAttributes(java.util.Map.of("conversation", "continued from attempt "
        + (assignment.attempt() - 1) + " (" + continued.turns() + " turns)"));
  }

  /**
   * The conversation of the previous attempt, continued with the verifier's findings, when that attempt finished
   * its turn within {@code maxTurns} turns and failed only at verification; null otherwise (a fresh start).
   */
  private record Continuation(List<Message> messages, int turns) {
    private static final long MAX_BYTES = 8_000_000;

    static @Nullable Continuation of(Assignment assignment, int maxTurns) {
      int previous = assignment.attempt() - 1;
      if (previous < 1) {
        return null;
      }
      List<dev.loopkit.core.Finding> found = assignment.findings().stream().filter(f -> f.attempt() == previous)
          .toList();
      if (found.isEmpty() || !found.stream().allMatch(f -> f.stage().equals("verify"))) {
        return null; // only a verifier's finding is worth continuing from; a review or a crash starts fresh
      }
      Path file = assignment.runDirectory().resolve("transcripts")
          .resolve(assignment.ticket().id() + "-attempt-" + previous + ".jsonl");
      List<Message> messages = new ArrayList<>();
      int turns = -1;
      try {
        if (!java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            || java.nio.file.Files.size(file) > MAX_BYTES) {
          return null;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        int n = 0;
        for (String line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          com.fasterxml.jackson.databind.JsonNode node = json.readTree(line);
          String where = file + ":" + n;
          switch (node.path("type").asText("")) {
            case "message":
              messages.add(dev.loopkit.llm.ModelJson.message(node.path("message"), where));
              break;
            case "response":
              messages.add(dev.loopkit.llm.ModelJson.response(node.path("response"), where).toMessage());
              break;
            case "outcome":
              turns = "Finished".equals(node.path("outcome").asText()) ? node.path("turns").asInt(-1) : -1;
              break;
            default:
              break;
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        LOG.debug("not continuing {}: its transcript {} does not read back ({})", assignment.ticket().id(), file,
            e.toString());
        return null; // a transcript that does not read back means a fresh start, which is always sound
      }
      if (turns < 1 || turns > maxTurns || messages.isEmpty()
          || messages.get(messages.size() - 1).role() != Message.Role.ASSISTANT) {
        return null;
      }
      StringBuilder text = new StringBuilder("The harness ran the ticket's finish line on your change (attempt ")
          .append(previous).append(") and it failed:\n");
      found.forEach(f -> text.append("- ").append(f.message()).append('\n'));
      text.append("\nThis is attempt ").append(assignment.attempt()).append(", continuing the same conversation;"
          + " the workspace may have been reset since, so check the files before you rely on what you wrote."
          + " Fix the problem, then end your turn with a short summary as before.");
      messages.add(Message.user(text.toString()));
      return new Continuation(List.copyOf(messages), turns);
    }
  }

  private ObjectNode header(Assignment assignment, Toolbox toolbox, AgentLimits limits) {
    ObjectNode n = JsonNodeFactory.instance.objectNode().put("run_id", assignment.runId())
        .put("ticket", assignment.ticket().id()).put("attempt", assignment.attempt()).put("vendor", vendor())
        .put("model", model).put("system", system).put("max_turns", limits.maxTurns())
        .put("max_tokens", limits.maxTokens()).put("max_cost_usd", limits.maxCostUsd().toPlainString())
        .put("deadline", limits.deadline().toString());
    toolbox.names().forEach(n.putArray("tools")::add);
    return n;
  }

  /** Whether a model error is one no attempt can fix: the run stops instead of charging the ticket. */
  static boolean fatal(ModelException e) {
    return e.kind() == ModelException.Kind.AUTHENTICATION || e.kind() == ModelException.Kind.PERMISSION
        || e.kind() == ModelException.Kind.INSUFFICIENT_QUOTA;
  }

  private static WorkResult result(AgentOutcome outcome, Path file) {
    Optional<String> unbacked = rejectedHumanRequest(outcome.transcript());
    if (unbacked.isPresent()) {
      return WorkResult.failed(List.of("the worker asked for a human without evidence and stopped there ("
          + unbacked.get() + "); transcript " + file), outcome.usage());
    }
    if (outcome instanceof AgentOutcome.Finished) {
      String text = ((AgentOutcome.Finished) outcome).text().strip();
      return WorkResult.completed(text.isEmpty() ? "finished without a summary" : text, outcome.usage());
    }
    if (outcome instanceof AgentOutcome.Halted halted && halted.halt() instanceof Halt.HumanRequested human) {
      // the model's citations are claims: only what the transcript recorded becomes evidence
      Citations.Checked checked = Citations.check(human.citations(), outcome.transcript());
      if (checked instanceof Citations.Checked.Refused refused) {
        List<String> findings = new ArrayList<>();
        findings.add("the worker's request for a human (" + human.reason() + ") was refused: its evidence does not"
            + " match the tool calls this attempt made, so the attempt fails");
        findings.addAll(refused.problems());
        findings.add("transcript " + file);
        return WorkResult.failed(findings, outcome.usage());
      }
      return WorkResult.needsHuman(human.reason(), ((Citations.Checked.Held) checked).evidence(), outcome.usage());
    }
    if (outcome instanceof AgentOutcome.ModelFailed failed && fatal(failed.error())) {
      // a bad key, a missing permission, an exhausted quota: no fresh attempt can fix it, so the run stops
      throw new FatalAdapterException("the worker's model refused the call (" + failed.error().kind() + "): "
          + failed.error().getMessage() + "; fix the key or the account and run again to resume; transcript "
          + file, failed.error());
    }
    List<String> findings = new ArrayList<>();
    findings.add(outcome.describe());
    if (outcome instanceof AgentOutcome.Refused && !((AgentOutcome.Refused) outcome).text().isBlank()) {
      findings.add("the model's last words: " + ((AgentOutcome.Refused) outcome).text());
    }
    findings.add("transcript " + file);
    return WorkResult.failed(findings, outcome.usage());
  }

  /** The error of the last tool call when it was a refused {@code request_human}. */
  private static Optional<String> rejectedHumanRequest(List<Message> transcript) {
    ContentBlock.ToolUse lastCall = null;
    for (Message m : transcript) {
      for (ContentBlock b : m.content()) {
        if (b instanceof ContentBlock.ToolUse) {
          lastCall = (ContentBlock.ToolUse) b;
        }
      }
    }
    if (lastCall == null || !lastCall.name().equals("request_human")) {
      return Optional.empty();
    }
    for (Message m : transcript) {
      for (ContentBlock b : m.content()) {
        if (b instanceof ContentBlock.ToolResult && ((ContentBlock.ToolResult) b).toolUseId().equals(lastCall.id())
            && ((ContentBlock.ToolResult) b).isError()) {
          return Optional.of(((ContentBlock.ToolResult) b).content());
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "ModelWorker{" + vendor() + "/" + model + "}";
  }

  /** Builds a {@link ModelWorker}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final ModelClient client;
    private final String model;
    private String system = DEFAULT_SYSTEM;
    private WorkspaceTools tools = WorkspaceTools.defaults();
    private int maxTurns = 100;
    private long maxTokens = 5_000_000;
    private BigDecimal maxCostUsd = new BigDecimal("10");
    private Duration maxDuration = Duration.ofHours(1);
    private int maxOutputTokens = 8192;
    private int stuckAfter = 3;
    private final List<String> notesFiles = new ArrayList<>(TaskPrompt.DEFAULT_NOTES_FILES);
    private Clock clock = Clock.systemUTC();
    private @Nullable PriceTable prices;
    private boolean streaming = true;
    private Duration idleTimeout = AgentLoop.DEFAULT_IDLE_TIMEOUT;
    private StreamListener progress = StreamListener.ignoring();
    private boolean stopOnUnmetered;
    private dev.loopkit.llm.@Nullable Reasoning reasoning;
    private int continueTurns;

    private Builder(ModelClient client, String model) {
      this.client = Objects.requireNonNull(client, "client");
      if (model.isBlank()) {
        throw new InputException("blank model passed to ModelWorker.builder: expected a model id");
      }
      this.model = model;
    }

    /**
     * The worker's system prompt; default {@link ModelWorker#DEFAULT_SYSTEM}.
     *
     * @param system the system prompt, not blank
     * @return this builder
     * @throws InputException when {@code system} is blank
     */
    public Builder system(String system) {
      if (system.isBlank()) {
        throw new InputException("blank system prompt passed to ModelWorker.system: expected the worker's rules");
      }
      this.system = system;
      return this;
    }

    /**
     * The tools the model may call in the attempt's workspace; default {@link WorkspaceTools#defaults()}.
     *
     * @param tools the workspace tools
     * @return this builder
     */
    public Builder tools(WorkspaceTools tools) {
      this.tools = Objects.requireNonNull(tools, "tools");
      return this;
    }

    /**
     * Turns per attempt (the budget's own turn cap still applies).
     *
     * @param turns at least 1; default 100
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTurns(int turns) {
      if (turns < 1) {
        throw new InputException("max turns " + turns + " passed to ModelWorker.maxTurns: expected at least 1");
      }
      this.maxTurns = turns;
      return this;
    }

    /**
     * Tokens per attempt over every round trip, default 5,000,000 (the budget's own cap still applies).
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxTokens(long tokens) {
      if (tokens < 1) {
        throw new InputException("max tokens " + tokens + " passed to ModelWorker.maxTokens: expected at least 1");
      }
      this.maxTokens = tokens;
      return this;
    }

    /**
     * Money per attempt in US dollars, default 10 (the budget's own cap still applies).
     *
     * @param usd 0 or more
     * @return this builder
     * @throws InputException when negative
     */
    public Builder maxCostUsd(BigDecimal usd) {
      if (usd.signum() < 0) {
        throw new InputException("max cost " + usd + " passed to ModelWorker.maxCostUsd: expected 0 or more");
      }
      this.maxCostUsd = usd;
      return this;
    }

    /**
     * Wall clock per attempt, from its start; default 1 hour.
     *
     * @param duration positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder maxDuration(Duration duration) {
      if (duration.isNegative() || duration.isZero()) {
        throw new InputException("max duration " + duration + " passed to ModelWorker.maxDuration: expected a"
            + " positive duration");
      }
      this.maxDuration = duration;
      return this;
    }

    /**
     * The max tokens of each model response; default 8192.
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxOutputTokens(int tokens) {
      if (tokens < 1) {
        throw new InputException("max output tokens " + tokens + " passed to ModelWorker: expected at least 1");
      }
      this.maxOutputTokens = tokens;
      return this;
    }

    /**
     * How many identical tool calls in a row count as stuck and end the attempt; default 3.
     *
     * @param repeats at least 2
     * @return this builder
     * @throws InputException unless at least 2
     */
    public Builder stuckAfter(int repeats) {
      if (repeats < 2) {
        throw new InputException("stuck threshold " + repeats + " passed to ModelWorker: expected at least 2");
      }
      this.stuckAfter = repeats;
      return this;
    }

    /**
     * Workspace files whose text goes into the prompt when present (default AGENTS.md, CLAUDE.md, NOTES.md).
     *
     * @param files paths relative to the workspace, none blank; replace the defaults
     * @return this builder
     */
    public Builder notesFiles(List<String> files) {
      notesFiles.clear();
      for (String f : files) {
        if (f.isBlank()) {
          throw new InputException("blank notes file name passed to ModelWorker.notesFiles: expected e.g."
              + " AGENTS.md");
        }
        notesFiles.add(f);
      }
      return this;
    }

    /**
     * The clock the attempt's wall-clock cap reads (injected in tests); default UTC system time.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Prices responses whose usage has no cost yet, for the money caps; default none (the client's own prices).
     *
     * @param prices the price table
     * @return this builder
     */
    public Builder prices(PriceTable prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /**
     * Whether the agent loop streams (the default); see {@link AgentLoop.Builder#streaming}.
     *
     * @param enabled {@code false} sends each request whole
     * @return this builder
     */
    public Builder streaming(boolean enabled) {
      this.streaming = enabled;
      return this;
    }

    /**
     * The longest silence of a streamed turn; see {@link AgentLoop.Builder#idleTimeout}. Default 3 minutes.
     *
     * @param timeout positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("idle timeout " + timeout + " passed to ModelWorker: expected a positive duration");
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Receives the streamed deltas of every attempt's turns (text, thinking, tool-call progress) on the
     * worker's thread, for live progress such as a status line; shared by concurrent attempts, so it must be
     * thread-safe and quick.
     *
     * @param listener the listener, thread-safe
     * @return this builder
     */
    public Builder progress(StreamListener listener) {
      this.progress = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How much the worker's model reasons on each turn (an OpenAI effort, an Anthropic thinking budget, added to
     * the output tokens); null for the vendor's default.
     *
     * @param reasoning the reasoning setting, or null
     * @return this builder
     */
    public Builder reasoning(dev.loopkit.llm.@Nullable Reasoning reasoning) {
      this.reasoning = reasoning;
      return this;
    }

    /**
     * Continue instead of restart, opt-in: when the previous attempt on the ticket finished its turn within
     * {@code maxTurns} turns and failed only at verification, the new attempt continues that conversation (from
     * its transcript in the run directory) with the verifier's findings as the next user message, instead of
     * starting fresh. Anything else (a longer conversation, a review's or a crash's failure, a transcript that
     * does not read back) starts fresh, which stays the default (0). The work stage's journal attribute
     * {@code conversation} says when an attempt continued. Because a continued conversation carries the old
     * turns, it grows past {@code maxTurns} after a few rounds and the next attempt starts fresh.
     *
     * @param maxTurns the longest previous conversation, in turns, that is continued; 0 turns this off
     * @return this builder
     * @throws InputException unless 0 to 50
     */
    public Builder continueShortConversations(int maxTurns) {
      if (maxTurns < 0 || maxTurns > 50) {
        throw new InputException("continue-turns " + maxTurns + " passed to ModelWorker.continueShortConversations:"
            + " expected 0 (off) to 50");
      }
      this.continueTurns = maxTurns;
      return this;
    }

    /**
     * See {@link AgentLoop.Builder#stopOnUnmeteredUsage}; default false.
     *
     * @param stop whether usage no price table covers ends the attempt
     * @return this builder
     */
    public Builder stopOnUnmeteredUsage(boolean stop) {
      this.stopOnUnmetered = stop;
      return this;
    }

    /**
     * Builds the worker.
     *
     * @return the worker
     */
    public ModelWorker build() {
      return new ModelWorker(this);
    }
  }
}

package dev.loopkit.llm.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.loopkit.core.Cap;
import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.ContentBlock.ToolUse;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.ModelJson;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.llm.PriceTable;
import dev.loopkit.llm.StopReason;
import dev.loopkit.llm.StreamListener;
import dev.loopkit.llm.ToolSpec;
import dev.loopkit.llm.tools.Halt;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolException;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.Toolbox;
import dev.loopkit.llm.tools.WorkspaceTool;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent loop, top to bottom: send the conversation and the tools, read the stop reason, run the tool
 * calls, append their results, repeat, until the model finishes, a tool halts the loop, or a cap is reached.
 *
 * <ul>
 *   <li><b>Caps</b> (turns, tokens, money, wall clock; see {@link AgentLimits}) are checked before every
 *       request and again before running the tool calls of a response. A cap ends the loop with
 *       {@link AgentOutcome.Capped}, naming the cap, and the partial transcript.
 *   <li><b>Every tool call is answered</b>, results first in the next user turn: unknown tools, malformed
 *       arguments and failing tools become error results the model can read; calls not run (after a cap, a
 *       halt or a cut-off response) are answered as not run.
 *   <li><b>Stuck</b>: the same call (name and identical arguments) {@code stuckAfter} times in a row ends
 *       the loop with {@link AgentOutcome.Stuck} instead of running it again.
 *   <li><b>Streaming</b> (the default): each request is streamed, its deltas passed to the
 *       {@linkplain Builder#listener listener}; a stream silent for the {@linkplain Builder#idleTimeout idle
 *       timeout}, or one that breaks off, ends that turn as a retryable error and the turn is sent again
 *       ({@link Builder#streamRetries}), its usage counted (unmetered) whether or not the retry succeeds.
 *   <li><b>Stop reasons</b>: {@code pause_turn} sends the assistant turn back so the model continues;
 *       {@code max_tokens} runs no tool call of that response (the last may be cut off) and tells the model;
 *       {@code refusal} and a full context window end the loop with their own outcomes.
 * </ul>
 *
 * <p>One loop runs one conversation on the calling thread; build a new one per attempt. {@link #run} blocks
 * for the whole conversation. The wall-clock cap is checked between turns, so one slow request may overrun
 * it by its own duration (a stuck one by at most the idle timeout); tools that wait get the time left.
 */
public final class AgentLoop {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLoop.class);
  /** The default {@link Builder#idleTimeout}. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(3);

  private final ModelClient client;
  private final String model;
  private final String system;
  private final Toolbox toolbox;
  private final List<ToolSpec> toolSpecs;
  private final AgentLimits limits;
  private final int maxOutputTokens;
  private final int stuckAfter;
  private final Clock clock;
  private final @Nullable PriceTable prices;
  private final boolean streaming;
  private final StreamListener listener;
  private final Duration idleTimeout;
  private final int streamRetries;
  private final boolean stopOnUnmetered;
  private final dev.loopkit.llm.@Nullable Reasoning reasoning;

  private AgentLoop(Builder b) {
    this.client = b.client;
    this.model = b.model;
    this.system = b.system;
    this.toolbox = b.toolbox;
    this.limits = Objects.requireNonNull(b.limits, "limits");
    this.maxOutputTokens = b.maxOutputTokens;
    this.stuckAfter = b.stuckAfter;
    this.clock = b.clock;
    this.prices = b.prices;
    this.streaming = b.streaming;
    this.listener = b.listener;
    this.idleTimeout = b.idleTimeout;
    this.streamRetries = b.streamRetries;
    this.stopOnUnmetered = b.stopOnUnmetered;
    this.reasoning = b.reasoning;
    List<ToolSpec> specs = new ArrayList<>();
    for (WorkspaceTool tool : toolbox.tools()) {
      specs.add(new ToolSpec(tool.name(), tool.description(), tool.inputSchema()));
    }
    this.toolSpecs = List.copyOf(specs);
  }

  /**
   * A loop talking to {@code model} through {@code client}; limits are required.
   *
   * @param client the model's client
   * @param model the model id, not blank
   * @return a builder
   * @throws InputException when {@code model} is blank
   */
  public static Builder builder(ModelClient client, String model) {
    return new Builder(client, model);
  }

  /**
   * Runs the conversation that starts with {@code conversation} (usually one user message) to its end.
   *
   * @param conversation the opening messages, at least one; the loop appends to a copy
   * @return how the conversation ended (finished, capped, stuck, refused, halted, out of context, model failed or an
   *     unexpected stop), with its transcript, usage and turns
   * @param transcript where each turn is recorded as it happens ({@link TranscriptWriter#discard()} for none)
   * @throws InterruptedException when the thread is interrupted between turns or while a tool waits
   * @throws CapReachedException when a tool reports a run-wide cap (the discovered-tickets cap): caps fail
   *     closed, so the loop does not swallow it
   */
  public AgentOutcome run(List<Message> conversation, TranscriptWriter transcript) throws InterruptedException {
    if (conversation.isEmpty()) {
      throw new InputException("agent loop started with no message: expected at least the task as a user message");
    }
    List<Message> messages = new ArrayList<>(conversation);
    conversation.forEach(m -> transcript.message(0, m));
    Usage used = Usage.ZERO;
    int turns = 0;
    ToolUse previousCall = null;
    int repeats = 0;

    while (true) {
      // 1. Caps, before every request.
      Optional<AgentOutcome> capped = capReached(turns, used, messages);
      if (capped.isPresent()) {
        return finish(capped.get(), transcript);
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("agent loop interrupted after " + turns + " turns");
      }

      // 2. Send the conversation and the tools, streamed; a stream that breaks or goes silent is sent again.
      ModelResponse response = null;
      for (int broken = 0; response == null; broken++) {
        try {
          response = streaming ? client.stream(request(messages), listener) : client.send(request(messages));
        } catch (ModelException e) {
          used = used.plus(e.spentUsage()); // a broken stream used tokens too
          if (e.kind() == ModelException.Kind.CONTEXT_WINDOW_EXCEEDED) {
            return finish(new AgentOutcome.ContextExhausted(messages, used, turns), transcript);
          }
          if (!streaming || !e.isRetryable() || broken >= streamRetries
              || (e.kind() != ModelException.Kind.TIMEOUT && e.kind() != ModelException.Kind.STREAM_ERROR)) {
            return finish(new AgentOutcome.ModelFailed(e, messages, used, turns), transcript);
          }
          transcript.event("stream_retry", JsonNodeFactory.instance.objectNode().put("turn", turns + 1)
              .put("kind", e.kind().name()).put("message", e.getMessage())
              .set("spent_usage", ModelJson.toJson(e.spentUsage())));
          Optional<AgentOutcome> cappedNow = capReached(turns, used, messages);
          if (cappedNow.isPresent()) {
            return finish(cappedNow.get(), transcript);
          }
        }
      }
      turns++;
      used = used.plus(priced(response));
      messages.add(response.toMessage());
      transcript.response(turns, response);
      List<ToolUse> calls = response.toolUses();
      StopReason stop = response.stopReason();

      // 3. Read the stop reason.
      if (stop.equals(StopReason.REFUSAL)) {
        answerUnrun(messages, calls, "not run: the response was stopped as a refusal", turns, transcript);
        return finish(new AgentOutcome.Refused(response.text(), messages, used, turns), transcript);
      }
      if (stop.equals(StopReason.CONTEXT_WINDOW_EXCEEDED)) {
        answerUnrun(messages, calls, "not run: the context window is full", turns, transcript);
        return finish(new AgentOutcome.ContextExhausted(messages, used, turns), transcript);
      }
      if (stop.equals(StopReason.MAX_TOKENS)) {
        String note = "Your reply hit the output token limit (" + maxOutputTokens + " tokens) and was cut off.";
        if (calls.isEmpty()) {
          append(messages, Message.user(note + " Continue from where it stopped; keep replies shorter."), turns,
              transcript);
        } else {
          answerUnrun(messages, calls, "not run: " + note + " The call may be incomplete. Send it again,"
              + " smaller (for example write a large file in parts with write_file then edit_file).", turns,
              transcript);
        }
        continue;
      }
      if (calls.isEmpty()) {
        if (stop.equals(StopReason.PAUSE_TURN)) {
          continue; // the assistant turn is already appended: sending it back lets the model continue
        }
        if (stop.equals(StopReason.END_TURN) || stop.equals(StopReason.STOP_SEQUENCE)) {
          return finish(new AgentOutcome.Finished(response.text(), messages, used, turns), transcript);
        }
        return finish(new AgentOutcome.UnexpectedStop(stop, response.text(), messages, used, turns), transcript);
      }

      // 4. Caps again: a response that crossed one does not get its tools run.
      Optional<AgentOutcome> crossed = capReached(0, used, messages);
      if (crossed.isPresent()) {
        answerUnrun(messages, calls, "not run: " + crossed.get().describe(), turns, transcript);
        return finish(withTranscript(crossed.get(), messages, turns), transcript);
      }

      // 5. Run the tool calls in order; stop early on a repeated call or a halt.
      List<ContentBlock> results = new ArrayList<>();
      AgentOutcome ending = null;
      for (ToolUse call : calls) {
        if (ending != null) {
          results.add(ContentBlock.ToolResult.error(call.id(), "not run: " + ending.describe()));
          continue;
        }
        repeats = previousCall != null && previousCall.name().equals(call.name())
            && previousCall.input().equals(call.input()) ? repeats + 1 : 1;
        previousCall = call;
        if (repeats >= stuckAfter) {
          results.add(ContentBlock.ToolResult.error(call.id(), "not run: this exact call was made " + repeats
              + " times in a row; the loop stops as stuck"));
          ending = new AgentOutcome.Stuck(call.name(), call.input(), repeats, List.of(), used, turns);
          continue;
        }
        ToolOutput output = execute(call);
        results.add(new ContentBlock.ToolResult(call.id(), output.text(), output.isError(), output.images()));
        Optional<Halt> halt = output.halt();
        if (halt.isPresent()) {
          ending = new AgentOutcome.Halted(halt.get(), List.of(), used, turns);
        }
      }

      // 6. Append the results (first, and only, in the next user turn) and repeat.
      append(messages, Message.user(results), turns, transcript);
      if (ending != null) {
        return finish(withTranscript(ending, messages, turns), transcript);
      }
    }
  }

  private ModelRequest request(List<Message> messages) {
    return ModelRequest.builder().model(model).system(system).messages(messages).tools(toolSpecs)
        .maxTokens(maxOutputTokens + (reasoning == null ? 0 : reasoning.budgetTokens()))
        .idleTimeout(streaming ? idleTimeout : null).reasoning(reasoning).build();
  }

  /** Runs one call; anything but an interruption or a cap becomes an error result for the model. */
  private ToolOutput execute(ToolUse call) throws InterruptedException {
    Optional<WorkspaceTool> tool = toolbox.find(call.name());
    if (tool.isEmpty()) {
      return ToolOutput.error("unknown tool '" + call.name() + "': the tools are " + toolbox.names());
    }
    if (!call.hasValidInput()) {
      String raw = call.input().isTextual() ? call.input().textValue() : call.input().toString();
      return ToolOutput.error("the arguments of " + call.name() + " are not a JSON object ("
          + (raw.length() > 200 ? raw.substring(0, 200) + "..." : raw) + "): send a JSON object matching the"
          + " tool's input schema");
    }
    try {
      return tool.get().execute(ToolCall.of(call.id(), call.name(), call.input(), timeLeft()));
    } catch (ToolException e) {
      return ToolOutput.error(e.getMessage());
    } catch (CapReachedException | InterruptedException e) {
      throw e;
    } catch (LoopException e) {
      return ToolOutput.error(call.name() + " failed: " + e.getMessage());
    } catch (Exception e) {
      LOG.warn("tool {} failed on call {}", call.name(), call.id(), e);
      return ToolOutput.error(call.name() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private Duration timeLeft() {
    Duration left = Duration.between(clock.instant(), limits.deadline());
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** The first cap reached, as an outcome; {@code turns} of 0 skips the turn cap (checked before sending). */
  private Optional<AgentOutcome> capReached(int turns, Usage used, List<Message> messages) {
    if (turns >= limits.maxTurns()) {
      return Optional.of(capped(Cap.TURNS, "took " + turns + " of " + limits.maxTurns() + " turns", messages,
          used, turns));
    }
    if (used.totalTokens() >= limits.maxTokens()) {
      return Optional.of(capped(Cap.TOKENS, "used " + used.totalTokens() + " of " + limits.maxTokens()
          + " tokens", messages, used, turns));
    }
    if (stopOnUnmetered && !used.isMetered()) {
      return Optional.of(capped(Cap.MONEY, used.unmeteredCalls() + " model call(s) of this loop are unmetered (no"
          + " price for the model, or no usage from the server), so the money cap cannot see them", messages,
          used, turns));
    }
    // a zero money cap still lets free models (cost 0) run; any spend crosses it
    boolean overMoney = limits.maxCostUsd().signum() > 0
        ? used.costUsd().compareTo(limits.maxCostUsd()) >= 0 : used.costUsd().signum() > 0;
    if (overMoney) {
      return Optional.of(capped(Cap.MONEY, "spent " + used.costUsd().toPlainString() + " of "
          + limits.maxCostUsd().toPlainString() + " USD", messages, used, turns));
    }
    if (!clock.instant().isBefore(limits.deadline())) {
      return Optional.of(capped(Cap.WALL_CLOCK, "deadline " + limits.deadline() + " passed", messages, used,
          turns));
    }
    return Optional.empty();
  }

  private static AgentOutcome capped(Cap cap, String detail, List<Message> messages, Usage used, int turns) {
    return new AgentOutcome.Capped(cap, detail, messages, used, turns);
  }

  /** The same outcome over the final conversation and turn count. */
  private static AgentOutcome withTranscript(AgentOutcome o, List<Message> messages, int turns) {
    if (o instanceof AgentOutcome.Capped) {
      AgentOutcome.Capped c = (AgentOutcome.Capped) o;
      return new AgentOutcome.Capped(c.cap(), c.detail(), messages, c.usage(), turns);
    }
    if (o instanceof AgentOutcome.Stuck) {
      AgentOutcome.Stuck s = (AgentOutcome.Stuck) o;
      return new AgentOutcome.Stuck(s.tool(), s.input(), s.repeats(), messages, s.usage(), turns);
    }
    if (o instanceof AgentOutcome.Halted) {
      return new AgentOutcome.Halted(((AgentOutcome.Halted) o).halt(), messages, o.usage(), turns);
    }
    return o;
  }

  private Usage priced(ModelResponse response) {
    return prices == null ? response.usage() : prices.usageOf(response, model);
  }

  private static void answerUnrun(List<Message> messages, List<ToolUse> calls, String why, int turn,
      TranscriptWriter transcript) {
    if (calls.isEmpty()) {
      return;
    }
    List<ContentBlock> results = new ArrayList<>();
    calls.forEach(c -> results.add(ContentBlock.ToolResult.error(c.id(), why)));
    append(messages, Message.user(results), turn, transcript);
  }

  private static void append(List<Message> messages, Message message, int turn, TranscriptWriter transcript) {
    messages.add(message);
    transcript.message(turn, message);
  }

  private static AgentOutcome finish(AgentOutcome outcome, TranscriptWriter transcript) {
    transcript.outcome(outcome);
    return outcome;
  }

  /** Builds an {@link AgentLoop}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final ModelClient client;
    private final String model;
    private String system = "";
    private Toolbox toolbox = Toolbox.empty();
    private @Nullable AgentLimits limits;
    private int maxOutputTokens = 8192;
    private int stuckAfter = 3;
    private Clock clock = Clock.systemUTC();
    private @Nullable PriceTable prices;
    private boolean streaming = true;
    private StreamListener listener = StreamListener.ignoring();
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int streamRetries = 1;
    private boolean stopOnUnmetered;
    private dev.loopkit.llm.@Nullable Reasoning reasoning;

    private Builder(ModelClient client, String model) {
      this.client = Objects.requireNonNull(client, "client");
      if (model.isBlank()) {
        throw new InputException("blank model passed to AgentLoop.builder: expected a model id such as"
            + " claude-sonnet-4-5");
      }
      this.model = model;
    }

    /**
     * The system prompt of every request; default none.
     *
     * @param system the system prompt, empty for none
     * @return this builder
     */
    public Builder system(String system) {
      this.system = Objects.requireNonNull(system, "system");
      return this;
    }

    /**
     * The tools the model may call; default {@link Toolbox#empty()}, which makes the loop a plain conversation.
     *
     * @param toolbox the toolbox
     * @return this builder
     */
    public Builder toolbox(Toolbox toolbox) {
      this.toolbox = Objects.requireNonNull(toolbox, "toolbox");
      return this;
    }

    /**
     * Required: the caps of this loop, e.g. {@code AgentLimits.of(assignment.budget())}.
     *
     * @param limits the turn, token, money and deadline caps
     * @return this builder
     */
    public Builder limits(AgentLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * How much the model reasons on each turn (an OpenAI effort, an Anthropic thinking budget); null for the
     * vendor's default. A thinking budget is added to {@link #maxOutputTokens}, so the answer keeps its room.
     *
     * @param reasoning the reasoning setting, or null
     * @return this builder
     */
    public Builder reasoning(dev.loopkit.llm.@Nullable Reasoning reasoning) {
      this.reasoning = reasoning;
      return this;
    }

    /**
     * The max tokens of each response.
     *
     * @param tokens at least 1
     * @return this builder
     * @throws InputException unless at least 1
     */
    public Builder maxOutputTokens(int tokens) {
      if (tokens < 1) {
        throw new InputException("max output tokens " + tokens + " passed to AgentLoop: expected at least 1");
      }
      this.maxOutputTokens = tokens;
      return this;
    }

    /**
     * How many identical calls in a row count as stuck (default 3).
     *
     * @param repeats at least 2
     * @return this builder
     * @throws InputException unless at least 2
     */
    public Builder stuckAfter(int repeats) {
      if (repeats < 2) {
        throw new InputException("stuck threshold " + repeats + " passed to AgentLoop: expected at least 2"
            + " identical calls in a row");
      }
      this.stuckAfter = repeats;
      return this;
    }

    /**
     * The clock the wall-clock cap reads (injected in tests).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Prices responses whose usage has no cost yet (see {@link PriceTable#usageOf}); clients with their own
     * price table set it already.
     *
     * @param prices the price table
     * @return this builder
     */
    public Builder prices(PriceTable prices) {
      this.prices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /**
     * Whether each request is streamed (the default): deltas reach {@link #listener} as they arrive and the
     * {@link #idleTimeout} bounds a stuck turn. {@code false} sends each request whole.
     *
     * @param enabled {@code false} sends each request whole
     * @return this builder
     */
    public Builder streaming(boolean enabled) {
      this.streaming = enabled;
      return this;
    }

    /**
     * Receives every streamed delta (text, thinking, tool-call progress) on the loop's thread, for live
     * progress; it should return quickly. After a broken stream is sent again, it receives the new
     * attempt's events from the start.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(StreamListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How long a streamed response may send nothing at all (not even a keep-alive) before its turn ends as a
     * retryable timeout (default 3 minutes). Separate from the wall-clock cap, which bounds the whole
     * loop: a long answer that keeps streaming is never cut by this.
     *
     * @param timeout positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("idle timeout " + timeout + " passed to AgentLoop: expected a positive duration");
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * How many times a turn whose stream broke off or went silent is sent again before the loop ends
     * {@link AgentOutcome.ModelFailed} (default 1; 0 for never). The usage of each broken stream is counted,
     * unmetered.
     *
     * @param retries 0 or more
     * @return this builder
     * @throws InputException when negative
     */
    public Builder streamRetries(int retries) {
      if (retries < 0) {
        throw new InputException("stream retries " + retries + " passed to AgentLoop: expected 0 or more");
      }
      this.streamRetries = retries;
      return this;
    }

    /**
     * Whether the loop ends {@link AgentOutcome.Capped} on the money cap as soon as its usage is unmetered
     * (checked with the other caps: before each request and before running a response's tools), instead of
     * working on while the money cap cannot see the spend. Default false; a host whose engine stops runs on
     * unmetered usage (the strict default of {@code Caps}) sets it, so one attempt does not run its whole
     * turn budget unmetered first.
     *
     * @param stop whether unmetered usage ends the loop at once
     * @return this builder
     */
    public Builder stopOnUnmeteredUsage(boolean stop) {
      this.stopOnUnmetered = stop;
      return this;
    }

    /**
     * @return the loop, for one conversation (build a new one per attempt)
     * @throws InputException when no limits were given
     */
    public AgentLoop build() {
      if (limits == null) {
        throw new InputException("AgentLoop for model " + model + " has no limits: expected limits(...), e.g."
            + " AgentLimits.of(assignment.budget())");
      }
      return new AgentLoop(this);
    }
  }
}

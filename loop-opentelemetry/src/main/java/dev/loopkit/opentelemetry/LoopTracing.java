package dev.loopkit.opentelemetry;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.Usage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * OpenTelemetry traces of a Loop run, built from the engine's events: add it with
 * {@code LoopEngine.builder().listener(tracing)}.
 *
 * <pre>{@code
 * LoopTracing tracing = LoopTracing.builder(openTelemetry).build();
 * LoopEngine.builder()...listener(tracing).build().run();
 * }</pre>
 *
 * <p><b>Spans.</b> One {@code loop.run} span per session of a run ({@code RunStarted} to {@code RunEnded}),
 * whose parent is the context current on the thread that called {@code LoopEngine.run()} (a host's request
 * span, or none); one {@code loop.attempt} span per attempt, child of the run span; one {@code loop.stage}
 * span per stage, child of its attempt, from the end of the stage before (or the dispatch) to its own end.
 * Discovered tickets, caps reached, tripwires and heals are events on the run span. Every start, end and event
 * time is the event's {@code at()}, the engine's clock, so a run on a manual clock traces the same every time.
 * The module README lists every attribute.
 *
 * <p><b>Model usage.</b> A stage whose attributes name a {@code vendor} or {@code model} (a model reviewer, a
 * host stage that calls a model) gets the OpenTelemetry GenAI semantic-convention attributes on its span; see
 * {@link #GEN_AI_PROVIDER_NAME}. The engine reports one usage per stage, not one per model call, so there are
 * no per-call spans.
 *
 * <p><b>Threads.</b> The engine calls {@link #onEvent} on its own thread, one event at a time; {@link
 * #traceparent} and {@link #attemptContext} may be called from any thread (an attempt's process runner).
 * Nothing here blocks; ending a span hands it to the SDK's span processor, which exports it on its own thread.
 */
public final class LoopTracing implements LoopListener {
  /** The instrumentation scope of every span. */
  public static final String INSTRUMENTATION_SCOPE = "dev.loopkit.opentelemetry";

  /**
   * {@code gen_ai.provider.name}: the stage's {@code vendor} attribute. OpenTelemetry semantic conventions
   * v1.37.0 (GenAI, status development), which replaced {@link #GEN_AI_SYSTEM}.
   */
  static final AttributeKey<String> GEN_AI_PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  /**
   * {@code gen_ai.system}: the same vendor under the name of semantic conventions v1.36.0 and before, which most
   * backends still read; written too until the GenAI conventions are stable.
   */
  static final AttributeKey<String> GEN_AI_SYSTEM = AttributeKey.stringKey("gen_ai.system");
  /** {@code gen_ai.request.model} (semantic conventions v1.37.0): the stage's {@code model} attribute. */
  static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  /**
   * {@code gen_ai.usage.input_tokens} (semantic conventions v1.37.0): every input token of the stage's calls,
   * cached or not, so it is what the model read.
   */
  static final AttributeKey<Long> GEN_AI_USAGE_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  /** {@code gen_ai.usage.output_tokens} (semantic conventions v1.37.0). */
  static final AttributeKey<Long> GEN_AI_USAGE_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");

  static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("loop.run.id");
  static final AttributeKey<Long> RUN_TICKETS = AttributeKey.longKey("loop.run.tickets");
  static final AttributeKey<Boolean> RUN_RESUMED = AttributeKey.booleanKey("loop.run.resumed");
  static final AttributeKey<String> RUN_ENDING = AttributeKey.stringKey("loop.run.ending");
  static final AttributeKey<String> RUN_ENDING_DETAIL = AttributeKey.stringKey("loop.run.ending.detail");
  static final AttributeKey<String> TICKET_ID = AttributeKey.stringKey("loop.ticket.id");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("loop.attempt");
  static final AttributeKey<Long> ATTEMPT_SLOT = AttributeKey.longKey("loop.attempt.slot");
  static final AttributeKey<String> ATTEMPT_OUTCOME = AttributeKey.stringKey("loop.attempt.outcome");
  static final AttributeKey<String> ATTEMPT_REASON = AttributeKey.stringKey("loop.attempt.reason");
  static final AttributeKey<List<String>> ATTEMPT_BLOCKERS = AttributeKey.stringArrayKey("loop.attempt.blockers");
  static final AttributeKey<String> STAGE_KIND = AttributeKey.stringKey("loop.stage.kind");
  static final AttributeKey<String> STAGE_NAME = AttributeKey.stringKey("loop.stage.name");
  static final AttributeKey<String> STAGE_OUTCOME = AttributeKey.stringKey("loop.stage.outcome");
  static final AttributeKey<String> STAGE_SUMMARY = AttributeKey.stringKey("loop.stage.summary");
  static final AttributeKey<List<String>> STAGE_FINDINGS = AttributeKey.stringArrayKey("loop.stage.findings");
  static final AttributeKey<Long> STAGE_EVIDENCE = AttributeKey.longKey("loop.stage.evidence.count");
  static final String STAGE_ATTRIBUTE_PREFIX = "loop.stage.attribute.";
  static final AttributeKey<Long> USAGE_INPUT = AttributeKey.longKey("loop.usage.input_tokens");
  static final AttributeKey<Long> USAGE_OUTPUT = AttributeKey.longKey("loop.usage.output_tokens");
  static final AttributeKey<Long> USAGE_CACHE_READ = AttributeKey.longKey("loop.usage.cache_read_tokens");
  static final AttributeKey<Long> USAGE_CACHE_WRITE = AttributeKey.longKey("loop.usage.cache_write_tokens");
  static final AttributeKey<Double> USAGE_COST = AttributeKey.doubleKey("loop.usage.cost_usd");
  static final AttributeKey<Long> USAGE_UNMETERED = AttributeKey.longKey("loop.usage.unmetered_calls");
  static final AttributeKey<String> ORIGIN_ID = AttributeKey.stringKey("loop.discovered.origin_id");
  static final AttributeKey<String> TICKET_TITLE = AttributeKey.stringKey("loop.ticket.title");
  static final AttributeKey<Boolean> BLOCKS_ORIGIN = AttributeKey.booleanKey("loop.discovered.blocks_origin");
  static final AttributeKey<String> CAP = AttributeKey.stringKey("loop.cap");
  static final AttributeKey<String> CAP_DETAIL = AttributeKey.stringKey("loop.cap.detail");
  static final AttributeKey<List<String>> TRIPWIRE_CHANGES = AttributeKey.stringArrayKey("loop.tripwire.changes");
  static final AttributeKey<String> HEAL_REASON = AttributeKey.stringKey("loop.heal.reason");
  static final AttributeKey<String> HEAL_OUTCOME = AttributeKey.stringKey("loop.heal.outcome");
  static final AttributeKey<String> HEAL_SUMMARY = AttributeKey.stringKey("loop.heal.summary");

  private final Tracer tracer;
  private final boolean stageAttributes;

  // written on the engine's thread only; the attempts map is read by traceparent() on attempt threads
  private @Nullable Span run;
  private final Map<String, Open> attempts = new ConcurrentHashMap<>();

  private LoopTracing(Builder b) {
    this.tracer = b.tracer;
    this.stageAttributes = b.stageAttributes;
  }

  /**
   * Traces with {@code openTelemetry}'s tracer provider, under {@link #INSTRUMENTATION_SCOPE}.
   *
   * @param openTelemetry the host's SDK (or {@code GlobalOpenTelemetry.get()})
   * @return a builder
   */
  public static Builder builder(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new Builder(openTelemetry.getTracer(INSTRUMENTATION_SCOPE));
  }

  /**
   * Traces with this tracer (the host chose its scope).
   *
   * @param tracer the tracer that starts every span
   * @return a builder
   */
  public static Builder builder(Tracer tracer) {
    return new Builder(Objects.requireNonNull(tracer, "tracer"));
  }

  /**
   * The W3C {@code traceparent} of the attempt span in flight for this ticket, for a process the attempt starts
   * (pass it as the {@code TRACEPARENT} environment variable), so the process's own spans join the trace.
   * Empty when no attempt of the ticket is in flight, or the span is not recording a valid context (a no-op
   * OpenTelemetry). Safe to call from any thread.
   *
   * @param ticketId the ticket whose attempt is in flight
   * @return {@code 00-<trace id>-<span id>-<flags>}, or empty
   */
  public Optional<String> traceparent(String ticketId) {
    Open open = attempts.get(Objects.requireNonNull(ticketId, "ticketId"));
    if (open == null) {
      return Optional.empty();
    }
    SpanContext c = open.span.getSpanContext();
    if (!c.isValid()) {
      return Optional.empty();
    }
    return Optional.of("00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex());
  }

  /**
   * The context of the attempt span in flight for this ticket, for a worker that makes spans of its own (wrap
   * its model calls in {@code context.makeCurrent()}); empty when none is in flight. Safe to call from any
   * thread.
   *
   * @param ticketId the ticket whose attempt is in flight
   * @return a context whose span is the attempt span, or empty
   */
  public Optional<Context> attemptContext(String ticketId) {
    Open open = attempts.get(Objects.requireNonNull(ticketId, "ticketId"));
    return open == null ? Optional.empty() : Optional.of(Context.root().with(open.span));
  }

  @Override
  public void onEvent(LoopEvent event) {
    if (event instanceof LoopEvent.RunStarted s) {
      endRun(s.at(), null); // a previous session whose end was never seen
      run = tracer.spanBuilder("loop.run").setSpanKind(SpanKind.INTERNAL).setStartTimestamp(s.at())
          .setAttribute(RUN_ID, s.runId()).setAttribute(RUN_TICKETS, (long) s.tickets())
          .setAttribute(RUN_RESUMED, s.resumed()).startSpan();
    } else if (event instanceof LoopEvent.TicketDispatched d) {
      SpanBuilder b = tracer.spanBuilder("loop.attempt").setSpanKind(SpanKind.INTERNAL).setStartTimestamp(d.at())
          .setAttribute(TICKET_ID, d.ticketId()).setAttribute(ATTEMPT, (long) d.attempt())
          .setAttribute(ATTEMPT_SLOT, (long) d.slot());
      Span current = run;
      if (current != null) {
        b.setParent(Context.root().with(current));
      }
      attempts.put(d.ticketId(), new Open(d.attempt(), b.startSpan(), d.at()));
    } else if (event instanceof LoopEvent.StageCompleted c) {
      onStage(c);
    } else if (event instanceof LoopEvent.AttemptFailed f) {
      endAttempt(f, "failed", span -> span.setStatus(StatusCode.ERROR, first(f.findings(), "failed at "
          + f.stage())).setAttribute(STAGE_KIND, f.kind().wireName()).setAttribute(STAGE_NAME, f.stage()));
    } else if (event instanceof LoopEvent.AttemptDeferred d) {
      endAttempt(d, "deferred", span -> span.setAttribute(ATTEMPT_BLOCKERS, d.blockers()));
    } else if (event instanceof LoopEvent.AttemptInterrupted i) {
      endAttempt(i, "interrupted", span -> span.setStatus(StatusCode.ERROR, i.reason())
          .setAttribute(ATTEMPT_REASON, i.reason()));
    } else if (event instanceof LoopEvent.TicketDone d) {
      endAttempt(d, "done", span -> { });
    } else if (event instanceof LoopEvent.HumanGated g) {
      endAttempt(g, "human-gated", span -> span.setAttribute(ATTEMPT_REASON, g.reason()));
    } else if (event instanceof LoopEvent.TicketDiscovered t) {
      runEvent("loop.ticket.discovered", Attributes.of(TICKET_ID, t.ticketId(), ORIGIN_ID, t.originId(),
          TICKET_TITLE, t.title(), BLOCKS_ORIGIN, t.blocksOrigin()), t.at());
    } else if (event instanceof LoopEvent.CapReached c) {
      runEvent("loop.cap.reached", Attributes.of(CAP, wire(c.cap().name()), CAP_DETAIL, c.detail()), c.at());
    } else if (event instanceof LoopEvent.TripwireTripped t) {
      runEvent("loop.tripwire.tripped", Attributes.of(TRIPWIRE_CHANGES, t.changes()), t.at());
    } else if (event instanceof LoopEvent.HealAttempted h) {
      runEvent("loop.heal", Attributes.of(HEAL_REASON, h.reason().wireName(), HEAL_OUTCOME, h.outcome().wireName(),
          HEAL_SUMMARY, h.summary()), h.at());
    } else if (event instanceof LoopEvent.RunEnded e) {
      endRun(e.at(), e);
    }
  }

  private void onStage(LoopEvent.StageCompleted c) {
    Open open = attempts.get(c.ticketId());
    if (open == null || open.number != c.attempt()) {
      return; // an attempt of an earlier process, reported on resume: its span ended with that process
    }
    Span span = tracer.spanBuilder("loop.stage " + c.stage()).setSpanKind(SpanKind.INTERNAL)
        .setParent(Context.root().with(open.span)).setStartTimestamp(open.lastEnd)
        .setAllAttributes(stageAttributes(c)).startSpan();
    if (c.outcome() == StageOutcome.FAILED || c.outcome() == StageOutcome.ERROR) {
      span.setStatus(StatusCode.ERROR, first(c.findings(), c.stage() + " " + c.outcome().wireName()));
    }
    span.end(c.at());
    attempts.put(c.ticketId(), new Open(open.number, open.span, c.at()));
  }

  private Attributes stageAttributes(LoopEvent.StageCompleted c) {
    AttributesBuilder a = Attributes.builder().put(STAGE_KIND, c.kind().wireName()).put(STAGE_NAME, c.stage())
        .put(STAGE_OUTCOME, c.outcome().wireName()).put(TICKET_ID, c.ticketId()).put(ATTEMPT, c.attempt());
    if (!c.summary().isEmpty()) {
      a.put(STAGE_SUMMARY, c.summary());
    }
    if (!c.findings().isEmpty()) {
      a.put(STAGE_FINDINGS, c.findings());
    }
    if (!c.evidence().isEmpty()) {
      a.put(STAGE_EVIDENCE, c.evidence().size());
    }
    Usage u = c.usage();
    if (!u.equals(Usage.ZERO)) {
      a.put(USAGE_INPUT, u.inputTokens()).put(USAGE_OUTPUT, u.outputTokens())
          .put(USAGE_CACHE_READ, u.cacheReadTokens()).put(USAGE_CACHE_WRITE, u.cacheWriteTokens())
          .put(USAGE_COST, u.costUsd().doubleValue()).put(USAGE_UNMETERED, u.unmeteredCalls());
    }
    String vendor = c.attributes().get("vendor");
    String model = c.attributes().get("model");
    if (vendor != null || model != null) {
      if (vendor != null) {
        a.put(GEN_AI_PROVIDER_NAME, vendor).put(GEN_AI_SYSTEM, vendor);
      }
      if (model != null) {
        a.put(GEN_AI_REQUEST_MODEL, model);
      }
      a.put(GEN_AI_USAGE_INPUT_TOKENS, u.inputTokens() + u.cacheReadTokens() + u.cacheWriteTokens())
          .put(GEN_AI_USAGE_OUTPUT_TOKENS, u.outputTokens());
    }
    if (stageAttributes) {
      c.attributes().forEach((k, v) -> a.put(STAGE_ATTRIBUTE_PREFIX + k, v));
    }
    return a.build();
  }

  private void endAttempt(LoopEvent.AttemptEvent e, String outcome, Consumer<Span> finish) {
    Open open = attempts.get(e.ticketId());
    if (open == null || open.number != e.attempt()) {
      return; // an attempt of an earlier process, settled on resume
    }
    attempts.remove(e.ticketId());
    open.span.setAttribute(ATTEMPT_OUTCOME, outcome);
    finish.accept(open.span);
    open.span.end(e.at());
  }

  private void runEvent(String name, Attributes attributes, Instant at) {
    Span current = run;
    if (current != null) {
      current.addEvent(name, attributes, at);
    }
  }

  /** Ends the run span; with no {@code RunEnded} (a session cut off unseen) it ends unfinished, as an error. */
  private void endRun(Instant at, LoopEvent.@Nullable RunEnded ended) {
    // the engine settles every attempt before it ends a session; any left were cut off with the process
    for (Map.Entry<String, Open> left : attempts.entrySet()) {
      left.getValue().span.setAttribute(ATTEMPT_OUTCOME, "unfinished")
          .setStatus(StatusCode.ERROR, "the run session ended with the attempt in flight").end(at);
    }
    attempts.clear();
    Span current = run;
    if (current == null) {
      return;
    }
    if (ended == null) {
      current.setStatus(StatusCode.ERROR, "the session ended without a run-ended event");
    } else {
      current.setAttribute(RUN_ENDING, ended.ending().name()).setAttribute(RUN_ENDING_DETAIL, ended.detail());
      if (ended.ending() != RunEnding.Kind.DONE) {
        current.setStatus(StatusCode.ERROR, ended.ending().name() + ": " + ended.detail());
      }
    }
    current.end(at);
    run = null;
  }

  private static String first(List<String> findings, String otherwise) {
    return findings.isEmpty() ? otherwise : findings.get(0);
  }

  private static String wire(String enumName) {
    return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private record Open(int number, Span span, Instant lastEnd) {}

  /** Configures a {@link LoopTracing}. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean stageAttributes = true;

    private Builder(Tracer tracer) {
      this.tracer = tracer;
    }

    /**
     * Whether each stage's own attributes (a workspace directory, a commit, a prompt hash: what the journal
     * records) go on its span as {@code loop.stage.attribute.<key>}; default true. Vendor and model become the
     * GenAI attributes either way.
     *
     * @param record whether to write them
     * @return this builder
     */
    public Builder stageAttributes(boolean record) {
      this.stageAttributes = record;
      return this;
    }

    /**
     * Builds the listener.
     *
     * @return the listener, to add with {@code LoopEngine.Builder.listener}
     */
    public LoopTracing build() {
      return new LoopTracing(this);
    }
  }
}

package dev.loopkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Review;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.RecordingListener;
import dev.loopkit.testing.ScriptedWorker;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopTracingTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock();
  private final RecordingListener events = new RecordingListener();
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider provider = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final OpenTelemetry otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
  private final LoopTracing tracing = LoopTracing.builder(otel).build();
  private final Map<String, String> traceparents = new ConcurrentHashMap<>();

  @AfterEach
  void close() {
    provider.close();
  }

  private Worker works(int seconds) {
    return a -> {
      tracing.traceparent(a.ticket().id()).ifPresent(t -> traceparents.put(a.ticket().id() + "#" + a.attempt(), t));
      clock.advance(Duration.ofSeconds(seconds));
      return WorkResult.completed("did " + a.ticket().id(), new Usage(1_000, 200, 0, 0, new BigDecimal("0.05")));
    };
  }

  /** 5 s; asks for changes on A's first attempt; anthropic/claude-test, 300 in, 50 out, 40 cache-read. */
  private Reviewer reviewer() {
    return r -> {
      clock.advance(Duration.ofSeconds(5));
      Usage usage = new Usage(300, 50, 40, 0, new BigDecimal("0.01"));
      Map<String, String> model = Map.of("vendor", "anthropic", "model", "claude-test", "prompt-sha256", "ab12");
      if (r.attempt() == 1 && r.ticket().id().equals("A")) {
        return new Review.ChangesRequested(List.of("add a test for A"), usage, model);
      }
      return new Review.Approved("looks right", usage, model);
    };
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Worker worker) {
    return LoopEngine.builder().tracker(tracker).worker(worker).clock(clock)
        .verifier(r -> {
          clock.advance(Duration.ofSeconds(2));
          return Verification.passed(Evidence.of("probe", r.ticket().id() + " answers"));
        })
        .listener(events).listener(tracing)
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  /** A done after a rejected review and filing D; B gated by its worker; D done; a host stage "smoke". */
  private RunResult run() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build(),
        Ticket.builder("B").title("second").build());
    Worker files = a -> {
      a.discoveries().file(NewTicket.builder("found while on A").idempotencyKey("a-found").build(), false);
      return works(10).work(a);
    };
    Worker gated = a -> {
      clock.advance(Duration.ofSeconds(3));
      return WorkResult.needsHuman("needs a production key",
          List.of(Evidence.of("command", "deploy exited 1: no key")), Usage.tokens(100, 10));
    };
    ScriptedWorker worker = ScriptedWorker.withFallback(works(4)).on("A", works(10), files).on("B", gated);
    return engine(tracker, worker).reviewer(reviewer())
        .caps(Caps.builder().maxConcurrency(1).allowUnmeteredUsage().build())
        .stage("smoke", c -> {
          clock.advance(Duration.ofSeconds(1));
          return StageResult.passed("smoke ok", List.of(Evidence.of("smoke", "200 OK")))
              .withUsage(Usage.unmetered(Usage.tokens(10, 5)))
              .withAttributes(Map.of("vendor", "openai", "model", "gpt-test"));
        }).build().run();
  }

  private List<SpanData> named(String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  private SpanData attempt(String ticket, int number) {
    return named("loop.attempt").stream()
        .filter(s -> ticket.equals(s.getAttributes().get(AttributeKey.stringKey("loop.ticket.id")))
            && number == s.getAttributes().get(AttributeKey.longKey("loop.attempt")))
        .findFirst().orElseThrow(() -> new AssertionError("no span for attempt " + number + " of " + ticket));
  }

  private List<SpanData> stagesOf(SpanData attempt) {
    return exporter.getFinishedSpanItems().stream()
        .filter(s -> s.getParentSpanId().equals(attempt.getSpanId())).toList();
  }

  private SpanData stage(SpanData attempt, String name) {
    return stagesOf(attempt).stream().filter(s -> s.getName().equals("loop.stage " + name)).findFirst()
        .orElseThrow(() -> new AssertionError("no stage " + name + " under " + attempt.getAttributes()));
  }

  private static long nanos(Instant at) {
    return TimeUnit.SECONDS.toNanos(at.getEpochSecond()) + at.getNano();
  }

  private static String string(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  private static Long number(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.longKey(key));
  }

  @Test
  void aRunIsOneTraceOfRunAttemptAndStageSpans() {
    run();

    List<SpanData> runs = named("loop.run");
    assertEquals(1, runs.size());
    SpanData runSpan = runs.get(0);
    assertFalse(runSpan.getParentSpanContext().isValid(), "the run span is a root here");
    assertEquals(4, named("loop.attempt").size(), "A twice, B, D");
    for (SpanData a : named("loop.attempt")) {
      assertEquals(runSpan.getSpanId(), a.getParentSpanId());
      assertEquals(runSpan.getTraceId(), a.getTraceId());
    }
    List<String> stageNames = stagesOf(attempt("A", 2)).stream().map(SpanData::getName).toList();
    assertEquals(List.of("loop.stage workspace", "loop.stage work", "loop.stage review", "loop.stage verify",
        "loop.stage smoke"), stageNames);
    assertEquals(List.of("loop.stage workspace", "loop.stage work", "loop.stage review"),
        stagesOf(attempt("A", 1)).stream().map(SpanData::getName).toList(), "the failed review ends it");
  }

  @Test
  @SuppressWarnings("try") // the scope is used for its effect: making the host's span current
  void theRunSpanIsAChildOfTheContextCurrentWhereTheRunWasCalled() {
    Span host = otel.getTracer("host").spanBuilder("nightly job").startSpan();
    try (Scope scope = host.makeCurrent()) {
      engine(InMemoryTracker.of(Ticket.builder("A").title("first").build()), works(1)).build().run();
    } finally {
      host.end();
    }

    SpanData runSpan = named("loop.run").get(0);
    assertEquals(host.getSpanContext().getSpanId(), runSpan.getParentSpanId());
    assertEquals(host.getSpanContext().getTraceId(), attempt("A", 1).getTraceId());
  }

  @Test
  void theRunSpanCarriesItsEndingAndIsAnErrorUnlessDone() {
    RunResult result = run();

    assertEquals(RunEnding.Kind.HUMAN_GATED, result.ending().kind());
    SpanData runSpan = named("loop.run").get(0);
    assertEquals("HUMAN_GATED", string(runSpan, "loop.run.ending"));
    assertEquals(StatusCode.ERROR, runSpan.getStatus().getStatusCode());
    assertTrue(runSpan.getStatus().getDescription().startsWith("HUMAN_GATED: "), runSpan.getStatus().toString());
    assertEquals(2L, number(runSpan, "loop.run.tickets"));
    assertEquals(false, runSpan.getAttributes().get(AttributeKey.booleanKey("loop.run.resumed")));
    assertEquals("run", string(runSpan, "loop.run.id"));
  }

  @Test
  void aDoneRunSpanIsNotAnError() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build());
    RunResult result = engine(tracker, works(1)).build().run();

    assertEquals(RunEnding.Kind.DONE, result.ending().kind());
    SpanData runSpan = named("loop.run").get(0);
    assertEquals("DONE", string(runSpan, "loop.run.ending"));
    assertEquals(StatusCode.UNSET, runSpan.getStatus().getStatusCode());
    assertEquals("done", string(attempt("A", 1), "loop.attempt.outcome"));
  }

  @Test
  void spanTimesAreTheEventTimesOfTheEnginesClock() {
    run();

    LoopEvent.TicketDispatched dispatched = events.events(LoopEvent.TicketDispatched.class).stream()
        .filter(d -> d.ticketId().equals("A") && d.attempt() == 2).findFirst().orElseThrow();
    LoopEvent.TicketDone done = events.events(LoopEvent.TicketDone.class).stream()
        .filter(d -> d.ticketId().equals("A")).findFirst().orElseThrow();
    SpanData a2 = attempt("A", 2);
    assertEquals(nanos(dispatched.at()), a2.getStartEpochNanos());
    assertEquals(nanos(done.at()), a2.getEndEpochNanos());
    SpanData work = stage(a2, "work");
    assertEquals(stage(a2, "workspace").getEndEpochNanos(), work.getStartEpochNanos(), "starts where the last ended");
    assertEquals(Duration.ofSeconds(10).toNanos(), work.getEndEpochNanos() - work.getStartEpochNanos());
    assertEquals(Duration.ofSeconds(5).toNanos(), duration(stage(a2, "review")));
    assertEquals(Duration.ofSeconds(2).toNanos(), duration(stage(a2, "verify")));
    assertEquals(Duration.ofSeconds(1).toNanos(), duration(stage(a2, "smoke")));
    SpanData runSpan = named("loop.run").get(0);
    assertEquals(nanos(events.events(LoopEvent.RunStarted.class).get(0).at()), runSpan.getStartEpochNanos());
    assertEquals(nanos(events.events(LoopEvent.RunEnded.class).get(0).at()), runSpan.getEndEpochNanos());
  }

  private static long duration(SpanData span) {
    return span.getEndEpochNanos() - span.getStartEpochNanos();
  }

  @Test
  void failedStagesAndAttemptsAreErrorsWithTheirFindings() {
    run();

    SpanData a1 = attempt("A", 1);
    SpanData review = stage(a1, "review");
    assertEquals(StatusCode.ERROR, review.getStatus().getStatusCode());
    assertEquals("add a test for A", review.getStatus().getDescription());
    assertEquals(List.of("add a test for A"),
        review.getAttributes().get(AttributeKey.stringArrayKey("loop.stage.findings")));
    assertEquals("failed", string(review, "loop.stage.outcome"));
    assertEquals("review", string(review, "loop.stage.kind"));
    assertEquals(StatusCode.ERROR, a1.getStatus().getStatusCode());
    assertEquals("failed", string(a1, "loop.attempt.outcome"));
    assertEquals("review", string(a1, "loop.stage.kind"));
    assertEquals(StatusCode.UNSET, stage(a1, "work").getStatus().getStatusCode());

    SpanData b = attempt("B", 1);
    assertEquals("human-gated", string(b, "loop.attempt.outcome"));
    assertEquals(events.events(LoopEvent.HumanGated.class).get(0).reason(), string(b, "loop.attempt.reason"));
    assertTrue(string(b, "loop.attempt.reason").contains("needs a production key"));
    assertEquals("needs-human", string(stage(b, "work"), "loop.stage.outcome"));
    assertEquals(0L, (long) number(b, "loop.attempt.slot"));
  }

  @Test
  void stagesThatNameAModelCarryTheGenAiAttributes() {
    run();

    SpanData review = stage(attempt("A", 2), "review");
    assertEquals("anthropic", string(review, "gen_ai.provider.name"));
    assertEquals("anthropic", string(review, "gen_ai.system"));
    assertEquals("claude-test", string(review, "gen_ai.request.model"));
    assertEquals(340L, number(review, "gen_ai.usage.input_tokens"), "uncached 300 plus 40 read from the cache");
    assertEquals(50L, number(review, "gen_ai.usage.output_tokens"));
    assertEquals(40L, number(review, "loop.usage.cache_read_tokens"));
    assertEquals(0.01, review.getAttributes().get(AttributeKey.doubleKey("loop.usage.cost_usd")), 1e-9);
    assertEquals("ab12", string(review, "loop.stage.attribute.prompt-sha256"));

    SpanData smoke = stage(attempt("A", 2), "smoke");
    assertEquals("openai", string(smoke, "gen_ai.provider.name"));
    assertEquals("gpt-test", string(smoke, "gen_ai.request.model"));
    assertEquals(1L, number(smoke, "loop.usage.unmetered_calls"));
    assertEquals("check", string(smoke, "loop.stage.kind"));

    SpanData work = stage(attempt("A", 2), "work");
    assertNull(string(work, "gen_ai.request.model"), "the worker's result names no model");
    assertEquals(1_000L, number(work, "loop.usage.input_tokens"));
  }

  @Test
  void hostStageAttributesCanBeKeptOffTheSpans() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build());
    LoopTracing quiet = LoopTracing.builder(otel).stageAttributes(false).build();
    LoopEngine.builder().tracker(tracker).worker(works(1)).clock(clock).reviewer(reviewer())
        .verifier(r -> Verification.passed(Evidence.of("probe", "ok"))).listener(quiet)
        .runDirectory(dir.resolve("quiet")).workspaces(Workspaces.shared(dir)).build().run();

    SpanData review = named("loop.stage review").get(0);
    assertNull(string(review, "loop.stage.attribute.prompt-sha256"));
    assertEquals("claude-test", string(review, "gen_ai.request.model"));
  }

  @Test
  void discoveredTicketsAreEventsOnTheRunSpan() {
    run();

    SpanData runSpan = named("loop.run").get(0);
    EventData found = runSpan.getEvents().stream().filter(e -> e.getName().equals("loop.ticket.discovered"))
        .findFirst().orElseThrow();
    LoopEvent.TicketDiscovered discovered = events.events(LoopEvent.TicketDiscovered.class).get(0);
    assertEquals(discovered.ticketId(), found.getAttributes().get(AttributeKey.stringKey("loop.ticket.id")));
    assertEquals("A", found.getAttributes().get(AttributeKey.stringKey("loop.discovered.origin_id")));
    assertEquals(false, found.getAttributes().get(AttributeKey.booleanKey("loop.discovered.blocks_origin")));
    assertEquals(nanos(discovered.at()), found.getEpochNanos());
    assertTrue(attempt(discovered.ticketId(), 1).getEvents().isEmpty(), "events of the run stay on the run span");
  }

  @Test
  void aCapReachedIsAnEventAndEndsTheRunSpanCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build(),
        Ticket.builder("B").title("second").build());
    RunResult result = engine(tracker, works(1)).caps(Caps.builder().maxConcurrency(1).maxCostUsd("0.04").build())
        .build().run();

    assertEquals(RunEnding.Kind.CAPPED, result.ending().kind());
    SpanData runSpan = named("loop.run").get(0);
    EventData cap = runSpan.getEvents().stream().filter(e -> e.getName().equals("loop.cap.reached"))
        .findFirst().orElseThrow(() -> new AssertionError(runSpan.getEvents().toString()));
    assertEquals("money", cap.getAttributes().get(AttributeKey.stringKey("loop.cap")));
    assertEquals("CAPPED", string(runSpan, "loop.run.ending"));
    assertEquals(StatusCode.ERROR, runSpan.getStatus().getStatusCode());
  }

  @Test
  void aResumedRunIsASecondRunSpan() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build(),
        Ticket.builder("B").title("second").build());
    engine(tracker, works(1)).caps(Caps.builder().maxConcurrency(1).maxCostUsd("0.04").build()).build().run();
    clock.advance(Duration.ofHours(1));
    RunResult resumed = engine(tracker, works(1)).caps(Caps.builder().maxConcurrency(1).build()).build().run();

    assertEquals(RunEnding.Kind.DONE, resumed.ending().kind());
    List<SpanData> runs = named("loop.run");
    assertEquals(2, runs.size());
    assertEquals(List.of(false, true), runs.stream()
        .map(r -> r.getAttributes().get(AttributeKey.booleanKey("loop.run.resumed"))).toList());
    assertEquals(List.of("CAPPED", "DONE"), runs.stream().map(r -> string(r, "loop.run.ending")).toList());
    SpanData second = runs.get(1);
    assertTrue(named("loop.attempt").stream().anyMatch(a -> a.getParentSpanId().equals(second.getSpanId())),
        "the resumed session's attempts are under its own span");
  }

  @Test
  void aTripwireIsAnEventOnTheRunSpan() {
    Instant at = clock.instant();
    tracing.onEvent(new LoopEvent.RunStarted(at, "r", 1, false, Map.of(), Map.of()));
    tracing.onEvent(new LoopEvent.TripwireTripped(at.plusSeconds(3), List.of("verify.sh changed")));
    tracing.onEvent(new LoopEvent.CapReached(at.plusSeconds(3), Cap.PASSES, "100 passes"));
    tracing.onEvent(new LoopEvent.RunEnded(at.plusSeconds(4), RunEnding.Kind.TAMPERED, "verify.sh changed"));

    SpanData runSpan = named("loop.run").get(0);
    EventData tripped = runSpan.getEvents().get(0);
    assertEquals("loop.tripwire.tripped", tripped.getName());
    assertEquals(List.of("verify.sh changed"),
        tripped.getAttributes().get(AttributeKey.stringArrayKey("loop.tripwire.changes")));
    assertEquals("TAMPERED: verify.sh changed", runSpan.getStatus().getDescription());
  }

  @Test
  void traceparentIsTheW3cContextOfTheAttemptInFlight() {
    run();

    SpanData a2 = attempt("A", 2);
    assertTrue(a2.getSpanContext().isSampled());
    // the flags are the span's own: sampled, and in SDKs that set it, W3C level 2's random-trace-id bit
    assertEquals("00-" + a2.getTraceId() + "-" + a2.getSpanId() + "-" + a2.getSpanContext().getTraceFlags().asHex(),
        traceparents.get("A#2"));
    SpanData d = attempt(events.events(LoopEvent.TicketDiscovered.class).get(0).ticketId(), 1);
    assertEquals(a2.getTraceId(), d.getTraceId());
    assertTrue(tracing.traceparent("A").isEmpty(), "no attempt in flight after the run");
    assertTrue(tracing.attemptContext("A").isEmpty());
  }

  @Test
  void aNoopOpenTelemetryGivesNoTraceparent() {
    LoopTracing noop = LoopTracing.builder(OpenTelemetry.noop()).build();
    Instant at = clock.instant();
    noop.onEvent(new LoopEvent.RunStarted(at, "r", 1, false, Map.of(), Map.of()));
    noop.onEvent(new LoopEvent.TicketDispatched(at, "A", 1, 0));

    assertTrue(noop.traceparent("A").isEmpty());
    assertTrue(noop.attemptContext("A").isPresent(), "the context exists even when nothing records");
  }

  @Test
  void attemptsLeftOpenWhenASessionEndsAreEndedAsUnfinished() {
    Instant at = clock.instant();
    tracing.onEvent(new LoopEvent.RunStarted(at, "r", 1, false, Map.of(), Map.of()));
    tracing.onEvent(new LoopEvent.TicketDispatched(at, "A", 1, 0));
    tracing.onEvent(new LoopEvent.RunEnded(at.plusSeconds(9), RunEnding.Kind.FAILED, "tracker down"));

    SpanData a = attempt("A", 1);
    assertEquals("unfinished", string(a, "loop.attempt.outcome"));
    assertEquals(StatusCode.ERROR, a.getStatus().getStatusCode());
    assertEquals(nanos(at.plusSeconds(9)), a.getEndEpochNanos());
  }
}

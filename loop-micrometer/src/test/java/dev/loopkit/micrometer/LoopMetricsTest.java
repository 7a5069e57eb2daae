package dev.loopkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
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
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopMetricsTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingListener events = new RecordingListener();

  /** Work that takes {@code seconds} on the run's clock and uses 1,000 input and 200 output tokens. */
  private Worker works(int seconds) {
    return a -> {
      clock.advance(Duration.ofSeconds(seconds));
      return WorkResult.completed("did " + a.ticket().id(),
          new Usage(1_000, 200, 0, 0, new BigDecimal("0.05")));
    };
  }

  /**
   * A model reviewer's answer: 5 s, anthropic/claude-test, 300 in, 50 out, 40 cache-read, $0.01; it asks for
   * changes on the first attempt of the tickets {@code rejects} names.
   */
  private Reviewer reviewer(Predicate<String> rejects) {
    return r -> {
      clock.advance(Duration.ofSeconds(5));
      Usage usage = new Usage(300, 50, 40, 0, new BigDecimal("0.01"));
      Map<String, String> model = Map.of("vendor", "anthropic", "model", "claude-test", "prompt-sha256", "ab12");
      if (r.attempt() == 1 && rejects.test(r.ticket().id())) {
        return new Review.ChangesRequested(List.of("add a test for " + r.ticket().id()), usage, model);
      }
      return new Review.Approved("looks right", usage, model);
    };
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Worker worker, LoopMetrics metrics) {
    return LoopEngine.builder().tracker(tracker).worker(worker).clock(clock)
        .verifier(r -> {
          clock.advance(Duration.ofSeconds(2));
          return Verification.passed(Evidence.of("probe", r.ticket().id() + " answers"));
        })
        .caps(Caps.builder().maxConcurrency(1).allowUnmeteredUsage().maxPasses(10_000).build())
        .listener(events).listener(metrics)
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  /** A host stage that calls a model: 1 s, openai/gpt-test, 10 in, 5 out, plus one call it could not price. */
  private static StageResult smoke(ManualClock clock) {
    clock.advance(Duration.ofSeconds(1));
    return StageResult.passed("smoke ok", List.of(Evidence.of("smoke", "200 OK")))
        .withUsage(Usage.unmetered(Usage.tokens(10, 5)))
        .withAttributes(Map.of("vendor", "openai", "model", "gpt-test"));
  }

  private RunResult twoTicketRun(LoopMetrics metrics, AtomicReference<Double> activeDuringWork) {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build(),
        Ticket.builder("B").title("second").build());
    Worker gated = a -> {
      clock.advance(Duration.ofSeconds(3));
      return WorkResult.needsHuman("needs a production key",
          List.of(Evidence.of("command", "deploy exited 1: no key")), Usage.tokens(100, 10));
    };
    Worker a = works(10);
    Worker probe = x -> {
      activeDuringWork.set(registry.get("loop.attempts.active").gauge().value());
      return a.work(x);
    };
    ScriptedWorker worker = ScriptedWorker.create().on("A", probe, a).on("B", gated);
    return engine(tracker, worker, metrics).reviewer(reviewer("A"::equals))
        .stage("smoke", c -> smoke(clock)).build().run();
  }

  private double count(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tags(tags).timer();
  }

  @Test
  void countsTicketsAttemptsEndingsAndInterventionsOfARealRun() {
    AtomicReference<Double> active = new AtomicReference<>();
    RunResult result = twoTicketRun(LoopMetrics.builder(registry).checkStages("smoke").build(), active);

    assertEquals(RunEnding.Kind.HUMAN_GATED, result.ending().kind());
    assertEquals(1, count("loop.tickets", "outcome", "done"));
    assertEquals(1, count("loop.tickets", "outcome", "human-gated"));
    assertEquals(1, count("loop.attempts", "outcome", "failed", "stage.kind", "review", "stage", "review"));
    assertEquals(1, count("loop.attempts", "outcome", "done", "stage.kind", "none"));
    assertEquals(1, count("loop.attempts", "outcome", "human-gated", "stage.kind", "none"));
    assertEquals(1, count("loop.runs.started", "resumed", "false"));
    assertEquals(1, count("loop.runs.ended", "ending", "human-gated"));
    assertEquals(1, count("loop.interventions", "kind", "human-gated"));
    assertEquals(1.0, active.get(), "one attempt in flight while A worked");
    assertEquals(0.0, registry.get("loop.attempts.active").gauge().value(), "none after the run");
    assertEquals(events.events(LoopEvent.PassStarted.class).size(), count("loop.passes"));
  }

  @Test
  void timesStagesFromTheEndOfThePreviousStageOnTheEnginesClock() {
    twoTicketRun(LoopMetrics.builder(registry).checkStages("smoke").build(), new AtomicReference<>());

    Timer work = timer("loop.stage.duration", "kind", "work", "stage", "work", "outcome", "passed");
    assertEquals(2, work.count());
    assertEquals(20.0, work.totalTime(TimeUnit.SECONDS));
    Timer rejected = timer("loop.stage.duration", "kind", "review", "outcome", "failed");
    assertEquals(1, rejected.count());
    assertEquals(5.0, rejected.totalTime(TimeUnit.SECONDS));
    assertEquals(3.0, timer("loop.stage.duration", "kind", "work", "outcome", "needs-human")
        .totalTime(TimeUnit.SECONDS));
    assertEquals(2.0, timer("loop.stage.duration", "kind", "verify", "outcome", "passed")
        .totalTime(TimeUnit.SECONDS));
    assertEquals(1.0, timer("loop.stage.duration", "kind", "check", "stage", "smoke", "outcome", "passed")
        .totalTime(TimeUnit.SECONDS));
  }

  @Test
  void timesAttemptsFromDispatchToTheirEnd() {
    twoTicketRun(LoopMetrics.builder(registry).build(), new AtomicReference<>());

    // A's first attempt: work 10 s + review 5 s; its second: 10 + 5 + verify 2 + smoke 1; B: work 3 s
    assertEquals(15.0, timer("loop.attempt.duration", "outcome", "failed").totalTime(TimeUnit.SECONDS));
    assertEquals(18.0, timer("loop.attempt.duration", "outcome", "done").totalTime(TimeUnit.SECONDS));
    assertEquals(3.0, timer("loop.attempt.duration", "outcome", "human-gated").totalTime(TimeUnit.SECONDS));
  }

  @Test
  void timesTheIntervalBetweenPasses() {
    twoTicketRun(LoopMetrics.builder(registry).build(), new AtomicReference<>());

    List<LoopEvent.PassStarted> passes = events.events(LoopEvent.PassStarted.class);
    Timer interval = timer("loop.pass.interval");
    assertEquals(passes.size() - 1, interval.count());
    assertEquals(Duration.between(passes.get(0).at(), passes.get(passes.size() - 1).at()).toSeconds(),
        interval.totalTime(TimeUnit.SECONDS));
  }

  @Test
  void countsTokensAndCostByTheModelTheStageNamedElseUnknown() {
    twoTicketRun(LoopMetrics.builder(registry).build(), new AtomicReference<>());

    String[] claude = {"vendor", "anthropic", "model", "claude-test"};
    assertEquals(600, count("loop.tokens", tags(claude, "type", "input")));
    assertEquals(100, count("loop.tokens", tags(claude, "type", "output")));
    assertEquals(80, count("loop.tokens", tags(claude, "type", "cache-read")));
    assertEquals(0.02, count("loop.cost", claude), 1e-9);
    // the worker's usage carries no model: two attempts of A (1,000 each) and B's 100
    String[] unknown = {"vendor", "unknown", "model", "unknown"};
    assertEquals(2_100, count("loop.tokens", tags(unknown, "type", "input")));
    assertEquals(0.10, count("loop.cost", unknown), 1e-9);
    String[] gpt = {"vendor", "openai", "model", "gpt-test"};
    assertEquals(10, count("loop.tokens", tags(gpt, "type", "input")));
    assertEquals(1, count("loop.model.calls.unmetered", gpt));
    assertEquals("usd", registry.get("loop.cost").meter().getId().getBaseUnit());
  }

  @Test
  void hostStagesNotListedAreTaggedOther() {
    twoTicketRun(LoopMetrics.builder(registry).build(), new AtomicReference<>());

    assertEquals(1, timer("loop.stage.duration", "kind", "check", "stage", "other").count());
    assertNull(registry.find("loop.stage.duration").tag("stage", "smoke").timer());
  }

  @Test
  void modelsBeyondTheBoundAreTaggedOther() {
    twoTicketRun(LoopMetrics.builder(registry).maxTagValues(1).build(), new AtomicReference<>());

    // the first pair seen keeps its name (the worker's unknown/unknown); the reviewer's and the stage's do not
    assertEquals(2_100, count("loop.tokens", "vendor", "unknown", "model", "unknown", "type", "input"));
    assertEquals(610, count("loop.tokens", "vendor", "other", "model", "other", "type", "input"));
  }

  @Test
  void commonTagsAndTheRunNameAreOnEveryMeter() {
    twoTicketRun(LoopMetrics.builder(registry).runName("nightly").tag("env", "ci").build(),
        new AtomicReference<>());

    assertFalse(registry.getMeters().isEmpty());
    for (Meter m : registry.getMeters()) {
      assertEquals("nightly", m.getId().getTag("run"), m.getId().toString());
      assertEquals("ci", m.getId().getTag("env"), m.getId().toString());
    }
  }

  @Test
  void aThousandTicketsMakeNoMoreMetersThanThree() {
    SimpleMeterRegistry small = new SimpleMeterRegistry();
    int three = metersAfter(3, small, dir.resolve("three"));
    int thousand = metersAfter(1_000, registry, dir.resolve("thousand"));

    assertEquals(three, thousand);
    Set<String> values = new HashSet<>();
    registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> values.add(t.getValue())));
    for (int i = 0; i < 1_000; i++) {
      assertFalse(values.contains("T" + i), "ticket id T" + i + " became a tag value");
    }
    assertEquals(1_000, count("loop.tickets", "outcome", "done"));
    assertEquals(500, count("loop.attempts", "outcome", "failed", "stage.kind", "review"));
  }

  /** Runs {@code tickets} tickets to done, every even one rejected once by review; returns the meter count. */
  private int metersAfter(int tickets, SimpleMeterRegistry into, Path runDir) {
    InMemoryTracker tracker = new InMemoryTracker();
    for (int i = 0; i < tickets; i++) {
      tracker.put(Ticket.builder("T" + i).title("ticket " + i).build());
    }
    RunResult result = LoopEngine.builder().tracker(tracker).worker(works(1)).clock(clock)
        .reviewer(reviewer(id -> Integer.parseInt(id.substring(1)) % 2 == 0))
        .verifier(r -> Verification.passed(Evidence.of("probe", "ok")))
        .caps(Caps.builder().maxConcurrency(4).maxPasses(100_000).maxCostUsd("1000000").build())
        .listener(LoopMetrics.builder(into).build())
        .runDirectory(runDir).workspaces(Workspaces.shared(dir)).build().run();
    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    return into.getMeters().size();
  }

  @Test
  void aResumedSessionCountsAsResumedAndEachEndingIsCounted() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("first").build(),
        Ticket.builder("B").title("second").build());
    LoopMetrics metrics = LoopMetrics.builder(registry).build();
    engine(tracker, works(1), metrics).caps(Caps.builder().maxConcurrency(1).maxCostUsd("0.04").build()).build()
        .run();
    RunResult resumed = engine(tracker, works(1), metrics).build().run();

    assertEquals(RunEnding.Kind.DONE, resumed.ending().kind());
    assertEquals(1, count("loop.runs.started", "resumed", "false"));
    assertEquals(1, count("loop.runs.started", "resumed", "true"));
    assertEquals(1, count("loop.runs.ended", "ending", "capped"));
    assertEquals(1, count("loop.runs.ended", "ending", "done"));
    assertEquals(1, count("loop.caps.reached", "cap", "money"));
    assertEquals(1, count("loop.interventions", "kind", "capped"));
    assertEquals(2, count("loop.tickets", "outcome", "done"));
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    LoopMetrics.Builder b = LoopMetrics.builder(registry);
    InputException stage = assertThrows(InputException.class, () -> b.checkStages("Smoke Test"));
    assertTrue(stage.getMessage().contains("'Smoke Test'"), stage.getMessage());
    InputException reserved = assertThrows(InputException.class, () -> b.tag("outcome", "x"));
    assertTrue(reserved.getMessage().contains("'outcome'"), reserved.getMessage());
    InputException bound = assertThrows(InputException.class, () -> b.maxTagValues(0));
    assertTrue(bound.getMessage().contains("maxTagValues is 0"), bound.getMessage());
    assertThrows(InputException.class, () -> b.runName(" "));
  }

  @Test
  void healsCapsAndTripwiresAreCountedFromTheirEvents() {
    LoopMetrics metrics = LoopMetrics.builder(registry).build();
    Instant at = clock.instant();
    metrics.onEvent(new LoopEvent.HealAttempted(at, HealContext.Reason.STALLED,
        Heal.Outcome.REJECTED, "touched the verifier", ""));
    metrics.onEvent(new LoopEvent.HealReverted(at, 1, true, "no ticket done in 3 attempts since it"));
    metrics.onEvent(new LoopEvent.CapReached(at, Cap.MONEY, "spent $5"));
    metrics.onEvent(new LoopEvent.TripwireTripped(at, List.of("verify.sh changed")));
    metrics.onEvent(new LoopEvent.ResourceWaited(at, "B", "merge", "A", 1_500));
    metrics.onEvent(new LoopEvent.RunEnded(at, RunEnding.Kind.TAMPERED, "verify.sh changed"));

    assertEquals(1, count("loop.heals", "outcome", "rejected", "reason", "stalled"));
    assertEquals(1, count("loop.heals.reverted", "reverted", "true"));
    assertEquals(1, count("loop.interventions", "kind", "heal-rejected"));
    assertEquals(1, count("loop.interventions", "kind", "tampered"));
    assertEquals(1, count("loop.caps.reached", "cap", "money"));
    assertEquals(1, count("loop.tripwires"));
    assertEquals(1.5, timer("loop.lock.wait", "resource", "merge").totalTime(TimeUnit.SECONDS));
  }

  private static String[] tags(String[] base, String... more) {
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

}

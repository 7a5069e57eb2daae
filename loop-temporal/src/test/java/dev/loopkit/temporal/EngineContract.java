package dev.loopkit.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.Finding;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.Heal;
import dev.loopkit.core.Healer;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.RecordingListener;
import dev.loopkit.testing.ScriptedWorker;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One contract, two engines: the engine scenarios of DESIGN §1 and §4, run against {@code LoopEngine} and against
 * {@code TemporalLoopEngine} (on the in-process test server). Each subclass builds its engine from the same
 * {@link Setup}; every assertion is on what the engine computed (endings, tracker writes, events, the report).
 */
abstract class EngineContract {
  @TempDir Path dir;

  /** The parts of one run, as every engine takes them. */
  static final class Setup {
    final InMemoryTracker tracker;
    final Worker worker;
    final Verifier verifier;
    final ManualClock clock;
    final RecordingListener events = new RecordingListener();
    final Path runDirectory;
    final Workspaces workspaces;
    Caps caps = Caps.defaults();
    @Nullable Oracle oracle;
    @Nullable Tripwire tripwire;
    @Nullable Healer healer;
    /** The tracker the engine is given, when it is not {@link #tracker} itself (a faulty wrapper of it). */
    @Nullable Tracker wrapped;
    @Nullable Duration trackerCallTimeout;
    List<Path> earlierRuns = List.of();

    Tracker engineTracker() {
      return wrapped != null ? wrapped : tracker;
    }

    Setup(InMemoryTracker tracker, Worker worker, Verifier verifier, ManualClock clock, Path runDirectory,
        Workspaces workspaces) {
      this.tracker = tracker;
      this.worker = worker;
      this.verifier = verifier;
      this.clock = clock;
      this.runDirectory = runDirectory;
      this.workspaces = workspaces;
    }
  }

  /** Runs (or resumes) the run the setup describes to its ending. */
  protected abstract RunResult run(Setup setup);

  protected final ManualClock clock = new ManualClock();

  private Setup setup(InMemoryTracker tracker, Worker worker, Verifier verifier) {
    return new Setup(tracker, worker, verifier, clock, dir.resolve("run"), Workspaces.shared(dir));
  }

  /** A worker that writes {@code <ticket id>.txt}: real work a verifier can check. */
  private Worker writesFile() {
    return a -> {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done by attempt " + a.attempt());
      return WorkResult.completed("wrote " + a.ticket().id() + ".txt", Usage.tokens(100, 50));
    };
  }

  private Verifier fileExists() {
    return r -> {
      Path f = dir.resolve(r.ticket().id() + ".txt");
      if (!Files.exists(f)) {
        return Verification.failed(List.of("expected " + f.getFileName() + " to exist"), List.of());
      }
      return Verification.passed(new Evidence("file", f.getFileName() + " exists",
          Map.of("content", Files.readString(f))));
    };
  }

  private static Ticket ticket(String id, Dependency... deps) {
    return Ticket.builder(id).title("ticket " + id).dependencies(List.of(deps)).build();
  }

  @Test
  void aBatchOfDependentTicketsRunsToDoneWithEvidence() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")),
        ticket("C", Dependency.blockedBy("B")));
    Setup s = setup(tracker, writesFile(), fileExists());
    RunResult result = run(s);

    assertInstanceOf(RunEnding.Done.class, result.ending());
    List<String> doneOrder = new ArrayList<>();
    s.events.events(LoopEvent.TicketDone.class).forEach(e -> doneOrder.add(e.ticketId()));
    assertEquals(List.of("A", "B", "C"), doneOrder);
    for (String id : List.of("A", "B", "C")) {
      assertEquals(1, tracker.transitions(id, Status.DONE).size(), id + " done exactly once");
    }
    assertEquals("file", s.events.events(LoopEvent.TicketDone.class).get(0).evidence().get(0).kind());
    assertEquals(450, result.report().usage().totalTokens());
    assertTrue(Files.isRegularFile(s.runDirectory.resolve("journal.jsonl")), "the journal is in the run directory");
  }

  @Test
  void theOracleIsTheOnlyWayToDone() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Setup s = setup(tracker, writesFile(), fileExists());
    s.oracle = ctx -> Verdict.pending(List.of(new Verdict.Outstanding("A", "external check not green")));
    RunResult result = run(s);

    assertEquals(Status.DONE, tracker.ticket("A").status(), "the ticket itself was verified");
    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertEquals("A", stalled.outstanding().get(0).ticketId());
  }

  @Test
  void aVerifierFailingAClaimedSuccessGatesTheTicketWithTheEvidenceOfEachAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Setup s = setup(tracker, Worker.claimDone(), fileExists());
    s.caps = Caps.builder().maxAttemptsPerTicket(2).build();
    RunResult result = run(s);

    assertTrue(tracker.transitions("A", Status.DONE).isEmpty());
    RunEnding.HumanGated gated = assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    assertEquals("A", gated.gated().get(0).ticketId());
    assertEquals(2, gated.gated().get(0).evidence().size(), "one piece of evidence per failed attempt");
    assertEquals(RunReport.InterventionKind.HUMAN_GATED, result.report().interventions().get(0).kind());
  }

  @Test
  void aPassWithoutEvidenceIsAFailedAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Setup s = setup(tracker, writesFile(), r -> Verification.passed(List.of()));
    s.caps = Caps.builder().maxAttemptsPerTicket(1).build();
    run(s);

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    LoopEvent.AttemptFailed failed = s.events.events(LoopEvent.AttemptFailed.class).get(0);
    assertEquals("verify", failed.stage());
    assertTrue(failed.findings().get(0).contains("positive evidence"), failed.findings().toString());
  }

  @Test
  void attemptsExhaustToHumanGatedAndFindingsReachEachNextWorker() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    ScriptedWorker worker = ScriptedWorker.create()
        .on("A", Worker.giveUp("tests fail: NPE in Parser"), Worker.giveUp("still failing: Parser line 3"),
            Worker.giveUp("gave up"));
    Setup s = setup(tracker, worker, fileExists());
    s.caps = Caps.builder().maxAttemptsPerTicket(3).build();
    run(s);

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    LoopEvent.HumanGated gated = s.events.events(LoopEvent.HumanGated.class).get(0);
    assertEquals(3, gated.evidence().size(), gated.evidence().toString());
    List<Assignment> assignments = worker.assignments("A");
    assertEquals(List.of(), assignments.get(0).findings());
    assertEquals(List.of(new Finding(1, "work", "tests fail: NPE in Parser")), assignments.get(1).findings());
    assertEquals(2, assignments.get(2).findings().size());
    assertEquals(3, assignments.get(2).attempt());
  }

  @Test
  void aHumanRequestWithEvidenceGatesTheTicket() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Evidence wall = new Evidence("command", "terraform apply: 403 Forbidden",
        Map.of("command", "terraform apply", "exit-code", "1"));
    Setup s = setup(tracker, a -> WorkResult.needsHuman("credentials lack apply rights", List.of(wall), Usage.ZERO),
        fileExists());
    run(s);

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    assertEquals(List.of(wall), s.events.events(LoopEvent.HumanGated.class).get(0).evidence());
  }

  @Test
  void aDiscoveredTicketIsFiledOnceWithItsEdgesAndRunsBeforeTheTicketItBlocks() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    AtomicReference<String> filed = new AtomicReference<>();
    Worker writes = writesFile();
    Worker discoverer = a -> {
      if (a.attempt() == 1) {
        Ticket t = a.discoveries().file(NewTicket.builder("add missing migration").build(), true);
        filed.set(t.id());
        a.discoveries().file(NewTicket.builder("add missing migration").build(), true); // a retried tool call
        return WorkResult.completed("found a blocker", Usage.ZERO);
      }
      return writes.work(a);
    };
    Setup s = setup(tracker, ScriptedWorker.withFallback(writes).on("A", discoverer), fileExists());
    RunResult result = run(s);

    assertInstanceOf(RunEnding.Done.class, result.ending());
    String b = filed.get();
    assertEquals(1, tracker.creations(), "filed once");
    assertEquals(List.of("A"), tracker.ticket(b).dependencyTargets(DependencyType.DISCOVERED_FROM));
    assertEquals(List.of(b), tracker.ticket("A").dependencyTargets(DependencyType.BLOCKS));
    List<String> doneOrder = new ArrayList<>();
    s.events.events(LoopEvent.TicketDone.class).forEach(e -> doneOrder.add(e.ticketId()));
    assertEquals(List.of(b, "A"), doneOrder);
    assertEquals(1, s.events.events(LoopEvent.AttemptDeferred.class).size());
  }

  @Test
  void discoveredTicketsBeyondTheCapEndTheRunCappedNamingTheCap() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Worker greedy = a -> {
      for (int i = 0; i < 5; i++) {
        a.discoveries().file(NewTicket.builder("follow-up " + i).build(), false);
      }
      return WorkResult.completed("filed five", Usage.ZERO);
    };
    Setup s = setup(tracker, greedy, fileExists());
    s.caps = Caps.builder().maxDiscoveredTickets(2).build();
    RunResult result = run(s);

    assertEquals(Cap.DISCOVERED_TICKETS, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
    assertEquals(2, tracker.creations());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty());
  }

  @Test
  void thePassesCapEndsTheRunCappedNamingIt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    Setup s = setup(tracker, writesFile(), fileExists());
    s.caps = Caps.builder().maxPasses(2).maxConcurrency(1).build();
    RunResult result = run(s);

    assertEquals(Cap.PASSES, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
    assertEquals(Status.OPEN, tracker.ticket("C").status());
    assertTrue(result.report().endingDetail().contains("2 passes"), result.report().endingDetail());
  }

  @Test
  void theWallClockCapEndsTheRunCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Worker writes = writesFile();
    Worker slow = a -> {
      clock.advance(Duration.ofMinutes(40));
      return writes.work(a);
    };
    Setup s = setup(tracker, slow, fileExists());
    s.caps = Caps.builder().maxWallClock(Duration.ofMinutes(30)).maxConcurrency(1).build();
    RunResult result = run(s);

    assertEquals(Cap.WALL_CLOCK, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
    assertEquals(Status.OPEN, tracker.ticket("B").status());
  }

  @Test
  void theMoneyCapEndsTheRunCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Worker pricey = a -> {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "x");
      return WorkResult.completed("ok", Usage.tokens(10, 10).withCost(new BigDecimal("0.75")));
    };
    Setup s = setup(tracker, pricey, fileExists());
    s.caps = Caps.builder().maxCostUsd("0.50").maxConcurrency(1).build();
    RunResult result = run(s);

    assertEquals(Cap.MONEY, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
    assertEquals(0, new BigDecimal("0.75").compareTo(result.report().usage().costUsd()));
  }

  @Test
  void theTokenCapEndsTheRunCappedAndTheBudgetShrinks() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    List<Long> budgets = new java.util.concurrent.CopyOnWriteArrayList<>();
    Worker writes = writesFile();
    Worker hungry = a -> {
      budgets.add(a.budget().tokens());
      writes.work(a);
      return WorkResult.completed("ok", Usage.tokens(600, 0));
    };
    Setup s = setup(tracker, hungry, fileExists());
    s.caps = Caps.builder().maxTokens(1000).maxConcurrency(1).build();
    RunResult result = run(s);

    assertEquals(Cap.TOKENS, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
    assertEquals(List.of(1000L, 400L), budgets);
  }

  @Test
  void ticketsSharingAResourceNeverOverlap() {
    InMemoryTracker tracker = new InMemoryTracker(clock);
    for (int i = 0; i < 6; i++) {
      Ticket.Builder b = Ticket.builder("R" + i).title("apply " + i);
      if (i % 2 == 0) {
        b.addResource("infra-apply");
      }
      tracker.put(b.build());
    }
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    Worker writes = writesFile();
    Worker worker = a -> {
      boolean infra = a.ticket().resources().contains("infra-apply");
      if (infra && holding.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      try {
        Thread.sleep(20);
        return writes.work(a);
      } finally {
        if (infra) {
          holding.decrementAndGet();
        }
      }
    };
    Setup s = setup(tracker, worker, fileExists());
    s.caps = Caps.builder().maxConcurrency(3).build();
    RunResult result = run(s);

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(0, overlaps.get(), "two infra-apply tickets worked at the same time");
    String holder = null;
    int holders = 0;
    for (LoopEvent e : s.events.events()) {
      if (e instanceof LoopEvent.TicketDispatched d && tracker.ticket(d.ticketId()).resources().contains("infra-apply")) {
        assertEquals(null, holder, d.ticketId() + " dispatched while " + holder + " holds infra-apply");
        holder = d.ticketId();
        holders++;
      } else if (e instanceof LoopEvent.ResourcesReleased r && r.resources().contains("infra-apply")) {
        holder = null;
      }
    }
    assertEquals(3, holders);
  }

  @Test
  void aChangedDefinitionOfDoneEndsTheRunTampered() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Map<String, String> fingerprint = new ConcurrentHashMap<>(Map.of("verify.sh", "sha-1"));
    Worker writes = writesFile();
    Worker cheater = a -> {
      fingerprint.put("verify.sh", "sha-2"); // the worker edits the verifier's script
      return writes.work(a);
    };
    Setup s = setup(tracker, cheater, fileExists());
    s.tripwire = () -> Map.copyOf(fingerprint);
    s.caps = Caps.builder().maxConcurrency(1).build();
    RunResult result = run(s);

    assertEquals(List.of("changed: verify.sh"), assertInstanceOf(RunEnding.Tampered.class, result.ending()).changes());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty(), "the tampering attempt is never marked done");
  }

  @Test
  void anAppliedHealLetsAStalledRunGoOn() {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("A").title("a").status(Status.HUMAN_GATED).build(), ticket("B", Dependency.blockedBy("A")));
    Setup s = setup(tracker, writesFile(), fileExists());
    s.tripwire = () -> Map.of("verify.sh", "sha-1");
    s.healer = ctx -> {
      tracker.put(ctx.batch().find("B").orElseThrow().toBuilder().dependencies(List.of()).build());
      return Heal.applied("dropped the stale edge B->A", "- blocks:A");
    };
    RunResult result = run(s);

    assertEquals(Status.DONE, tracker.ticket("B").status());
    assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    assertEquals(Heal.Outcome.APPLIED, s.events.events(LoopEvent.HealAttempted.class).get(0).outcome());
  }

  @Test
  void aCappedRunResumesToDoneWithNothingDoneTwice() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    Setup first = setup(tracker, writesFile(), fileExists());
    first.caps = Caps.builder().maxPasses(2).maxConcurrency(1).build();
    assertEquals(Cap.PASSES, assertInstanceOf(RunEnding.Capped.class, run(first).ending()).cap());

    Setup second = setup(tracker, writesFile(), fileExists());
    RunResult result = run(second);

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (String id : List.of("A", "B", "C")) {
      assertEquals(1, tracker.transitions(id, Status.DONE).size(), id + " done exactly once across sessions");
    }
    assertEquals(2, result.report().sessions());
    assertTrue(second.events.events(LoopEvent.RunStarted.class).get(0).resumed());
    assertFalse(result.report().tickets().isEmpty());
  }

  @Test
  void aHungTrackerCallIsAbandonedAtItsTimeoutAndRetried() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Setup s = setup(tracker, writesFile(), fileExists());
    AtomicInteger hangs = new AtomicInteger(1);
    CountDownLatch never = new CountDownLatch(1);
    s.wrapped = new ForwardingTracker(tracker) {
      @Override
      public BatchChanges changesSince(String cursor) {
        if (hangs.getAndDecrement() > 0) {
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdapterException("interrupted", e, true);
          }
        }
        return super.changesSince(cursor);
      }
    };
    s.trackerCallTimeout = Duration.ofMillis(300);
    RunResult result = run(s);

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals("changesSince", s.events.events(LoopEvent.CallAbandoned.class).get(0).call());
    assertTrue(s.events.events(LoopEvent.CallRetried.class).get(0).error().contains("did not answer within PT0.3S"));
    assertEquals(1, tracker.transitions("A", Status.DONE).size());
  }

  @Test
  void aTicketAnEarlierRunLeftInProgressIsReclaimed() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    // the earlier run (the core engine's) dies with A claimed: its worker is fatal, the tracker refuses to reopen
    Tracker noReopen = new ForwardingTracker(tracker) {
      @Override
      public void transition(String ticketId, Status to, String note) {
        if (to == Status.OPEN) {
          throw new AdapterException("403 Forbidden", null, false);
        }
        super.transition(ticketId, to, note);
      }
    };
    RunResult first = LoopEngine.builder().tracker(noReopen).sandbox(Sandbox.none())
        .worker(a -> {
          throw new FatalAdapterException("the worker's key was refused", null);
        })
        .verifier(fileExists()).caps(Caps.builder().maxConcurrency(1).build())
        .runDirectory(dir.resolve("run-1")).workspaces(Workspaces.shared(dir)).build().run();
    assertInstanceOf(RunEnding.Failed.class, first.ending(), first.ending().describe());
    assertEquals(Status.IN_PROGRESS, tracker.ticket("A").status(), "left stuck by the first run");

    Setup s = setup(tracker, writesFile(), fileExists());
    s.earlierRuns = List.of(dir.resolve("run-1"), dir.resolve("never-ran"));
    RunResult result = run(s);

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    LoopEvent.TicketReclaimed reclaimed = s.events.events(LoopEvent.TicketReclaimed.class).get(0);
    assertEquals("A", reclaimed.ticketId());
    assertEquals("run-1", reclaimed.earlierRun());
    assertEquals(Status.DONE, tracker.ticket("A").status());
  }
}

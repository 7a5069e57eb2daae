package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Finding;
import dev.loopkit.core.Heal;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Integration;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.Review;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopEngineTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock();
  private final RecordingListener events = new RecordingListener();

  /** A worker that writes {@code <ticket id>.txt} into a shared folder: real work a verifier can check. */
  private Worker writesFile(Path folder) {
    return a -> {
      Files.writeString(folder.resolve(a.ticket().id() + ".txt"), "done by attempt " + a.attempt());
      return WorkResult.completed("wrote " + a.ticket().id() + ".txt", Usage.tokens(100, 50));
    };
  }

  /** Passes when the ticket's file exists, with the file's content as evidence. */
  private Verifier fileExists(Path folder) {
    return r -> {
      Path f = folder.resolve(r.ticket().id() + ".txt");
      if (!Files.exists(f)) {
        return Verification.failed(List.of("expected " + f.getFileName() + " to exist"), List.of());
      }
      return Verification.passed(new Evidence("file", f.getFileName() + " exists",
          Map.of("content", Files.readString(f))));
    };
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Worker worker, Verifier verifier) {
    return LoopEngine.builder().tracker(tracker).worker(worker).verifier(verifier).clock(clock)
        .listener(events).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  private static Ticket ticket(String id, Dependency... deps) {
    return Ticket.builder(id).title("ticket " + id).dependencies(List.of(deps)).build();
  }

  @Test
  void batchOfDependentTicketsRunsToDoneWithEvidence() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")),
        ticket("C", Dependency.blockedBy("B")));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (String id : List.of("A", "B", "C")) {
      assertEquals(Status.DONE, tracker.ticket(id).status());
      assertEquals(1, tracker.transitions(id, Status.DONE).size());
    }
    List<String> doneOrder = new ArrayList<>();
    events.events(LoopEvent.TicketDone.class).forEach(e -> doneOrder.add(e.ticketId()));
    assertEquals(List.of("A", "B", "C"), doneOrder);
    assertEquals(RunReport.TicketOutcome.DONE, result.report().tickets().get(0).outcome());
    assertEquals(0, result.report().interventions().size());
    assertEquals(450, result.report().usage().totalTokens());
  }

  @Test
  void oracleIsConsultedBeforeTheFirstPassAndAfterEveryCompletion() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    engine(tracker, writesFile(dir), fileExists(dir)).caps(Caps.builder().maxConcurrency(1).build()).build().run();

    List<LoopEvent> all = events.events();
    int firstOracle = indexOf(all, LoopEvent.OracleConsulted.class);
    int firstDispatch = indexOf(all, LoopEvent.TicketDispatched.class);
    assertTrue(firstOracle < firstDispatch, "oracle before the first dispatch");
    assertEquals(3, events.events(LoopEvent.OracleConsulted.class).size(), "start + one per completion");
  }

  private List<LoopEvent.StageCompleted> stages(StageKind kind) {
    return events.events(LoopEvent.StageCompleted.class).stream().filter(e -> e.kind() == kind).toList();
  }

  private static int indexOf(List<LoopEvent> all, Class<?> type) {
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void eachPassReadsTheTrackerOnceIncrementallySharedByTheOracleAndTheReadySet() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")));
    engine(tracker, writesFile(dir), fileExists(dir)).build().run();

    int passes = events.events(LoopEvent.PassStarted.class).size();
    int oracleCalls = events.events(LoopEvent.OracleConsulted.class).size();
    // the run start reads once; every oracle call reads the changes once; the passes reuse those reads
    assertEquals(1 + oracleCalls, tracker.changesSinceCalls());
    assertEquals(0, tracker.batchReads(), "no full read of the batch: the tracker answers what changed");
    assertEquals(oracleCalls - 1, passes);
  }

  @Test
  void theOracleIsTheOnlyWayToDone() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Oracle neverDone = ctx -> Verdict.pending(List.of(new Verdict.Outstanding("A", "external check not green")));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).oracle(neverDone).build().run();

    assertEquals(Status.DONE, tracker.ticket("A").status(), "the ticket itself was verified");
    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertEquals("A", stalled.outstanding().get(0).ticketId());
    assertEquals(RunEnding.Kind.STALLED, result.report().ending().orElseThrow());
  }

  @Test
  void workerClaimingSuccessWhoseVerifierFailsNeverMakesTheTicketDone() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    RunResult result = engine(tracker, Worker.claimDone(), fileExists(dir))
        .caps(Caps.builder().maxAttemptsPerTicket(2).build()).build().run();

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty());
    RunEnding.HumanGated gated = assertInstanceOf(RunEnding.HumanGated.class, result.ending(),
        "a settled batch with a gated ticket is not DONE");
    assertEquals(RunEnding.Kind.HUMAN_GATED, gated.kind());
    assertFalse(gated.kind().isSuccess());
    assertEquals(1, gated.count());
    assertEquals("A", gated.gated().get(0).ticketId());
    assertEquals(2, gated.gated().get(0).evidence().size(), "one piece of evidence per failed attempt");
    assertTrue(gated.describe().startsWith("HUMAN_GATED: 1 ticket(s) wait for a person: A ("), gated.describe());
    assertEquals(1, result.report().interventions().size());
    assertEquals(RunReport.InterventionKind.HUMAN_GATED, result.report().interventions().get(0).kind());
    assertEquals(RunEnding.Kind.HUMAN_GATED, result.report().ending().orElseThrow());
  }

  @Test
  void verifierPassWithoutEvidenceIsAFailedAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Verifier silent = r -> Verification.passed(List.of());
    engine(tracker, writesFile(dir), silent).caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    LoopEvent.AttemptFailed failed = events.events(LoopEvent.AttemptFailed.class).get(0);
    assertEquals("verify", failed.stage());
    assertTrue(failed.findings().get(0).contains("positive evidence"), failed.findings().toString());
  }

  @Test
  void attemptsExhaustToHumanGatedWithTheEvidenceOfEveryAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    ScriptedWorker worker = ScriptedWorker.create()
        .on("A", Worker.giveUp("tests fail: NPE in Parser"), Worker.giveUp("still failing: Parser line 3"),
            Worker.giveUp("gave up"));
    engine(tracker, worker, fileExists(dir)).caps(Caps.builder().maxAttemptsPerTicket(3).build()).build().run();

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    LoopEvent.HumanGated gated = events.events(LoopEvent.HumanGated.class).get(0);
    assertEquals(3, gated.evidence().size(), gated.evidence().toString());
    assertTrue(gated.evidence().get(0).attributes().values().iterator().next().contains("NPE in Parser"));
    // each fresh attempt got the findings of the ones before it
    List<Assignment> assignments = worker.assignments("A");
    assertEquals(List.of(), assignments.get(0).findings());
    assertEquals(List.of(new Finding(1, "work", "tests fail: NPE in Parser")), assignments.get(1).findings());
    assertEquals(2, assignments.get(2).findings().size());
    assertEquals(3, assignments.get(2).attempt());
    // and the findings are on the ticket as comments
    assertTrue(tracker.ticket("A").comments().stream().anyMatch(c -> c.body().contains("NPE in Parser")));
  }

  @Test
  void secondAttemptSucceedsWithTheFirstAttemptsFindings() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    ScriptedWorker worker = ScriptedWorker.create().on("A", Worker.claimDone(), writesFile(dir));
    RunResult result = engine(tracker, worker, fileExists(dir)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(Status.DONE, tracker.ticket("A").status());
    assertEquals("verify", worker.assignments("A").get(1).findings().get(0).stage());
    assertEquals(2, result.report().tickets().get(0).attempts());
    assertEquals(1, result.report().tickets().get(0).failedAttempts());
  }

  @Test
  void humanRequestWithoutEvidenceIsAFailedAttempt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    ScriptedWorker worker = ScriptedWorker.create()
        .on("A", a -> WorkResult.needsHuman("I am stuck", List.of(), Usage.ZERO), writesFile(dir));
    engine(tracker, worker, fileExists(dir)).build().run();

    assertEquals(Status.DONE, tracker.ticket("A").status());
    LoopEvent.AttemptFailed failed = events.events(LoopEvent.AttemptFailed.class).get(0);
    assertTrue(failed.findings().get(0).contains("without evidence"));
    assertTrue(events.events(LoopEvent.HumanGated.class).isEmpty());
  }

  @Test
  void humanRequestWithEvidenceGatesTheTicket() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Evidence wall = new Evidence("command", "terraform apply: 403 Forbidden",
        Map.of("command", "terraform apply", "exit-code", "1"));
    Worker worker = a -> WorkResult.needsHuman("cloud credentials lack apply rights", List.of(wall), Usage.ZERO);
    RunResult result = engine(tracker, worker, fileExists(dir)).build().run();

    assertEquals(Status.HUMAN_GATED, tracker.ticket("A").status());
    assertEquals(List.of(wall), events.events(LoopEvent.HumanGated.class).get(0).evidence());
    assertEquals(1, result.report().interventions().size());
  }

  @Test
  void discoveredTicketIsFiledOnceWithItsEdgesAndRunsBeforeTheTicketItBlocks() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    AtomicReference<String> filed = new AtomicReference<>();
    Worker discoverer = a -> {
      if (a.attempt() == 1) {
        Ticket t = a.discoveries().file(NewTicket.builder("add missing migration").build(), true);
        filed.set(t.id());
        // filing the same work twice (e.g. a retried tool call) must not file it twice
        a.discoveries().file(NewTicket.builder("add missing migration").build(), true);
        return WorkResult.completed("found a blocker", Usage.ZERO);
      }
      return writesFile(dir).work(a);
    };
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir)).on("A", discoverer);
    RunResult result = engine(tracker, worker, fileExists(dir)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    String b = filed.get();
    assertEquals(1, tracker.creations());
    assertEquals(Status.DONE, tracker.ticket(b).status());
    assertEquals(List.of("A"), tracker.ticket(b).dependencyTargets(DependencyType.DISCOVERED_FROM));
    assertEquals(List.of(b), tracker.ticket("A").dependencyTargets(DependencyType.BLOCKS));
    List<String> doneOrder = new ArrayList<>();
    events.events(LoopEvent.TicketDone.class).forEach(e -> doneOrder.add(e.ticketId()));
    assertEquals(List.of(b, "A"), doneOrder);
    assertEquals(1, events.events(LoopEvent.AttemptDeferred.class).size());
    assertEquals(0, result.report().tickets().stream().mapToInt(t -> t.failedAttempts()).sum());
  }

  @Test
  void aWorkerThatStopsBecauseItFiledABlockerIsNotCountedAsFailed() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Worker blocked = a -> {
      Ticket t = a.discoveries().file(NewTicket.builder("provision the queue").build(), true);
      return WorkResult.failed(List.of("blocked by discovered ticket " + t.id()), Usage.ZERO);
    };
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir)).on("A", blocked, writesFile(dir));
    RunResult result = engine(tracker, worker, fileExists(dir))
        .caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(Status.DONE, tracker.ticket("A").status(), "one failure allowed, none counted");
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty());
  }

  @Test
  void discoveredTicketsBeyondTheCapEndTheRunCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Worker greedy = a -> {
      for (int i = 0; i < 5; i++) {
        a.discoveries().file(NewTicket.builder("follow-up " + i).build(), false);
      }
      return WorkResult.completed("filed five", Usage.ZERO);
    };
    RunResult result = engine(tracker, greedy, fileExists(dir))
        .caps(Caps.builder().maxDiscoveredTickets(2).build()).build().run();

    RunEnding.Capped capped = assertInstanceOf(RunEnding.Capped.class, result.ending());
    assertEquals(Cap.DISCOVERED_TICKETS, capped.cap());
    assertEquals(2, tracker.creations());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty());
  }

  @Test
  void passesCapEndsTheRunCappedNamingTheCap() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir))
        .caps(Caps.builder().maxPasses(2).maxConcurrency(1).build()).build().run();

    assertEquals(Cap.PASSES, ((RunEnding.Capped) result.ending()).cap());
    assertEquals(Status.OPEN, tracker.ticket("C").status());
    assertTrue(result.report().endingDetail().contains("2 passes"), result.report().endingDetail());
  }

  @Test
  void wallClockCapEndsTheRunCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Worker slow = a -> {
      clock.advance(Duration.ofMinutes(40));
      return writesFile(dir).work(a);
    };
    RunResult result = engine(tracker, slow, fileExists(dir))
        .caps(Caps.builder().maxWallClock(Duration.ofMinutes(30)).maxConcurrency(1).build()).build().run();

    assertEquals(Cap.WALL_CLOCK, ((RunEnding.Capped) result.ending()).cap());
    assertEquals(Status.OPEN, tracker.ticket("B").status());
  }

  @Test
  void moneyCapEndsTheRunCapped() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Worker pricey = a -> {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "x");
      return WorkResult.completed("ok", Usage.tokens(10, 10).withCost(new BigDecimal("0.75")));
    };
    RunResult result = engine(tracker, pricey, fileExists(dir))
        .caps(Caps.builder().maxCostUsd("0.50").maxConcurrency(1).build()).build().run();

    assertEquals(Cap.MONEY, ((RunEnding.Capped) result.ending()).cap());
    assertEquals(Status.OPEN, tracker.ticket("B").status());
  }

  @Test
  void tokenCapEndsTheRunCappedAndTheBudgetShrinks() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    List<Long> budgets = new ArrayList<>();
    Worker hungry = a -> {
      budgets.add(a.budget().tokens());
      return writesFile(dir).work(a).usage().totalTokens() > 0
          ? WorkResult.completed("ok", Usage.tokens(600, 0)) : WorkResult.completed("ok", Usage.ZERO);
    };
    RunResult result = engine(tracker, hungry, fileExists(dir))
        .caps(Caps.builder().maxTokens(1000).maxConcurrency(1).build()).build().run();

    assertEquals(Cap.TOKENS, ((RunEnding.Capped) result.ending()).cap());
    assertEquals(List.of(1000L, 400L), budgets);
  }

  @Test
  void ticketsSharingAResourceNeverOverlapUnderConcurrency() {
    InMemoryTracker tracker = new InMemoryTracker(clock);
    for (int i = 0; i < 8; i++) {
      Ticket.Builder b = Ticket.builder("R" + i).title("apply " + i);
      if (i % 2 == 0) {
        b.addResource("infra-apply");
      }
      tracker.put(b.build());
    }
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Worker worker = a -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        return writesFile(dir).work(a);
      } finally {
        inFlight.decrementAndGet();
      }
    };
    RunResult result = engine(tracker, worker, fileExists(dir))
        .caps(Caps.builder().maxConcurrency(3).build()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertTrue(maxInFlight.get() <= 3, "at most 3 in flight, saw " + maxInFlight.get());
    // The journal is a total order: between a holder's dispatch and its release no other ticket that needs
    // infra-apply may be dispatched.
    String holder = null;
    int holders = 0;
    for (LoopEvent e : events.events()) {
      if (e instanceof LoopEvent.TicketDispatched d && tracker.ticket(d.ticketId()).resources().contains("infra-apply")) {
        assertEquals(null, holder, d.ticketId() + " dispatched while " + holder + " holds infra-apply");
        holder = d.ticketId();
        holders++;
      } else if (e instanceof LoopEvent.ResourcesReleased r && r.resources().contains("infra-apply")) {
        assertEquals(holder, r.ticketId());
        holder = null;
      }
    }
    assertEquals(4, holders);
    assertFalse(events.events(LoopEvent.ResourcesReleased.class).isEmpty());
  }

  @Test
  void attemptsRunOnTheHostsExecutorWhichTheEngineLeavesRunning() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"), ticket("C"));
    java.util.concurrent.ExecutorService host = java.util.concurrent.Executors.newFixedThreadPool(2,
        r -> new Thread(r, "host-pool"));
    Map<String, String> threads = new ConcurrentHashMap<>();
    Worker worker = a -> {
      threads.put(a.ticket().id(), Thread.currentThread().getName());
      return writesFile(dir).work(a);
    };
    try {
      RunResult result = engine(tracker, worker, fileExists(dir)).executor(host).build().run();

      assertInstanceOf(RunEnding.Done.class, result.ending());
      assertEquals(Map.of("A", "host-pool", "B", "host-pool", "C", "host-pool"), threads);
      assertFalse(host.isShutdown());
    } finally {
      host.shutdownNow();
    }
  }

  @Test
  void reviewerChangeRequestFailsTheAttemptAndReachesTheNextWorker() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    AtomicInteger reviews = new AtomicInteger();
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir));
    RunResult result = engine(tracker, worker, fileExists(dir))
        .reviewer(r -> reviews.incrementAndGet() == 1
            ? Review.requestChanges(List.of("missing test for empty input")) : Review.approve("ok"))
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    Finding finding = worker.assignments("A").get(1).findings().get(0);
    assertEquals(new Finding(1, "review", "missing test for empty input"), finding);
    assertEquals(2, stages(StageKind.REVIEW).size());
  }

  @Test
  void integrationConflictIsAFailedAttemptWithThePaths() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    AtomicInteger merges = new AtomicInteger();
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir));
    RunResult result = engine(tracker, worker, fileExists(dir))
        .integrator(r -> merges.incrementAndGet() == 1 ? Integration.conflict(List.of("src/App.java"))
            : Integration.integrated("merged", Map.of("commit", "abc123")))
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(new Finding(1, "integrate", "src/App.java"), worker.assignments("A").get(1).findings().get(0));
    assertEquals("abc123", stages(StageKind.INTEGRATE).get(1).attributes().get("commit"));
  }

  @Test
  void aChangedDefinitionOfDoneEndsTheRunTampered() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    Map<String, String> fingerprint = new ConcurrentHashMap<>(Map.of("verify.sh", "sha-1"));
    Worker cheater = a -> {
      fingerprint.put("verify.sh", "sha-2"); // the worker edits the verifier's script
      return writesFile(dir).work(a);
    };
    RunResult result = engine(tracker, cheater, fileExists(dir)).tripwire(() -> Map.copyOf(fingerprint))
        .caps(Caps.builder().maxConcurrency(1).build()).build().run();

    RunEnding.Tampered tampered = assertInstanceOf(RunEnding.Tampered.class, result.ending());
    assertEquals(List.of("changed: verify.sh"), tampered.changes());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty(), "the tampering attempt is never marked done");
    assertEquals(Status.OPEN, tracker.ticket("A").status());
    assertEquals(1, events.events(LoopEvent.TripwireTripped.class).size());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.TAMPERED));
  }

  @Test
  void aFailingCanaryEndsTheRunTamperedBeforeAnyWork() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Tripwire broken = new Tripwire() {
      @Override
      public Map<String, String> fingerprint() {
        return Map.of();
      }

      @Override
      public List<String> canaries() {
        return List.of("a batch with an open ticket was judged done");
      }
    };
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).tripwire(broken).build().run();

    assertInstanceOf(RunEnding.Tampered.class, result.ending());
    assertTrue(events.events(LoopEvent.TicketDispatched.class).isEmpty());
  }

  @Test
  void anAppliedHealLetsAStalledRunGoOn() {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("A").title("a").status(Status.HUMAN_GATED).build(), ticket("B", Dependency.blockedBy("A")));
    Oracle strict = Oracle.allDone();
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).tripwire(() -> Map.of("verify.sh", "sha-1"))
        .healer(ctx -> {
          tracker.put(ctx.batch().find("B").orElseThrow().toBuilder().dependencies(List.of()).build());
          return Heal.applied("dropped the stale edge B->A", "- blocks:A");
        })
        .oracle(strict).build().run();

    assertEquals(Status.DONE, tracker.ticket("B").status());
    RunEnding.HumanGated gated = assertInstanceOf(RunEnding.HumanGated.class, result.ending(),
        "A was gated before the run: the batch settles, but not DONE");
    assertEquals("gated in the tracker, not by this run", gated.gated().get(0).reason());
    assertEquals(Heal.Outcome.APPLIED, events.events(LoopEvent.HealAttempted.class).get(0).outcome());
    assertEquals(1, events.events(LoopEvent.HealAttempted.class).get(0).heal());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.HEALED
        && i.detail().equals("heal 1: dropped the stale edge B->A")), result.report().interventions().toString());
    assertTrue(result.report().summary().contains(", heals 1"), result.report().summary());
  }

  @Test
  void aRejectedHealSurfacesTheRealStopNamingTheHeal() {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("A").title("a").status(Status.HUMAN_GATED).build(), ticket("B", Dependency.blockedBy("A")));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).tripwire(() -> Map.of("verify.sh", "sha-1"))
        .healer(ctx -> Heal.rejected("weaken verifier", "-exit 1\n+exit 0", "touched verify.sh"))
        .build().run();

    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertTrue(stalled.describe().contains("a heal was tried and rejected (weaken verifier: touched verify.sh)"),
        stalled.describe());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.HEAL_REJECTED));
  }

  @Test
  void nothingReadyAndNotDoneStalls() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A", Dependency.blockedBy("X")),
        Ticket.builder("X").title("x").status(Status.HUMAN_GATED).build());
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).build().run();

    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertEquals("A", stalled.outstanding().get(0).ticketId());
  }

  @Test
  void aFailingTrackerEndsTheRunFailedNamingIt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    Oracle broken = ctx -> {
      throw new IOException("tracker answered 500");
    };
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).oracle(broken).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().contains("tracker answered 500"), failed.message());
  }

  @Test
  void interruptingTheEngineThreadEndsTheRunFailedWithTheJournalClosedAndTicketsReopened() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    java.util.concurrent.CountDownLatch working = new java.util.concurrent.CountDownLatch(1);
    Worker hangs = a -> {
      working.countDown();
      new java.util.concurrent.CountDownLatch(1).await(); // until interrupted
      return WorkResult.completed("never", Usage.ZERO);
    };
    LoopEngine engine = engine(tracker, hangs, fileExists(dir)).build();
    AtomicReference<RunResult> result = new AtomicReference<>();
    AtomicReference<Boolean> flagKept = new AtomicReference<>();
    Thread host = new Thread(() -> {
      result.set(engine.run());
      flagKept.set(Thread.currentThread().isInterrupted());
    });
    host.start();
    assertTrue(working.await(30, java.util.concurrent.TimeUnit.SECONDS));
    host.interrupt();
    host.join(30_000);

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.get().ending());
    assertTrue(failed.message().contains("interrupted"), failed.message());
    assertEquals(true, flagKept.get(), "the host's interrupt flag is handed back");
    assertEquals(Status.OPEN, tracker.ticket("A").status(), "the in-flight ticket is reopened");
    List<LoopEvent> journal = RunDirectory.of(result.get().runDirectory()).events();
    assertInstanceOf(LoopEvent.RunEnded.class, journal.get(journal.size() - 1));
  }

  @Test
  void aWorkerThatInterruptsItselfCannotBreakTheJournal() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir)).on("A", a -> {
      Thread.currentThread().interrupt(); // e.g. a library's timeout that interrupts its caller
      return writesFile(dir).work(a);
    }, writesFile(dir));
    RunResult result = engine(tracker, worker, fileExists(dir)).caps(Caps.builder().maxConcurrency(1).build())
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(Status.DONE, tracker.ticket("B").status());
    assertEquals(1, result.report().interruptedAttempts(), "the interrupted attempt is retried, not failed");
  }

  @Test
  void aThrowingListenerCannotChangeTheRun() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir))
        .listener(e -> {
          throw new IllegalStateException("listener bug");
        }).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
  }

  @Test
  void aWorkerExceptionIsAFailedAttemptNamingIt() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    ScriptedWorker worker = ScriptedWorker.withFallback(writesFile(dir)).on("A", a -> {
      throw new IOException("disk full");
    }, writesFile(dir));
    engine(tracker, worker, fileExists(dir)).build().run();

    assertEquals(Status.DONE, tracker.ticket("A").status());
    assertTrue(worker.assignments("A").get(1).findings().get(0).message().contains("disk full"));
  }

  @Test
  void anEndedRunDirectoryIsRefusedWithItsName() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    LoopEngine engine = engine(tracker, writesFile(dir), fileExists(dir)).build();
    engine.run();

    InputException e = assertThrows(InputException.class, engine::run);
    assertTrue(e.getMessage().contains("already ended"), e.getMessage());
    assertTrue(e.getMessage().contains(dir.resolve("run").toString()), e.getMessage());
  }

  @Test
  void aStalledRunContinuesOnceAPersonHasActed() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A", Dependency.blockedBy("X")),
        Ticket.builder("X").title("needs a person").status(Status.HUMAN_GATED).build());
    LoopEngine engine = engine(tracker, writesFile(dir), fileExists(dir)).build();
    assertInstanceOf(RunEnding.Stalled.class, engine.run().ending());

    // the person's intervention, recorded: the engine writes it to the tracker when the run resumes
    RunDirectory.of(dir.resolve("run")).recordDecision("X", Status.DONE, "done by hand");
    RunResult second = engine.run();

    assertInstanceOf(RunEnding.Done.class, second.ending(), second.ending().describe());
    assertEquals(Status.DONE, tracker.ticket("X").status());
    assertEquals(Status.DONE, tracker.ticket("A").status());
    assertEquals(2, second.report().sessions());
    assertEquals(List.of(RunReport.InterventionKind.STALLED, RunReport.InterventionKind.DECISION),
        second.report().interventions().stream().map(i -> i.kind()).toList());
  }

  @Test
  void aDoneTheEngineDidNotWriteIsReportedAndReopenedAndTheTicketWorked() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A", Dependency.blockedBy("X")),
        Ticket.builder("X").title("needs a person").status(Status.HUMAN_GATED).build());
    LoopEngine engine = engine(tracker, writesFile(dir), fileExists(dir)).build();
    assertInstanceOf(RunEnding.Stalled.class, engine.run().ending());

    tracker.transition("X", Status.DONE, "set done straight in the tracker"); // no recorded decision
    RunResult second = engine.run();

    assertInstanceOf(RunEnding.Done.class, second.ending());
    assertEquals(Status.DONE, tracker.ticket("X").status()); // reopened, then done by a worker with evidence
    assertEquals(1, tracker.transitions("X", Status.OPEN).size());
    assertTrue(second.report().interventions().stream()
        .anyMatch(i -> i.kind() == RunReport.InterventionKind.STATUS_OVERRIDDEN && "X".equals(i.ticketId())));
  }

  @Test
  void aTicketThatLeavesTheBatchOrWhoseFinishLineChangesTripsTheRun() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")),
        ticket("C", Dependency.blockedBy("B")));
    LoopEngine removing = engine(tracker, a -> {
      if (a.ticket().id().equals("A")) {
        tracker.remove("C");
      }
      return WorkResult.completed("did it", Usage.ZERO);
    }, fileExists(dir)).verifier(r -> Verification.passed(Evidence.of("tests", "green"))).build();

    RunEnding ending = removing.run().ending();

    RunEnding.Tampered tampered = assertInstanceOf(RunEnding.Tampered.class, ending);
    assertTrue(tampered.changes().get(0).contains("ticket C left the batch"), tampered.changes().toString());
  }

  @Test
  void aFinishLineChangedAfterTheFreezeTripsTheRunNamingTheTicket() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")));
    LoopEngine engine = engine(tracker, a -> {
      if (a.ticket().id().equals("A")) {
        tracker.put(tracker.ticket("B").toBuilder().acceptanceCriteria(List.of("anything goes")).build());
      }
      return WorkResult.completed("did it", Usage.ZERO);
    }, fileExists(dir)).verifier(r -> Verification.passed(Evidence.of("tests", "green"))).build();

    RunEnding.Tampered tampered = assertInstanceOf(RunEnding.Tampered.class, engine.run().ending());
    assertTrue(tampered.changes().get(0).contains("the finish line of B changed"), tampered.changes().toString());
  }

  @Test
  void aTicketAddedDuringTheRunIsReportedAndWorked() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"));
    LoopEngine engine = engine(tracker, a -> {
      if (a.ticket().id().equals("A")) {
        tracker.put(ticket("Z"));
      }
      return WorkResult.completed("did it", Usage.ZERO);
    }, fileExists(dir)).verifier(r -> Verification.passed(Evidence.of("tests", "green"))).build();

    RunResult result = engine.run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(Status.DONE, tracker.ticket("Z").status());
    assertTrue(result.report().interventions().stream()
        .anyMatch(i -> i.kind() == RunReport.InterventionKind.TICKET_ADDED && "Z".equals(i.ticketId())));
  }

  @Test
  void theJournalHoldsEveryEventTheListenerSaw() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B"));
    RunResult result = engine(tracker, writesFile(dir), fileExists(dir)).build().run();

    List<LoopEvent> journal = RunDirectory.of(result.runDirectory()).events();
    assertEquals(events.events(), journal);
  }

  @Test
  void builderNamesWhatIsMissing() {
    InputException e = assertThrows(InputException.class, () -> LoopEngine.builder().build());
    assertTrue(e.getMessage().contains("tracker"));
    assertTrue(e.getMessage().contains("worker"));
    assertTrue(e.getMessage().contains("verifier"));
    assertTrue(e.getMessage().contains("runDirectory"));
  }

  @Test
  void builderRejectsAHealerWithoutATripwireNamingBoth() {
    InputException e = assertThrows(InputException.class, () -> engine(InMemoryTracker.of(), writesFile(dir),
        fileExists(dir)).healer(ctx -> Heal.noChange("none")).build());
    assertTrue(e.getMessage().contains("healer") && e.getMessage().contains("tripwire"), e.getMessage());
  }

  @Test
  void capsRejectBadValuesAtTheSetter() {
    assertThrows(InputException.class, () -> Caps.builder().maxPasses(0));
    assertThrows(InputException.class, () -> Caps.builder().maxWallClock(Duration.ZERO));
    assertThrows(InputException.class, () -> Caps.builder().maxCostUsd("-1"));
    InputException e = assertThrows(InputException.class, () -> Caps.builder().maxCostUsd("ten"));
    assertTrue(e.getMessage().contains("'ten'"), e.getMessage());
    assertThrows(InputException.class, () -> Caps.builder().maxConcurrency(0));
    assertThrows(InputException.class, () -> Caps.builder().maxTokens(0));
  }
}

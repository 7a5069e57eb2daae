package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.Workspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the parts around the tickets: a hung tracker call is abandoned at its timeout and retried, the wall
 * clock holds whatever the tracker does, transient infrastructure faults inside an attempt are not charged (up to
 * their cap), discovered-ticket filing never gates a ticket, and tickets an earlier run left in progress are
 * reclaimed.
 */
class HarnessFaultsTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();

  private LoopEngine.Builder engine(Tracker tracker) {
    return LoopEngine.builder().tracker(tracker).listener(events).sleeper(d -> { })
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .verifier(r -> Verification.passed(Evidence.of("check", "ok")))
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  /** Hangs the first {@code hangs} calls of changesSince until interrupted (or {@code forever}). */
  private static final class Hanging extends ForwardingTracker {
    final AtomicInteger hangs;
    final CountDownLatch never = new CountDownLatch(1);
    final AtomicInteger interrupted = new AtomicInteger();

    Hanging(Tracker delegate, int hangs) {
      super(delegate);
      this.hangs = new AtomicInteger(hangs);
    }

    @Override
    public BatchChanges changesSince(String cursor) {
      if (hangs.getAndDecrement() > 0) {
        try {
          never.await();
        } catch (InterruptedException e) {
          interrupted.incrementAndGet();
          Thread.currentThread().interrupt();
          throw new AdapterException("interrupted", e, true);
        }
      }
      return super.changesSince(cursor);
    }
  }

  @Test
  void aHungTrackerCallIsAbandonedAtItsTimeoutRetriedAndTheRunEndsDone() throws Exception {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Hanging hanging = new Hanging(inner, 1);

    RunResult result = engine(hanging).trackerCallTimeout(Duration.ofMillis(200)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    LoopEvent.CallAbandoned abandoned = events.events(LoopEvent.CallAbandoned.class).get(0);
    assertEquals("changesSince", abandoned.call());
    assertTrue(abandoned.thread().startsWith("loop-harness-call-"), abandoned.thread());
    assertEquals(200, abandoned.waitedMillis());
    LoopEvent.CallRetried retried = events.events(LoopEvent.CallRetried.class).get(0);
    assertTrue(retried.error().contains("did not answer within PT0.2S"), retried.error());
    for (int i = 0; i < 50 && hanging.interrupted.get() == 0; i++) {
      Thread.sleep(20);
    }
    assertEquals(1, hanging.interrupted.get(), "the abandoned call was interrupted");
    assertEquals(1, events.events(LoopEvent.CallAbandoned.class).size());
  }

  @Test
  void aTrackerCallThatHangsPastTheWallClockCapEndsTheRunCappedOnTimeNamingTheCall() {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Hanging hanging = new Hanging(inner, Integer.MAX_VALUE);

    RunResult result = engine(hanging).trackerCallTimeout(Duration.ofMinutes(10))
        .caps(Caps.builder().maxWallClock(Duration.ofMillis(700)).build()).build().run();

    RunEnding.Capped capped = assertInstanceOf(RunEnding.Capped.class, result.ending(), result.ending().describe());
    assertEquals(Cap.WALL_CLOCK, capped.cap());
    assertTrue(capped.detail().contains("the tracker (changesSince) was still running at the wall-clock cap;"
        + " abandoned on loop-harness-call-"), capped.detail());
    LoopEvent.CallAbandoned abandoned = events.events(LoopEvent.CallAbandoned.class).get(0);
    assertTrue(abandoned.waitedMillis() <= 700, "waited at most what was left of the wall clock: "
        + abandoned.waitedMillis());
    assertEquals(Status.OPEN, inner.ticket("A").status());
  }

  @Test
  void aClaimWhoseAnswerWasLostIsTakenAsTheRunsOwnAndTheTicketIsDoneOnce() {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    AtomicInteger claims = new AtomicInteger();
    Tracker lossy = new ForwardingTracker(inner) {
      @Override
      public boolean claim(String ticketId, String owner) {
        boolean won = super.claim(ticketId, owner);
        if (claims.getAndIncrement() == 0) {
          throw new AdapterException("the answer to the claim was lost", null, true);
        }
        return won;
      }
    };

    RunResult result = engine(lossy).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(2, claims.get(), "claimed, the answer lost, claimed again (refused: already in progress)");
    assertEquals(1, events.events(LoopEvent.TicketDone.class).size());
    assertTrue(events.events(LoopEvent.AttemptInterrupted.class).isEmpty());
  }

  /** Claims by ticket, counted; a claim of {@code B} hangs until interrupted the first time, or always fails. */
  private static final class ClaimsOfB extends ForwardingTracker {
    final Map<String, AtomicInteger> claims = new java.util.concurrent.ConcurrentHashMap<>();
    final boolean refuseForGood;

    ClaimsOfB(Tracker delegate, boolean refuseForGood) {
      super(delegate);
      this.refuseForGood = refuseForGood;
    }

    @Override
    public boolean claim(String ticketId, String owner) {
      int n = claims.computeIfAbsent(ticketId, k -> new AtomicInteger()).incrementAndGet();
      if (ticketId.equals("B") && refuseForGood) {
        throw new AdapterException("the tracker refused B's claim: permission denied", null, false);
      }
      if (ticketId.equals("B") && n == 1) {
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AdapterException("interrupted", e, true);
        }
      }
      return super.claim(ticketId, owner);
    }

    int of(String id) {
      AtomicInteger n = claims.get(id);
      return n == null ? 0 : n.get();
    }
  }

  private static InMemoryTracker threeTickets() {
    return InMemoryTracker.of(Ticket.builder("A").title("a").build(), Ticket.builder("B").title("b").build(),
        Ticket.builder("C").title("c").build());
  }

  @Test
  void aPassesClaimsGoInOneBatchYetEachKeepsItsOwnTimeoutAndRetries() {
    InMemoryTracker inner = threeTickets();
    ClaimsOfB tracker = new ClaimsOfB(inner, false);

    RunResult result = engine(tracker).trackerCallTimeout(Duration.ofMillis(300))
        .caps(Caps.builder().maxConcurrency(3).build()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.CallAbandoned> abandoned = events.events(LoopEvent.CallAbandoned.class);
    assertEquals(1, abandoned.size(), abandoned.toString());
    assertEquals("claim B", abandoned.get(0).call(), "the call that hung is named, not the batch");
    assertEquals(300, abandoned.get(0).waitedMillis(), "B had its own 300 ms, counted from when it began");
    assertEquals("claim B", events.events(LoopEvent.CallRetried.class).get(0).call());
    assertEquals(1, tracker.of("A"), "A's claim, before B's in the batch, was not made again");
    assertEquals(2, tracker.of("B"), "B: hung, abandoned, retried");
    assertEquals(1, tracker.of("C"), "C's claim, after B's, was made once B had answered");
    assertEquals(3, events.events(LoopEvent.TicketDone.class).size());
  }

  @Test
  void aClaimThatFailsForGoodAfterOthersLandedLeavesNoTicketInProgress() {
    InMemoryTracker inner = threeTickets();
    ClaimsOfB tracker = new ClaimsOfB(inner, true);

    RunResult result = engine(tracker).caps(Caps.builder().maxConcurrency(3).build()).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending(), result.ending().describe());
    assertTrue(failed.message().contains("the tracker (claim B)") && failed.message().contains("permission denied"),
        failed.message());
    assertEquals(1, tracker.of("A"));
    assertEquals(0, tracker.of("C"), "the claims after the one that failed for good are not made");
    for (String id : List.of("A", "B", "C")) {
      assertEquals(Status.OPEN, inner.ticket(id).status(), id + " is not left in progress");
    }
    assertTrue(events.events(LoopEvent.TicketDone.class).isEmpty(), "a failed run marks nothing done");
  }

  @Test
  void aTransientWorkspaceFaultInterruptsTheAttemptWithoutChargingTheTicket() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    AtomicInteger opens = new AtomicInteger();
    Workspaces flaky = request -> {
      if (opens.incrementAndGet() <= 2) {
        throw new AdapterException("git worktree add: the lock file .git/index.lock stayed held", null, true);
      }
      return new Workspace(request.ticket().id(), dir, Map.of());
    };

    RunResult result = engine(tracker).workspaces(flaky)
        .caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.InfrastructureInterrupted> cut = events.events(LoopEvent.InfrastructureInterrupted.class);
    assertEquals(2, cut.size());
    assertEquals("workspace", cut.get(0).part());
    assertTrue(cut.get(0).error().contains("index.lock"), cut.get(0).error());
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty(), "no attempt was charged");
    assertEquals(0, result.report().tickets().get(0).failedAttempts());
    assertEquals(2, RunDirectory.of(dir.resolve("run")).history().infrastructureInterruptions());
  }

  @Test
  void infrastructureFaultsPastTheirCapEndTheRunFailedNamingThePartWithNoTicketCharged() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build());
    Workspaces down = request -> {
      throw new AdapterException("git fetch timed out", null, true);
    };

    RunResult result = engine(tracker).workspaces(down)
        .caps(Caps.builder().maxInfrastructureInterruptions(3).maxConcurrency(1).build()).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending(), result.ending().describe());
    assertTrue(failed.message().contains("cap of 3 attempt(s) cut short by the infrastructure"
        + " (INFRASTRUCTURE_INTERRUPTIONS); the last: workspace: opening the workspace threw AdapterException: git"
        + " fetch timed out"), failed.message());
    assertEquals(3, events.events(LoopEvent.InfrastructureInterrupted.class).size());
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty());
    assertTrue(events.events(LoopEvent.HumanGated.class).isEmpty());
    assertEquals(Status.OPEN, tracker.ticket("A").status());
    assertEquals(Status.OPEN, tracker.ticket("B").status());
  }

  @Test
  void aRepositoryThatCannotBeUsedStopsTheRunAtOnceWithNoAttemptCharged() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build());
    Workspaces broken = request -> {
      throw new InputException("git repository /x is not a git working tree");
    };

    RunResult result = engine(tracker).workspaces(broken).caps(Caps.builder().maxConcurrency(1).build()).build()
        .run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending(), result.ending().describe());
    assertTrue(failed.message().startsWith("the workspaces cannot be used: opening the workspace threw"
        + " InputException: git repository /x is not a git working tree"), failed.message());
    assertEquals(1, events.events(LoopEvent.TicketDispatched.class).size(), "stopped at the first");
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty());
  }

  @Test
  void aTrackerThatStaysDownWhileFilingDiscoveredWorkEndsTheRunWithoutGatingTheTicket() {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Tracker noCreate = new ForwardingTracker(inner) {
      @Override
      public Ticket create(NewTicket ticket) {
        throw new AdapterException("502 Bad Gateway from the tracker", null, true);
      }
    };

    RunResult result = engine(noCreate).worker(a -> {
      a.discoveries().file(NewTicket.builder("found work").build(), false);
      return WorkResult.completed("did it", Usage.ZERO);
    }).caps(Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending(), result.ending().describe());
    assertTrue(failed.message().startsWith("the tracker (create 'found work') after 4 tries threw"
        + " AdapterException: 502"), failed.message());
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty());
    assertTrue(events.events(LoopEvent.HumanGated.class).isEmpty());
    assertEquals(Status.OPEN, inner.ticket("A").status());
  }

  @Test
  void aBadFilingStillGoesBackToTheWorker() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    RunResult result = engine(tracker).worker(a -> {
      try {
        a.discoveries().file(NewTicket.builder("found").addDependency(Dependency.blockedBy("NOPE")).build(), false);
        return WorkResult.failed(List.of("the filing was accepted"), Usage.ZERO);
      } catch (InputException e) {
        return WorkResult.completed("filing refused: " + e.getMessage(), Usage.ZERO);
      }
    }).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
  }

  @Test
  void aTicketAnEarlierRunLeftInProgressIsReclaimedByTheNextRun() throws Exception {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build());
    CountDownLatch claimed = new CountDownLatch(1);
    // the first run dies with A claimed: its worker is fatal and the tracker refuses to reopen A
    Tracker noReopen = new ForwardingTracker(inner) {
      @Override
      public void transition(String ticketId, Status to, String note) {
        if (to == Status.OPEN) {
          throw new AdapterException("403 Forbidden", null, false);
        }
        super.transition(ticketId, to, note);
      }
    };
    RunResult first = LoopEngine.builder().tracker(noReopen).listener(events).sleeper(d -> { })
        .worker(a -> {
          claimed.countDown();
          throw new dev.loopkit.core.FatalAdapterException("the worker's key was refused", null);
        })
        .verifier(r -> Verification.passed(Evidence.of("check", "ok")))
        .caps(Caps.builder().maxConcurrency(1).build())
        .runDirectory(dir.resolve("run-1")).workspaces(Workspaces.shared(dir)).build().run();
    assertTrue(claimed.await(1, TimeUnit.SECONDS));
    assertInstanceOf(RunEnding.Failed.class, first.ending());
    assertEquals(Status.IN_PROGRESS, inner.ticket("A").status(), "left stuck by the first run");

    RunResult second = engine(inner).runDirectory(dir.resolve("run-2"))
        .earlierRuns(List.of(dir.resolve("run-1"), dir.resolve("run-2"), dir.resolve("never-ran"))).build().run();

    assertInstanceOf(RunEnding.Done.class, second.ending(), second.ending().describe());
    LoopEvent.TicketReclaimed reclaimed = events.events(LoopEvent.TicketReclaimed.class).get(0);
    assertEquals("A", reclaimed.ticketId());
    assertEquals("run-1", reclaimed.earlierRun());
    assertEquals(Status.DONE, inner.ticket("A").status());
  }

  @Test
  void withoutItsEarlierRunsATicketInProgressIsLeftToWhoeverHoldsIt() {
    InMemoryTracker inner = InMemoryTracker.of(Ticket.builder("A").title("a").status(Status.IN_PROGRESS).build());

    RunResult result = engine(inner).build().run();

    assertInstanceOf(RunEnding.Stalled.class, result.ending(), result.ending().describe());
    assertTrue(events.events(LoopEvent.TicketReclaimed.class).isEmpty());
    assertEquals(Status.IN_PROGRESS, inner.ticket("A").status());
  }

  @Test
  void callTimeoutsMustBePositive() {
    InputException e = assertThrows(InputException.class,
        () -> LoopEngine.builder().trackerCallTimeout(Duration.ZERO));
    assertEquals("trackerCallTimeout is PT0S: expected a positive duration", e.getMessage());
    e = assertThrows(InputException.class, () -> LoopEngine.builder().oracleCallTimeout(Duration.ofSeconds(-1)));
    assertEquals("oracleCallTimeout is PT-1S: expected a positive duration", e.getMessage());
    e = assertThrows(InputException.class, () -> Caps.builder().maxInfrastructureInterruptions(0));
    assertEquals("maxInfrastructureInterruptions is 0: expected at least 1", e.getMessage());
  }
}

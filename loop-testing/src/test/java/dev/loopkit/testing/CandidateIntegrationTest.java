package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.IntegrateRequest;
import dev.loopkit.core.Integration;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An integrator that builds candidates: the verifier and the later stages run on the candidate's checkout, the
 * integration branch advances only after they passed, and a branch that moved meanwhile means a new candidate.
 */
class CandidateIntegrationTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();
  private final List<String> order = new CopyOnWriteArrayList<>();

  /** Candidates in folders of their own; {@code moves} advances answer "moved" before one succeeds. */
  private final class Candidates implements Integrator {
    final AtomicInteger built = new AtomicInteger();
    final AtomicInteger moves;
    final List<Path> released = new CopyOnWriteArrayList<>();

    Candidates(int moves) {
      this.moves = new AtomicInteger(moves);
    }

    @Override
    public Integration integrate(IntegrateRequest request) throws Exception {
      int n = built.incrementAndGet();
      Path checkout = Files.createDirectories(dir.resolve("candidates").resolve(request.ticket().id() + "-" + n));
      order.add("integrate " + checkout.getFileName());
      return Integration.candidate("candidate " + n, Map.of("candidate", "c" + n),
          new Workspace(request.ticket().id(), checkout, Map.of()));
    }

    @Override
    public Integration.Advance advance(Integration.Candidate candidate, IntegrateRequest request) {
      order.add("advance " + candidate.workspace().directory().getFileName());
      if (moves.getAndDecrement() > 0) {
        return Integration.Advance.moved("main moved from m1 to m2");
      }
      return Integration.Advance.advanced("main at " + candidate.attributes().get("candidate"), Map.of("main", "m3"));
    }

    @Override
    public void release(Integration.Candidate candidate) {
      released.add(candidate.workspace().directory());
    }
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Integrator integrator) {
    return LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .sandbox(Sandbox.none())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir.resolve("work")))
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .integrator(integrator)
        .stage("smoke", context -> {
          order.add("smoke " + context.workspace().directory().getFileName());
          return StageResult.passed("smoke ok", List.of(Evidence.of("smoke", "ran on the candidate")));
        })
        .verifier(r -> {
          order.add("verify " + r.workspace().directory().getFileName());
          return Verification.passed(Evidence.of("tests", "green in " + r.workspace().directory().getFileName()));
        });
  }

  @Test
  void theVerifierAndLaterStagesRunOnTheCandidateAndTheBranchAdvancesOnlyAfterThem() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Candidates candidates = new Candidates(0);

    RunResult result = engine(tracker, candidates).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(List.of("integrate A-1", "verify A-1", "smoke A-1", "advance A-1"), order);
    assertEquals(List.of(dir.resolve("candidates/A-1")), candidates.released);
    List<LoopEvent.TicketDone> dones = events.events(LoopEvent.TicketDone.class);
    LoopEvent.TicketDone done = dones.get(dones.size() - 1);
    List<String> kinds = new ArrayList<>();
    done.evidence().forEach(e -> kinds.add(e.kind()));
    assertEquals(List.of("tests", "smoke", "candidate"), kinds);
    Evidence candidate = done.evidence().get(2);
    assertEquals("c1", candidate.attributes().get("candidate"));
    assertEquals("m3", candidate.attributes().get("main"));
    assertEquals(Status.DONE, tracker.ticket("A").status());
  }

  @Test
  void aBranchThatMovedMeansANewCandidateVerifiedAgain() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Candidates candidates = new Candidates(1);

    RunResult result = engine(tracker, candidates).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(List.of("integrate A-1", "verify A-1", "smoke A-1", "advance A-1",
        "integrate A-2", "verify A-2", "smoke A-2", "advance A-2"), order);
    assertEquals(List.of(dir.resolve("candidates/A-1"), dir.resolve("candidates/A-2")), candidates.released);
    long moved = events.events(LoopEvent.StageCompleted.class).stream()
        .filter(e -> e.stage().equals("advance") && e.outcome() == StageOutcome.FAILED).count();
    assertEquals(1, moved);
  }

  @Test
  void aBranchThatKeepsMovingFailsTheAttemptAfterTheRebuildLimitWithoutAdvancing() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Candidates candidates = new Candidates(Integer.MAX_VALUE);

    RunResult result = engine(tracker, candidates)
        .caps(dev.loopkit.core.Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    assertEquals(Integrator.MAX_REBUILDS + 1, candidates.built.get());
    assertEquals(candidates.built.get(), candidates.released.size());
    List<LoopEvent.StageCompleted> stages = events.events(LoopEvent.StageCompleted.class);
    LoopEvent.StageCompleted last = stages.get(stages.size() - 1);
    assertEquals(StageKind.INTEGRATE, last.kind());
    assertTrue(last.findings().get(0).contains("rebuilt " + Integrator.MAX_REBUILDS + " times"), last.findings().get(0));
  }

  @Test
  void aCandidateThatFailsVerificationIsReleasedAndTheBranchNeverAdvances() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Candidates candidates = new Candidates(0);

    RunResult result = engine(tracker, candidates)
        .verifier(r -> {
          order.add("verify " + r.workspace().directory().getFileName());
          return Verification.failed(List.of("tests red on the candidate"), List.of());
        })
        .caps(dev.loopkit.core.Caps.builder().maxAttemptsPerTicket(1).build()).build().run();

    assertInstanceOf(RunEnding.HumanGated.class, result.ending());
    assertEquals(List.of("integrate A-1", "verify A-1"), order);
    assertEquals(List.of(dir.resolve("candidates/A-1")), candidates.released);
  }

  @Test
  void theFinalGateReverifiesEveryDoneTicketOnTheHeadAndReopensARegression() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    Path head = Files.createDirectories(dir.resolve("head"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build());
    AtomicInteger headChecksOfA = new AtomicInteger();
    Integrator direct = new Integrator() {
      @Override
      public Integration integrate(IntegrateRequest request) {
        return Integration.integrated("merged", Map.of());
      }

      @Override
      public Workspace head(String runId) {
        return new Workspace("head", head, Map.of("commit", "main@" + headChecksOfA.get()));
      }
    };

    RunResult result = LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .sandbox(Sandbox.none()).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir.resolve("work")))
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .integrator(direct)
        .verifier(r -> {
          boolean onHead = r.workspace().directory().equals(head);
          if (onHead && r.ticket().id().equals("A") && headChecksOfA.incrementAndGet() == 1) {
            return Verification.failed(List.of("A's test fails on main: B renamed what A calls"), List.of());
          }
          return Verification.passed(Evidence.of("tests", "green" + (onHead ? " on the head" : "")));
        })
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    List<LoopEvent.FinalGateChecked> gates = events.events(LoopEvent.FinalGateChecked.class);
    assertEquals(2, gates.size());
    assertEquals(1, gates.get(0).regressed());
    assertEquals(List.of("A"), gates.get(0).sample());
    assertEquals(0, gates.get(1).regressed());
    assertEquals(2, gates.get(1).checked());
    assertEquals(1, tracker.transitions("A", Status.OPEN).size());
    assertTrue(tracker.ticket("A").comments().stream().anyMatch(c -> c.body().contains("B renamed what A calls")));
    assertEquals(2, events.events(LoopEvent.TicketDispatched.class).stream()
        .filter(d -> d.ticketId().equals("A")).count());
    assertTrue(result.report().summary().contains("final gate"), result.report().summary());
  }

  @Test
  void aFaultOfTheHarnessDuringTheFinalGateStopsTheRunWithoutReopeningAnyTicket() throws Exception {
    Files.createDirectories(dir.resolve("work"));
    Path head = Files.createDirectories(dir.resolve("head"));
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Integrator direct = new Integrator() {
      @Override
      public Integration integrate(IntegrateRequest request) {
        return Integration.integrated("merged", Map.of());
      }

      @Override
      public Workspace head(String runId) {
        return new Workspace("head", head, Map.of("commit", "main@1"));
      }
    };

    RunResult result = LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .sandbox(Sandbox.none()).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir.resolve("work")))
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .integrator(direct)
        .verifier(r -> {
          if (r.workspace().directory().equals(head)) {
            throw new dev.loopkit.core.FatalAdapterException("the verifier's service refused our key", null);
          }
          return Verification.passed(Evidence.of("tests", "green"));
        })
        .build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.describe().contains("final gate") && failed.describe().contains("refused our key"),
        failed.describe());
    assertEquals(Status.DONE, tracker.ticket("A").status());
    assertTrue(events.events(LoopEvent.TicketRegressed.class).isEmpty());
  }
}

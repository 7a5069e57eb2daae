package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A person's recorded decision wins over the attempt in flight, and only a sealed decision counts. */
class PersonDecisionTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();

  @Test
  void aCancelRecordedWhileTheTicketsAttemptRunsStopsItAndIsNotOverwrittenWithDone() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    CountDownLatch working = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    LoopEngine engine = LoopEngine.builder().tracker(tracker).listener(events).sandbox(Sandbox.none())
        .oracle(Oracle.allDoneOrCancelled()).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir))
        .worker(a -> {
          working.countDown();
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            interrupted.set(true);
            Thread.currentThread().interrupt();
          }
          return WorkResult.completed("did it anyway", Usage.ZERO);
        })
        .verifier(r -> Verification.passed(Evidence.of("tests", "green")))
        .build();

    CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(engine::run);
    assertTrue(working.await(30, TimeUnit.SECONDS));
    RunDirectory.of(dir.resolve("run")).recordDecision("A", Status.CANCELLED, "not needed any more");
    RunResult result = run.get(60, TimeUnit.SECONDS);

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(Status.CANCELLED, tracker.ticket("A").status());
    assertTrue(tracker.transitions("A", Status.DONE).isEmpty(), "the attempt's outcome was not applied");
    assertTrue(interrupted.get(), "the attempt was stopped");
    assertEquals(1, events.events(LoopEvent.DecisionRecorded.class).size());
    assertTrue(events.events(LoopEvent.AttemptInterrupted.class).get(0).reason().contains("a person recorded"));
  }

  @Test
  void aDecisionLineNotSealedWithTheRunsKeyStopsTheRun() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").status(Status.HUMAN_GATED).build());
    LoopEngine.Builder engine = LoopEngine.builder().tracker(tracker).listener(events).sandbox(Sandbox.none())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir))
        .worker(a -> WorkResult.completed("did it", Usage.ZERO))
        .verifier(r -> Verification.passed(Evidence.of("tests", "green")));
    assertInstanceOf(RunEnding.HumanGated.class, engine.build().run().ending());
    Files.writeString(dir.resolve("run/decisions.jsonl"), "{\"ticketId\":\"B\",\"status\":\"DONE\",\"reason\":\"trust"
        + " me\",\"at\":\"2026-12-02T00:00:00Z\",\"mac\":\"" + "00".repeat(32) + "\"}\n");

    RunEnding second = engine.build().run().ending();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, second);
    assertTrue(failed.describe().contains("is not sealed with the run's key"), failed.describe());
    assertEquals(Status.HUMAN_GATED, tracker.ticket("B").status());
  }

  @Test
  void aDecisionNeedsARunAValidStatusAndAReason() {
    RunDirectory none = RunDirectory.of(dir.resolve("nothing"));
    assertTrue(assertThrows(InputException.class, () -> none.recordDecision("A", Status.DONE, "fine"))
        .getMessage().contains("holds no run"));
    assertTrue(assertThrows(InputException.class, () -> none.recordDecision("A", Status.OPEN, "fine"))
        .getMessage().contains("expected done or cancelled"));
    assertTrue(assertThrows(InputException.class, () -> none.recordDecision("A", Status.DONE, " "))
        .getMessage().contains("has no reason"));
  }
}

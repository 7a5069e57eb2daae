package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run large enough to checkpoint, stopped half-way and resumed from the checkpoint, finishes exactly once. */
class CheckpointResumeTest {
  private static final int TICKETS = 1_500;

  @TempDir Path dir;

  private LoopEngine.Builder engine(InMemoryTracker tracker, dev.loopkit.core.LoopListener events) {
    return LoopEngine.builder().tracker(tracker).listener(events)
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.tokens(3, 2)))
        .verifier(r -> Verification.passed(Evidence.of("check", r.ticket().id() + " ok")))
        .caps(Caps.builder().maxConcurrency(4).maxPasses(100_000).build())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  @Test
  void aRunStoppedHalfWayResumesFromItsCheckpointAndDoesEveryTicketOnce() throws Exception {
    InMemoryTracker tracker = new InMemoryTracker();
    for (int i = 0; i < TICKETS; i++) {
      Ticket.Builder t = Ticket.builder("T-" + i).title("ticket " + i);
      if (i > 0) {
        t.addDependency(Dependency.blockedBy("T-" + (i * 7919 % i)));
      }
      tracker.put(t.build());
    }
    AtomicInteger done = new AtomicInteger();
    Thread engineThread = Thread.currentThread();
    RecordingListener first = new RecordingListener();
    RunResult stopped = engine(tracker, event -> {
      first.onEvent(event);
      if (event instanceof LoopEvent.TicketDone && done.incrementAndGet() == TICKETS * 2 / 3) {
        engineThread.interrupt(); // the host stops the run: it ends FAILED, to be continued
      }
    }).build().run();
    assertTrue(Thread.interrupted(), "the engine hands the interrupt back");
    assertInstanceOf(RunEnding.Failed.class, stopped.ending(), stopped.ending().describe());
    RunDirectory run = RunDirectory.of(dir.resolve("run"));
    assertTrue(Files.size(run.checkpoint()) > 0, "a journal of this size is checkpointed");
    assertTrue(Files.size(run.journal()) > Files.size(run.checkpoint()));

    RecordingListener second = new RecordingListener();
    RunResult resumed = engine(tracker, second).build().run();

    assertInstanceOf(RunEnding.Done.class, resumed.ending(), resumed.ending().describe());
    Map<String, Integer> doneEvents = new HashMap<>();
    first.events(LoopEvent.TicketDone.class).forEach(e -> doneEvents.merge(e.ticketId(), 1, Integer::sum));
    second.events(LoopEvent.TicketDone.class).forEach(e -> doneEvents.merge(e.ticketId(), 1, Integer::sum));
    assertEquals(TICKETS, doneEvents.size());
    assertTrue(doneEvents.values().stream().allMatch(n -> n == 1), "no ticket was done twice");
    for (int i = 0; i < TICKETS; i++) {
      assertEquals(Status.DONE, tracker.ticket("T-" + i).status());
    }
    RunReport report = resumed.report();
    assertEquals(2, report.sessions());
    assertEquals(TICKETS, report.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE)
        .count());
    assertEquals(TICKETS + report.interruptedAttempts(), report.attempts(), "only the interrupted ones ran twice");
    // an interrupted attempt may or may not have reported its work before the stop: at least every done one
    assertTrue(report.usage().totalTokens() >= 5L * TICKETS, report.usage().toString());
    assertTrue(report.usage().totalTokens() <= 5L * report.attempts(), report.usage().toString());
    assertEquals(RunReport.of(run.events()).usage(), report.usage(),
        "usage of both sessions, the first one from the checkpoint, as a full replay counts it");
    assertEquals(RunReport.of(run.events()).summary(), run.report().summary(),
        "the checkpoint and a full replay of the journal agree");
  }
}

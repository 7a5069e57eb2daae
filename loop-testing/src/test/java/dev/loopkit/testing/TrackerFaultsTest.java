package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tracker's transient faults are retried inside the run and journaled; lasting ones end it, never a ticket. */
class TrackerFaultsTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();
  private final List<Duration> slept = new CopyOnWriteArrayList<>();

  /** Fails the first {@code readFaults} reads and {@code writeFaults} transitions with the given error. */
  private static final class Flaky extends ForwardingTracker {
    final AtomicInteger readFaults;
    final AtomicInteger writeFaults;
    final boolean retryable;

    Flaky(Tracker delegate, int readFaults, int writeFaults, boolean retryable) {
      super(delegate);
      this.readFaults = new AtomicInteger(readFaults);
      this.writeFaults = new AtomicInteger(writeFaults);
      this.retryable = retryable;
    }

    @Override
    public BatchChanges changesSince(String cursor) {
      if (readFaults.getAndDecrement() > 0) {
        throw new AdapterException("503 Service Unavailable from the tracker", null, retryable);
      }
      return super.changesSince(cursor);
    }

    @Override
    public void transition(String ticketId, Status to, String note) {
      if (writeFaults.getAndDecrement() > 0) {
        throw new AdapterException("429 Too Many Requests from the tracker", null, retryable);
      }
      super.transition(ticketId, to, note);
    }
  }

  private RunResult run(Tracker tracker) {
    return LoopEngine.builder().tracker(tracker).clock(new ManualClock()).sleeper(slept::add).listener(events)
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .verifier(r -> Verification.passed(Evidence.of("check", "ok")))
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();
  }

  private static InMemoryTracker batch() {
    return InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").addDependency(Dependency.blockedBy("A")).build());
  }

  @Test
  void retryableTrackerFaultsAreRetriedAndJournaledAndTheRunEndsDone() {
    InMemoryTracker inner = batch();
    RunResult result = run(new Flaky(inner, 2, 1, true));

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.CallRetried> retries = events.events(LoopEvent.CallRetried.class);
    assertEquals(3, retries.size(), retries.toString());
    assertEquals("changesSince", retries.get(0).call());
    assertEquals(2, retries.get(1).failedTries());
    assertTrue(retries.get(2).call().startsWith("transition "), retries.get(2).call());
    assertTrue(retries.get(0).error().contains("503"), retries.get(0).error());
    assertEquals(3, slept.size(), "every retry waited, through the injected sleeper");
    assertTrue(slept.get(1).compareTo(slept.get(0).dividedBy(2)) >= 0 && !slept.get(0).isZero(), slept.toString());
    assertEquals(0, result.report().tickets().stream().mapToInt(t -> t.failedAttempts()).sum(),
        "no ticket is charged for the tracker's faults");
  }

  @Test
  void aTrackerThatStaysDownEndsTheRunFailedNamingTheCallAfterItsRetries() {
    RunResult result = run(new Flaky(batch(), 100, 0, true));

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().startsWith("the tracker (changesSince) after 4 tries threw AdapterException: 503"),
        failed.message());
    assertEquals(3, events.events(LoopEvent.CallRetried.class).size());
  }

  @Test
  void aFaultThatIsNotRetryableEndsTheRunAtOnceWithNoTicketCharged() {
    InMemoryTracker inner = batch();
    RunResult result = run(new Flaky(inner, 0, 1, false));

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().startsWith("the tracker (transition A to done) threw AdapterException: 429"),
        failed.message());
    assertTrue(events.events(LoopEvent.CallRetried.class).isEmpty());
    assertTrue(slept.isEmpty());
    assertEquals(0, result.report().tickets().get(0).failedAttempts());
  }

  @Test
  void aPartThatCannotGoOnStopsTheRunAtOnceWithoutChargingTheTicket() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build());
    RunResult result = LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .worker(a -> {
          throw new dev.loopkit.core.FatalAdapterException("the worker's model refused the call (AUTHENTICATION):"
              + " invalid x-api-key; fix the key and run again", null);
        })
        .verifier(r -> Verification.passed(Evidence.of("check", "ok")))
        .caps(dev.loopkit.core.Caps.builder().maxConcurrency(1).build())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().contains("refused the call (AUTHENTICATION)")
        && failed.message().contains("no ticket was charged"), failed.message());
    assertInstanceOf(dev.loopkit.core.FatalAdapterException.class, failed.cause());
    assertEquals(1, events.events(LoopEvent.TicketDispatched.class).size(), "the run stopped at the first fault");
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty(), "no attempt was charged");
    assertEquals(Status.OPEN, tracker.ticket("A").status());
    assertEquals(Status.OPEN, tracker.ticket("B").status());
  }
}

package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Heal;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Integration;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's defaults are the strict ones DESIGN.md names, and bad states cannot be built. */
class StrictDefaultsTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();
  private final Worker worker = a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO);
  private final Verifier verifier = r -> Verification.passed(Evidence.of("check", r.ticket().id() + " ok"));

  private LoopEngine.Builder engine(InMemoryTracker tracker) {
    return LoopEngine.builder().tracker(tracker).worker(worker).verifier(verifier).clock(new ManualClock())
        .listener(events).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir));
  }

  private static Ticket ticket(String id, Dependency... deps) {
    return Ticket.builder(id).title("ticket " + id).dependencies(List.of(deps)).build();
  }

  @Test
  void theDefaultOracleRefusesAnEmptyBatchNamingTheTracker() {
    InMemoryTracker empty = InMemoryTracker.of();
    RunResult result = engine(empty).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().contains("holds no tickets") && failed.message().contains(empty.toString()),
        failed.message());
    assertInstanceOf(InputException.class, failed.cause());
  }

  @Test
  void theDefaultOracleKeepsACancelledTicketPending() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"),
        Ticket.builder("B").title("b").status(Status.CANCELLED).build());
    RunResult result = engine(tracker).build().run();

    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertEquals("B", stalled.outstanding().get(0).ticketId());
    assertTrue(stalled.outstanding().get(0).reason().contains("cancelled"), stalled.describe());
  }

  @Test
  void cancelledTicketsSettleOnlyWhenTheHostOptsIn() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"),
        Ticket.builder("B").title("b").status(Status.CANCELLED).build());
    RunResult result = engine(tracker).oracle(Oracle.allDoneOrCancelled()).build().run();

    RunEnding.Done done = assertInstanceOf(RunEnding.Done.class, result.ending());
    assertTrue(done.why().contains("1 cancelled"), done.why());
  }

  @Test
  void theDefaultReadySetFindsABlockingCycleBeforeAnyWorkerStarts() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A", Dependency.blockedBy("C")),
        ticket("B", Dependency.blockedBy("A")), ticket("C", Dependency.blockedBy("B")), ticket("D"));
    RunResult result = engine(tracker).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().contains("dependency cycle"), failed.message());
    assertTrue(failed.message().contains("A") && failed.message().contains("B") && failed.message().contains("C"),
        failed.message());
    assertTrue(events.events(LoopEvent.TicketDispatched.class).isEmpty(), "no worker started");
    assertEquals(Status.OPEN, tracker.ticket("D").status());
  }

  @Test
  void aHealerIsRefusedWithTripwireNone() {
    InputException e = assertThrows(InputException.class, () -> engine(InMemoryTracker.of(ticket("A")))
        .tripwire(Tripwire.none()).healer(ctx -> Heal.noChange("none")).build());
    assertTrue(e.getMessage().contains("Tripwire.none()"), e.getMessage());
  }

  @Test
  void aHealerUnderATripwireThatFingerprintsNothingEndsTheRunBeforeWork() {
    RunResult result = engine(InMemoryTracker.of(ticket("A"))).tripwire(java.util.Map::of)
        .healer(ctx -> Heal.noChange("none")).build().run();

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, result.ending());
    assertTrue(failed.message().contains("fingerprints nothing"), failed.message());
    assertTrue(events.events(LoopEvent.TicketDispatched.class).isEmpty());
  }

  @Test
  void unmeteredUsageStopsTheRunAtTheCapCheck() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")));
    Worker unpriced = a -> WorkResult.completed("did it", Usage.unmetered(Usage.tokens(100, 10)));
    RunResult result = LoopEngine.builder().tracker(tracker).worker(unpriced).verifier(verifier)
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();

    RunEnding.Capped capped = assertInstanceOf(RunEnding.Capped.class, result.ending());
    assertEquals(Cap.MONEY, capped.cap());
    assertTrue(capped.detail().contains("1 model call(s) could not be priced")
        && capped.detail().contains("allowUnmeteredUsage"), capped.detail());
    assertEquals(Status.OPEN, tracker.ticket("B").status(), "no attempt starts after unmetered usage");
    assertTrue(result.report().summary().contains("1 unmetered call(s)"), result.report().summary());
  }

  @Test
  void unmeteredUsageTheHostDeclaredFreeDoesNotStopTheRun() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")));
    Worker unpriced = a -> WorkResult.completed("did it", Usage.unmetered(Usage.ZERO));
    RunResult result = LoopEngine.builder().tracker(tracker).worker(unpriced).verifier(verifier)
        .caps(Caps.builder().allowUnmeteredUsage().build())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    assertEquals(2, result.report().usage().unmeteredCalls());
  }

  @Test
  void passesWithoutEvidenceAndFailuresWithoutFindingsCannotBeBuilt() {
    assertThrows(IllegalArgumentException.class, () -> Verification.passed(List.of()));
    assertThrows(IllegalArgumentException.class, () -> Verification.failed(List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> WorkResult.failed(List.of(), Usage.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Integration.conflict(List.of()));
    assertThrows(IllegalArgumentException.class, () -> StageResult.failed(List.of()));
    assertThrows(IllegalArgumentException.class, () -> StageResult.needsHuman("stuck", List.of()));
  }

  @Test
  void aMoneyCapCountsWhatWasPriced() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A"), ticket("B", Dependency.blockedBy("A")));
    Worker costly = a -> WorkResult.completed("did it", new Usage(10, 10, 0, 0, new BigDecimal("2")));
    RunResult result = engine(tracker).worker(costly).caps(Caps.builder().maxCostUsd("2").build()).build().run();

    assertEquals(Cap.MONEY, assertInstanceOf(RunEnding.Capped.class, result.ending()).cap());
  }
}

package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.HealRevert;
import dev.loopkit.core.Healer;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heals through the engine: what they cost, when they are reverted, and how a wall ends the run. */
class HealLifecycleTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();
  /** The harness setting the healer patches: the worker does the job only when it reads {@code fixed}. */
  private final AtomicReference<String> harness = new AtomicReference<>("broken");

  private final Worker worker = a -> {
    if (harness.get().equals("fixed")) {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done");
    }
    return WorkResult.completed("worked with a " + harness.get() + " harness", Usage.ZERO);
  };

  private final Verifier verifier = r -> Files.exists(dir.resolve(r.ticket().id() + ".txt"))
      ? Verification.passed(new Evidence("file", r.ticket().id() + ".txt exists", Map.of()))
      : Verification.failed(List.of("expected " + r.ticket().id() + ".txt"), List.of());

  /** Patches the harness to each value in turn, remembering what it replaced so that it can revert by number. */
  private final class PatchingHealer implements Healer {
    final List<String> patches;
    final Map<Integer, String> before = new java.util.HashMap<>();
    final List<String> log = new ArrayList<>();

    PatchingHealer(String... patches) {
      this.patches = new ArrayList<>(List.of(patches));
    }

    @Override
    public Heal heal(HealContext context) {
      String next = patches.remove(0);
      before.put(context.heal(), harness.get());
      log.add("heal " + context.heal() + ": " + harness.get() + " -> " + next);
      harness.set(next);
      return Heal.applied("set the harness to " + next, "-" + before.get(context.heal()) + "\n+" + next);
    }

    @Override
    public boolean revert(HealRevert request) {
      log.add("revert " + request.heal() + ": " + harness.get() + " -> " + before.get(request.heal()));
      harness.set(before.get(request.heal()));
      return true;
    }
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Healer healer) {
    return LoopEngine.builder().tracker(tracker).worker(worker).verifier(verifier).listener(events)
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir))
        .tripwire(() -> Map.of("verify.sh", "sha-1")).healer(healer)
        .caps(Caps.builder().maxAttemptsPerTicket(10).allowUnmeteredUsage().build());
  }

  @Test
  void aHealWithoutProgressIsRevertedByNumberBeforeTheHealerIsAskedAgain() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    PatchingHealer healer = new PatchingHealer("wrong", "fixed");

    RunResult result = engine(tracker, healer).healAfterConsecutiveFailures(1).revertHealAfterAttempts(2).build()
        .run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(List.of("heal 1: broken -> wrong", "revert 1: wrong -> broken", "heal 2: broken -> fixed"),
        healer.log);
    LoopEvent.HealReverted reverted = events.events(LoopEvent.HealReverted.class).get(0);
    assertEquals(1, reverted.heal());
    assertTrue(reverted.reverted());
    assertTrue(reverted.reason().contains("no ticket done since it (1 attempts), and the run kept failing again"),
        reverted.reason());
    assertEquals(1, events.events(LoopEvent.HealReverted.class).size(), "the heal that worked is kept");
    assertTrue(result.report().summary().contains("interventions 0, heals 2 (1 reverted)"),
        result.report().summary());
    assertTrue(result.report().interventions().stream().anyMatch(i -> i.kind()
        == RunReport.InterventionKind.HEAL_REVERTED && i.detail().startsWith("heal 1 reverted: ")));
  }

  @Test
  void aHealIsRevertedWhenItsAttemptsBringNoTicketDone() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    PatchingHealer healer = new PatchingHealer("wrong", "fixed");

    RunResult result = engine(tracker, healer).healAfterConsecutiveFailures(2).revertHealAfterAttempts(1).build()
        .run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(List.of("heal 1: broken -> wrong", "revert 1: wrong -> broken", "heal 2: broken -> fixed"),
        healer.log);
    assertEquals("no ticket done in 1 attempts since it",
        events.events(LoopEvent.HealReverted.class).get(0).reason());
    assertEquals(5, events.events(LoopEvent.TicketDispatched.class).size(), "2 failures, heal, 1 failure, revert,"
        + " 1 failure, heal, the pass");
  }

  @Test
  void aHealThatBringsProgressIsKept() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").addDependency(Dependency.blockedBy("A")).build());
    PatchingHealer healer = new PatchingHealer("fixed");

    RunResult result = engine(tracker, healer).healAfterConsecutiveFailures(1).revertHealAfterAttempts(1).build()
        .run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(List.of("heal 1: broken -> fixed"), healer.log);
    assertTrue(events.events(LoopEvent.HealReverted.class).isEmpty());
    assertEquals("fixed", harness.get());
  }

  @Test
  void aHealerThatCannotRevertIsJournaledAndItsHealStays() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    List<String> patches = new ArrayList<>(List.of("wrong", "fixed"));
    Healer healer = context -> {
      harness.set(patches.remove(0));
      return Heal.applied("set the harness to " + harness.get(), "");
    };

    RunResult result = engine(tracker, healer).healAfterConsecutiveFailures(1).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    LoopEvent.HealReverted notReverted = events.events(LoopEvent.HealReverted.class).get(0);
    assertFalse(notReverted.reverted());
    assertTrue(notReverted.reason().endsWith("; the healer cannot revert it, so it stays"), notReverted.reason());
  }

  @Test
  void whatAHealCostsCountsAgainstTheRunsMoneyCap() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Usage expensive = new Usage(1_000, 500, 0, 0, new BigDecimal("5.00"), 0);
    Healer healer = context -> Heal.applied("tried a longer prompt", "").withUsage(expensive);

    RunResult result = engine(tracker, healer).healAfterConsecutiveFailures(1)
        .caps(Caps.builder().maxAttemptsPerTicket(10).maxCostUsd("1").build()).build().run();

    RunEnding.Capped capped = assertInstanceOf(RunEnding.Capped.class, result.ending(), result.ending().describe());
    assertEquals(Cap.MONEY, capped.cap());
    assertEquals(expensive, events.events(LoopEvent.HealAttempted.class).get(0).usage());
    assertEquals(0, new BigDecimal("5.00").compareTo(result.report().usage().costUsd()), result.report().summary());
    assertEquals(1, events.events(LoopEvent.TicketDispatched.class).size(), "no attempt starts past the cap");
  }

  @Test
  void aWallEndsTheStalledRunNamingItAndItsEvidence() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("X").title("x").status(Status.HUMAN_GATED).build(),
        Ticket.builder("A").title("a").addDependency(Dependency.blockedBy("X")).build());
    Healer healer = context -> Heal.wall("the deploy key was revoked", List.of("ticket X: waits for a person"));

    RunResult result = engine(tracker, healer).build().run();

    RunEnding.Stalled stalled = assertInstanceOf(RunEnding.Stalled.class, result.ending());
    assertTrue(stalled.describe().contains("a heal found an external wall, a person must act (the deploy key was"
        + " revoked (ticket X: waits for a person))"), stalled.describe());
    assertEquals(Heal.Outcome.WALL, events.events(LoopEvent.HealAttempted.class).get(0).outcome());
  }
}

package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.RecordingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An epic (a ticket labelled epic, such as a plan's master) starts only after all its children are settled. */
class EpicTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();

  private RunResult run(InMemoryTracker tracker, String readySet) {
    ReadySet ready = readySet.equals("scheduler") ? DependencyReadySet.create() : ReadySet.simple();
    return LoopEngine.builder().tracker(tracker).readySet(ready).listener(events)
        .worker(a -> WorkResult.completed("worked " + a.ticket().id(), Usage.ZERO))
        .verifier(r -> Verification.passed(new Evidence("check", r.ticket().id() + " checked", Map.of())))
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();
  }

  private List<String> dispatched() {
    return events.events(LoopEvent.TicketDispatched.class).stream().map(LoopEvent.TicketDispatched::ticketId)
        .toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "scheduler"})
  void anEpicStartsAfterItsChildrenAndNotBefore(String readySet) {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("M").title("the feature").labels(List.of("Epic")).build(),
        Ticket.builder("C1").title("part one").addDependency(Dependency.childOf("M")).build(),
        Ticket.builder("C2").title("part two").addDependency(Dependency.childOf("M"))
            .addDependency(Dependency.blockedBy("C1")).build());

    RunResult result = run(tracker, readySet);

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    assertEquals(List.of("C1", "C2", "M"), dispatched());
    assertEquals(Status.DONE, tracker.ticket("M").status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "scheduler"})
  void aParentThatIsNotAnEpicKeepsBeadsRuleAndMayStartFirst(String readySet) {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("P").title("a parent").build(),
        Ticket.builder("C1").title("a child").addDependency(Dependency.childOf("P")).build());

    run(tracker, readySet);

    List<String> firstPass = events.events(LoopEvent.PassStarted.class).get(0).ready();
    assertEquals(java.util.Set.of("P", "C1"), java.util.Set.copyOf(firstPass),
        "open children never block a plain parent: both start in the first pass");
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "scheduler"})
  void anEpicWhoseChildWaitsForAPersonStallsNamingIt(String readySet) {
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("M").title("the feature").labels(List.of("epic")).build(),
        Ticket.builder("C1").title("gated").status(Status.HUMAN_GATED).addDependency(Dependency.childOf("M")).build());

    RunResult result = run(tracker, readySet);

    assertInstanceOf(RunEnding.Stalled.class, result.ending(), result.ending().describe());
    assertEquals(List.of(), dispatched());
  }
}

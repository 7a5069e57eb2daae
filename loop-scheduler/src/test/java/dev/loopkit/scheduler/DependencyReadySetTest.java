package dev.loopkit.scheduler;

import static dev.loopkit.scheduler.ReadyIndexTest.ids;
import static dev.loopkit.scheduler.ReadyIndexTest.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.ReadyContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DependencyReadySetTest {
  private final MapTracker tracker = new MapTracker();
  private final DependencyReadySet readySet = DependencyReadySet.create();

  private Map<String, Ticket> previous;

  /** One pass as the engine makes it: a full read first, then only the tickets that changed. */
  private List<String> pass(Set<String> inFlight, Map<String, String> held) {
    Batch batch = tracker.readBatch();
    BatchChanges changes;
    if (previous == null) {
      changes = BatchChanges.full(batch);
    } else {
      List<Ticket> changed = new java.util.ArrayList<>();
      batch.tickets().stream().filter(t -> !t.equals(previous.get(t.id()))).forEach(changed::add);
      Set<String> removed = new java.util.HashSet<>(previous.keySet());
      batch.tickets().forEach(t -> removed.remove(t.id()));
      changes = BatchChanges.since(changed, removed, "");
    }
    previous = new java.util.HashMap<>();
    batch.tickets().forEach(t -> previous.put(t.id(), t));
    return ids(readySet.ready(new ReadyContext(batch, changes, inFlight, held, Integer.MAX_VALUE, tracker)));
  }

  private List<String> pass() {
    return pass(Set.of(), Map.of());
  }

  @Test
  void firstPassOverACyclicBatchThrowsAndSoDoesEveryLaterOne() {
    tracker.put(t("a", Dependency.blockedBy("b")).build()).put(t("b", Dependency.blockedBy("a")).build());
    InputException first = assertThrows(InputException.class, this::pass);
    assertTrue(first.getMessage().startsWith("dependency cycle a -blocks-> b -blocks-> a"), first.getMessage());
    assertThrows(InputException.class, this::pass);
  }

  @Test
  void laterPassesPickUpStatusChangesAndNewTicketsFromTheSnapshot() {
    tracker.put(t("a").build()).put(t("b", Dependency.blockedBy("a")).build());
    assertEquals(List.of("a"), pass());
    tracker.transition("a", Status.DONE, "verified");
    tracker.put(t("c", Dependency.blockedBy("b")).build());
    assertEquals(List.of("b"), pass());
    tracker.addDependency("b", Dependency.blockedBy("c2"));
    // c2 is not known anywhere yet
    assertThrows(InputException.class, this::pass);
  }

  @Test
  void inFlightTicketsAndHeldResourcesAreLeftOut() {
    tracker.put(t("a").build()).put(t("b").addResource("infra-apply").build()).put(t("c").build());
    assertEquals(List.of("a"), pass(Set.of("c"), Map.of("infra-apply", "z")));
    assertEquals(List.of("a", "b", "c"), pass());
  }

  @Test
  void ticketRemovedFromTheBatchIsForgotten() {
    tracker.put(t("a").build()).put(t("b").build());
    assertEquals(List.of("a", "b"), pass());
    tracker.batch.remove("a");
    assertEquals(List.of("b"), pass());
  }

  @Test
  void blockerOutsideTheBatchIsReadFromTheTrackerUntilItIsDone() {
    tracker.putOutside(Ticket.builder("ext").status(Status.OPEN).build());
    tracker.put(t("a", Dependency.blockedBy("ext")).build());
    assertEquals(List.of(), pass());
    tracker.putOutside(Ticket.builder("ext").status(Status.DONE).build());
    assertEquals(List.of("a"), pass());
    int finds = tracker.finds;
    pass();
    assertEquals(finds, tracker.finds, "a done outside blocker is not looked up again");
  }

  @Test
  void dependencyOnAnIdUnknownToTheTrackerNamesBothIds() {
    tracker.put(t("a", Dependency.childOf("nowhere")).build());
    InputException e = assertThrows(InputException.class, this::pass);
    assertTrue(e.getMessage().startsWith("ticket a depends on nowhere (parent-child:nowhere)"), e.getMessage());
  }

  @Test
  void orderIsCriticalPathFirstByDefault() {
    tracker.put(t("quick").priority(0).build()).put(t("gate").priority(4).build())
        .put(t("after", Dependency.blockedBy("gate")).build());
    assertEquals(ReadyOrder.CRITICAL_PATH_FIRST, readySet.order());
    assertEquals(List.of("gate", "quick"), pass());
  }
}

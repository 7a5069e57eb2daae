package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class InMemoryTrackerChangesTest {
  private final InMemoryTracker tracker = new InMemoryTracker(new ManualClock());

  private Ticket file(String title) {
    return tracker.create(NewTicket.builder(title).build());
  }

  private static List<String> ids(BatchChanges changes) {
    return changes.tickets().stream().map(Ticket::id).collect(Collectors.toList());
  }

  @Test
  void changesSinceListsExactlyTheTicketsChangedAfterTheCursor() {
    Ticket a = file("a");
    Ticket b = file("b");
    Ticket c = file("c");
    Ticket d = file("d");
    BatchChanges start = tracker.changesSince("");

    tracker.transition(a.id(), Status.DONE, "verified");
    tracker.comment(b.id(), "note");
    tracker.addDependency(c.id(), Dependency.blockedBy(d.id()));
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertTrue(start.full());
    assertFalse(changes.full());
    assertEquals(List.of(a.id(), b.id(), c.id()), ids(changes));
    assertEquals(Status.DONE, changes.tickets().get(0).status());
    assertEquals(Set.of(), changes.removed());
  }

  @Test
  void aTicketChangedTwiceIsListedOnceInItsLatestState() {
    Ticket a = file("a");
    BatchChanges start = tracker.changesSince("");

    tracker.transition(a.id(), Status.IN_PROGRESS, "started");
    tracker.transition(a.id(), Status.DONE, "verified");
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertEquals(List.of(a.id()), ids(changes));
    assertEquals(Status.DONE, changes.tickets().get(0).status());
  }

  @Test
  void putAndRemoveAreChangesAndARemovedIdIsReportedAsSuch() {
    Ticket a = file("a");
    Ticket b = file("b");
    BatchChanges start = tracker.changesSince("");

    tracker.put(Ticket.builder("X-1").title("put by a person").build());
    assertTrue(tracker.remove(b.id()));
    assertFalse(tracker.remove("never-held"));
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertEquals(List.of("X-1"), ids(changes));
    assertEquals(Set.of(b.id()), changes.removed());
    assertEquals(Set.of(a.id(), "X-1"), tracker.readBatch().tickets().stream().map(Ticket::id)
        .collect(Collectors.toSet()));
  }

  @Test
  void aNoOpTransitionIsNoChange() {
    Ticket a = file("a");
    tracker.transition(a.id(), Status.DONE, "verified");
    BatchChanges start = tracker.changesSince("");

    tracker.transition(a.id(), Status.DONE, "verified again");
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertTrue(changes.isEmpty(), "changes " + changes);
    assertEquals(start.cursor(), changes.cursor());
  }

  @Test
  void aCursorOfAnotherInstanceGetsAFullRead() {
    file("a");
    String foreign = new InMemoryTracker(new ManualClock()).changesSince("").cursor();

    BatchChanges changes = tracker.changesSince(foreign);

    assertTrue(changes.full());
    assertEquals(1, changes.tickets().size());
  }

  @Test
  void changesSinceCallsAreCountedApartFromBatchReads() {
    file("a");

    BatchChanges first = tracker.changesSince("");
    tracker.changesSince(first.cursor());
    tracker.readBatch();

    assertEquals(2, tracker.changesSinceCalls());
    assertEquals(1, tracker.batchReads());
  }

  @Test
  void readBatchReturnsTheSameBatchUntilSomethingChanges() {
    Ticket a = file("a");

    Batch first = tracker.readBatch();
    Batch second = tracker.readBatch();
    tracker.comment(a.id(), "note");
    Batch third = tracker.readBatch();

    assertSame(first, second);
    assertNotSame(second, third);
    assertEquals(1, third.get(a.id()).comments().size());
  }
}

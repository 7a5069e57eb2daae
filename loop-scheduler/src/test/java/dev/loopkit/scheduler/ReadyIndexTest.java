package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReadyIndexTest {

  static Ticket.Builder t(String id, Dependency... deps) {
    return Ticket.builder(id).title(id).dependencies(List.of(deps));
  }

  static List<String> ids(List<Ticket> tickets) {
    List<String> out = new ArrayList<>();
    tickets.forEach(t -> out.add(t.id()));
    return out;
  }

  static ReadyIndex built(Ticket.Builder... builders) {
    List<Ticket> tickets = new ArrayList<>();
    for (Ticket.Builder b : builders) {
      tickets.add(b.build());
    }
    ReadyIndex index = ReadyIndex.create(ReadyOrder.PRIORITY);
    index.rebuild(tickets);
    return index;
  }

  @Test
  void ticketWhoseBlockerIsOpenIsNotReady() {
    ReadyIndex index = built(t("a"), t("b", Dependency.blockedBy("a")));
    assertEquals(List.of("a"), ids(index.ready()));
  }

  @Test
  void doneOrCancelledBlockerReleasesTheTicket() {
    ReadyIndex index = built(t("a").status(Status.DONE), t("c").status(Status.CANCELLED),
        t("b", Dependency.blockedBy("a"), Dependency.blockedBy("c")));
    assertEquals(List.of("b"), ids(index.ready()));
  }

  @Test
  void humanGatedOrInProgressBlockerStillBlocks() {
    ReadyIndex index = built(t("a").status(Status.HUMAN_GATED), t("c").status(Status.IN_PROGRESS),
        t("b", Dependency.blockedBy("a")), t("d", Dependency.blockedBy("c")));
    assertEquals(List.of(), ids(index.ready()));
  }

  @Test
  void onlyOpenTicketsAreReady() {
    ReadyIndex index = built(t("a").status(Status.DONE), t("b").status(Status.IN_PROGRESS),
        t("c").status(Status.HUMAN_GATED), t("d").status(Status.CANCELLED), t("e"));
    assertEquals(List.of("e"), ids(index.ready()));
  }

  @Test
  void childOfABlockedParentIsNotReadyTransitively() {
    ReadyIndex index = built(t("blocker"), t("parent", Dependency.blockedBy("blocker")),
        t("child", Dependency.childOf("parent")), t("grandchild", Dependency.childOf("child")));
    assertEquals(List.of("blocker"), ids(index.ready()));
    assertTrue(index.isBlocked("grandchild"));

    index.update(index.ticket("blocker").orElseThrow().withStatus(Status.DONE));

    assertEquals(List.of("child", "grandchild", "parent"), ids(index.ready()));
  }

  @Test
  void openParentDoesNotBlockItsChildrenNorDoOpenChildrenBlockTheParent() {
    ReadyIndex index = built(t("parent"), t("child", Dependency.childOf("parent")));
    assertEquals(List.of("child", "parent"), ids(index.ready()));
  }

  @Test
  void relatedAndDiscoveredFromNeverAffectReadiness() {
    ReadyIndex index = built(t("a"), t("b", Dependency.relatedTo("a"), Dependency.discoveredFrom("a")));
    assertEquals(List.of("a", "b"), ids(index.ready()));
  }

  @Test
  void inFlightTicketIsNotReadyAndItsResourcesAreHeld() {
    ReadyIndex index = built(t("a").addResource("infra-apply"), t("b").addResource("infra-apply"), t("c"));
    index.markInFlight("a");
    assertEquals(List.of("c"), ids(index.ready()));
    assertEquals(Set.of("a"), index.inFlight());

    index.clearInFlight("a");

    assertEquals(List.of("a", "b", "c"), ids(index.ready()));
  }

  @Test
  void inFlightListsTicketsInTheOrderTheyWereMarkedWhicheverIsCleared() {
    ReadyIndex index = built(t("a"), t("b"), t("c"), t("d"));
    index.markInFlight("c");
    index.markInFlight("a");
    index.markInFlight("b");
    index.markInFlight("a"); // already in flight: no change
    index.clearInFlight("a"); // from the middle
    assertEquals(List.of("c", "b"), List.copyOf(index.inFlight()));
    index.clearInFlight("c"); // the first
    index.markInFlight("d");
    index.markInFlight("a");
    assertEquals(List.of("b", "d", "a"), List.copyOf(index.inFlight()));
    index.clearInFlight("a"); // the last
    index.clearInFlight("a"); // no longer in flight: ignored
    assertEquals(List.of("b", "d"), List.copyOf(index.inFlight()));
    assertEquals(List.of("a", "c"), ids(index.ready()));
  }

  @Test
  void ticketNeedingAResourceHeldElsewhereIsLeftOut() {
    ReadyIndex index = built(t("a").addResource("merge"), t("b"));
    assertEquals(List.of("b"), ids(index.ready(10, Set.of("merge"))));
  }

  @Test
  void readyHonoursTheLimit() {
    ReadyIndex index = built(t("a"), t("b"), t("c"));
    assertEquals(List.of("a", "b"), ids(index.ready(2, Set.of())));
    assertThrows(IllegalArgumentException.class, () -> index.ready(-1, Set.of()));
  }

  @Test
  void blocksCycleIsAnInputErrorListingTheIdsInOrder() {
    InputException e = assertThrows(InputException.class, () -> built(t("x"),
        t("c", Dependency.blockedBy("a")), t("a", Dependency.blockedBy("b")), t("b", Dependency.blockedBy("c"))));
    assertEquals("dependency cycle a -blocks-> b -blocks-> c -blocks-> a (each ticket waits on the next):"
        + " expected blocks and parent-child edges without cycles", e.getMessage());
  }

  @Test
  void cycleThroughAParentChildEdgeIsAnInputError() {
    InputException e = assertThrows(InputException.class,
        () -> built(t("p", Dependency.blockedBy("k")), t("k", Dependency.childOf("p"))));
    assertTrue(e.getMessage().startsWith("dependency cycle k -parent-child-> p -blocks-> k "), e.getMessage());
  }

  @Test
  void edgeThatClosesACycleIncrementallyIsAnInputErrorAndTheIndexAsksForARebuild() {
    ReadyIndex index = built(t("a"), t("b", Dependency.blockedBy("a")), t("c", Dependency.blockedBy("b")));
    InputException e = assertThrows(InputException.class,
        () -> index.update(t("a", Dependency.blockedBy("c")).build()));
    assertTrue(e.getMessage().startsWith("dependency cycle a -blocks-> c -blocks-> b -blocks-> a "),
        e.getMessage());
    IllegalStateException stale = assertThrows(IllegalStateException.class, index::ready);
    assertTrue(stale.getMessage().contains("rebuild"), stale.getMessage());
  }

  @Test
  void edgeAgainstTheCurrentOrderIsAcceptedWhenItClosesNoCycle() {
    ReadyIndex index = built(t("a"), t("b"), t("c", Dependency.blockedBy("b")));
    // b depends on a, a depends on c? no: make a wait on c, which goes against the order a < c
    index.update(t("a", Dependency.blockedBy("c")).build());
    assertEquals(List.of("b"), ids(index.ready()));
    assertEquals(3, index.criticalPath("b"));
    index.update(index.ticket("b").orElseThrow().withStatus(Status.DONE));
    index.update(index.ticket("c").orElseThrow().withStatus(Status.DONE));
    assertEquals(List.of("a"), ids(index.ready()));
  }

  @Test
  void dependencyOnAnIdUnknownEverywhereIsAnInputErrorNamingBothIds() {
    InputException e = assertThrows(InputException.class, () -> built(t("a", Dependency.blockedBy("ghost"))));
    assertEquals("ticket a depends on ghost (blocks:ghost), but ghost is neither in the batch nor known to the"
        + " tracker: expected an existing ticket id", e.getMessage());
  }

  @Test
  void dependencyOutsideTheBatchCountsWithItsTrackerStatus() {
    Map<String, Ticket> outside = new java.util.HashMap<>();
    outside.put("ext", Ticket.builder("ext").status(Status.IN_PROGRESS).build());
    ReadyIndex index = ReadyIndex.create(ReadyOrder.PRIORITY, id -> Optional.ofNullable(outside.get(id)));
    index.rebuild(List.of(t("a", Dependency.blockedBy("ext")).build()));
    assertEquals(List.of(), ids(index.ready()));
    assertEquals(1, index.size());

    outside.put("ext", outside.get("ext").withStatus(Status.DONE));
    index.refreshOutside();

    assertEquals(List.of("a"), ids(index.ready()));
  }

  @Test
  void criticalPathCountsTheLongestChainWaitingIncludingChildrenOfWaiters() {
    ReadyIndex index = built(t("root"), t("mid", Dependency.blockedBy("root")),
        t("kid", Dependency.childOf("mid")), t("tail", Dependency.blockedBy("kid")), t("lone"));
    assertEquals(3, index.criticalPath("root"));
    assertEquals(1, index.criticalPath("mid")); // an open parent does not hold its child back
    assertEquals(2, index.criticalPath("kid"));
    assertEquals(1, index.criticalPath("tail"));
    assertEquals(1, index.criticalPath("lone"));
    assertEquals(0, index.criticalPath("nobody"));
  }

  @Test
  void criticalPathFirstStartsTheTicketGatingTheLongestChain() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ReadyIndex index = ReadyIndex.create(ReadyOrder.CRITICAL_PATH_FIRST);
    index.rebuild(List.of(t("urgent").priority(0).createdAt(t0).build(),
        t("gate").priority(3).createdAt(t0.plusSeconds(5)).build(),
        t("next", Dependency.blockedBy("gate")).build(),
        t("last", Dependency.blockedBy("next")).build(),
        t("old").priority(0).createdAt(t0.minusSeconds(5)).build()));
    assertEquals(List.of("gate", "old", "urgent"), ids(index.ready()));
  }

  @Test
  void priorityOrderIgnoresTheCriticalPathAndBreaksTiesByAgeThenId() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ReadyIndex index = ReadyIndex.create(ReadyOrder.PRIORITY);
    index.rebuild(List.of(t("b").priority(1).createdAt(t0).build(), t("a").priority(1).createdAt(t0).build(),
        t("gate").priority(3).build(), t("next", Dependency.blockedBy("gate")).build(),
        t("older").priority(1).createdAt(t0.minusSeconds(1)).build()));
    assertEquals(List.of("older", "a", "b", "gate"), ids(index.ready()));
  }

  @Test
  void fifoOrderIsByAgeThenId() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ReadyIndex index = ReadyIndex.create(ReadyOrder.FIFO);
    index.rebuild(List.of(t("z").priority(0).createdAt(t0.plusSeconds(1)).build(),
        t("y").priority(4).createdAt(t0).build(), t("x").priority(4).createdAt(t0).build()));
    assertEquals(List.of("x", "y", "z"), ids(index.ready()));
  }

  @Test
  void ageIsComparedToTheNanosecondAlsoBeforeTheEpoch() {
    Instant t0 = Instant.parse("1969-12-31T23:59:59Z");
    ReadyIndex index = ReadyIndex.create(ReadyOrder.FIFO);
    index.rebuild(List.of(t("late").createdAt(t0.plusNanos(2)).build(), t("early").createdAt(t0.plusNanos(1)).build(),
        t("epoch").createdAt(Instant.EPOCH).build(), t("before").createdAt(t0.minusNanos(1)).build()));
    assertEquals(List.of("before", "early", "late", "epoch"), ids(index.ready()));
  }

  @Test
  void aListedTicketWhoseAgeOrPriorityChangesMovesToItsNewPlace() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ReadyIndex index = ReadyIndex.create(ReadyOrder.PRIORITY);
    Ticket a = t("a").priority(1).createdAt(t0).build();
    index.rebuild(List.of(a, t("b").priority(1).createdAt(t0.plusSeconds(1)).build(),
        t("c").priority(2).createdAt(t0).build()));
    assertEquals(List.of("a", "b", "c"), ids(index.ready()));

    index.update(a.toBuilder().createdAt(t0.plusSeconds(2)).build());
    assertEquals(List.of("b", "a", "c"), ids(index.ready()));

    index.update(a.toBuilder().priority(3).build());
    assertEquals(List.of("b", "c", "a"), ids(index.ready()));
  }

  @Test
  void newTicketDiscoveredMidRunBlocksTheTicketItWasFoundOn() {
    ReadyIndex index = ReadyIndex.create(ReadyOrder.CRITICAL_PATH_FIRST);
    index.rebuild(List.of(t("work").build(), t("after", Dependency.blockedBy("work")).build()));
    index.markInFlight("work");
    index.apply(List.of(t("found", Dependency.discoveredFrom("work")).build(),
        t("work", Dependency.blockedBy("found")).status(Status.OPEN).build()));
    index.clearInFlight("work");

    assertEquals(List.of("found"), ids(index.ready()));
    assertEquals(3, index.criticalPath("found"));
    assertFalse(index.isReady("work"));
  }

  @Test
  void removingAnEdgeReleasesTheTicketAndShortensTheCriticalPath() {
    ReadyIndex index = built(t("a"), t("b", Dependency.blockedBy("a")));
    assertEquals(2, index.criticalPath("a"));
    index.update(t("b").build());
    assertEquals(List.of("a", "b"), ids(index.ready()));
    assertEquals(1, index.criticalPath("a"));
  }

  @Test
  void duplicateIdsInARebuildAreAnInputError() {
    InputException e = assertThrows(InputException.class, () -> built(t("a"), t("a")));
    assertTrue(e.getMessage().contains("'a'"), e.getMessage());
  }
}

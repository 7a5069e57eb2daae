package dev.loopkit.oracle;

import static dev.loopkit.oracle.Requests.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Verdict;
import java.time.Clock;
import java.util.List;
import dev.loopkit.testing.InMemoryTracker;
import org.junit.jupiter.api.Test;

class TrackerOracleTest {

  private static Verdict judge(TrackerOracle oracle, InMemoryTracker tracker) {
    return oracle.judge(OracleContext.of(tracker, Clock.systemUTC()));
  }

  @Test
  void judgesTheBatchDoneWhenEveryTicketIsDoneOrHumanGated() {
    Verdict v = judge(TrackerOracle.create(), InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.HUMAN_GATED)));
    assertTrue(v.isDone());
    assertEquals("all 2 tickets settled by the tracker: 1 done, 1 human-gated", ((Verdict.Done) v).why());
  }

  @Test
  void readsTheWholeBatchInExactlyOneTrackerCall() {
    InMemoryTracker tracker = InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.OPEN), ticket("C", Status.DONE));
    judge(TrackerOracle.create(), tracker);
    assertEquals(1, tracker.batchReads());
  }

  @Test
  void pendingVerdictNamesEachOutstandingTicketWithItsStatus() {
    Verdict v = judge(TrackerOracle.create(),
        InMemoryTracker.of(ticket("A", Status.OPEN), ticket("B", Status.DONE), ticket("C", Status.IN_PROGRESS)));
    assertEquals(List.of(new Verdict.Outstanding("A", "status open"), new Verdict.Outstanding("C", "status in-progress")),
        ((Verdict.Pending) v).outstanding());
  }

  @Test
  void cancelledTicketSettlesWhenAllowedAndTheReasonCountsIt() {
    TrackerOracle permissive = TrackerOracle.builder().cancelledSettles(true).build();
    Verdict v = judge(permissive, InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.CANCELLED)));
    assertTrue(v.isDone());
    assertTrue(((Verdict.Done) v).why().contains("1 cancelled"), ((Verdict.Done) v).why());
  }

  @Test
  void cancelledTicketKeepsTheBatchPendingByDefault() {
    Verdict v = judge(TrackerOracle.create(), InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.CANCELLED)));
    assertFalse(v.isDone());
    Verdict.Outstanding only = ((Verdict.Pending) v).outstanding().get(0);
    assertEquals("B", only.ticketId());
    assertTrue(only.reason().startsWith("status cancelled"), only.reason());
  }

  @Test
  void anEmptyBatchIsAnInputErrorNamingTheTracker() {
    InMemoryTracker empty = InMemoryTracker.of();
    dev.loopkit.core.InputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.loopkit.core.InputException.class, () -> judge(TrackerOracle.create(), empty));
    assertTrue(e.getMessage().contains("holds no tickets") && e.getMessage().contains(empty.toString()),
        e.getMessage());
  }

  @Test
  void fingerprintDiffersBetweenTheCancelledPolicies() {
    assertFalse(Fingerprint.of("oracle", TrackerOracle.create())
        .equals(Fingerprint.of("oracle", TrackerOracle.builder().cancelledSettles(true).build())));
    assertEquals(Fingerprint.of("oracle", TrackerOracle.create()), Fingerprint.of("oracle", TrackerOracle.create()));
  }
}

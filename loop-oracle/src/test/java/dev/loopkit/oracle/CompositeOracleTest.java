package dev.loopkit.oracle;

import static dev.loopkit.oracle.Requests.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Verdict;
import java.time.Clock;
import java.util.List;
import dev.loopkit.testing.InMemoryTracker;
import org.junit.jupiter.api.Test;

class CompositeOracleTest {
  private final OracleContext context =
      OracleContext.of(InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.OPEN)), Clock.systemUTC());

  @Test
  void doneOnlyWhenEveryMemberSaysDoneAndTheReasonJoinsTheirs() throws Exception {
    Oracle yes = c -> Verdict.done("first agrees");
    Oracle alsoYes = c -> Verdict.done("second agrees");
    Verdict v = CompositeOracle.allOf(yes, alsoYes).judge(context);
    assertEquals(Verdict.done("first agrees; second agrees"), v);
  }

  @Test
  void pendingVerdictListsTheOutstandingReasonsOfEveryMember() throws Exception {
    Oracle other = c -> Verdict.pending(List.of(new Verdict.Outstanding("A", "smoke test red")));
    Verdict v = CompositeOracle.allOf(TrackerOracle.create(), other, c -> Verdict.done("fine")).judge(context);
    assertEquals(List.of(new Verdict.Outstanding("B", "status open"), new Verdict.Outstanding("A", "smoke test red")),
        ((Verdict.Pending) v).outstanding());
  }

  @Test
  void identicalOutstandingEntriesAreListedOnce() throws Exception {
    Verdict v = CompositeOracle.allOf(TrackerOracle.create(), TrackerOracle.create()).judge(context);
    assertEquals(1, ((Verdict.Pending) v).outstanding().size());
  }

  @Test
  void anEmptyCompositionIsRejected() {
    InputException e = assertThrows(InputException.class, () -> CompositeOracle.allOf(List.of()));
    assertTrue(e.getMessage().contains("at least one"));
  }
}

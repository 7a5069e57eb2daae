package dev.loopkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TicketTest {

  @Test
  void dependencyParsesTypeAndIdAndABareIdMeansBlocks() {
    assertEquals(Dependency.childOf("EPIC-1"), Dependency.parse("parent-child:EPIC-1"));
    assertEquals(Dependency.blockedBy("T-2"), Dependency.parse("T-2"));
    assertEquals(Dependency.discoveredFrom("T-3"), Dependency.parse(" discovered_from : T-3 "));
    assertEquals("blocks:T-2", Dependency.blockedBy("T-2").toString());
  }

  @Test
  void unknownDependencyTypeNamesTheValueAndTheChoices() {
    InputException e = assertThrows(InputException.class, () -> Dependency.parse("needs:T-1"));
    assertTrue(e.getMessage().contains("'needs'") && e.getMessage().contains("parent-child"), e.getMessage());
    assertThrows(InputException.class, () -> Dependency.parse("blocks:"));
  }

  @Test
  void statusParsesHumanSpellingsAndRejectsOthersNamingThem() {
    assertEquals(Status.HUMAN_GATED, Status.parse("human-gated"));
    assertEquals(Status.IN_PROGRESS, Status.parse("In Progress"));
    InputException e = assertThrows(InputException.class, () -> Status.parse("finished"));
    assertTrue(e.getMessage().contains("'finished'"), e.getMessage());
  }

  @Test
  void onlyBlocksAndParentChildAffectReadiness() {
    assertTrue(DependencyType.BLOCKS.affectsReadiness());
    assertTrue(DependencyType.PARENT_CHILD.affectsReadiness());
    assertFalse(DependencyType.RELATED.affectsReadiness());
    assertFalse(DependencyType.DISCOVERED_FROM.affectsReadiness());
  }

  @Test
  void ticketBuilderRejectsBadValuesAtTheSetter() {
    assertThrows(InputException.class, () -> Ticket.builder("has space"));
    assertThrows(InputException.class, () -> Ticket.builder("../escape"));
    InputException p = assertThrows(InputException.class, () -> Ticket.builder("T-1").priority(5));
    assertTrue(p.getMessage().contains("5") && p.getMessage().contains("T-1"), p.getMessage());
    assertThrows(InputException.class, () -> Ticket.builder("T-1").addDependency(Dependency.blockedBy("T-1")));
    assertThrows(InputException.class, () -> NewTicket.builder(" "));
  }

  @Test
  void toBuilderKeepsEveryField() {
    Ticket t = Ticket.builder("T-1").title("t").body("b").addAcceptanceCriterion("tests pass").priority(0)
        .labels(List.of("x")).addResource("merge").addDependency(Dependency.blockedBy("T-0"))
        .putMetadata("k", "v").build();
    assertEquals(t, t.toBuilder().build());
    assertEquals(Status.DONE, t.withStatus(Status.DONE).status());
    assertEquals(List.of("T-0"), t.dependencyTargets(DependencyType.BLOCKS));
  }

  @Test
  void batchRejectsDuplicateIdsNamingThem() {
    Ticket a = Ticket.builder("A").build();
    InputException e = assertThrows(InputException.class, () -> Batch.of(a, a));
    assertTrue(e.getMessage().contains("'A'"), e.getMessage());
  }
}

package dev.loopkit.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the tracker asks Linear, field by field, and how it maps the answers. */
class LinearTrackerMappingTest {
  static final String KEY = "lin_api_mappingKeyNeverPrinted000000000000";
  private final FakeLinear linear = new FakeLinear(KEY);
  private final ObjectMapper json = new ObjectMapper();

  LinearTrackerMappingTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    linear.close();
  }

  private LinearTracker tracker() {
    return linear.tracker(KEY).build();
  }

  private static Set<String> paths(FakeLinear.Seen s) {
    return new TreeSet<>(s.document().paths());
  }

  @Test
  void readBatchIsOneQuerySelectingExactlyTheFieldsItMaps() throws Exception {
    linear.seed("schema", "Todo", "loop:batch-1");
    linear.seed("api", "Todo", "loop:batch-1");
    linear.seed("someone else's", "Todo", "other");

    Batch batch = tracker().readBatch();

    assertEquals(2, batch.size(), batch.toString());
    List<FakeLinear.Seen> reads = linear.seen("LoopBatch");
    assertEquals(1, reads.size());
    FakeLinear.Seen read = reads.get(0);
    String n = "issues.nodes.";
    Set<String> expected = new TreeSet<>(List.of("issues", "issues.nodes", "issues.pageInfo",
        "issues.pageInfo.hasNextPage", "issues.pageInfo.endCursor", n + "id", n + "identifier", n + "title",
        n + "description", n + "priority", n + "createdAt", n + "updatedAt", n + "url", n + "state",
        n + "state.id", n + "state.name", n + "state.type", n + "labels", n + "labels.nodes", n + "labels.nodes.id",
        n + "labels.nodes.name", n + "parent", n + "parent.identifier", n + "relations", n + "relations.nodes",
        n + "relations.nodes.type", n + "relations.nodes.relatedIssue", n + "relations.nodes.relatedIssue.identifier",
        n + "inverseRelations", n + "inverseRelations.nodes", n + "inverseRelations.nodes.type",
        n + "inverseRelations.nodes.issue", n + "inverseRelations.nodes.issue.identifier", n + "comments",
        n + "comments.nodes", n + "comments.nodes.body", n + "comments.nodes.createdAt", n + "comments.nodes.user",
        n + "comments.nodes.user.name"));
    assertEquals(expected, paths(read));
    assertEquals(json.readTree("{\"filter\":{\"team\":{\"id\":{\"eq\":\"" + FakeLinear.TEAM_ID + "\"}},"
        + "\"labels\":{\"some\":{\"name\":{\"eqIgnoreCase\":\"loop:batch-1\"}}}},\"first\":50,\"after\":null}"),
        read.variables());
    assertEquals(KEY, read.authorization(), "a personal key goes in Authorization without a scheme");
    FakeLinear.Seen setup = linear.seen("LoopTeam").get(0);
    assertEquals(json.readTree("{\"teamFilter\":{\"key\":{\"eq\":\"ENG\"}}}"), setup.variables());
    assertEquals(new TreeSet<>(List.of("teams", "teams.nodes", "teams.nodes.id", "teams.nodes.key",
        "teams.nodes.name", "teams.nodes.states", "teams.nodes.states.nodes", "teams.nodes.states.nodes.id",
        "teams.nodes.states.nodes.name", "teams.nodes.states.nodes.type", "teams.nodes.states.nodes.position")),
        paths(setup));
  }

  @Test
  void readBatchFollowsEndCursorUntilThereIsNoNextPage() {
    for (int i = 0; i < 5; i++) {
      linear.seed("issue " + i, "Todo", "loop:batch-1");
    }

    Batch batch = linear.tracker(KEY).pageSize(2).build().readBatch();

    assertEquals(5, batch.size());
    List<FakeLinear.Seen> reads = linear.seen("LoopBatch");
    assertEquals(3, reads.size());
    assertTrue(reads.get(0).variables().get("after").isNull());
    assertEquals("cursor-1", reads.get(1).variables().get("after").asText());
    assertEquals("cursor-3", reads.get(2).variables().get("after").asText());
    reads.forEach(r -> assertEquals(2, r.variables().get("first").asInt()));
    assertEquals(List.of("ENG-1", "ENG-2", "ENG-3", "ENG-4", "ENG-5"),
        batch.tickets().stream().map(Ticket::id).toList());
  }

  @Test
  void workflowStateTypesAndTheHumanGatedLabelMapToLoopStatuses() {
    Map<String, Status> expected = new java.util.LinkedHashMap<>();
    expected.put("Backlog", Status.OPEN);
    expected.put("Todo", Status.OPEN);
    expected.put("In Progress", Status.IN_PROGRESS);
    expected.put("In Review", Status.IN_PROGRESS);
    expected.put("Done", Status.DONE);
    expected.put("Canceled", Status.CANCELLED);
    expected.put("Duplicate", Status.CANCELLED);
    linear.addState(FakeLinear.TEAM_ID, "Triage", "triage", -1);
    expected.put("Triage", Status.OPEN);
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    expected.keySet().forEach(s -> ids.put(s, linear.seed(s, s, "loop:batch-1").identifier));
    String gated = linear.seed("gated", "In Progress", "loop:batch-1", "loop:human-gated").identifier;
    String doneDespiteLabel = linear.seed("done", "Done", "loop:batch-1", "loop:human-gated").identifier;

    Batch batch = tracker().readBatch();

    expected.forEach((state, status) -> assertEquals(status, batch.get(ids.get(state)).status(), state));
    assertEquals(Status.HUMAN_GATED, batch.get(gated).status());
    assertEquals(Status.DONE, batch.get(doneDespiteLabel).status(), "a finished issue is finished");
    assertEquals(List.of(), batch.get(gated).labels(), "the status label is not a ticket label");
  }

  @Test
  void aNamedStateMapsToItsStatusBothWays() {
    LinearTracker tracker = linear.tracker(KEY).stateName(Status.HUMAN_GATED, "In Review").build();
    FakeLinear.Issue inReview = linear.seed("waiting", "In Review", "loop:batch-1");
    FakeLinear.Issue open = linear.seed("open", "Todo", "loop:batch-1");

    assertEquals(Status.HUMAN_GATED, tracker.find(inReview.identifier).orElseThrow().status());
    tracker.transition(open.identifier, Status.IN_PROGRESS, "");
    assertEquals("In Progress", linear.issue(open.identifier).state().name(), "not the state named for another"
        + " status, although it is also of type started");
    tracker.transition(open.identifier, Status.HUMAN_GATED, "needs a person: the staging key expired");
    assertEquals("In Review", linear.issue(open.identifier).state().name());
    assertEquals(List.of("loop:batch-1"), linear.labelNames(linear.issue(open.identifier)),
        "no human-gated label with a named state");
  }

  @Test
  void aStateNameTheTeamDoesNotHaveIsAnInputExceptionListingTheStates() {
    LinearTracker tracker = linear.tracker(KEY).stateName(Status.HUMAN_GATED, "Blocked on a human").build();

    InputException e = assertThrows(InputException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("\"Blocked on a human\"") && e.getMessage().contains("'In Review' (started)"),
        e.getMessage());
  }

  @Test
  void priorityMapsUrgentToZeroAndNoPriorityToFour() {
    int[] linearValues = {0, 1, 2, 3, 4};
    int[] loop = {4, 0, 1, 2, 3};
    String[] ids = new String[5];
    for (int i = 0; i < 5; i++) {
      FakeLinear.Issue issue = linear.seed("p" + i, "Todo", "loop:batch-1");
      issue.priority = linearValues[i];
      ids[i] = issue.identifier;
    }
    LinearTracker tracker = tracker();
    Batch batch = tracker.readBatch();
    for (int i = 0; i < 5; i++) {
      assertEquals(loop[i], batch.get(ids[i]).priority(), "Linear priority " + linearValues[i]);
    }

    for (int p = 0; p <= 4; p++) {
      tracker.create(NewTicket.builder("loop p" + p).priority(p).build());
    }
    List<FakeLinear.Seen> creates = linear.seen("LoopCreate");
    for (int p = 0; p <= 4; p++) {
      assertEquals(p == 4 ? 0 : p + 1, creates.get(p).variables().path("input").path("priority").asInt(),
          "Loop priority " + p);
    }
  }

  @Test
  void blockersAreTheInverseBlocksRelationsAndTheDirectionIsNotReversed() {
    // A blocks B: Linear stores {issue: A, type: blocks, relatedIssue: B}
    FakeLinear.Issue a = linear.seed("blocker", "Todo", "loop:batch-1");
    FakeLinear.Issue b = linear.seed("blocked", "Todo", "loop:batch-1");
    FakeLinear.Issue c = linear.seed("related", "Todo", "loop:batch-1");
    FakeLinear.Issue d = linear.seed("duplicate", "Todo", "loop:batch-1");
    linear.relate(a, "blocks", b);
    linear.relate(a, "related", c);
    linear.relate(d, "duplicate", a);
    linear.issue(c.identifier).parentId = a.id;

    Batch batch = tracker().readBatch();

    assertEquals(List.of(Dependency.relatedTo(c.identifier)), batch.get(a.identifier).dependencies());
    assertEquals(List.of(Dependency.blockedBy(a.identifier)), batch.get(b.identifier).dependencies());
    assertEquals(List.of(Dependency.childOf(a.identifier)), batch.get(c.identifier).dependencies());
    assertEquals(List.of(), batch.get(d.identifier).dependencies(), "duplicate relations are not edges");
    assertEquals(List.of(Dependency.blockedBy(a.identifier)),
        tracker().find(b.identifier).orElseThrow().dependencies(), "find reads the same direction");
  }

  @Test
  void aBlockerNamedOnlyInTheBlockersOwnRelationsStillBlocks() throws Exception {
    // a read in which B's inverse view lacks the relation (a cut page) while A's relations name B
    String issue = "{\"id\":\"%s\",\"identifier\":\"%s\",\"title\":\"%s\",\"description\":\"\","
        + "\"priority\":3,\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"url\":\"https://linear.app/acme/issue/x\","
        + "\"state\":{\"id\":\"s1\",\"name\":\"Todo\",\"type\":\"unstarted\"},\"labels\":{\"nodes\":[]},"
        + "\"parent\":null,\"relations\":{\"nodes\":[%s]},\"inverseRelations\":{\"nodes\":[]},"
        + "\"comments\":{\"nodes\":[]}}";
    String a = String.format(issue, "a1", "ENG-1", "blocker", "2026-01-05T17:00:01.000Z", "2026-01-05T17:00:01.000Z",
        "{\"type\":\"blocks\",\"relatedIssue\":{\"identifier\":\"ENG-2\"}}");
    String b = String.format(issue, "b2", "ENG-2", "blocked", "2026-01-05T17:00:02.000Z", "2026-01-05T17:00:02.000Z",
        "");
    LinearTracker tracker = tracker();
    tracker.readBatch();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.withBudget(new okhttp3.mockwebserver.MockResponse()
        .setBody("{\"data\":{\"issues\":{\"nodes\":[" + a + "," + b + "],\"pageInfo\":{\"hasNextPage\":false,"
            + "\"endCursor\":\"c1\"}}}}"), 100, 100, 10));

    Batch batch = tracker.readBatch();

    assertEquals(List.of(Dependency.blockedBy("ENG-1")), batch.get("ENG-2").dependencies());
    assertEquals(List.of(), batch.get("ENG-1").dependencies(), "the blocker is not blocked by what it blocks");
  }

  @Test
  void twoBatchesOnOneWorkspaceNeverSeeEachOthersIssues() {
    LinearTracker one = linear.tracker(KEY).label("loop:batch-1").build();
    LinearTracker two = linear.tracker(KEY).label("loop:batch-2").build();
    Ticket a = one.create(NewTicket.builder("in one").idempotencyKey("same-key").build());
    Ticket b = two.create(NewTicket.builder("in two").idempotencyKey("other-key").build());

    assertEquals(List.of(a.id()), one.readBatch().tickets().stream().map(Ticket::id).toList());
    assertEquals(List.of(b.id()), two.readBatch().tickets().stream().map(Ticket::id).toList());
  }

  @Test
  void addingABlockerCreatesARelationFromTheBlockerToTheHolder() {
    LinearTracker tracker = tracker();
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    Ticket holder = tracker.create(NewTicket.builder("holder").build());

    tracker.addDependency(holder.id(), Dependency.blockedBy(blocker.id()));

    JsonNode input = linear.seen("LoopRelate").get(0).variables().get("input");
    assertEquals(linear.issue(blocker.id()).id, input.get("issueId").asText(), "the source is the blocker");
    assertEquals(linear.issue(holder.id()).id, input.get("relatedIssueId").asText());
    assertEquals("blocks", input.get("type").asText());
    assertTrue(input.get("id").asText().matches("[0-9a-f-]{36}"), "the relation id is chosen by the tracker");
    assertEquals(List.of(Dependency.blockedBy(blocker.id())), tracker.find(holder.id()).orElseThrow()
        .dependencies());
  }

  @Test
  void createSendsOneMutationWithTheIssueAndItsBlockingRelations() {
    LinearTracker tracker = tracker();
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    Ticket parent = tracker.create(NewTicket.builder("parent").build());
    linear.clearSeen();

    Ticket t = tracker.create(NewTicket.builder("child").idempotencyKey("run-1/child")
        .addDependency(Dependency.blockedBy(blocker.id())).addDependency(Dependency.childOf(parent.id()))
        .addDependency(Dependency.discoveredFrom(blocker.id())).labels(List.of("backend"))
        .resources(Set.of("merge")).acceptanceCriteria(List.of("mvn -B verify passes")).build());

    List<String> ops = linear.seen().stream().map(FakeLinear.Seen::operation).toList();
    assertEquals(List.of("LoopIssue", "LoopResolve", "LoopLabels", "LoopLabelCreate", "LoopLabelCreate",
        "LoopCreate"), ops, "lookup by the derived id, targets, labels (two missing), then one create");
    FakeLinear.Seen create = linear.seen("LoopCreate").get(0);
    JsonNode input = create.variables().get("input");
    assertEquals(LinearTracker.issueIdFor(FakeLinear.TEAM_ID, "run-1/child"), input.get("id").asText());
    assertEquals(FakeLinear.TEAM_ID, input.get("teamId").asText());
    assertEquals(linear.issue(parent.id()).id, input.get("parentId").asText());
    assertEquals(linear.state(FakeLinear.TEAM_ID, "Todo").id(), input.get("stateId").asText());
    assertEquals(3, input.get("labelIds").size(), "batch label, backend, resource:merge");
    assertEquals("child", input.get("title").asText());
    assertEquals("## Acceptance criteria\n\n- mvn -B verify passes\n\n## Loop\n\nDiscovered from " + blocker.id(),
        input.get("description").asText());
    JsonNode relation = create.variables().get("r0");
    assertEquals(linear.issue(blocker.id()).id, relation.get("issueId").asText());
    assertEquals(input.get("id").asText(), relation.get("relatedIssueId").asText());
    assertEquals("blocks", relation.get("type").asText());
    assertEquals(new TreeSet<>(List.of("issueCreate", "issueCreate.success", "issueCreate.issue",
        "issueCreate.issue.id", "issueCreate.issue.identifier", "issueCreate.issue.createdAt",
        "issueCreate.issue.url", "issueRelationCreate", "issueRelationCreate.success")), paths(create));
    Ticket read = tracker.find(t.id()).orElseThrow();
    assertEquals(Set.of("merge"), read.resources());
    assertEquals(List.of("backend"), read.labels());
    assertEquals(Set.of(Dependency.blockedBy(blocker.id()), Dependency.childOf(parent.id()),
        Dependency.discoveredFrom(blocker.id())), Set.copyOf(read.dependencies()));
  }

  @Test
  void theTicketCreateReturnsIsTheTicketAReadShows() {
    LinearTracker tracker = tracker();
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    Ticket parent = tracker.create(NewTicket.builder("parent").build());
    Ticket related = tracker.create(NewTicket.builder("related").build());

    Ticket created = tracker.create(NewTicket.builder("every field").body("Body with a trailing newline\n")
        .acceptanceCriteria(List.of("first\n  criterion", "second")).priority(0).labels(List.of("a", "b"))
        .resources(Set.of("merge", "infra-apply")).addDependency(Dependency.discoveredFrom(related.id()))
        .addDependency(Dependency.relatedTo(related.id())).addDependency(Dependency.blockedBy(blocker.id()))
        .addDependency(Dependency.childOf(parent.id())).metadata(Map.of("origin", "worker", "run", "r-1"))
        .idempotencyKey("every-field").build());

    assertEquals(created, tracker.find(created.id()).orElseThrow());
    assertEquals(created, tracker.readBatch().get(created.id()));
    assertEquals(List.of("first criterion", "second"), created.acceptanceCriteria());
    assertEquals("Body with a trailing newline\n", created.body(), "the body survives exactly");
  }

  @Test
  void aTransitionIsOneReadThenOneMutationThatCommentsBeforeItMoves() {
    LinearTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("to finish").build());
    linear.clearSeen();

    tracker.transition(t.id(), Status.DONE, "verified: mvn -B verify exited 0");

    assertEquals(List.of("LoopIssueState", "LoopTransition"),
        linear.seen().stream().map(FakeLinear.Seen::operation).toList(), "the team's states came with the setup");
    FakeLinear.Seen move = linear.seen("LoopTransition").get(0);
    assertEquals(List.of("commentCreate", "issueUpdate"), move.document().fields.stream()
        .map(GraphQlDocument.Field::name).toList(), "Linear runs mutation fields in order");
    assertEquals("verified: mvn -B verify exited 0", move.variables().at("/comment/body").asText());
    assertEquals(linear.state(FakeLinear.TEAM_ID, "Done").id(), move.variables().at("/input/stateId").asText());
    assertEquals(1, move.variables().get("input").size(), "only the state changes");
    assertEquals("Done", linear.issue(t.id()).state().name());

    linear.clearSeen();
    tracker.transition(t.id(), Status.CANCELLED, "");
    assertEquals(List.of("LoopIssueState", "LoopTransition"), linear.seen().stream()
        .map(FakeLinear.Seen::operation).toList());
    assertEquals(List.of("issueUpdate"), linear.seen("LoopTransition").get(0).document().fields.stream()
        .map(GraphQlDocument.Field::name).toList(), "no comment for a blank note");
  }

  @Test
  void theTargetStateIsLookedUpInTheIssuesOwnTeam() {
    FakeLinear.Issue other = linear.seedInTeam(FakeLinear.OTHER_TEAM_ID, "ops work", "Todo");
    LinearTracker tracker = tracker();

    tracker.transition(other.identifier, Status.DONE, "");

    assertEquals(linear.state(FakeLinear.OTHER_TEAM_ID, "Done").id(), other.stateId);
    assertEquals(FakeLinear.OTHER_TEAM_ID, linear.seen("LoopTeamStates").get(0).variables().get("id").asText());
  }

  @Test
  void humanGatedWithoutANamedStateAddsTheLabelAndLeavingRemovesIt() {
    LinearTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("stuck").build());
    tracker.transition(t.id(), Status.IN_PROGRESS, "");

    tracker.transition(t.id(), Status.HUMAN_GATED, "needs a person");
    FakeLinear.Issue issue = linear.issue(t.id());
    assertEquals("In Progress", issue.state().name(), "the state stays");
    assertTrue(linear.labelNames(issue).contains("loop:human-gated"), linear.labelNames(issue).toString());
    assertEquals(Status.HUMAN_GATED, tracker.find(t.id()).orElseThrow().status());

    tracker.transition(t.id(), Status.OPEN, "a person fixed the key");
    assertEquals("Todo", issue.state().name());
    assertTrue(!linear.labelNames(issue).contains("loop:human-gated"), linear.labelNames(issue).toString());
    JsonNode input = linear.seen("LoopTransition").get(2).variables().get("input");
    assertEquals(1, input.get("removedLabelIds").size());
  }

  @Test
  void anIssueWhoseNestedPageFilledIsReadAgainAloneWithLargerPages() {
    FakeLinear.Issue busy = linear.seed("busy", "Todo", "loop:batch-1");
    linear.seed("quiet", "Todo", "loop:batch-1");
    for (int i = 0; i < 25; i++) {
      linear.addComment(busy, "attempt " + i + " failed", "Loop Bot");
    }

    Batch batch = tracker().readBatch();

    assertEquals(25, batch.get(busy.identifier).comments().size());
    List<FakeLinear.Seen> again = linear.seen("LoopIssue");
    assertEquals(1, again.size(), "one extra query, for the busy issue only");
    assertEquals(busy.id, again.get(0).variables().get("id").asText());
    assertEquals("attempt 24 failed", batch.get(busy.identifier).comments().get(24).body());
  }

  @Test
  void resourcesComeFromResourceLabelsAndTheBatchLabelIsHidden() {
    FakeLinear.Issue i = linear.seed("deploy", "Todo", "loop:batch-1", "resource:infra-apply", "backend");

    Ticket t = tracker().find(i.identifier).orElseThrow();

    assertEquals(Set.of("infra-apply"), t.resources());
    assertEquals(List.of("backend"), t.labels());
    assertEquals(i.id, t.metadata().get("linear.id"));
    assertEquals("Todo", t.metadata().get("linear.state"));
  }

  @Test
  void aDescriptionAPersonWroteGivesItsCriteriaAndKeepsTheRest() {
    FakeLinear.Issue i = linear.seed("written by hand", "Todo", "loop:batch-1");
    i.description = "Context first.\n\n### Acceptance Criteria:\n\n* [ ] the page loads\n1. the test passes\n\n"
        + "```\n## Loop\nDiscovered from ENG-9\n```\n";

    Ticket t = tracker().find(i.identifier).orElseThrow();

    assertEquals("Context first.", t.body());
    assertEquals(List.of("the page loads", "the test passes"), t.acceptanceCriteria());
    assertEquals(List.of(), t.dependencies(), "lines inside a code fence are not fields");
  }

  @Test
  void anUnknownWorkflowStateTypeIsAnInputExceptionNamingTheStateAndTheFix() {
    linear.addState(FakeLinear.TEAM_ID, "Parked", "parked", 9);
    FakeLinear.Issue i = linear.seed("odd", "Parked", "loop:batch-1");

    InputException e = assertThrows(InputException.class, () -> tracker().find(i.identifier));

    assertTrue(e.getMessage().contains("'Parked'") && e.getMessage().contains("'parked'")
        && e.getMessage().contains("stateName("), e.getMessage());
  }

  @Test
  void aProjectAndACycleNarrowTheBatchAndNewIssuesJoinThem() throws Exception {
    LinearTracker tracker = linear.tracker(KEY).project("checkout-8f3a2b1c9d0e").cycle(12).build();
    FakeLinear.Issue inside = linear.seed("inside", "Todo", "loop:batch-1");
    inside.projectId = FakeLinear.PROJECT_ID;
    inside.cycleId = FakeLinear.CYCLE_ID;
    linear.seed("label only", "Todo", "loop:batch-1");

    Batch batch = tracker.readBatch();
    Ticket created = tracker.create(NewTicket.builder("new").build());

    assertEquals(List.of(inside.identifier), batch.tickets().stream().map(Ticket::id).toList());
    JsonNode filter = linear.seen("LoopBatch").get(0).variables().get("filter");
    assertEquals(FakeLinear.PROJECT_ID, filter.at("/project/id/eq").asText());
    assertEquals(FakeLinear.CYCLE_ID, filter.at("/cycle/id/eq").asText());
    JsonNode setup = linear.seen("LoopTeam").get(0).variables();
    assertEquals(json.readTree("{\"or\":[{\"slugId\":{\"eq\":\"checkout-8f3a2b1c9d0e\"}},"
        + "{\"name\":{\"eq\":\"checkout-8f3a2b1c9d0e\"}}]}"), setup.get("projectFilter"));
    assertEquals(12, setup.at("/cycleFilter/number/eq").asInt());
    assertEquals(FakeLinear.PROJECT_ID, linear.issue(created.id()).projectId);
    assertEquals(FakeLinear.CYCLE_ID, linear.issue(created.id()).cycleId);
    assertEquals(2, tracker.readBatch().size());
  }

  @Test
  void anUnknownTeamProjectOrCycleIsAnInputExceptionNamingIt() {
    assertTrue(assertThrows(InputException.class, () -> linear.tracker(KEY).team("NOPE").build().readBatch())
        .getMessage().contains("team 'NOPE'"));
    assertTrue(assertThrows(InputException.class, () -> linear.tracker(KEY).project("Gadgets").build()
        .readBatch()).getMessage().contains("project 'Gadgets'"));
    assertTrue(assertThrows(InputException.class, () -> linear.tracker(KEY).cycle(3).build().readBatch())
        .getMessage().contains("cycle 3 of team ENG"));
  }

  @Test
  void findOfAnIdThatIsNoIdentifierAsksNothing() {
    assertTrue(tracker().find("not an identifier").isEmpty());
    assertNull(linear.seen().isEmpty() ? null : linear.seen().get(0));
  }
}

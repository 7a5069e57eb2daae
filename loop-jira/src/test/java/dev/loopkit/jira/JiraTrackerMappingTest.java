package dev.loopkit.jira;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.loopkit.testing.ManualClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How Jira's issues read as tickets and how the tracker's writes look on the wire, field by field. */
class JiraTrackerMappingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final FakeJira jira = new FakeJira(new ManualClock(Instant.parse("2026-01-05T17:00:00Z")));
  private final JiraTracker tracker = jira.tracker().build();

  JiraTrackerMappingTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    jira.close();
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void readBatchSendsOneSearchWithTheBatchJqlAndEveryFieldByName() {
    jira.seed("in", "loop-batch-1");

    tracker.readBatch();

    List<FakeJira.Seen> searches = jira.seen("POST", "/rest/api/3/search/jql");
    assertEquals(1, searches.size());
    JsonNode body = searches.get(0).json();
    assertEquals("project = \"ENG\" AND labels = \"loop-batch-1\" ORDER BY created ASC, key ASC",
        body.path("jql").asText());
    assertEquals(100, body.path("maxResults").asInt());
    List<String> fields = new ArrayList<>();
    body.path("fields").forEach(f -> fields.add(f.asText()));
    assertEquals(List.of("summary", "status", "priority", "labels", "issuetype", "parent", "issuelinks", "created",
        "updated", "description", "project", "comment"), fields);
    assertEquals("[\"loopkit\"]", body.path("properties").toString());
    assertFalse(body.has("nextPageToken"), "the first page sends no token");
    assertFalse(body.has("reconcileIssues"), "nothing written yet");
  }

  @Test
  void pagesAreFollowedByTheirTokenUntilIsLast() {
    for (int i = 0; i < 5; i++) {
      jira.seed("issue " + i, "loop-batch-1");
    }
    jira.searchPageLimit(2);

    Batch batch = jira.tracker().pageSize(2).build().readBatch();

    assertEquals(5, batch.size());
    List<FakeJira.Seen> searches = jira.seen("POST", "/rest/api/3/search/jql");
    assertEquals(3, searches.size(), "pages of 2, 2 and 1");
    assertFalse(searches.get(0).json().has("nextPageToken"));
    assertTrue(searches.get(1).json().path("nextPageToken").asText().startsWith("Ch0jU3RyaW5n"),
        "the token is sent back verbatim: " + searches.get(1).body());
    assertEquals(searches.get(0).json().path("jql"), searches.get(2).json().path("jql"), "same query every page");
  }

  @Test
  void searchesNameTheIssuesThisTrackerWroteSoALaggingIndexStillShowsThem() {
    jira.lagIndex();
    Ticket t = tracker.create(NewTicket.builder("just filed").build());

    Batch batch = tracker.readBatch();

    assertTrue(batch.contains(t.id()), "the new issue is in the batch although the index lags");
    JsonNode last = jira.seen("POST", "/rest/api/3/search/jql").get(0).json();
    assertEquals("[" + jira.issue(t.id()).id + "]", last.path("reconcileIssues").toString());
  }

  @Test
  void anIssueIsBlockedByTheInwardIssueOfABlocksLinkAndTheBlockerIsNot() {
    jira.seed("blocker", "loop-batch-1");
    jira.seed("blocked", "loop-batch-1");
    jira.seedLink("Blocks", "ENG-1", "ENG-2"); // as POST /issueLink {inwardIssue ENG-1, outwardIssue ENG-2}
    jira.seedLink("Cloners", "ENG-1", "ENG-2");

    Batch batch = tracker.readBatch();

    assertEquals(List.of(Dependency.blockedBy("ENG-1")), batch.get("ENG-2").dependencies());
    assertEquals(List.of(), batch.get("ENG-1").dependencies());
  }

  @Test
  void addingABlockerPostsALinkWhoseInwardIssueIsTheBlocker() {
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    Ticket blocked = tracker.create(NewTicket.builder("blocked").build());

    tracker.addDependency(blocked.id(), Dependency.blockedBy(blocker.id()));

    JsonNode link = jira.seen("POST", "/rest/api/3/issueLink").get(0).json();
    assertEquals("Blocks", link.path("type").path("name").asText());
    assertEquals(blocker.id(), link.path("inwardIssue").path("key").asText());
    assertEquals(blocked.id(), link.path("outwardIssue").path("key").asText());
  }

  @Test
  void aRenamedBlockingLinkTypeIsConfigurable() {
    jira.seed("blocker", "loop-batch-1");
    jira.seed("blocked", "loop-batch-1");
    jira.seedLink("Cloners", "ENG-1", "ENG-2");

    Batch batch = jira.tracker().blocksLinkType("Cloners").build().readBatch();

    assertEquals(List.of(Dependency.blockedBy("ENG-1")), batch.get("ENG-2").dependencies());
  }

  @Test
  void statusesMapByConfiguredNameFirstThenByCategory() {
    FakeJira.Issue review = jira.seed("in review", "loop-batch-1");
    FakeJira.Issue gated = jira.seed("gated", "loop-batch-1");
    gated.status = FakeJira.BLOCKED;
    FakeJira.Issue cancelled = jira.seed("dropped", "loop-batch-1");
    cancelled.status = FakeJira.CANCELLED;
    FakeJira.Issue done = jira.seed("shipped", "loop-batch-1");
    done.status = FakeJira.DONE;
    review.status = new FakeJira.State("10042", "In Review", "indeterminate");

    Batch batch = tracker.readBatch();

    assertEquals(Status.IN_PROGRESS, batch.get(review.key).status(), "an unnamed status by its category");
    assertEquals(Status.HUMAN_GATED, batch.get(gated.key).status(), "Blocked is named for human-gated");
    assertEquals(Status.CANCELLED, batch.get(cancelled.key).status(), "named, although its category is done");
    assertEquals(Status.DONE, batch.get(done.key).status());
    assertEquals("In Review", batch.get(review.key).metadata().get("jira.status"));
  }

  @Test
  void anUnnamedStatusMapsByAConfiguredCategory() {
    FakeJira.Issue triage = jira.seed("triage", "loop-batch-1");
    triage.status = new FakeJira.State("10050", "Triage", "undefined");

    assertEquals(Status.OPEN, tracker.find(triage.key).orElseThrow().status(), "the default for undefined");
    assertEquals(Status.HUMAN_GATED, jira.tracker().statusCategory("undefined", Status.HUMAN_GATED).build()
        .find(triage.key).orElseThrow().status());
  }

  @Test
  void aTransitionIsChosenByItsTargetStatusNameNotItsOwnName() {
    Ticket t = tracker.create(NewTicket.builder("to finish").build());

    tracker.transition(t.id(), Status.DONE, "verified: mvn -B verify exited 0");

    List<FakeJira.Seen> posts = jira.seen("POST", "/rest/api/3/issue/" + t.id() + "/transitions");
    assertEquals(1, posts.size());
    assertEquals("{\"transition\":{\"id\":\"31\"}}", posts.get(0).body(), "transition 'Finish' goes to Done");
    assertEquals(204, posts.get(0).status());
    assertEquals("Done", jira.issue(t.id()).status.name());
  }

  @Test
  void aStatusTheWorkflowCannotReachIsAnInputExceptionListingWhatItOffers() {
    Ticket t = tracker.create(NewTicket.builder("gated").build());
    JiraTracker strict = jira.tracker().statusNames(Status.HUMAN_GATED, "Needs Human").build();

    InputException e = assertThrows(InputException.class,
        () -> strict.transition(t.id(), Status.HUMAN_GATED, "needs a person"));

    assertTrue(e.getMessage().contains("[Needs Human]") && e.getMessage().contains("'Blocked'")
        && e.getMessage().contains("statusNames(Status.HUMAN_GATED"), e.getMessage());
    assertEquals(0, jira.issue(t.id()).comments.size(), "no note for a move that cannot happen");
  }

  @Test
  void createSendsTheDraftAsJiraFieldsWithAnAdfDescriptionAndTheLoopProperty() throws Exception {
    NewTicket draft = NewTicket.builder("Add retries").body("Retry 503s.\n\nWith backoff.")
        .acceptanceCriteria(List.of("mvn -B verify passes")).priority(0).labels(List.of("backend"))
        .resources(Set.of("merge")).metadata(Map.of("origin", "planner")).idempotencyKey("plan-1/retries").build();

    tracker.create(draft);

    JsonNode sent = jira.seen("POST", "/rest/api/3/issue").get(0).json();
    JsonNode f = sent.path("fields");
    assertEquals("ENG", f.path("project").path("key").asText());
    assertEquals("Add retries", f.path("summary").asText());
    assertEquals("Task", f.path("issuetype").path("name").asText());
    assertEquals("1", f.path("priority").path("id").asText(), "Loop priority 0 is Jira's Highest");
    assertEquals("[\"loop-batch-1\",\"backend\",\"resource:merge\",\"" + JiraTracker.keyLabel("plan-1/retries")
        + "\"]", f.path("labels").toString());
    assertEquals(json("{\"type\":\"doc\",\"version\":1,\"content\":["
        + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"Retry 503s.\"}]},"
        + "{\"type\":\"paragraph\",\"content\":[]},"
        + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"With backoff.\"}]},"
        + "{\"type\":\"heading\",\"attrs\":{\"level\":2},\"content\":[{\"type\":\"text\",\"text\":\"Acceptance criteria\"}]},"
        + "{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[{\"type\":\"paragraph\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"mvn -B verify passes\"}]}]}]}]}"), f.path("description"));
    assertEquals(json("[{\"key\":\"loopkit\",\"value\":{\"idempotencyKey\":\"plan-1/retries\","
        + "\"metadata\":{\"origin\":\"planner\"},\"discoveredFrom\":[]}}]"), sent.path("properties"));
    assertTrue(JiraTracker.keyLabel("plan-1/retries").matches("loop-key-[0-9a-f]{32}"));
  }

  @Test
  void aChildOfAStandardIssueIsFiledAsASubtaskAndAChildOfAnEpicAsATask() {
    Ticket story = tracker.create(NewTicket.builder("story").build());
    FakeJira.Issue epic = jira.seed("epic", "loop-batch-1");
    epic.type = "Epic";

    Ticket sub = tracker.create(NewTicket.builder("part").addDependency(Dependency.childOf(story.id())).build());
    Ticket child = tracker.create(NewTicket.builder("feature").addDependency(Dependency.childOf(epic.key)).build());

    assertEquals("Subtask", jira.issue(sub.id()).type);
    assertEquals("Task", jira.issue(child.id()).type);
    assertEquals(List.of(Dependency.childOf(story.id())), tracker.find(sub.id()).orElseThrow().dependencies());
    assertEquals(List.of(Dependency.childOf(epic.key)), tracker.find(child.id()).orElseThrow().dependencies());
  }

  @Test
  void commentsAreWrittenAsAdfParagraphsAndReadBackAsText() throws Exception {
    Ticket t = tracker.create(NewTicket.builder("discussed").build());

    tracker.comment(t.id(), "attempt 1 failed:\n  expected 200, got 503");

    JsonNode body = jira.seen("POST", "/rest/api/3/issue/" + t.id() + "/comment").get(0).json();
    assertEquals(json("{\"body\":{\"type\":\"doc\",\"version\":1,\"content\":["
        + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"attempt 1 failed:\"}]},"
        + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"  expected 200, got 503\"}]}]}}"), body);
    Ticket read = tracker.find(t.id()).orElseThrow();
    assertEquals("attempt 1 failed:\n  expected 200, got 503", read.comments().get(0).body());
    assertEquals("Loop Bot", read.comments().get(0).author());
    assertEquals(Instant.parse("2026-01-05T17:00:00Z"), read.comments().get(0).at());
  }

  @Test
  void aPersonsRichDescriptionIsFlattenedToText() throws Exception {
    FakeJira.Issue issue = jira.seed("rich", "loop-batch-1");
    issue.description = json("{\"type\":\"doc\",\"version\":1,\"content\":["
        + "{\"type\":\"heading\",\"attrs\":{\"level\":3},\"content\":[{\"type\":\"text\",\"text\":\"Context\"}]},"
        + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"Ask \"},{\"type\":\"mention\","
        + "\"attrs\":{\"id\":\"5b10\",\"text\":\"@Ana\"}},{\"type\":\"text\",\"text\":\" first.\"},"
        + "{\"type\":\"hardBreak\"},{\"type\":\"text\",\"text\":\"Then \",\"marks\":[{\"type\":\"strong\"}]},"
        + "{\"type\":\"text\",\"text\":\"deploy.\"}]},"
        + "{\"type\":\"orderedList\",\"attrs\":{\"order\":1},\"content\":["
        + "{\"type\":\"listItem\",\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"one\"}]}]},"
        + "{\"type\":\"listItem\",\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}]}]}]},"
        + "{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"bash\"},\"content\":[{\"type\":\"text\",\"text\":\"mvn -B verify\"}]},"
        + "{\"type\":\"heading\",\"attrs\":{\"level\":2},\"content\":[{\"type\":\"text\",\"text\":\"Acceptance Criteria\"}]},"
        + "{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[{\"type\":\"paragraph\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"the build is green\"}]}]}]}]}");

    Ticket t = tracker.find(issue.key).orElseThrow();

    assertEquals("Context\nAsk @Ana first.\nThen deploy.\n1. one\n2. two\nmvn -B verify", t.body());
    assertEquals(List.of("the build is green"), t.acceptanceCriteria());
  }

  @Test
  void commentsBeyondTheEmbeddedOnesAreReadPageByPage() {
    jira.embedComments(2);
    Ticket t = tracker.create(NewTicket.builder("chatty").build());
    for (int i = 1; i <= 5; i++) {
      tracker.comment(t.id(), "note " + i);
    }
    jira.clearSeen();

    Ticket read = tracker.readBatch().get(t.id());

    assertEquals(List.of("note 1", "note 2", "note 3", "note 4", "note 5"),
        read.comments().stream().map(c -> c.body()).toList());
    List<FakeJira.Seen> pages = jira.seen("GET", "/rest/api/3/issue/" + t.id() + "/comment");
    assertEquals(1, pages.size(), "one page for the three not embedded");
    assertEquals("2", pages.get(0).url().queryParameter("startAt"));
  }

  @Test
  void priorityIdsMapBothWaysAndAnUnmappedIdReadsAsTwo() {
    JiraTracker custom = jira.tracker().priorityIds(List.of("10000", "1", "2", "3", "4")).build();
    Ticket t = custom.create(NewTicket.builder("urgent").priority(1).build());
    FakeJira.Issue odd = jira.seed("odd", "loop-batch-1");
    odd.priorityId = "5";

    assertEquals("1", jira.issue(t.id()).priorityId);
    assertEquals(1, custom.find(t.id()).orElseThrow().priority());
    assertEquals(2, custom.find(odd.key).orElseThrow().priority(), "5 is not among the mapped ids");
  }

  @Test
  void theLabelsOfLoopAreNotAmongATicketsLabelsAndResourcesComeFromResourceLabels() {
    jira.seed("mixed", "loop-batch-1", "backend", "resource:infra-apply", JiraTracker.keyLabel("k"));

    Ticket t = tracker.readBatch().get("ENG-1");

    assertEquals(List.of("backend"), t.labels());
    assertEquals(Set.of("infra-apply"), t.resources());
  }

  @Test
  void aJqlBatchIsWrappedAndNarrowedByTheLabel() {
    jira.seed("team a", "team-a", "loop-batch-1");
    jira.seed("team a, other batch", "team-a");
    JiraTracker byJql = jira.tracker().jql("project = ENG AND labels = team-a").build();

    Batch batch = byJql.readBatch();

    assertEquals(1, batch.size());
    assertEquals("(project = ENG AND labels = team-a) AND labels = \"loop-batch-1\"", byJql.batchJql());
  }
}

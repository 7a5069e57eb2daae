package dev.loopkit.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The label, state and body mapping, edges native and in the body, labels, idempotency and the token. */
class GitHubTrackerMappingTest {
  static final String TOKEN = "ghp_mappingTokenNeverPrinted5555555555";

  private final FakeGitHub github = new FakeGitHub(TOKEN);
  private final ObjectMapper json = new ObjectMapper();

  GitHubTrackerMappingTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    github.close();
  }

  @Test
  void anIssueAPersonWroteMapsLabelsStateAndBodyToTheTicket() {
    github.seedIssue("blocker", "", "loop:batch-1");
    github.seedIssue("epic", "", "loop:batch-1");
    github.seedIssue("Apply the network change", "Run terraform for the VPC.\n\n"
        + "## Acceptance criteria\n\n- [ ] `terraform plan` shows no drift\n* the probe answers 200\n\n"
        + "Blocked by #1\nParent: #2\n", "loop:batch-1", "priority:1", "resource:infra-apply", "infra",
        "loop:in-progress");

    Ticket t = github.tracker().build().readBatch().get("3");

    assertEquals("Apply the network change", t.title());
    assertEquals(List.of("`terraform plan` shows no drift", "the probe answers 200"), t.acceptanceCriteria());
    assertEquals(1, t.priority());
    assertEquals(Set.of("infra-apply"), t.resources());
    assertEquals(List.of("infra"), t.labels());
    assertEquals(Status.IN_PROGRESS, t.status());
    assertEquals(List.of(Dependency.blockedBy("1"), Dependency.childOf("2")), t.dependencies());
    assertTrue(t.body().startsWith("Run terraform for the VPC."), t.body());
    assertEquals("https://github.com/acme/widgets/issues/3", t.metadata().get("github.url"));
  }

  @Test
  void stateAndStatusLabelsMapToStatuses() {
    github.seedIssue("open", "", "loop:batch-1");
    github.seedIssue("gated", "", "loop:batch-1", "loop:human-gated", "loop:in-progress");
    FakeGitHub.Issue done = github.seedIssue("done", "", "loop:batch-1");
    done.state = "closed";
    done.stateReason = "completed";
    FakeGitHub.Issue dropped = github.seedIssue("dropped", "", "loop:batch-1");
    dropped.state = "closed";
    dropped.stateReason = "not_planned";

    var batch = github.tracker().build().readBatch();

    assertEquals(Status.OPEN, batch.get("1").status());
    assertEquals(Status.HUMAN_GATED, batch.get("2").status());
    assertEquals(Status.DONE, batch.get("3").status());
    assertEquals(Status.CANCELLED, batch.get("4").status());
  }

  @Test
  void aTransitionIsOneCommentAndOnePatchOfStateReasonAndLabels() throws Exception {
    github.seedIssue("to finish", "", "loop:batch-1", "backend", "loop:in-progress");
    GitHubTracker tracker = github.tracker().build();
    github.clearSeen();

    tracker.transition("1", Status.DONE, "verified: mvn -B verify exited 0");

    List<FakeGitHub.Seen> patches = github.seen("PATCH", "/repos/acme/widgets/issues/1");
    assertEquals(1, patches.size());
    JsonNode patch = json.readTree(patches.get(0).body());
    assertEquals("closed", patch.get("state").asText());
    assertEquals("completed", patch.get("state_reason").asText());
    assertEquals(List.of("loop:batch-1", "backend"), json.convertValue(patch.get("labels"), List.class));
    assertEquals(1, github.seen("POST", "/repos/acme/widgets/issues/1/comments").size());
    assertEquals("closed", github.issue(1).state);

    tracker.transition("1", Status.CANCELLED, "dropped after all");
    assertEquals("not_planned", github.issue(1).stateReason);
    tracker.transition("1", Status.HUMAN_GATED, "needs a person");
    assertEquals("open", github.issue(1).state);
    assertEquals(List.of("loop:batch-1", "backend", "loop:human-gated"), github.issue(1).labels);
  }

  @Test
  void transitionOfANonNumericIdNamesTheExpectedForm() {
    InputException e = assertThrows(InputException.class,
        () -> github.tracker().build().transition("T-1", Status.DONE, "done"));

    assertTrue(e.getMessage().contains("ticket id 'T-1'") && e.getMessage().contains("expected an issue number"),
        e.getMessage());
  }

  @Test
  void nativeDependenciesAreWrittenWithDatabaseIdsAndReadBack() throws Exception {
    GitHubTracker tracker = github.tracker().build();
    Ticket parent = tracker.create(NewTicket.builder("parent").build());
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    Ticket child = tracker.create(NewTicket.builder("child").build());

    tracker.addDependency(child.id(), Dependency.blockedBy(blocker.id()));
    tracker.addDependency(child.id(), Dependency.childOf(parent.id()));

    JsonNode blocked = json.readTree(github.seen("POST", "/repos/acme/widgets/issues/3/dependencies/blocked_by")
        .get(0).body());
    assertTrue(blocked.get("issue_id").isIntegralNumber());
    assertEquals(github.issue(2).id, blocked.get("issue_id").asLong(), "the blocker's database id, not #2");
    JsonNode sub = json.readTree(github.seen("POST", "/repos/acme/widgets/issues/1/sub_issues").get(0).body());
    assertEquals(github.issue(3).id, sub.get("sub_issue_id").asLong());
    assertEquals(List.of(2L), github.issue(3).blockedBy);
    assertEquals(Set.of(Dependency.blockedBy("2"), Dependency.childOf("1")),
        Set.copyOf(tracker.readBatch().get("3").dependencies()));
    assertEquals("", github.issue(3).body.contains("Blocked by") ? "written to the body" : "",
        "native edges added later are not copied into the body");
  }

  @Test
  void bodyDependenciesAreLinesWhenTheServerHasNoNativeOnes() {
    github.withoutDependencies();
    GitHubTracker tracker = github.tracker().dependencies(DependencySource.BODY).build();
    Ticket a = tracker.create(NewTicket.builder("a").body("Do the thing.").build());
    Ticket b = tracker.create(NewTicket.builder("b").build());

    tracker.addDependency(b.id(), Dependency.blockedBy(a.id()));
    tracker.addDependency(b.id(), Dependency.relatedTo(a.id()));

    assertTrue(github.issue(2).body.contains("Blocked by #1\nRelated to #1"), github.issue(2).body);
    assertEquals(List.of(Dependency.blockedBy("1"), Dependency.relatedTo("1")),
        tracker.readBatch().get("2").dependencies());
    assertEquals("Do the thing.", tracker.readBatch().get("1").body());
  }

  @Test
  void nativeModeOnAServerWithoutDependenciesSaysToUseBodyLines() {
    github.withoutDependencies();
    github.seedIssue("one", "", "loop:batch-1");

    AdapterException e = assertThrows(AdapterException.class, () -> github.tracker().build().readBatch());

    assertTrue(e.getMessage().contains("dependencies(DependencySource.BODY)"), e.getMessage());
  }

  @Test
  void missingLabelsAreCreatedOnceWithColorsAndExistingOnesAreLeftAlone() {
    github.seedLabel("backend");
    GitHubTracker tracker = github.tracker().build();
    for (int i = 0; i < 3; i++) {
      Ticket t = tracker.create(NewTicket.builder("t" + i).labels(List.of("backend")).build());
      tracker.claim(t.id(), "w");
      tracker.transition(t.id(), Status.HUMAN_GATED, "stuck");
      tracker.transition(t.id(), Status.IN_PROGRESS, "again");
    }

    List<String> created = github.seen("POST", "/repos/acme/widgets/labels").stream()
        .map(s -> s.body()).map(b -> b.replaceAll(".*\"name\":\"([^\"]*)\".*", "$1")).toList();
    assertEquals(List.of("loop:batch-1", "priority:2", "loop:in-progress", "loop:human-gated"), created);
    assertEquals(1, github.seen("GET", "/repos/acme/widgets/labels").size(), "labels listed once");
    assertEquals("fbca04", github.labelColors().get("loop:in-progress"));
    assertEquals("ededed", github.labelColors().get("backend"));
  }

  @Test
  void aCreateRepeatedByAFreshTrackerFindsTheMarkerAndDoesNotPost() {
    NewTicket draft = NewTicket.builder("discovered").idempotencyKey("run-1/T-3/discovered")
        .metadata(Map.of("origin", "worker")).build();
    Ticket first = github.tracker().build().create(draft);

    // the process died before it wrote down what it had filed: a new tracker knows nothing
    Ticket again = github.tracker().build().create(draft);

    assertEquals(first.id(), again.id());
    assertEquals(1, github.seen("POST", "/repos/acme/widgets/issues").size());
    assertTrue(github.issue(1).body.contains("<!-- loop:key \"run-1/T-3/discovered\" -->"), github.issue(1).body);
    assertEquals("worker", again.metadata().get("origin"));
  }

  @Test
  void aCreateWhoseAnswerWasLostIsNotFiledTwice() {
    github.applyThenDisconnect(FakeGitHub.request("POST", "/repos/acme/widgets/issues"));
    GitHubTracker tracker = github.tracker().build();
    NewTicket draft = NewTicket.builder("lost answer").idempotencyKey("run-1/lost").build();

    AdapterException lost = assertThrows(AdapterException.class, () -> tracker.create(draft));
    Ticket again = tracker.create(draft);

    assertTrue(lost.isRetryable(), lost.getMessage());
    assertEquals(1, github.issues().size(), "GitHub holds one issue");
    assertEquals("1", again.id());
    assertEquals(1, github.seen("POST", "/repos/acme/widgets/issues").size(), "the repeat did not post");
  }

  @Test
  void aKeyWithCommentClosersStaysHidden() {
    NewTicket draft = NewTicket.builder("odd key").idempotencyKey("a-->b<!--c\"d").build();
    GitHubTracker tracker = github.tracker().build();
    tracker.create(draft);

    Ticket again = github.tracker().build().create(draft);

    assertEquals("1", again.id());
    assertFalse(github.issue(1).body.contains("a-->b"), github.issue(1).body);
    assertEquals("a-->b<!--c\"d", again.metadata().get("idempotency-key"));
  }

  @Test
  void theTokenNeverReachesMessagesLogsOrToString() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String messages;
    GitHubTracker tracker;
    try {
      tracker = github.tracker().rateLimitListener(w -> {
        throw new IllegalStateException("listener failed");
      }).build();
      github.answerNext(FakeGitHub.request("GET", "/repos/acme/widgets/issues"),
          github.error(429, "secondary", 4000).setHeader("retry-after", "2"));
      tracker.readBatch();
      github.answerNext(FakeGitHub.request("GET", "/repos/acme/widgets/issues"),
          github.error(403, "Resource not accessible by integration", 4000));
      AdapterException denied = assertThrows(AdapterException.class, tracker::readBatch);
      InputException unknown = assertThrows(InputException.class, () -> tracker.comment("404", "x"));
      messages = denied.getMessage() + unknown.getMessage() + tracker;
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertTrue(logs.contains("GET /repos/acme/widgets/issues"), "the log was captured: " + logs);
    assertFalse(logs.contains(TOKEN), logs);
    assertFalse(messages.contains(TOKEN), messages);
    assertTrue(tracker.toString().contains("acme/widgets"), tracker.toString());
  }

  @Test
  void aMalformedPriorityLabelIsAnInputExceptionNamingIssueAndLabel() {
    github.seedIssue("odd", "", "loop:batch-1", "priority:9");

    InputException e = assertThrows(InputException.class, () -> github.tracker().build().readBatch());

    assertEquals("label 'priority:9' on issue #1 of acme/widgets: expected priority:0 (highest) to priority:4",
        e.getMessage());
  }

  @Test
  void theBuilderRejectsAMissingTokenABadRepositoryAndTwoBatches() {
    InputException noToken = assertThrows(InputException.class, () -> GitHubTracker.builder()
        .repository("acme/widgets").label("b").environment(Map.of()).build());
    assertTrue(noToken.getMessage().contains("GITHUB_TOKEN"), noToken.getMessage());

    GitHubTracker fromEnv = GitHubTracker.builder().repository("acme/widgets").label("loop:batch-1")
        .environment(Map.of("GITHUB_TOKEN", TOKEN)).baseUrl(github.baseUrl()).build();
    assertEquals(0, fromEnv.readBatch().size(), "the environment's token was accepted");

    InputException repo = assertThrows(InputException.class, () -> GitHubTracker.builder().repository("widgets"));
    assertTrue(repo.getMessage().contains("expected owner/name"), repo.getMessage());

    InputException both = assertThrows(InputException.class, () -> GitHubTracker.builder()
        .repository("acme/widgets").label("b").milestone(2).token(TOKEN).build());
    assertTrue(both.getMessage().contains("label 'b' and milestone 2"), both.getMessage());

    InputException badToken = assertThrows(InputException.class,
        () -> GitHubTracker.builder().token(TOKEN + "\nX-Evil: 1"));
    assertFalse(badToken.getMessage().contains(TOKEN), badToken.getMessage());
  }
}

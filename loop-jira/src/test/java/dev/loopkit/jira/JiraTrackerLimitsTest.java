package dev.loopkit.jira;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rate limits, authentication, malformed answers, crashes, incremental reads and configuration errors. */
class JiraTrackerLimitsTest {
  private static final String SEARCH = "/rest/api/3/search/jql";
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-05T17:00:00Z"));
  private final FakeJira jira = new FakeJira(clock);
  private final List<JiraTracker.RateLimitWait> waits = new ArrayList<>();
  private final JiraTracker tracker = jira.tracker().rateLimitListener(waits::add).build();

  JiraTrackerLimitsTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    jira.close();
  }

  private static MockResponse limited(int code) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
        .setBody("{\"errorMessages\":[\"Rate limit exceeded.\"],\"errors\":{}}");
  }

  // ---- rate limits ----

  @Test
  void a429WithRetryAfterIsWaitedOutAndItsReasonReported() {
    jira.seed("one", "loop-batch-1");
    jira.answerNext(FakeJira.request("POST", SEARCH), limited(429).setHeader("Retry-After", "7")
        .setHeader("RateLimit-Reason", "jira-burst-based").setHeader("X-RateLimit-Limit", "350")
        .setHeader("X-RateLimit-Remaining", "0").setHeader("X-RateLimit-Reset", "2026-01-05T17:01Z"));

    assertEquals(1, tracker.readBatch().size());

    assertEquals(List.of(Duration.ofSeconds(7)), jira.sleeps, "Retry-After wins over X-RateLimit-Reset");
    assertEquals(1, waits.size());
    assertEquals("jira-burst-based", waits.get(0).reason());
    assertEquals(429, waits.get(0).status());
    assertEquals("POST /rest/api/3/search/jql", waits.get(0).request());
    assertEquals(2, jira.seen("POST", SEARCH).size());
  }

  @Test
  void a429WithoutRetryAfterWaitsUntilXRateLimitReset() {
    jira.answerNext(FakeJira.request("POST", SEARCH), limited(429)
        .setHeader("RateLimit-Reason", "jira-quota-tenant-based").setHeader("X-RateLimit-Reset", "2026-01-05T17:02Z"));

    tracker.readBatch();

    assertEquals(List.of(Duration.ofMinutes(2)), jira.sleeps);
    assertEquals("jira-quota-tenant-based", waits.get(0).reason());
  }

  @Test
  void aPerIssueWriteLimitOnACommentIsWaitedOutAndTheCommentPostedOnce() {
    Ticket t = tracker.create(NewTicket.builder("busy").build());
    jira.answerNext(FakeJira.request("POST", "/rest/api/3/issue/ENG-1/comment"), limited(429)
        .setHeader("Retry-After", "2").setHeader("RateLimit-Reason", "jira-per-issue-on-write"));

    tracker.comment(t.id(), "progress");

    assertEquals(1, jira.issue(t.id()).comments.size(), "a 429 is a refusal: repeating it files one comment");
    assertEquals("jira-per-issue-on-write", waits.get(0).reason());
  }

  @Test
  void a503WithRetryAfterIsWaitedOut() {
    jira.answerNext(FakeJira.request("POST", SEARCH), limited(503).setHeader("Retry-After", "30"));

    tracker.readBatch();

    assertEquals(List.of(Duration.ofSeconds(30)), jira.sleeps);
    assertEquals("unavailable", waits.get(0).reason());
  }

  @Test
  void aWaitLongerThanTheCapFailsAtOnceAsRetryable() {
    jira.answerNext(FakeJira.request("POST", SEARCH), limited(429).setHeader("Retry-After", "3600")
        .setHeader("RateLimit-Reason", "jira-quota-global-based"));

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("PT1H") && e.getMessage().contains("jira-quota-global-based"), e.getMessage());
    assertEquals(List.of(), jira.sleeps);
  }

  @Test
  void repeatedRateLimitsGiveUpAfterMaxRetries() {
    JiraTracker twice = jira.tracker().maxRetries(2).build();
    for (int i = 0; i < 3; i++) {
      jira.answerNext(FakeJira.request("POST", SEARCH), limited(429).setHeader("Retry-After", "1"));
    }

    AdapterException e = assertThrows(AdapterException.class, twice::readBatch);

    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("3 times"), e.getMessage());
    assertEquals(3, jira.seen("POST", SEARCH).size());
  }

  @Test
  void a500OnASearchIsRepeatedWithBackoffButNotOnAWrite() {
    jira.answerNext(FakeJira.request("POST", SEARCH), FakeJira.jiraError(500, "Internal server error"));
    tracker.readBatch();
    assertEquals(List.of(Duration.ofSeconds(2)), jira.sleeps);

    jira.answerNext(FakeJira.request("POST", "/rest/api/3/issue"), FakeJira.jiraError(500, "Internal server error"));
    AdapterException e = assertThrows(AdapterException.class, () -> tracker.create(NewTicket.builder("x").build()));
    assertTrue(e.isRetryable());
    assertEquals(1, jira.seen("POST", "/rest/api/3/issue").size(), "a create is never repeated blindly");
  }

  // ---- authentication ----

  @Test
  void aRefusedTokenIsANonRetryableAuthErrorSentOnce() {
    JiraTracker wrong = jira.tracker().environment(Map.of("JIRA_API_TOKEN", "wrong-token-value")).build();

    AdapterException e = assertThrows(AdapterException.class, wrong::readBatch);

    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("401"), e.getMessage());
    assertFalse(e.getMessage().contains("wrong-token-value"), e.getMessage());
    assertEquals(1, jira.seen().size());
  }

  @Test
  void aCaptchaDenialIsAnAuthErrorThatIsNeverRetried() {
    jira.requireCaptcha();

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("CAPTCHA") && e.getMessage().contains("AUTHENTICATION_DENIED"), e.getMessage());
    assertEquals(1, jira.seen().size());
    assertEquals(List.of(), jira.sleeps);
  }

  @Test
  void basicAuthSendsEmailAndTokenAndBearerSendsTheToken() throws Exception {
    tracker.find("ENG-1");
    String expected = "Basic " + Base64.getEncoder().encodeToString((FakeJira.EMAIL + ":" + FakeJira.TOKEN)
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(expected, jira.seen().get(0).authorization());

    JiraTracker bearer = jira.tracker().auth(JiraAuth.bearer("JIRA_OAUTH")).environment(Map.of("JIRA_OAUTH",
        "oauth-access-token-1")).build();
    assertThrows(AdapterException.class, () -> bearer.find("ENG-1"));
    assertEquals("Bearer oauth-access-token-1", jira.seen().get(1).authorization());
  }

  @Test
  void aMissingTokenVariableIsAnInputExceptionNamingTheVariable() {
    InputException e = assertThrows(InputException.class, () -> jira.tracker().environment(Map.of()).build());

    assertTrue(e.getMessage().contains("JIRA_API_TOKEN") && e.getMessage().contains(FakeJira.EMAIL), e.getMessage());
  }

  @Test
  void aTokenValueGivenWhereAVariableNameBelongsIsRefusedWithoutEchoingIt() {
    InputException e = assertThrows(InputException.class, () -> JiraAuth.bearer("ATATT3x-a.secret/value=="));

    assertTrue(e.getMessage().contains("NAME of an environment variable"), e.getMessage());
  }

  // ---- redaction ----

  @Test
  void theTokenNeverAppearsInToStringOrInMessagesEvenWhenJiraEchoesIt() {
    String basic = Base64.getEncoder().encodeToString((FakeJira.EMAIL + ":" + FakeJira.TOKEN)
        .getBytes(StandardCharsets.UTF_8));
    jira.answerNext(FakeJira.request("POST", SEARCH), FakeJira.jiraError(400, "Bad header Basic " + basic
        + " token " + FakeJira.TOKEN));

    InputException e = assertThrows(InputException.class, tracker::readBatch);

    assertFalse(e.getMessage().contains(FakeJira.TOKEN), e.getMessage());
    assertFalse(e.getMessage().contains(basic), e.getMessage());
    assertTrue(e.getMessage().contains("[redacted]"), e.getMessage());
    assertFalse(tracker.toString().contains(FakeJira.TOKEN), tracker.toString());
    assertFalse(JiraAuth.basic(FakeJira.EMAIL, "JIRA_API_TOKEN").toString().contains(FakeJira.TOKEN));
  }

  // ---- malformed answers ----

  @Test
  void isLastFalseWithoutATokenIsAnErrorNamingNextPageToken() {
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody("{\"issues\":[],\"isLast\":false}"));

    JiraResponseException e = assertThrows(JiraResponseException.class, tracker::readBatch);

    assertEquals("nextPageToken", e.field());
    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("POST /rest/api/3/search/jql"), e.getMessage());
  }

  @Test
  void aTokenRepeatedFromAnEarlierPageIsAnErrorRatherThanAnEndlessLoop() {
    String page = "{\"issues\":[],\"isLast\":false,\"nextPageToken\":\"same\"}";
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody(page));
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody(page));

    JiraResponseException e = assertThrows(JiraResponseException.class, tracker::readBatch);

    assertEquals("nextPageToken", e.field());
  }

  @Test
  void anAnswerWithoutIssuesIsAnErrorNamingTheField() {
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody("{\"isLast\":true}"));

    assertEquals("issues", assertThrows(JiraResponseException.class, tracker::readBatch).field());
  }

  @Test
  void anIssueWithoutAStatusIsAnErrorNamingIssueAndField() {
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody("{\"isLast\":true,\"issues\":"
        + "[{\"id\":\"10001\",\"key\":\"ENG-1\",\"fields\":{\"summary\":\"no status\"}}]}"));

    JiraResponseException e = assertThrows(JiraResponseException.class, tracker::readBatch);

    assertEquals("fields.status", e.field());
    assertTrue(e.getMessage().contains("issues[0] (ENG-1)"), e.getMessage());
  }

  @Test
  void aBodyThatIsNotJsonIsAnErrorQuotingIt() {
    jira.answerNext(FakeJira.request("POST", SEARCH), new MockResponse().setBody("<html>maintenance</html>"));

    JiraResponseException e = assertThrows(JiraResponseException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("<html>maintenance</html>"), e.getMessage());
  }

  @Test
  void aRejectedDraftIsAnInputExceptionWithJirasFieldErrors() {
    JiraTracker wrongType = jira.tracker().issueType("Story").build();

    InputException e = assertThrows(InputException.class, () -> wrongType.create(NewTicket.builder("x").build()));

    assertTrue(e.getMessage().contains("issuetype: Specify an issue type"), e.getMessage());
  }

  @Test
  void aJqlJiraCannotParseIsAnInputExceptionQuotingTheQueryAndJirasMessage() {
    JiraTracker bad = jira.tracker().jql("project = ENG AND team = platform").build();

    InputException e = assertThrows(InputException.class, bad::readBatch);

    assertTrue(e.getMessage().contains("(project = ENG AND team = platform)")
        && e.getMessage().contains("Field 'team' does not exist"), e.getMessage());
  }

  @Test
  void aSecondParentIsRefusedRatherThanReplacingTheFirst() {
    FakeJira.Issue epic = jira.seed("epic", "loop-batch-1");
    epic.type = "Epic";
    FakeJira.Issue other = jira.seed("other epic", "loop-batch-1");
    other.type = "Epic";
    Ticket child = tracker.create(NewTicket.builder("child").addDependency(Dependency.childOf(epic.key)).build());

    InputException e = assertThrows(InputException.class,
        () -> tracker.addDependency(child.id(), Dependency.childOf(other.key)));

    assertTrue(e.getMessage().contains("already has parent " + epic.key), e.getMessage());
    assertEquals(epic.key, jira.issue(child.id()).parent);
  }

  // ---- crashes and lost answers ----

  @Test
  void aCreateWhoseAnswerWasLostIsFoundByItsKeyByTheNextProcess() {
    NewTicket draft = NewTicket.builder("discovered").idempotencyKey("run-7/ENG-1/discovered-1").build();
    jira.applyThenDisconnect(FakeJira.request("POST", "/rest/api/3/issue"));
    assertThrows(AdapterException.class, () -> tracker.create(draft));
    assertEquals(1, jira.issues().size(), "Jira filed it");

    Ticket again = jira.tracker().build().create(draft);

    assertEquals("ENG-1", again.id());
    assertEquals(1, jira.issues().size(), "not filed twice");
    assertEquals(1, jira.seen("POST", "/rest/api/3/issue").size());
    assertEquals("run-7/ENG-1/discovered-1", again.metadata().get("idempotency-key"));
  }

  @Test
  void aCrashBetweenFilingAndLinkingIsRepairedByTheRepeatedCreate() {
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    NewTicket draft = NewTicket.builder("blocked").idempotencyKey("k-1")
        .addDependency(Dependency.blockedBy(blocker.id())).build();
    jira.answerNext(FakeJira.request("POST", "/rest/api/3/issueLink"),
        new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    assertThrows(AdapterException.class, () -> tracker.create(draft));
    assertEquals(0, jira.links().size());

    Ticket repaired = jira.tracker().build().create(draft);

    assertEquals(List.of(Dependency.blockedBy(blocker.id())), repaired.dependencies());
    assertEquals(1, jira.links().size());
    assertEquals(2, jira.issues().size());
  }

  @Test
  void aTransitionRepeatedAfterItsNotesAnswerWasLostPostsTheNoteOnce() {
    Ticket t = tracker.create(NewTicket.builder("noted").build());
    jira.applyThenDisconnect(FakeJira.request("POST", "/rest/api/3/issue/ENG-1/comment"));
    assertThrows(AdapterException.class, () -> tracker.transition(t.id(), Status.DONE, "verified: exit 0"));
    assertEquals("To Do", jira.issue(t.id()).status.name(), "the move waits for its note");

    tracker.transition(t.id(), Status.DONE, "verified: exit 0");

    assertEquals(1, jira.issue(t.id()).comments.size());
    assertEquals("Done", jira.issue(t.id()).status.name());
  }

  @Test
  void aClaimThatMeetsAMovedIssueReportsALoss() {
    Ticket t = tracker.create(NewTicket.builder("contested").build());
    jira.answerNext(FakeJira.request("POST", "/rest/api/3/issue/ENG-1/transitions"),
        () -> jira.issue("ENG-1").status = FakeJira.IN_PROGRESS, // another process won meanwhile
        FakeJira.jiraError(400, "Transition id '21' is not valid for this issue."));

    assertFalse(tracker.claim(t.id(), "worker-2"));
    assertEquals(0, jira.issue(t.id()).comments.size(), "the loser leaves no claim comment");
  }

  // ---- incremental reads ----

  @Test
  void changesSinceReadsOnlyIssuesUpdatedSinceThePreviousReadWithAMinuteOfOverlap() {
    Ticket a = tracker.create(NewTicket.builder("a").build());
    tracker.create(NewTicket.builder("b").build());
    clock.advance(Duration.ofMinutes(10));
    BatchChanges first = tracker.changesSince("");
    assertTrue(first.full());
    assertEquals(2, first.tickets().size());
    clock.advance(Duration.ofSeconds(150));
    tracker.transition(a.id(), Status.IN_PROGRESS, "started");
    jira.clearSeen();
    clock.advance(Duration.ofSeconds(30));

    BatchChanges next = tracker.changesSince(first.cursor());

    assertFalse(next.full());
    assertEquals(List.of(a.id()), next.tickets().stream().map(Ticket::id).toList());
    assertEquals(Status.IN_PROGRESS, next.tickets().get(0).status());
    String jql = jira.seen("POST", SEARCH).get(0).json().path("jql").asText();
    assertEquals("project = \"ENG\" AND labels = \"loop-batch-1\" AND updated >= \"-4m\" ORDER BY updated ASC,"
        + " key ASC", jql, "3 minutes since the last read, plus one of overlap");
    assertEquals(1, jira.seen().size(), "one search");
  }

  @Test
  void anUnchangedBatchCostsOneSearchAnsweringNothing() {
    tracker.create(NewTicket.builder("quiet").build());
    clock.advance(Duration.ofMinutes(5));
    BatchChanges first = tracker.changesSince("");
    clock.advance(Duration.ofMinutes(3));
    jira.clearSeen();

    BatchChanges next = tracker.changesSince(first.cursor());

    assertTrue(next.isEmpty(), "changes " + next);
    assertEquals(1, jira.seen().size());
  }

  @Test
  void everyTenthReadIsFullSoTicketsThatLeftTheBatchAreSeen() {
    Ticket t = tracker.create(NewTicket.builder("leaves").build());
    BatchChanges read = tracker.changesSince("");
    jira.issue(t.id()).labels.remove("loop-batch-1");
    for (int i = 1; i < 10; i++) {
      clock.advance(Duration.ofMinutes(1));
      read = tracker.changesSince(read.cursor());
      assertFalse(read.full(), "read " + i);
    }
    clock.advance(Duration.ofMinutes(1));

    read = tracker.changesSince(read.cursor());

    assertTrue(read.full());
    assertEquals(List.of(), read.tickets(), "the ticket left the batch");
  }

  @Test
  void aCursorFromAnotherBatchOrAnotherFormatGivesAFullRead() {
    JiraTracker other = jira.tracker().label("loop-batch-2").build();
    String foreign = other.changesSince("").cursor();

    assertTrue(tracker.changesSince(foreign).full());
    assertTrue(tracker.changesSince("etag:W/\"abc\"").full());
  }

  // ---- configuration ----

  @Test
  void badSettingsAreRefusedNamingTheValue() {
    List<Runnable> bad = List.of(
        () -> JiraTracker.builder().site("not a url"),
        () -> JiraTracker.builder().project("eng"),
        () -> JiraTracker.builder().label("two words"),
        () -> JiraTracker.builder().jql("project = ENG ORDER BY rank"),
        () -> JiraTracker.builder().pageSize(500),
        () -> JiraTracker.builder().priorityIds(List.of("1", "2")),
        () -> JiraAuth.basic("not-an-email", "JIRA_API_TOKEN"),
        () -> JiraTracker.builder().statusCategory("todo", Status.OPEN));
    List<String> named = List.of("not a url", "eng", "two words", "ORDER BY", "500", "[1, 2]", "not-an-email",
        "'todo'");
    for (int i = 0; i < bad.size(); i++) {
      LoopException e = assertThrows(InputException.class, bad.get(i)::run);
      assertTrue(e.getMessage().contains(named.get(i)), e.getMessage());
    }
  }

  @Test
  void aStatusNameMappedToTwoLoopStatusesIsRefusedAtBuild() {
    InputException e = assertThrows(InputException.class,
        () -> jira.tracker().statusNames(Status.HUMAN_GATED, "Done").build());

    assertTrue(e.getMessage().contains("'Done'") && e.getMessage().contains("human-gated"), e.getMessage());
  }

  @Test
  void aTrackerWithoutABatchIsRefusedAtBuild() {
    InputException e = assertThrows(InputException.class, () -> JiraTracker.builder().site(jira.site())
        .auth(JiraAuth.bearer("T")).project("ENG").build());

    assertTrue(e.getMessage().contains("no batch"), e.getMessage());
  }
}

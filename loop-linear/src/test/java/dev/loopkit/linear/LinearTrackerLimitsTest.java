package dev.loopkit.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rate limits from the headers, GraphQL errors with HTTP 200, malformed answers, credentials and redaction. */
class LinearTrackerLimitsTest {
  static final String KEY = "lin_api_limitsKeyNeverPrinted0000000000000";
  private final FakeLinear linear = new FakeLinear(KEY);
  private final List<RateLimitWait> waits = new ArrayList<>();

  LinearTrackerLimitsTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    linear.close();
  }

  private LinearTracker tracker() {
    return linear.tracker(KEY).rateLimitListener(waits::add).build();
  }

  /** A tracker whose setup is done, so scripted answers meet the call under test. */
  private LinearTracker ready() {
    LinearTracker t = tracker();
    t.readBatch();
    linear.clearSeen();
    return t;
  }

  @Test
  void aRateLimitedAnswerWaitsUntilTheRequestBudgetResetsThenRepeats() {
    linear.seed("a", "Todo", "loop:batch-1");
    LinearTracker tracker = ready();
    // Linear's refusal: a GraphQL error RATELIMITED (here with HTTP 400), the request budget at 0
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(400, "RATELIMITED", "ratelimited",
        "Rate limit exceeded", 0, 200_000));

    assertEquals(1, tracker.readBatch().size());

    assertEquals(2, linear.seen("LoopBatch").size());
    assertEquals(1, waits.size());
    RateLimitWait w = waits.get(0);
    assertEquals(RateLimitWait.Reason.REQUESTS_RESET, w.reason());
    // the fake's clock is 17:58:00, the budget resets at 18:00:00 (sent as epoch milliseconds)
    assertEquals(Duration.ofSeconds(121), w.delay());
    assertEquals("LoopBatch", w.operation());
    assertEquals(Instant.parse("2026-01-05T18:00:00Z"), w.budget().requestsReset());
    assertEquals(List.of(Duration.ofSeconds(121)), linear.sleeps);
    RateLimit now = tracker.rateLimit().orElseThrow();
    assertTrue(now.requestsRemaining() > 0 && now.complexityLimit() == 250_000, now.toString());
    assertTrue(now.lastQueryComplexity() > 0, "x-complexity is read: " + now);
  }

  @Test
  void aSpentComplexityBudgetWaitsForTheComplexityReset() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "RATELIMITED", "ratelimited",
        "Query complexity limit exceeded", 4000, 0));

    tracker.readBatch();

    assertEquals(RateLimitWait.Reason.COMPLEXITY_RESET, waits.get(0).reason());
    assertEquals(Duration.ofSeconds(121), waits.get(0).delay());
  }

  @Test
  void retryAfterWinsOverTheResetHeaders() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(429, "RATELIMITED", "ratelimited",
        "slow down", 0, 0).setHeader("Retry-After", "7"));

    tracker.readBatch();

    assertEquals(RateLimitWait.Reason.RETRY_AFTER, waits.get(0).reason());
    assertEquals(List.of(Duration.ofSeconds(7)), linear.sleeps);
  }

  @Test
  void aBare429WithoutHeadersBacksOffDoublingFromTheMinimum() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), new MockResponse().setResponseCode(429));
    linear.answerNext(FakeLinear.operation("LoopBatch"), new MockResponse().setResponseCode(429));

    tracker.readBatch();

    assertEquals(List.of(Duration.ofSeconds(5), Duration.ofSeconds(10)), linear.sleeps);
    assertEquals(List.of(RateLimitWait.Reason.BACKOFF, RateLimitWait.Reason.BACKOFF),
        waits.stream().map(RateLimitWait::reason).toList());
  }

  @Test
  void aWaitLongerThanTheCapFailsAtOnceRetryableNamingTheOperation() {
    LinearTracker tracker = linear.tracker(KEY).maxRateLimitWait(Duration.ofSeconds(60)).build();
    tracker.readBatch();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(400, "RATELIMITED", "ratelimited",
        "Rate limit exceeded", 0, 0));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.RATE_LIMITED, e.kind());
    assertTrue(e.isRetryable());
    assertEquals("LoopBatch", e.operation());
    assertEquals("RATELIMITED", e.code());
    assertTrue(e.getMessage().contains("PT2M1S") && e.getMessage().contains("cap of PT1M"), e.getMessage());
    assertEquals(List.of(), linear.sleeps, "no sleep when the wait is over the cap");
  }

  @Test
  void repeatedRateLimitsGiveUpAfterTheRetriesAllowed() {
    LinearTracker tracker = linear.tracker(KEY).maxRetries(1).build();
    tracker.readBatch();
    for (int i = 0; i < 2; i++) {
      linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "RATELIMITED", "ratelimited",
          "Rate limit exceeded", 10, 10_000));
    }

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("2 times"), e.getMessage());
  }

  @Test
  void anAuthenticationErrorIsNotRetriedAndNamesTheOperationButNotTheKey() {
    LinearTracker tracker = linear.tracker("lin_api_wrongKeyAlsoNeverPrinted00000000").build();

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.AUTHENTICATION, e.kind());
    assertFalse(e.isRetryable());
    assertEquals("LoopTeam", e.operation());
    assertEquals(1, linear.seen().size(), "sent once");
    assertTrue(e.getMessage().contains("LoopTeam") && e.getMessage().contains("Authorization"), e.getMessage());
    assertFalse(e.getMessage().contains("lin_api_wrongKey"), e.getMessage());
  }

  @Test
  void anAuthenticationErrorSentWithHttp200IsTypedTheSame() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopComment"), linear.error(200, "AUTHENTICATION_ERROR",
        "authentication error", "Authentication required, not authenticated", 100, 100));
    Ticket t = tracker.find("ENG-1").orElse(null);
    assertEquals(null, t);
    Ticket created = tracker.create(NewTicket.builder("x").build());

    LinearException e = assertThrows(LinearException.class, () -> tracker.comment(created.id(), "hello"));

    assertEquals(LinearException.Kind.AUTHENTICATION, e.kind());
    assertEquals("LoopComment", e.operation());
  }

  @Test
  void forbiddenIsNotRetried() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "FORBIDDEN", "forbidden",
        "You don't have access to this team", 100, 100));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.FORBIDDEN, e.kind());
    assertFalse(e.isRetryable());
    assertEquals(1, linear.seen("LoopBatch").size());
  }

  @Test
  void internalErrorsAndLockTimeoutsAreRetriedWithBackoff() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "INTERNAL_ERROR", "internal error",
        "Something went wrong", 100, 100));
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "LOCK_TIMEOUT", "lock timeout",
        "Lock timeout", 100, 100));

    tracker.readBatch();

    assertEquals(3, linear.seen("LoopBatch").size());
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), linear.sleeps);
  }

  @Test
  void aServerErrorThatPersistsIsARetryableExceptionNamingTheOperation() {
    LinearTracker tracker = linear.tracker(KEY).maxRetries(0).build();
    tracker.readBatch();
    linear.answerNext(FakeLinear.operation("LoopBatch"), new MockResponse().setResponseCode(502)
        .setBody("<html>bad gateway</html>"));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.SERVER, e.kind());
    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("HTTP 502") && e.getMessage().contains("LoopBatch"), e.getMessage());
  }

  @Test
  void anUnscopedGraphQlErrorWithHttp200IsTypedAndNamesTheOperation() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "SOMETHING_NEW", "something new",
        "A brand new failure", 100, 100));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.OTHER, e.kind());
    assertEquals("SOMETHING_NEW", e.code());
    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("LoopBatch") && e.getMessage().contains("A brand new failure"),
        e.getMessage());
  }

  @Test
  void aRejectedInputIsAnInputExceptionNamingTheOperationAndLinearsMessage() {
    LinearTracker tracker = ready();
    String body = "{\"errors\":[{\"message\":\"Argument Validation Error\",\"path\":[\"issueCreate\"],"
        + "\"extensions\":{\"code\":\"INVALID_INPUT\",\"type\":\"invalid input\",\"userError\":true,"
        + "\"userPresentableMessage\":\"title must be shorter than 256 characters\"}}],\"data\":null}";
    linear.answerNext(FakeLinear.operation("LoopCreate"), linear.withBudget(new MockResponse().setBody(body),
        100, 100, 10));

    InputException e = assertThrows(InputException.class, () -> tracker.create(NewTicket.builder("t").build()));

    assertTrue(e.getMessage().contains("LoopCreate") && e.getMessage().contains("shorter than 256"),
        e.getMessage());
  }

  @Test
  void anEdgeRefusedAfterTheIssueWasFiledNamesTheIssueAndARepeatRepairsIt() {
    LinearTracker tracker = ready();
    Ticket blocker = tracker.create(NewTicket.builder("blocker").build());
    NewTicket draft = NewTicket.builder("blocked").idempotencyKey("run-1/blocked")
        .addDependency(dev.loopkit.core.Dependency.blockedBy(blocker.id())).build();
    // Linear files the issue, then refuses the relation that follows it in the same request
    linear.refuseNextRelation = true;

    InputException e = assertThrows(InputException.class, () -> tracker.create(draft));
    Ticket repaired = tracker.create(draft);

    assertTrue(e.getMessage().contains("Linear filed ENG-2") && e.getMessage().contains("r0")
        && e.getMessage().contains("same key"), e.getMessage());
    assertEquals(List.of(dev.loopkit.core.Dependency.blockedBy(blocker.id())), repaired.dependencies());
    assertEquals(2, linear.issues.size());
  }

  // ---- malformed answers ----

  @Test
  void anAnswerMissingAFieldTheQuerySelectedIsMalformedNamingTheField() {
    LinearTracker tracker = ready();
    String page = "{\"data\":{\"issues\":{\"nodes\":[{\"id\":\"3c1f\",\"identifier\":\"ENG-1\",\"title\":\"t\","
        + "\"description\":\"\",\"priority\":2,\"createdAt\":\"2026-01-05T17:00:01.000Z\","
        + "\"updatedAt\":\"2026-01-05T17:00:01.000Z\",\"url\":\"https://linear.app/acme/issue/eng-1\","
        + "\"state\":{\"id\":\"s1\",\"name\":\"Todo\"},\"labels\":{\"nodes\":[]},\"parent\":null,"
        + "\"relations\":{\"nodes\":[]},\"inverseRelations\":{\"nodes\":[]},\"comments\":{\"nodes\":[]}}],"
        + "\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":null}}}}";
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.withBudget(new MockResponse().setBody(page),
        100, 100, 10));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.MALFORMED_RESPONSE, e.kind());
    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("'issues.nodes[0].state.type'") && e.getMessage().contains("LoopBatch"),
        e.getMessage());
  }

  @Test
  void aPriorityOutsideLinearsRangeIsMalformedNamingTheField() {
    linear.seed("odd", "Todo", "loop:batch-1").priority = 7;

    LinearException e = assertThrows(LinearException.class, () -> tracker().readBatch());

    assertTrue(e.getMessage().contains("'issues.nodes[0].priority'") && e.getMessage().contains("found 7.0"),
        e.getMessage());
  }

  @Test
  void aNextPageWithoutACursorIsMalformed() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.withBudget(new MockResponse().setBody(
        "{\"data\":{\"issues\":{\"nodes\":[],\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":null}}}}"),
        100, 100, 10));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("'issues.pageInfo.endCursor'"), e.getMessage());
  }

  @Test
  void aBodyThatIsNotJsonIsMalformedNamingTheStatus() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), new MockResponse().setBody("<html>maintenance</html>"));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertEquals(LinearException.Kind.MALFORMED_RESPONSE, e.kind());
    assertTrue(e.getMessage().contains("HTTP 200") && e.getMessage().contains("<html>maintenance"),
        e.getMessage());
  }

  @Test
  void anAnswerWithNeitherDataNorErrorsIsMalformed() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), new MockResponse().setBody("{\"extensions\":{}}"));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("field 'data'"), e.getMessage());
  }

  // ---- transport ----

  @Test
  void aMutationWhoseAnswerWasLostIsRepeatedWithTheSameIdAndLandsOnce() {
    LinearTracker tracker = ready();
    Ticket t = tracker.create(NewTicket.builder("commented").build());
    linear.applyThenDisconnect(FakeLinear.operation("LoopComment"));

    tracker.comment(t.id(), "attempt 1 failed");

    List<FakeLinear.Seen> sends = linear.seen("LoopComment");
    assertEquals(2, sends.size(), "sent again after the lost answer");
    assertEquals(sends.get(0).variables().at("/input/id"), sends.get(1).variables().at("/input/id"));
    assertEquals(1, linear.commentsOf(linear.issue(t.id())).size(), "the repeat met the same id, not a new comment");
  }

  @Test
  void aTransitionRepeatedAfterALostAnswerMeetsItsOwnCommentAndSucceeds() {
    LinearTracker tracker = ready();
    Ticket t = tracker.create(NewTicket.builder("moved").build());
    linear.applyThenDisconnect(FakeLinear.operation("LoopTransition"));

    tracker.transition(t.id(), Status.DONE, "verified");

    assertEquals(2, linear.seen("LoopTransition").size());
    assertEquals(1, linear.seen("LoopExists").size(), "the repeat's refusal is checked against our comment id");
    assertEquals("Done", linear.issue(t.id()).state().name());
    assertEquals(1, linear.commentsOf(linear.issue(t.id())).size());
  }

  @Test
  void aTransitionRetriedAfterItsAnswerWasLostDoesNotCommentTwice() {
    LinearTracker tracker = ready();
    Ticket t = tracker.create(NewTicket.builder("moved").build());
    linear.applyThenDisconnect(FakeLinear.operation("LoopTransition"));
    LinearTracker noRetries = linear.tracker(KEY).maxRetries(0).build();

    LinearException lost = assertThrows(LinearException.class,
        () -> noRetries.transition(t.id(), Status.DONE, "verified"));
    assertEquals(LinearException.Kind.TRANSPORT, lost.kind());
    tracker.transition(t.id(), Status.DONE, "verified");

    assertEquals("Done", linear.issue(t.id()).state().name());
    assertEquals(1, linear.commentsOf(linear.issue(t.id())).size());
  }

  // ---- credentials and redaction ----

  @Test
  void anOAuthTokenIsSentWithBearerAndAPersonalKeyWithout() {
    FakeLinear.Seen personal;
    tracker().readBatch();
    personal = linear.seen().get(0);
    assertEquals(KEY, personal.authorization());

    try (FakeLinear oauth = new FakeLinear("Bearer lin_oauth_tokenNeverPrinted")) {
      oauth.tracker("lin_oauth_tokenNeverPrinted").credential(LinearTracker.Credential.OAUTH_TOKEN).build()
          .readBatch();
      oauth.tracker("Bearer lin_oauth_tokenNeverPrinted").build().readBatch();
      assertEquals(List.of("Bearer lin_oauth_tokenNeverPrinted", "Bearer lin_oauth_tokenNeverPrinted"),
          oauth.seen("LoopTeam").stream().map(FakeLinear.Seen::authorization).toList());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theKeyIsReadFromTheEnvironmentVariableTheConfigurationNames() {
    LinearTracker tracker = LinearTracker.builder().team("ENG").label("loop:batch-1").endpoint(linear.endpoint())
        .apiKeyEnv("ACME_LINEAR_KEY").environment(Map.of("ACME_LINEAR_KEY", KEY, "LINEAR_API_KEY", "other"))
        .build();

    tracker.readBatch();

    assertEquals(KEY, linear.seen().get(0).authorization());
  }

  @Test
  void theKeyNeverAppearsInToStringOrMessagesEvenWhenLinearEchoesIt() {
    LinearTracker tracker = ready();
    linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "SOMETHING_NEW", "x",
        "bad header value " + KEY, 100, 100));

    LinearException e = assertThrows(LinearException.class, tracker::readBatch);

    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertTrue(e.getMessage().contains("[redacted]"), e.getMessage());
    assertFalse(tracker.toString().contains(KEY), tracker.toString());
    assertTrue(tracker.toString().contains("team ENG") && tracker.toString().contains("loop:batch-1"));
  }

  @Test
  void theKeyNeverReachesTheLogEvenAtDebugLevelThroughWaitsRetriesAndFailures() throws Exception {
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      LinearTracker tracker = linear.tracker(KEY).rateLimitListener(w -> {
        throw new IllegalStateException("a listener that fails, logged with " + w);
      }).build();
      tracker.readBatch();
      linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(400, "RATELIMITED", "ratelimited",
          "Rate limit exceeded", 0, 100));
      linear.answerNext(FakeLinear.operation("LoopBatch"), linear.error(200, "INTERNAL_ERROR", "internal error",
          "boom " + KEY, 10, 100));
      tracker.readBatch();
      assertThrows(LinearException.class, () -> linear.tracker("lin_api_" + KEY.substring(8, 20) + "x").build()
          .readBatch());
    } finally {
      System.setErr(saved);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(log.contains("LoopBatch"), "the log was captured: " + log);
    assertFalse(log.contains(KEY), log);
    assertFalse(log.contains(KEY.substring(8, 20)), "not even part of it: " + log);
  }

  @Test
  void aMissingOrUnusableCredentialIsAnInputExceptionThatDoesNotShowIt() {
    InputException missing = assertThrows(InputException.class, () -> LinearTracker.builder().team("ENG")
        .label("b").environment(Map.of()).build());
    assertTrue(missing.getMessage().contains("LINEAR_API_KEY"), missing.getMessage());

    InputException broken = assertThrows(InputException.class, () -> LinearTracker.builder().team("ENG")
        .label("b").environment(Map.of("LINEAR_API_KEY", "lin_api_secret with space")).build());
    assertFalse(broken.getMessage().contains("lin_api_secret"), broken.getMessage());
  }

  @Test
  void theBuilderRejectsBadSettingsNamingThem() {
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().team("EN G")).getMessage()
        .contains("'EN G'"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().team("ENG")
        .environment(Map.of("LINEAR_API_KEY", KEY)).build()).getMessage().contains("has no batch"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().apiKeyEnv("linear key"))
        .getMessage().contains("'linear key'"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().pageSize(91)).getMessage()
        .contains("pageSize 91"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().cycle(0)).getMessage()
        .contains("cycle 0"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().endpoint("not a url"))
        .getMessage().contains("'not a url'"));
    assertTrue(assertThrows(InputException.class, () -> LinearTracker.builder().team("ENG").label("b")
        .environment(Map.of("LINEAR_API_KEY", KEY)).stateName(Status.HUMAN_GATED, "Review")
        .stateName(Status.IN_PROGRESS, "review").build()).getMessage().contains("two statuses"));
    InputException e = assertThrows(InputException.class, () -> LinearTracker.builder().maxRetries(-1));
    assertInstanceOf(InputException.class, e);
  }
}

package dev.loopkit.github;

import static dev.loopkit.github.FakeGitHub.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cost and limits: pagination, conditional reads, rate limits and GitHub's error answers. */
class GitHubTrackerLimitsTest {
  static final String TOKEN = "ghp_limitsTokenNeverPrinted9876543210";
  private static final String LIST = "/repos/acme/widgets/issues|/repositories/1300192/issues";

  private final FakeGitHub github = new FakeGitHub(TOKEN);
  private final List<RateLimitWait> waits = new ArrayList<>();

  GitHubTrackerLimitsTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    github.close();
  }

  private GitHubTracker tracker() {
    return github.tracker().rateLimitListener(waits::add).build();
  }

  @Test
  void readBatchFollowsTheLinkHeaderAcrossPagesInOneListCallEach() {
    for (int i = 1; i <= 230; i++) {
      github.seedIssue("issue " + i, "", "loop:batch-1");
    }

    Batch batch = tracker().readBatch();

    assertEquals(230, batch.size());
    assertEquals("issue 230", batch.get("230").title());
    List<FakeGitHub.Seen> lists = github.seen("GET", LIST);
    assertEquals(3, lists.size(), "pages requested: " + lists);
    assertEquals("100", lists.get(0).url().queryParameter("per_page"));
    // pages 2 and 3 are the rel="next" addresses, followed verbatim
    assertEquals("/repositories/1300192/issues", lists.get(1).path());
    assertEquals("3", lists.get(2).url().queryParameter("page"));
    assertEquals(3, github.seen().size(), "no call per issue: " + github.seen());
  }

  @Test
  void anUnchangedBatchCostsOnly304sWhichSpendNoQuota() {
    for (int i = 1; i <= 150; i++) {
      github.seedIssue("issue " + i, "", "loop:batch-1");
    }
    GitHubTracker tracker = tracker();
    Batch first = tracker.readBatch();
    long remaining = github.remaining();
    github.clearSeen();

    Batch second = tracker.readBatch();

    assertEquals(first.tickets(), second.tickets());
    List<FakeGitHub.Seen> lists = github.seen("GET", LIST);
    assertEquals(2, lists.size());
    lists.forEach(s -> assertEquals(304, s.status(), s.toString()));
    assertTrue(lists.get(0).ifNoneMatch().startsWith("W/\""), lists.get(0).toString());
    assertEquals(remaining, github.remaining(), "a 304 spends no quota");
    assertEquals(remaining, tracker.rateLimit().orElseThrow().remaining());
    assertEquals(2, tracker.notModifiedAnswers());
  }

  @Test
  void aChangedIssueMakesTheListAnswer200Again() {
    github.seedIssue("one", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    tracker.readBatch();
    github.issue(1).title = "one, renamed";
    github.issue(1).updatedAt = github.issue(1).updatedAt.plusSeconds(5);
    github.clearSeen();

    Batch batch = tracker.readBatch();

    assertEquals("one, renamed", batch.get("1").title());
    assertEquals(200, github.seen("GET", LIST).get(0).status());
  }

  @Test
  void pullRequestsInTheListingAreSkipped() {
    github.seedIssue("an issue", "", "loop:batch-1");
    github.seedPullRequest("a pull request", "loop:batch-1");
    github.seedIssue("another issue", "", "loop:batch-1");
    GitHubTracker tracker = tracker();

    Batch batch = tracker.readBatch();

    assertEquals(List.of("1", "3"), batch.tickets().stream().map(t -> t.id()).toList());
    assertTrue(tracker.find("2").isEmpty(), "a pull request is not a ticket");
  }

  @Test
  void primaryLimitAnswered403WithRemainingZeroWaitsUntilTheReset() {
    github.seedIssue("one", "", "loop:batch-1");
    github.answerNext(request("GET", LIST),
        github.error(403, "API rate limit exceeded for user ID 1001.", 0));
    GitHubTracker tracker = tracker();

    assertEquals(1, tracker.readBatch().size());

    Instant reset = Instant.ofEpochSecond(github.resetEpochSecond());
    Duration expected = Duration.between(FakeGitHub.CLOCK.instant(), reset).plusSeconds(1);
    assertEquals(List.of(expected), github.sleeps);
    assertEquals(1, waits.size());
    assertEquals(RateLimitWait.Reason.PRIMARY_RESET, waits.get(0).reason());
    assertEquals(0, waits.get(0).budget().remaining());
    assertEquals("GET /repos/acme/widgets/issues", waits.get(0).request());
  }

  @Test
  void secondaryLimitAnswered429WithRetryAfterWaitsThatLong() {
    github.seedIssue("one", "", "loop:batch-1");
    github.answerNext(request("GET", LIST), github.error(429,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", 4873)
        .setHeader("retry-after", "30"));

    assertEquals(1, tracker().readBatch().size());

    assertEquals(List.of(Duration.ofSeconds(30)), github.sleeps);
    assertEquals(RateLimitWait.Reason.RETRY_AFTER, waits.get(0).reason());
  }

  @Test
  void secondaryLimitAnswered403WithoutRetryAfterWaitsTheMinimumThenDoubles() {
    github.seedIssue("one", "", "loop:batch-1");
    MockResponse secondary = github.error(403,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", 4873);
    github.answerNext(request("GET", LIST), secondary);
    github.answerNext(request("GET", LIST), github.error(403,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", 4873));

    assertEquals(1, tracker().readBatch().size());

    assertEquals(List.of(Duration.ofSeconds(60), Duration.ofSeconds(120)), github.sleeps);
    assertEquals(RateLimitWait.Reason.SECONDARY, waits.get(1).reason());
    assertEquals(2, waits.get(1).attempt());
  }

  @Test
  void forbiddenWithoutRateLimitSignalsIsAPermissionErrorAndIsNotRetried() {
    github.answerNext(request("GET", LIST), github.error(403, "Resource not accessible by integration", 4999));

    AdapterException e = assertThrows(AdapterException.class, () -> tracker().readBatch());

    assertFalse(e.isRetryable());
    assertTrue(e.getMessage().contains("acme/widgets") && e.getMessage().contains("403")
        && e.getMessage().contains("Resource not accessible by integration"), e.getMessage());
    assertEquals(1, github.seen().size(), "not retried");
    assertTrue(github.sleeps.isEmpty());
  }

  @Test
  void aRateLimitWaitLongerThanTheCapFailsRetryableWithoutWaiting() {
    github.answerNext(request("GET", LIST), github.error(403, "API rate limit exceeded for user ID 1001.", 0));
    Clock early = Clock.fixed(Instant.ofEpochSecond(github.resetEpochSecond()).minusSeconds(3600), ZoneOffset.UTC);
    GitHubTracker tracker = github.tracker().clock(early).maxRateLimitWait(Duration.ofMinutes(10)).build();

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertTrue(e.isRetryable());
    assertTrue(e.getMessage().contains("more than the cap of PT10M"), e.getMessage());
    assertTrue(github.sleeps.isEmpty());
    assertEquals(0, tracker.rateLimit().orElseThrow().remaining(), "the host sees the spent budget");
  }

  @Test
  void rateLimitRetriesStopAfterMaxRetries() {
    for (int i = 0; i < 3; i++) {
      github.answerNext(request("GET", LIST), github.error(429, "too many", 4000).setHeader("retry-after", "1"));
    }
    GitHubTracker tracker = github.tracker().maxRetries(2).build();

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertTrue(e.isRetryable());
    assertEquals(2, github.sleeps.size());
    assertTrue(e.getMessage().contains("3 times"), e.getMessage());
  }

  @Test
  void aServerErrorOnAReadIsRetriedButOnAPostIsNot() {
    github.seedIssue("one", "", "loop:batch-1");
    github.answerNext(request("GET", LIST), github.error(502, "Server Error", 4990));
    GitHubTracker tracker = tracker();

    assertEquals(1, tracker.readBatch().size());
    assertEquals(List.of(Duration.ofSeconds(1)), github.sleeps);

    github.answerNext(request("POST", "/repos/acme/widgets/issues"), github.error(502, "Server Error", 4980));
    AdapterException e = assertThrows(AdapterException.class,
        () -> tracker.create(NewTicket.builder("new").build()));
    assertTrue(e.isRetryable());
    assertEquals(1, github.seen("POST", "/repos/acme/widgets/issues").size());
  }

  @Test
  void aValidationErrorIsAnInputExceptionNamingTheFieldAndValue() {
    GitHubTracker tracker = github.tracker().label("unused").build();
    GitHubTracker byMilestone = GitHubTracker.builder().repository("acme/widgets").milestone(99)
        .token(TOKEN).baseUrl(github.baseUrl()).clock(FakeGitHub.CLOCK).sleeper(github.sleeps::add).build();

    InputException e = assertThrows(InputException.class,
        () -> byMilestone.create(NewTicket.builder("into a missing milestone").build()));

    assertTrue(e.getMessage().contains("Issue.milestone invalid (value 99)"), e.getMessage());
    assertTrue(e.getMessage().contains("acme/widgets") && e.getMessage().contains("422"), e.getMessage());
    assertEquals(0, tracker.readBatch().size());
  }

  @Test
  void aMissingRepositoryIsNamedInTheError() {
    GitHubTracker tracker = github.tracker().repository("acme/gadgets").build();

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertTrue(e.getMessage().startsWith("repository acme/gadgets was not found at " + github.baseUrl()),
        e.getMessage());
    assertFalse(e.isRetryable());
  }

  @Test
  void findInAMissingRepositoryFailsRatherThanAnsweringEmpty() {
    GitHubTracker tracker = github.tracker().repository("acme/gadgets").build();

    AdapterException e = assertThrows(AdapterException.class, () -> tracker.find("1"));

    assertTrue(e.getMessage().contains("repository acme/gadgets was not found"), e.getMessage());
  }

  @Test
  void aWrongTokenIsReportedWithoutTheToken() {
    String wrong = "ghp_wrongTokenThatMustNeverBePrinted42";
    GitHubTracker tracker = github.tracker().token(wrong).build();

    AdapterException e = assertThrows(AdapterException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("401"), e.getMessage());
    assertFalse(e.getMessage().contains(wrong), e.getMessage());
    assertFalse(tracker.toString().contains(wrong), tracker.toString());
  }

  @Test
  void linkHeaderParsingFindsNextInAnyOrderAndNoneOnTheLastPage() {
    HttpUrl request = HttpUrl.get("https://api.github.com/repos/acme/widgets/issues?per_page=2");
    String header = "<https://api.github.com/repositories/1300192/issues?per_page=2&page=50>; rel=\"last\", "
        + "<https://api.github.com/repositories/1300192/issues?per_page=2&page=3>; rel=\"next\", "
        + "<https://api.github.com/repositories/1300192/issues?per_page=2&page=1>; rel=\"first\", "
        + "<https://api.github.com/repositories/1300192/issues?per_page=2&page=1>; rel=\"prev\"";

    assertEquals("https://api.github.com/repositories/1300192/issues?per_page=2&page=3",
        GitHubApi.nextLink(header, request).toString());
    assertNull(GitHubApi.nextLink("<https://api.github.com/x?page=1>; rel=\"prev\", "
        + "<https://api.github.com/x?page=1>; rel=\"first\"", request));
    assertNull(GitHubApi.nextLink(null, request));
  }
}

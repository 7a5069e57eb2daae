package dev.loopkit.github;

import static dev.loopkit.github.FakeGitHub.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Incremental reads: {@code since} listings, the overlap, own writes, removals and the periodic full read. */
class GitHubTrackerChangesTest {
  static final String TOKEN = "ghp_changesTokenNeverPrinted1234567890";
  private static final String LIST = "/repos/acme/widgets/issues|/repositories/1300192/issues";

  private final FakeGitHub github = new FakeGitHub(TOKEN);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-05T17:58:00Z"));

  GitHubTrackerChangesTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    github.close();
  }

  private GitHubTracker tracker() {
    return github.tracker().clock(clock).build();
  }

  private static List<String> ids(BatchChanges changes) {
    return changes.tickets().stream().map(Ticket::id).collect(Collectors.toList());
  }

  private FakeGitHub.Seen onlyList() {
    List<FakeGitHub.Seen> lists = github.seen("GET", LIST);
    assertEquals(1, lists.size(), "list requests " + lists);
    return lists.get(0);
  }

  @Test
  void theReadAfterAFullReadAsksForEveryIssueUpdatedSinceTheLatestUpdateLessTheOverlap() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedIssue("two", "", "loop:batch-1");
    FakeGitHub.Issue three = github.seedIssue("three", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");
    github.clearSeen();

    BatchChanges changes = tracker.changesSince(full.cursor());

    assertTrue(full.full());
    assertEquals(List.of("1", "2", "3"), ids(full));
    HttpUrl url = onlyList().url();
    assertEquals("/repos/acme/widgets/issues", url.encodedPath());
    assertEquals(three.updatedAt.minusSeconds(60).toString(), url.queryParameter("since"));
    assertEquals("2026-01-05T16:59:03Z", url.queryParameter("since"));
    assertEquals("all", url.queryParameter("state"));
    assertEquals("updated", url.queryParameter("sort"));
    assertEquals("asc", url.queryParameter("direction"));
    assertEquals("100", url.queryParameter("per_page"));
    assertNull(url.queryParameter("labels"), "the batch label is filtered here, so removals are seen");
    assertTrue(changes.isEmpty(), "issues listed again by the overlap, unchanged, are not changes: " + changes);
    assertEquals(1, tracker.incrementalReads());
  }

  @Test
  void aPersonsEditOnGitHubIsListedInItsNewState() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedIssue("two", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");
    github.seedLabel("priority:0");

    github.edit(2, i -> {
      i.state = "closed";
      i.stateReason = "not_planned";
      i.labels.add("priority:0");
    });
    BatchChanges changes = tracker.changesSince(full.cursor());

    assertFalse(changes.full());
    assertEquals(List.of("2"), ids(changes));
    assertEquals(Status.CANCELLED, changes.tickets().get(0).status());
    assertEquals(0, changes.tickets().get(0).priority());
  }

  @Test
  void theTrackersOwnTransitionCostsTheListingAndThatIssuesCommentsOnly() {
    for (int i = 1; i <= 120; i++) {
      FakeGitHub.Issue issue = github.seedIssue("issue " + i, "", "loop:batch-1");
      if (i > 1) {
        issue.blockedBy.add(1L); // native edges: a full read asks for each issue's blockers
      }
    }
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");
    int fullReadRequests = github.seen().size();
    tracker.transition("7", Status.DONE, "verified: exit 0");
    github.clearSeen();

    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(2 + 119, fullReadRequests, "two pages and the blockers of 119 issues");
    assertEquals(List.of("7"), ids(changes));
    Ticket seven = changes.tickets().get(0);
    assertEquals(Status.DONE, seven.status());
    assertEquals("verified: exit 0", seven.comments().get(0).body());
    assertEquals(List.of(dev.loopkit.core.Dependency.blockedBy("1")), seven.dependencies());
    List<String> paths = github.seen().stream().map(FakeGitHub.Seen::path).collect(Collectors.toList());
    assertEquals(List.of("/repos/acme/widgets/issues", "/repos/acme/widgets/issues/7/comments",
        "/repos/acme/widgets/issues/7/dependencies/blocked_by"), paths);
  }

  @Test
  void whenFetchingTheChangedIssuesWouldCostMoreThanTheBatchTheReadIsAFullOne() {
    GitHubTracker tracker = tracker();
    for (int i = 1; i <= 30; i++) {
      github.seedIssue("issue " + i, "", "loop:batch-1");
    }
    tracker.comment("1", "first comment");
    github.clearSeen();
    BatchChanges full = tracker.changesSince("");
    int fullReadRequests = github.seen().size();
    for (int i = 2; i <= 30; i++) {
      tracker.comment(Integer.toString(i), "comment on " + i);
    }
    github.clearSeen();

    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(2, fullReadRequests, "the list and the repository's comments");
    assertTrue(changes.full(), "29 issues' comments one by one would cost more than the batch");
    assertEquals(30, changes.tickets().size());
    assertEquals("comment on 30", changes.tickets().get(29).comments().get(0).body());
    List<String> paths = github.seen().stream().map(FakeGitHub.Seen::path).collect(Collectors.toList());
    assertEquals(List.of("/repos/acme/widgets/issues", "/repos/acme/widgets/issues",
        "/repos/acme/widgets/issues/comments"), paths);
  }

  @Test
  void anIssueThatLostTheBatchLabelIsReportedRemovedAndOneThatGainedItIsListed() {
    github.seedIssue("stays", "", "loop:batch-1");
    github.seedIssue("leaves", "", "loop:batch-1");
    github.seedIssue("joins", "", "other");
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");

    github.edit(2, i -> i.labels.remove("loop:batch-1"));
    github.edit(3, i -> i.labels.add("Loop:Batch-1"));
    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(List.of("1", "2"), ids(full));
    assertEquals(Set.of("2"), changes.removed());
    assertEquals(List.of("3"), ids(changes));
    assertEquals("joins", changes.tickets().get(0).title());
  }

  @Test
  void anIssueThatLeftTheMilestoneIsReportedRemoved() {
    github.seedIssue("stays", "").milestone = 1;
    github.seedIssue("moves", "").milestone = 1;
    GitHubTracker tracker = GitHubTracker.builder().repository("acme/widgets").milestone(1).token(TOKEN)
        .baseUrl(github.baseUrl()).clock(clock).sleeper(d -> { }).build();
    BatchChanges full = tracker.changesSince("");

    github.edit(2, i -> i.milestone = 2);
    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(List.of("1", "2"), ids(full));
    assertEquals(Set.of("2"), changes.removed());
    assertEquals(List.of(), changes.tickets());
  }

  @Test
  void anUnchangedTicketKeepsItsInstanceAcrossFullReads() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedIssue("two", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges first = tracker.changesSince("");

    github.edit(2, i -> i.title = "two, renamed");
    BatchChanges second = tracker.changesSince("");

    assertTrue(second.full());
    assertSame(first.tickets().get(0), second.tickets().get(0));
    assertEquals("two, renamed", second.tickets().get(1).title());
  }

  @Test
  void aFullReadComesEveryTenMinutesAndDropsADeletedIssue() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedIssue("deleted later", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges read = tracker.changesSince("");

    github.delete(2);
    clock.advance(Duration.ofMinutes(9));
    read = tracker.changesSince(read.cursor());
    assertFalse(read.full(), "nine minutes after the full read");
    assertTrue(read.isEmpty(), "a deletion leaves no trace in a listing: " + read);
    clock.advance(Duration.ofMinutes(1));
    github.clearSeen();
    read = tracker.changesSince(read.cursor());

    assertTrue(read.full(), "ten minutes after the full read");
    assertEquals(List.of("1"), ids(read));
    assertEquals("loop:batch-1", onlyList().url().queryParameter("labels"));
    assertNull(onlyList().url().queryParameter("since"));
  }

  @Test
  void theFullReadIntervalIsASetting() {
    github.seedIssue("one", "", "loop:batch-1");
    GitHubTracker tracker = github.tracker().clock(clock).fullReadEvery(Duration.ofSeconds(30)).build();
    BatchChanges read = tracker.changesSince("");

    clock.advance(Duration.ofSeconds(29));
    read = tracker.changesSince(read.cursor());
    assertFalse(read.full(), "29 s after the full read");
    clock.advance(Duration.ofSeconds(1));

    assertTrue(tracker.changesSince(read.cursor()).full(), "30 s after the full read");
  }

  @Test
  void aCursorOlderThanTheLatestGetsAFullRead() {
    github.seedIssue("one", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges first = tracker.changesSince("");
    tracker.changesSince(first.cursor());

    BatchChanges again = tracker.changesSince(first.cursor());

    assertTrue(again.full());
    assertEquals(List.of("1"), ids(again));
  }

  @Test
  void pullRequestsInTheListingAreNotTickets() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedPullRequest("a pull request", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");

    github.edit(2, i -> i.title = "a pull request, renamed");
    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(List.of("1"), ids(full));
    assertTrue(changes.isEmpty(), "changes " + changes);
  }

  @Test
  void anIssueThisTrackerWroteIsFetchedEvenWhenTheListingMissesIt() {
    github.seedIssue("one", "", "loop:batch-1");
    github.seedIssue("two", "", "loop:batch-1");
    GitHubTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");
    tracker.comment("2", "progress");
    // a listing that lags behind the write, as a search index may
    github.answerNext(r -> "GET".equals(r.getMethod()) && r.getRequestUrl().queryParameter("since") != null,
        new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json; charset=utf-8")
            .setBody("[]"));

    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(List.of("2"), ids(changes));
    assertEquals("progress", changes.tickets().get(0).comments().get(0).body());
    assertEquals(1, github.seen("GET", "/repos/acme/widgets/issues/2").size());
  }

  @Test
  void aReadThatFailsPartWayLosesNoChange() {
    github.seedIssue("one", "", "loop:batch-1");
    GitHubTracker tracker = github.tracker().clock(clock).maxRetries(0).build();
    BatchChanges full = tracker.changesSince("");
    tracker.transition("1", Status.IN_PROGRESS, "started");
    github.answerNext(request("GET", "/repos/acme/widgets/issues/1/comments"),
        github.error(502, "Server Error", 4000));

    assertThrows(AdapterException.class, () -> tracker.changesSince(full.cursor()));
    BatchChanges changes = tracker.changesSince(full.cursor());

    assertEquals(List.of("1"), ids(changes));
    assertEquals(Status.IN_PROGRESS, changes.tickets().get(0).status());
  }

  @Test
  void theBuilderRejectsANonPositiveFullReadIntervalAndANegativeOverlap() {
    InputException interval = assertThrows(InputException.class,
        () -> GitHubTracker.builder().fullReadEvery(Duration.ZERO));
    InputException overlap = assertThrows(InputException.class,
        () -> GitHubTracker.builder().sinceOverlap(Duration.ofSeconds(-1)));

    assertTrue(interval.getMessage().contains("fullReadEvery PT0S"), interval.getMessage());
    assertTrue(overlap.getMessage().contains("sinceOverlap PT-1S"), overlap.getMessage());
  }
}

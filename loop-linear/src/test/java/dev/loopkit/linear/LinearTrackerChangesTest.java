package dev.loopkit.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Incremental reads: {@code updatedAt >= cursor - overlap}, own writes, and the periodic full read. */
class LinearTrackerChangesTest {
  static final String KEY = "lin_api_changesKeyNeverPrinted000000000000";
  private final FakeLinear linear = new FakeLinear(KEY);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-05T17:30:00Z"));

  LinearTrackerChangesTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    linear.close();
  }

  private LinearTracker tracker() {
    return linear.tracker(KEY).clock(clock).overlap(Duration.ofSeconds(30)).fullReadEvery(Duration.ofMinutes(10))
        .build();
  }

  private static List<String> ids(BatchChanges c) {
    return c.tickets().stream().map(Ticket::id).toList();
  }

  @Test
  void theFirstReadIsAFullReadWhoseCursorIsTheNewestUpdate() {
    FakeLinear.Issue a = linear.seed("a", "Todo", "loop:batch-1");
    FakeLinear.Issue b = linear.seed("b", "Todo", "loop:batch-1");

    BatchChanges first = tracker().changesSince("");

    assertTrue(first.full());
    assertEquals(List.of(a.identifier, b.identifier), ids(first));
    assertEquals("linear-v1:" + b.updatedAt + "|" + clock.instant(), first.cursor());
    assertEquals(1, linear.seen("LoopBatch").size());
  }

  @Test
  void anIncrementalReadAsksOnlyForIssuesUpdatedSinceTheCursorLessTheOverlap() throws Exception {
    LinearTracker tracker = tracker();
    FakeLinear.Issue a = linear.seed("a", "Todo", "loop:batch-1");
    FakeLinear.Issue b = linear.seed("b", "Todo", "loop:batch-1");
    BatchChanges first = tracker.changesSince("");
    linear.advance(Duration.ofMinutes(5));
    b.stateId = linear.state(FakeLinear.TEAM_ID, "In Progress").id();
    b.updatedAt = linear.tick();
    clock.advance(Duration.ofMinutes(5));
    linear.clearSeen();

    BatchChanges next = tracker.changesSince(first.cursor());

    assertFalse(next.full());
    assertEquals(List.of(b.identifier), ids(next), "a is unchanged");
    assertEquals(Status.IN_PROGRESS, next.tickets().get(0).status());
    FakeLinear.Seen read = linear.seen("LoopBatch").get(0);
    JsonNode filter = read.variables().get("filter");
    assertEquals(FakeLinear.TEAM_ID, filter.at("/and/0/team/id/eq").asText(), "still only the batch");
    assertEquals("loop:batch-1", filter.at("/and/0/labels/some/name/eqIgnoreCase").asText());
    Instant since = Instant.parse(first.cursor().substring("linear-v1:".length(), first.cursor().indexOf('|')))
        .minusSeconds(30);
    assertEquals(since.toString(), filter.at("/and/1/or/0/updatedAt/gte").asText());
    assertEquals(1, filter.at("/and/1/or").size(), "no own writes to add");
    assertEquals(10, read.variables().get("first").asInt(), "small pages: complexity follows first, not results");
    assertEquals("linear-v1:" + b.updatedAt + "|" + first.cursor().substring(first.cursor().indexOf('|') + 1),
        next.cursor(), "the high-water mark moves, the last full read stays");
    assertFalse(a.updatedAt.isBefore(since), "a came back in the overlap and was left out: its updatedAt had not"
        + " moved since it was reported");
  }

  @Test
  void theTrackersOwnWritesAreInTheNextChangesEvenWhenUpdatedAtStays() {
    LinearTracker tracker = tracker();
    FakeLinear.Issue a = linear.seed("a", "Todo", "loop:batch-1");
    BatchChanges first = tracker.changesSince("");
    linear.advance(Duration.ofMinutes(5));
    linear.commentsKeepUpdatedAt = true;

    tracker.comment(a.identifier, "attempt 1 failed: test X");
    BatchChanges next = tracker.changesSince(first.cursor());

    assertEquals(List.of(a.identifier), ids(next));
    assertEquals("attempt 1 failed: test X", next.tickets().get(0).comments().get(0).body());
    JsonNode or = linear.seen("LoopBatch").get(1).variables().at("/filter/and/1/or");
    assertEquals(a.id, or.at("/1/id/in/0").asText());
    assertTrue(tracker.changesSince(next.cursor()).isEmpty(), "reported once");
  }

  @Test
  void nothingChangedIsAnEmptyIncrementalRead() {
    LinearTracker tracker = tracker();
    linear.seed("a", "Todo", "loop:batch-1");
    BatchChanges first = tracker.changesSince("");
    linear.advance(Duration.ofMinutes(5));

    BatchChanges next = tracker.changesSince(first.cursor());

    assertTrue(next.isEmpty(), next.toString());
    assertEquals(first.cursor(), next.cursor());
  }

  @Test
  void aFullReadComesEveryIntervalAndDropsIssuesThatLeftTheBatch() {
    LinearTracker tracker = tracker();
    FakeLinear.Issue a = linear.seed("a", "Todo", "loop:batch-1");
    FakeLinear.Issue b = linear.seed("b", "Todo", "loop:batch-1");
    BatchChanges first = tracker.changesSince("");
    linear.advance(Duration.ofMinutes(5));
    b.labelIds.clear();
    b.updatedAt = linear.tick();

    clock.advance(Duration.ofMinutes(4));
    BatchChanges before = tracker.changesSince(first.cursor());
    clock.advance(Duration.ofMinutes(6));
    BatchChanges full = tracker.changesSince(before.cursor());

    assertFalse(before.full());
    assertEquals(List.of(), ids(before), "b left the batch: the filter no longer matches it");
    assertTrue(full.full(), "ten minutes after the last full read");
    assertEquals(List.of(a.identifier), ids(full), "the full read lists the batch without b");
    assertTrue(full.cursor().endsWith("|" + clock.instant()));
  }

  @Test
  void aCursorThisTrackerDidNotWriteGivesAFullRead() {
    linear.seed("a", "Todo", "loop:batch-1");

    assertTrue(tracker().changesSince("etag-from-another-tracker").full());
    assertTrue(tracker().changesSince("linear-v1:yesterday|never").full());
  }

  @Test
  void changesReadAfterAnotherProcessWroteTheCursorStillSeeTheChanges() {
    FakeLinear.Issue a = linear.seed("a", "Todo", "loop:batch-1");
    BatchChanges first = tracker().changesSince("");
    linear.advance(Duration.ofMinutes(1));
    a.title = "renamed";
    a.updatedAt = linear.tick();

    BatchChanges resumed = tracker().changesSince(first.cursor());

    assertEquals(List.of("renamed"), resumed.tickets().stream().map(Ticket::title).toList());
  }
}

package dev.loopkit.jira;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.TrackerContract;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/**
 * The tracker contract against the fake Jira, each test on a site of its own; the other batch is another label
 * of the same project, and a lost answer is a transition Jira made whose connection dropped.
 */
class JiraTrackerContractTest extends TrackerContract {
  private FakeJira jira;

  @Override
  protected Tracker newTracker() throws Exception {
    jira = new FakeJira(new ManualClock(Instant.parse("2026-01-05T17:00:00Z")));
    return jira.tracker().build();
  }

  @Override
  protected Optional<Tracker> otherBatchOnSameStore() {
    return Optional.of(jira.tracker().label("loop-batch-2").build());
  }

  @Override
  protected Optional<Tracker> reopenedTracker() {
    return Optional.of(jira.tracker().build());
  }

  @Override
  protected boolean loseTheAnswerToTheNextStatusChange() {
    jira.applyThenDisconnect(FakeJira.request("POST", "/rest/api/3/issue/[A-Z]+-[0-9]+/transitions"));
    return true;
  }

  /** A key of the project that certainly names no issue, so find() meets Jira's own 404. */
  @Override
  protected String unknownId() {
    return "ENG-404404";
  }

  @AfterEach
  void stopJira() throws Exception {
    jira.close();
  }
}

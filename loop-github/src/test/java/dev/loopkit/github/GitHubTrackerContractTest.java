package dev.loopkit.github;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/**
 * The tracker contract against the fake GitHub, each test on a repository of its own; the other batch is
 * another label of the same repository.
 */
class GitHubTrackerContractTest extends TrackerContract {
  static final String TOKEN = "ghp_contractTokenNeverPrinted0123456789";
  private FakeGitHub github;

  @Override
  protected Tracker newTracker() throws Exception {
    github = new FakeGitHub(TOKEN);
    return github.tracker().build();
  }

  @Override
  protected Optional<Tracker> otherBatchOnSameStore() {
    return Optional.of(github.tracker().label("loop:batch-2").build());
  }

  @Override
  protected Optional<Tracker> reopenedTracker() {
    return Optional.of(github.tracker().build());
  }

  /** A status change is the issue PATCH: GitHub applies it, the connection drops before the answer. */
  @Override
  protected boolean loseTheAnswerToTheNextStatusChange() {
    github.applyThenDisconnect(FakeGitHub.request("PATCH", "/repos/acme/widgets/issues/[0-9]+"));
    return true;
  }

  /** A number the fresh repository certainly has no issue for, so find() meets GitHub's own 404. */
  @Override
  protected String unknownId() {
    return "404404";
  }

  /** A person removes the batch label on github.com: the issue leaves the batch. */
  @Override
  protected boolean removeFromBatch(String id) {
    github.edit(Long.parseLong(id), issue -> issue.labels.removeIf(l -> l.equalsIgnoreCase("loop:batch-1")));
    return true;
  }

  @AfterEach
  void stopGitHub() throws Exception {
    github.close();
  }
}

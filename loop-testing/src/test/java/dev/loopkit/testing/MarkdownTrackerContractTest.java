package dev.loopkit.testing;

import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The contract on a folder; a folder is one batch, so the batch-isolation tests are skipped. */
class MarkdownTrackerContractTest extends TrackerContract {
  @TempDir
  Path folder;

  @Override
  protected Tracker newTracker() {
    return MarkdownTracker.builder(folder).clock(new ManualClock()).build();
  }

  @Override
  protected boolean removeFromBatch(String id) throws Exception {
    return Files.deleteIfExists(folder.resolve(id + ".md"));
  }

  @Override
  protected Optional<Tracker> reopenedTracker() {
    return Optional.of(MarkdownTracker.builder(folder).clock(new ManualClock()).build());
  }
}

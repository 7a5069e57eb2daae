package dev.loopkit.testing;

import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

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
}

package dev.loopkit.examples;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The contract on one file; a file is one batch, so the batch-isolation tests are skipped. */
class JsonFileTrackerContractTest extends TrackerContract {
  @TempDir
  Path dir;

  @Override
  protected Tracker newTracker() {
    return JsonFileTracker.open(dir.resolve("batch.json"));
  }

  @Override
  protected Optional<Tracker> reopenedTracker() {
    return Optional.of(JsonFileTracker.open(dir.resolve("batch.json")));
  }
}

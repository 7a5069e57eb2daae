package dev.loopkit.examples;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class JsonFileTrackerContractTest extends TrackerContract {
  @TempDir
  Path dir;

  @Override
  protected Tracker newTracker() {
    return JsonFileTracker.open(dir.resolve("batch.json"));
  }
}

package dev.loopkit.beads;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The tracker contract against the fake bd, real processes, each test on a database of its own. */
class BeadsTrackerContractTest extends TrackerContract {
  @TempDir Path dir;

  @Override
  protected Tracker newTracker() {
    return new FakeBdFixture(dir).tracker().build();
  }

  /** A well-formed bead id the fresh database certainly lacks, so lookups meet bd's own not_found. */
  @Override
  protected String unknownId() {
    return "lp-zzz404";
  }
}

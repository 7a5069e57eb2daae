package dev.loopkit.bench;

import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.testing.InMemoryTracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The stock trackers the engine benchmark drives, each filled with the same DAG before a trial. */
enum TrackerKind {
  /** loop-testing's {@link InMemoryTracker}. */
  IN_MEMORY("in-memory") {
    @Override
    Tracker fill(List<Ticket> tickets, Path folder) {
      InMemoryTracker tracker = new InMemoryTracker();
      tickets.forEach(tracker::put);
      return tracker;
    }

    @Override
    Tracker reopen(Tracker filled) {
      return filled;
    }
  },
  /** loop-core's {@link MarkdownTracker}: one file per ticket in {@code folder}, written before the trial. */
  MARKDOWN("markdown") {
    @Override
    Tracker fill(List<Ticket> tickets, Path folder) {
      try {
        Files.createDirectories(folder);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the ticket folder " + folder, e);
      }
      MarkdownTracker tracker = MarkdownTracker.open(folder);
      tickets.forEach(tracker::put);
      return tracker;
    }

    @Override
    Tracker reopen(Tracker filled) {
      return MarkdownTracker.open(((MarkdownTracker) filled).folder());
    }
  };

  private final String key;

  TrackerKind(String key) {
    this.key = key;
  }

  /** The name in the table and the JSON. */
  String key() {
    return key;
  }

  /** A tracker of this kind holding {@code tickets}; {@code folder} (created if needed) is used by files only. */
  abstract Tracker fill(List<Ticket> tickets, Path folder);

  /**
   * The same tickets as a later process would see them: the same object in memory, a fresh tracker on the
   * same folder for files (so the resumed engine starts with nothing cached).
   */
  abstract Tracker reopen(Tracker filled);
}

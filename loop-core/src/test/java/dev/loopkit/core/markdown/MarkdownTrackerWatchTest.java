package dev.loopkit.core.markdown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loopkit.core.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads of a watched folder: they cost what changed, and no change made before a read is missed. */
class MarkdownTrackerWatchTest {
  @TempDir Path dir;

  private static String ticketFile(String id, String title) {
    return "---\nid: " + id + "\ntitle: " + title + "\n---\n\nBody of " + id + ".\n";
  }

  private MarkdownTracker watchedTracker() throws IOException {
    for (int i = 1; i <= 200; i++) {
      Files.writeString(dir.resolve("T-" + i + ".md"), ticketFile("T-" + i, "ticket " + i), StandardCharsets.UTF_8);
    }
    MarkdownTracker tracker = MarkdownTracker.open(dir);
    tracker.readBatch();
    assumeTrue(tracker.fullListings() == 1 && isLinux(), "the folder has an event-driven watch (Linux)");
    return tracker;
  }

  private static boolean isLinux() {
    return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
  }

  /** Runs {@code script} in a shell in {@code dir}: a change by another process, as a person's editor makes. */
  private void shell(String script) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the shell finished");
    assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void readsBetweenFullListingsDoNotListTheFolder() throws Exception {
    MarkdownTracker tracker = watchedTracker();
    long start = System.nanoTime();
    long parsed = tracker.parsedFiles();

    for (int i = 0; i < 50; i++) {
      tracker.transition("T-" + (i + 1), Status.IN_PROGRESS, "claimed");
      assertEquals(Status.IN_PROGRESS, tracker.readBatch().get("T-" + (i + 1)).status());
    }

    long elapsed = System.nanoTime() - start;
    long allowed = 1 + (elapsed / FolderIndex.FULL_LISTING_INTERVAL.toNanos()) + 1;
    assertTrue(tracker.fullListings() <= allowed, tracker.fullListings() + " full listings in "
        + Duration.ofNanos(elapsed) + ": expected at most " + allowed);
    assertTrue(tracker.parsedFiles() - parsed <= 50 + 200 * (tracker.fullListings() - 1),
        "between full listings a read parses only what changed: " + (tracker.parsedFiles() - parsed));
  }

  @Test
  void editsCreationsAndDeletionsByAnotherProcessAreSeenByTheNextRead() throws Exception {
    MarkdownTracker tracker = watchedTracker();
    for (int round = 0; round < 20; round++) {
      String id = "T-" + (300 + round);
      shell("printf -- '" + ticketFile(id, "made by a shell").replace("\n", "\\n") + "' > " + id + ".md");
      assertEquals("made by a shell", tracker.readBatch().get(id).title(), "round " + round + ": a creation");

      shell("printf -- '" + ticketFile(id, "edited by a shell").replace("\n", "\\n") + "' > " + id + ".md");
      assertEquals("edited by a shell", tracker.readBatch().get(id).title(), "round " + round + ": an edit");

      shell("rm " + id + ".md");
      assertFalse(tracker.readBatch().find(id).isPresent(), "round " + round + ": a deletion");
    }
    assertTrue(tracker.fullListings() < 1 + 60, "not every read listed the folder: " + tracker.fullListings());
  }

  @Test
  void anEditInPlaceThatRestoresTheOldTimeIsStillSeen() throws Exception {
    MarkdownTracker tracker = watchedTracker();
    FileTime anHourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    Path file = dir.resolve("T-7.md");
    Files.setLastModifiedTime(file, anHourAgo);
    Files.writeString(file, ticketFile("T-7", "alpha"), StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, anHourAgo);
    assertEquals("alpha", tracker.readBatch().get("T-7").title());

    // same size, same old time: a listing trusts the identity, the watch has the event
    Files.writeString(file, ticketFile("T-7", "bravo"), StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, anHourAgo);

    assertEquals("bravo", tracker.readBatch().get("T-7").title());
  }

  @Test
  void noSentinelIsLeftInTheFolderAndTheBatchHoldsOnlyTicketFiles() throws Exception {
    MarkdownTracker tracker = watchedTracker();
    tracker.transition("T-1", Status.IN_PROGRESS, "claimed");
    tracker.readBatch();

    try (var files = Files.list(dir)) {
      List<String> hidden = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".loop.watch"))
          .toList();
      assertEquals(List.of(), hidden);
    }
    assertEquals(200, tracker.readBatch().tickets().size());
  }
}

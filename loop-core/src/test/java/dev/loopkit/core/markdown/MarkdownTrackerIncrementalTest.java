package dev.loopkit.core.markdown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a read costs and what it returns once the tracker keeps parsed tickets between calls. */
class MarkdownTrackerIncrementalTest {
  private static final Instant NOW = Instant.parse("2026-01-05T09:30:00Z");
  /** Outside the racy window, so a file's identity alone decides whether it is read again. */
  private static final FileTime AN_HOUR_AGO = FileTime.from(Instant.now().minus(Duration.ofHours(1)));

  @TempDir
  Path dir;

  /** The tracker under test; {@link MarkdownTrackerUnwatchedTest} runs every case again, listing on every read. */
  MarkdownTracker.Builder builder() {
    return MarkdownTracker.builder(dir).clock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private MarkdownTracker tracker() {
    return builder().build();
  }


  private static String ticketFile(String id, String title, String extraFrontMatter) {
    return "---\nid: " + id + "\ntitle: " + title + "\n" + extraFrontMatter + "---\n\nBody of " + id + ".\n";
  }

  /** Writes a ticket file in place, as an editor or a script would, and dates it {@code modified}. */
  private Path write(String id, String title, String extra, FileTime modified) throws IOException {
    Path file = dir.resolve(id + ".md");
    Files.writeString(file, ticketFile(id, title, extra), StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, modified);
    return file;
  }

  private static List<String> ids(List<Ticket> tickets) {
    return tickets.stream().map(Ticket::id).collect(Collectors.toList());
  }

  @Test
  void anUnchangedFolderOfAThousandFilesIsParsedOnceAndThenNotAgain() throws IOException {
    for (int i = 1; i <= 1000; i++) {
      write("T-" + i, "ticket " + i, i > 1 ? "depends_on:\n  - blocks:T-" + (i - 1) + "\n" : "", AN_HOUR_AGO);
    }
    MarkdownTracker tracker = tracker();

    Batch first = tracker.readBatch();
    long afterFirst = tracker.parsedFiles();
    Batch second = tracker.readBatch();
    BatchChanges changes = tracker.changesSince("");

    assertEquals(1000, first.size());
    assertEquals(1000, afterFirst);
    assertEquals(1000, tracker.parsedFiles(), "files parsed again by reads of an unchanged folder");
    assertSame(first, second);
    assertTrue(changes.full());
    assertSame(first.get("T-500"), changes.tickets().get(499));
  }

  @Test
  void oneEditedFileOfAThousandIsTheOnlyFileParsedAgain() throws IOException {
    for (int i = 1; i <= 1000; i++) {
      write("T-" + i, "ticket " + i, "", AN_HOUR_AGO);
    }
    MarkdownTracker tracker = tracker();
    Batch before = tracker.readBatch();
    BatchChanges start = tracker.changesSince("");
    long parsed = tracker.parsedFiles();

    write("T-700", "ticket 700, edited by a person", "status: done\n",
        FileTime.from(AN_HOUR_AGO.toInstant().plusSeconds(60)));
    BatchChanges changes = tracker.changesSince(start.cursor());
    Batch after = tracker.readBatch();

    assertEquals(1, tracker.parsedFiles() - parsed, "files parsed after one edit");
    assertFalse(changes.full());
    assertEquals(List.of("T-700"), ids(changes.tickets()));
    assertEquals(Status.DONE, changes.tickets().get(0).status());
    assertEquals(Set.of(), changes.removed());
    assertSame(before.get("T-699"), after.get("T-699"));
    assertSame(changes.tickets().get(0), after.get("T-700"));
  }

  @Test
  void changesSinceTheLatestCursorOfAnUnchangedFolderAreEmpty() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges full = tracker.changesSince("");

    BatchChanges none = tracker.changesSince(full.cursor());

    assertTrue(full.full());
    assertEquals(List.of("T-1"), ids(full.tickets()));
    assertTrue(none.isEmpty(), "changes " + none);
    assertEquals(full.cursor(), none.cursor());
  }

  @Test
  void aDeletedFileIsReportedRemovedAndLeavesTheBatch() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    Path two = write("T-2", "two", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges start = tracker.changesSince("");

    Files.delete(two);
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertEquals(Set.of("T-2"), changes.removed());
    assertEquals(List.of(), changes.tickets());
    assertEquals(List.of("T-1"), ids(tracker.readBatch().tickets()));
  }

  @Test
  void theTrackersOwnWritesAreChangesOfTheNextRead() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges start = tracker.changesSince("");

    tracker.transition("T-1", Status.DONE, "verified: exit 0");
    Ticket filed = tracker.create(NewTicket.builder("discovered").build());
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertEquals(List.of("T-1", filed.id()), ids(changes.tickets()));
    assertEquals(Status.DONE, changes.tickets().get(0).status());
    assertEquals("verified: exit 0", changes.tickets().get(0).comments().get(0).body());
  }

  @Test
  void aFileRewrittenWithinTheRacyWindowAtTheSameSizeAndTimeIsStillSeen() throws IOException {
    MarkdownTracker tracker = tracker();
    Path file = write("T-1", "alpha", "", FileTime.from(Instant.now()));
    BasicFileAttributes was = Files.readAttributes(file, BasicFileAttributes.class);
    assertEquals("alpha", tracker.readBatch().get("T-1").title());

    // same length, same inode (written in place), same modification time: only the racy window can tell
    write("T-1", "bravo", "", was.lastModifiedTime());
    BasicFileAttributes is = Files.readAttributes(file, BasicFileAttributes.class);
    assertEquals(was.size(), is.size());
    assertEquals(was.lastModifiedTime(), is.lastModifiedTime());
    assertEquals(was.fileKey(), is.fileKey());

    assertEquals("bravo", tracker.readBatch().get("T-1").title());
  }

  @Test
  void aFileModifiedLongBeforeTheScanIsTrustedOnItsIdentityWhenTheFolderIsListed() throws IOException {
    MarkdownTracker tracker = builder().watchFolder(false).build();
    write("T-1", "alpha", "", AN_HOUR_AGO);
    tracker.readBatch();
    long parsed = tracker.parsedFiles();

    // the documented limit of the rule: the same size and a restored old time hide an edit in place
    write("T-1", "bravo", "", AN_HOUR_AGO);

    assertEquals("alpha", tracker.readBatch().get("T-1").title());
    assertEquals(parsed, tracker.parsedFiles());
    assertEquals("bravo", tracker.find("T-1").orElseThrow().title(), "find reads the file afresh");
  }

  @Test
  void aRecentFileListedAgainWithTheSameContentKeepsItsTicketInstanceAndIsNoChange() throws IOException {
    MarkdownTracker tracker = builder().watchFolder(false).build(); // the racy window is the listing's rule
    write("T-1", "one", "", FileTime.from(Instant.now()));
    BatchChanges start = tracker.changesSince("");
    long parsed = tracker.parsedFiles();

    BatchChanges again = tracker.changesSince(start.cursor());

    assertEquals(parsed + 1, tracker.parsedFiles(), "a file inside the racy window is read again");
    assertTrue(again.isEmpty(), "changes " + again);
    assertSame(start.tickets().get(0), tracker.readBatch().get("T-1"));
  }

  @Test
  void aDependencyOnAMissingIdFailsEveryReadWithoutParsingAgainUntilTheTargetAppears() throws IOException {
    write("T-1", "one", "depends_on:\n  - blocks:T-2\n", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();

    InputException first = assertThrows(InputException.class, tracker::readBatch);
    long parsed = tracker.parsedFiles();
    InputException second = assertThrows(InputException.class, () -> tracker.changesSince(""));

    assertTrue(first.getMessage().contains("T-1.md: field 'depends_on': 'blocks:T-2' names ticket 'T-2'"),
        first.getMessage());
    assertEquals(first.getMessage(), second.getMessage());
    assertEquals(parsed, tracker.parsedFiles());
    write("T-2", "two", "", AN_HOUR_AGO);
    assertEquals(2, tracker.readBatch().size());
  }

  @Test
  void deletingATicketOthersDependOnFailsTheNextReadNamingTheFirstDependent() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    write("T-3", "three", "depends_on:\n  - related:T-1\n", AN_HOUR_AGO);
    write("T-2", "two", "depends_on:\n  - blocks:T-1\n", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    tracker.readBatch();

    Files.delete(dir.resolve("T-1.md"));
    InputException e = assertThrows(InputException.class, tracker::readBatch);

    assertTrue(e.getMessage().contains("T-2.md: field 'depends_on': 'blocks:T-1'"), e.getMessage());
  }

  @Test
  void aDuplicateIdFailsEveryReadUntilTheCopyIsRemoved() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges start = tracker.changesSince("");
    Path copy = dir.resolve("copy.md");
    Files.writeString(copy, ticketFile("T-1", "one again", ""), StandardCharsets.UTF_8);

    InputException first = assertThrows(InputException.class, tracker::readBatch);
    InputException second = assertThrows(InputException.class, tracker::readBatch);
    Files.delete(copy);
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertTrue(first.getMessage().contains("duplicate id 'T-1'"), first.getMessage());
    assertTrue(first.getMessage().contains("copy.md") && first.getMessage().contains("T-1.md"), first.getMessage());
    assertEquals(first.getMessage(), second.getMessage());
    assertEquals("one", tracker.readBatch().get("T-1").title());
    assertTrue(changes.removed().isEmpty(), "removed " + changes.removed());
    assertEquals(List.of("T-1"), ids(changes.tickets()));
    assertEquals("one", changes.tickets().get(0).title());
  }

  @Test
  void changesFoundBeforeAMalformedFileAreNotLostToTheCursor() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    write("T-2", "two", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges start = tracker.changesSince("");

    write("T-1", "one, edited", "", FileTime.from(AN_HOUR_AGO.toInstant().plusSeconds(5)));
    Files.writeString(dir.resolve("T-2.md"), "---\nid: T-2\ntitle: [unclosed\n---\n", StandardCharsets.UTF_8);
    assertThrows(InputException.class, () -> tracker.changesSince(start.cursor()));
    assertThrows(InputException.class, () -> tracker.changesSince(start.cursor()));
    write("T-2", "two, fixed", "", FileTime.from(AN_HOUR_AGO.toInstant().plusSeconds(9)));
    BatchChanges changes = tracker.changesSince(start.cursor());

    assertEquals(List.of("T-1", "T-2"), ids(changes.tickets()));
    assertEquals("one, edited", changes.tickets().get(0).title());
    assertEquals("two, fixed", changes.tickets().get(1).title());
  }

  @Test
  void aCursorOfAnotherTrackerOrAMalformedCursorGetsAFullRead() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    String foreign = tracker().changesSince("").cursor();

    for (String cursor : List.of(foreign, "bogus", "markdown:", tracker.changesSince("").cursor() + "x")) {
      BatchChanges changes = tracker.changesSince(cursor);
      assertTrue(changes.full(), "read for cursor '" + cursor + "'");
      assertEquals(List.of("T-1"), ids(changes.tickets()));
    }
  }

  @Test
  void aTicketDeletedAndFiledAgainBetweenReadsIsAChangeNotARemoval() throws IOException {
    write("T-1", "one", "", AN_HOUR_AGO);
    write("T-2", "two", "", AN_HOUR_AGO);
    MarkdownTracker tracker = tracker();
    BatchChanges start = tracker.changesSince("");

    Files.delete(dir.resolve("T-2.md"));
    BatchChanges gone = tracker.changesSince(start.cursor());
    write("T-2", "two, again", "", FileTime.from(AN_HOUR_AGO.toInstant().plusSeconds(30)));
    BatchChanges overall = tracker.changesSince(start.cursor());

    assertEquals(Set.of("T-2"), gone.removed());
    assertEquals(Set.of(), overall.removed());
    assertEquals(List.of("T-2"), ids(overall.tickets()));
    assertEquals("two, again", overall.tickets().get(0).title());
  }
}

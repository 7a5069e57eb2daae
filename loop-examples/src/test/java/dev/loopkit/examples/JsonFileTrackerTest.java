package dev.loopkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.scheduler.DependencyReadySet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFileTrackerTest {
  @TempDir
  Path dir;

  private Path file() {
    return dir.resolve("batch.json");
  }

  @Test
  void aMissingFileIsAnEmptyBatchAndTheFirstWriteCreatesIt() {
    JsonFileTracker tracker = JsonFileTracker.open(file());

    assertEquals(0, tracker.readBatch().size());
    tracker.create(NewTicket.builder("first").build());

    assertTrue(Files.isRegularFile(file()));
    assertEquals(1, JsonFileTracker.open(file()).readBatch().size());
  }

  @Test
  void twoTrackersOnOneFileSeeEachOthersWritesAndOnlyOneClaimWins() {
    JsonFileTracker a = JsonFileTracker.open(file());
    JsonFileTracker b = JsonFileTracker.open(dir.resolve(".").resolve("batch.json"));
    Ticket t = a.create(NewTicket.builder("shared").idempotencyKey("k").build());

    assertEquals(t.id(), b.create(NewTicket.builder("shared").idempotencyKey("k").build()).id());
    assertTrue(b.claim(t.id(), "b"));
    assertEquals(false, a.claim(t.id(), "a"));
    assertEquals(Status.IN_PROGRESS, a.find(t.id()).orElseThrow().status());
  }

  @Test
  void changesSinceAnUnchangedFileAreEmptyAndAnyWriteGivesAFullRead() throws IOException {
    JsonFileTracker tracker = JsonFileTracker.open(file());
    Ticket t = tracker.create(NewTicket.builder("watched").build());
    Files.setLastModifiedTime(file(), FileTime.from(Instant.now().minus(Duration.ofHours(1))));

    BatchChanges first = tracker.changesSince("");
    BatchChanges unchanged = tracker.changesSince(first.cursor());
    tracker.transition(t.id(), Status.DONE, "verified");
    BatchChanges afterWrite = tracker.changesSince(first.cursor());

    assertTrue(first.full());
    assertFalse(first.cursor().isEmpty(), "a file last modified an hour ago gives a cursor");
    assertTrue(unchanged.isEmpty(), "changes " + unchanged);
    assertTrue(afterWrite.full());
    assertEquals(Status.DONE, afterWrite.tickets().get(0).status());
  }

  @Test
  void aFileModifiedWithinTheLastTwoSecondsGivesNoCursorSoTheNextReadIsFull() {
    JsonFileTracker tracker = JsonFileTracker.open(file());
    tracker.create(NewTicket.builder("fresh").build());

    BatchChanges first = tracker.changesSince("");

    assertEquals("", first.cursor());
    assertTrue(tracker.changesSince(first.cursor()).full());
  }

  @Test
  void writesLeaveNoTemporaryFilesBehind() throws IOException {
    JsonFileTracker tracker = JsonFileTracker.open(file());
    Ticket t = tracker.create(NewTicket.builder("tidy").build());
    tracker.comment(t.id(), "one");
    tracker.transition(t.id(), Status.DONE, "verified");

    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("batch.json", "batch.json.lock"), files.map(p -> p.getFileName().toString()).sorted()
          .toList());
    }
  }

  @Test
  void aFileThatIsNotJsonIsAnInputErrorNamingTheFileAndLine() throws IOException {
    Files.writeString(file(), "{\"format\": 1,\n \"tickets\": [ {\"id\": \"J-1\",, } ]}");

    InputException e = assertThrows(InputException.class, () -> JsonFileTracker.open(file()).readBatch());

    assertTrue(e.getMessage().contains(file().toString()) && e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void anUnknownStatusIsAnInputErrorNamingTheTicketAndTheValue() throws IOException {
    Files.writeString(file(), "{\"format\": 1, \"tickets\": [ {\"id\": \"J-7\", \"title\": \"t\", \"status\": \"finished\"} ]}");

    InputException e = assertThrows(InputException.class, () -> JsonFileTracker.open(file()).find("J-7"));

    assertTrue(e.getMessage().contains("ticket J-7") && e.getMessage().contains("'finished'")
        && e.getMessage().contains("expected one of open"), e.getMessage());
  }

  @Test
  void aDuplicateIdOrAWrongFormatIsAnInputError() throws IOException {
    Files.writeString(file(), "{\"format\": 1, \"tickets\": [ {\"id\": \"J-1\", \"title\": \"a\", \"status\": \"open\"},"
        + " {\"id\": \"J-1\", \"title\": \"b\", \"status\": \"done\"} ]}");
    InputException duplicate = assertThrows(InputException.class, () -> JsonFileTracker.open(file()).readBatch());
    assertTrue(duplicate.getMessage().contains("'J-1' twice"), duplicate.getMessage());

    Files.writeString(file(), "{\"format\": 2, \"tickets\": []}");
    InputException format = assertThrows(InputException.class, () -> JsonFileTracker.open(file()).readBatch());
    assertTrue(format.getMessage().contains("format 2: expected 1"), format.getMessage());
  }

  @Test
  void openingAFileInAMissingFolderIsAnInputErrorNamingIt() {
    Path missing = dir.resolve("no-such-folder").resolve("batch.json");

    InputException e = assertThrows(InputException.class, () -> JsonFileTracker.open(missing));

    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void theEngineDrivesABatchInTheFileToDoneInDependencyOrder() {
    JsonFileTracker tracker = JsonFileTracker.open(file());
    Ticket schema = tracker.create(NewTicket.builder("schema").build());
    Ticket api = tracker.create(NewTicket.builder("api").addDependency(Dependency.blockedBy(schema.id())).build());

    RunResult result = LoopEngine.builder()
        .tracker(tracker).readySet(DependencyReadySet.create())
        .worker(a -> {
          Files.writeString(a.workspace().directory().resolve("done.txt"), a.ticket().id());
          return WorkResult.completed("wrote done.txt", Usage.ZERO);
        })
        .verifier(r -> Files.exists(r.workspace().directory().resolve("done.txt"))
            ? Verification.passed(Evidence.of("file", "done.txt exists"))
            : Verification.failed("done.txt is missing"))
        .runDirectory(dir.resolve("run"))
        .build().run();

    assertEquals(RunEnding.Kind.DONE, result.ending().kind(), result.ending().describe());
    JsonFileTracker reread = JsonFileTracker.open(file());
    assertEquals(Status.DONE, reread.find(api.id()).orElseThrow().status());
    assertTrue(reread.find(schema.id()).orElseThrow().comments().stream()
        .anyMatch(c -> c.body().contains("done.txt exists")));
  }

  @Test
  void mainFilesItsTicketsOnceHoweverOftenItRuns() throws IOException {
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      JsonFileTracker.main(new String[] {file().toString()});
      JsonFileTracker.main(new String[] {file().toString()});
    } finally {
      System.setOut(out);
    }

    JsonFileTracker tracker = JsonFileTracker.open(file());
    assertEquals(2, tracker.readBatch().size());
    assertEquals(Status.DONE, tracker.find("J-1").orElseThrow().status());
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("open: [J-2]"), printed.toString(StandardCharsets.UTF_8));
  }
}

package dev.loopkit.core.markdown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownTrackerTest {
  private static final Instant NOW = Instant.parse("2026-01-05T09:30:00Z");

  @TempDir
  Path dir;

  private MarkdownTracker tracker() {
    return MarkdownTracker.builder(dir).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
  }

  private void file(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
  }

  private static String ticketFile(String id, String extraFrontMatter) {
    return "---\nid: " + id + "\ntitle: Ticket " + id + "\n" + extraFrontMatter + "---\n\nBody of " + id + ".\n";
  }

  static Ticket exampleTicket() {
    return Ticket.builder("T-3")
        .title("Retry failed uploads")
        .status(Status.IN_PROGRESS)
        .priority(1)
        .createdAt(Instant.parse("2026-01-05T09:30:00Z"))
        .labels(List.of("backend", "storage"))
        .resources(Set.of("merge"))
        .dependencies(List.of(Dependency.blockedBy("T-1"), Dependency.discoveredFrom("T-2")))
        .acceptanceCriteria(List.of("mvn -B verify passes", "an upload that fails twice is retried a third time"))
        .metadata(Map.of("idempotency-key", "run-1/T-2/retry", "owner", "alice"))
        .body("Uploads to the object store fail on a flaky network.\n\n```\nmvn -B verify\n```")
        .comments(List.of(
            new Comment(Instant.parse("2026-01-05T09:31:00Z"), "loop", "claimed by worker-1"),
            new Comment(Instant.parse("2026-01-05T10:02:00Z"), "loop",
                "Attempt 1 failed:\n- UploadRetryTest timed out\n\nexit code 1")))
        .build();
  }

  static final String EXAMPLE_FILE = String.join("\n",
      "---",
      "id: T-3",
      "title: Retry failed uploads",
      "status: in-progress",
      "priority: 1",
      "created: 2026-01-05T09:30:00Z",
      "labels:",
      "  - backend",
      "  - storage",
      "resources:",
      "  - merge",
      "depends_on:",
      "  - blocks:T-1",
      "  - discovered-from:T-2",
      "acceptance:",
      "  - mvn -B verify passes",
      "  - an upload that fails twice is retried a third time",
      "metadata:",
      "  idempotency-key: run-1/T-2/retry",
      "  owner: alice",
      "---",
      "",
      "Uploads to the object store fail on a flaky network.",
      "",
      "```",
      "mvn -B verify",
      "```",
      "",
      "## Log",
      "",
      "- 2026-01-05T09:31:00Z loop",
      "  claimed by worker-1",
      "",
      "- 2026-01-05T10:02:00Z loop",
      "  Attempt 1 failed:",
      "  - UploadRetryTest timed out",
      "",
      "  exit code 1",
      "");

  // --- format and round trip ---

  @Test
  void putWritesTheDocumentedFileLayout() throws IOException {
    MarkdownTracker tracker = tracker();
    tracker.put(Ticket.builder("T-1").title("one").build());
    tracker.put(Ticket.builder("T-2").title("two").build());

    tracker.put(exampleTicket());

    assertEquals(EXAMPLE_FILE, read("T-3.md"));
  }

  @Test
  void aWrittenTicketReadsBackEqual() {
    MarkdownTracker tracker = tracker();
    tracker.put(Ticket.builder("T-1").title("one").build());
    tracker.put(Ticket.builder("T-2").title("two").build());
    Ticket example = exampleTicket();

    Ticket stored = tracker.put(example);

    assertEquals(example, stored);
    assertEquals(example, tracker.find("T-3").orElseThrow());
    assertEquals(example, tracker.readBatch().get("T-3"));
  }

  @Test
  void valuesYamlWouldReadAsNumbersBooleansOrNullsRoundTripAsText() {
    MarkdownTracker tracker = tracker();
    List<String> tricky = List.of("42", "0x1F", "1_000", "1e3", "yes", "no", "on", "true", "null", "~", "",
        "a: b", "# not a comment", "- not a list", "'quoted'", "\"double\"", "it's", "@at", "`tick`", "tab\there",
        "trailing space ", " leading space", "multi\nline", "ünïcödé ✓", "[flow]", "{flow: map}", "---", "...");
    Ticket t = Ticket.builder("42").title("1.5").labels(tricky).acceptanceCriteria(tricky)
        .metadata(Map.of("yes", "no", "1", "2", "key: colon", "null", "k", ""))
        .build();

    Ticket stored = tracker.put(t);

    assertEquals(t, stored);
    assertEquals(t, tracker.find("42").orElseThrow());
  }

  @Test
  void logEntriesKeepIndentationBlankLinesAndLinesThatLookLikeEntriesOrHeadings() {
    MarkdownTracker tracker = tracker();
    String tricky = "first\n\n    indented code\n- 2026-01-01T00:00:00Z fake entry\n## Log\n---\n   \nend";
    Ticket t = Ticket.builder("T-1").title("log")
        .body("## Log\nA body may use the heading too.")
        .comments(List.of(new Comment(NOW, "alice", tricky), new Comment(NOW, "", "no author"),
            new Comment(NOW.plusNanos(1), "bob smith", "")))
        .build();

    assertEquals(t, tracker.put(t));
  }

  @Test
  void textBlocksAreNormalizedSoTheStoredTicketIsWhatLaterReadsSee() {
    MarkdownTracker tracker = tracker();
    Ticket t = Ticket.builder("T-1").title("t").body("\n\nline one\r\nline two  \n\n")
        .comments(List.of(new Comment(NOW, "loop", "note\n\n"))).build();

    Ticket stored = tracker.put(t);

    assertEquals("line one\nline two", stored.body());
    assertEquals("note", stored.comments().get(0).body());
    assertEquals(stored, tracker.find("T-1").orElseThrow());
  }

  @Test
  void readsAHandWrittenFileWithEveryAcceptedSpelling() throws IOException {
    file("A.md", ticketFile("A", ""));
    file("B.md", ticketFile("B", ""));
    file("C.md", "---\r\n"
        + "id: C\r\n"
        + "title: Hand written\r\n"
        + "status: In Progress\r\n"
        + "priority: 0\r\n"
        + "labels: solo\r\n"
        + "resources: [infra-apply]\r\n"
        + "depends_on:\r\n"
        + "- A\r\n"
        + "- {id: B, type: parent-child}\r\n"
        + "- id: A\r\n"
        + "  type: related\r\n"
        + "acceptance: the page loads\r\n"
        + "metadata:\r\n"
        + "  attempts: 3\r\n"
        + "---\r\n"
        + "Description.\r\n");

    Ticket c = tracker().readBatch().get("C");

    assertEquals(Status.IN_PROGRESS, c.status());
    assertEquals(0, c.priority());
    assertEquals(List.of("solo"), c.labels());
    assertEquals(Set.of("infra-apply"), c.resources());
    assertEquals(List.of(Dependency.blockedBy("A"), Dependency.childOf("B"), Dependency.relatedTo("A")),
        c.dependencies());
    assertEquals(List.of("the page loads"), c.acceptanceCriteria());
    assertEquals(Map.of("attempts", "3"), c.metadata());
    assertEquals("Description.", c.body());
    assertEquals(Instant.EPOCH, c.createdAt());
    assertEquals(List.of(), c.comments());
  }

  @Test
  void missingOptionalFieldsTakeTheirDefaults() throws IOException {
    file("A.md", "---\nid: A\ntitle: minimal\n---\n");

    Ticket a = tracker().find("A").orElseThrow();

    assertEquals(Status.OPEN, a.status());
    assertEquals(2, a.priority());
    assertEquals("", a.body());
  }

  // --- the folder ---

  @Test
  void readBatchSkipsReadmeAndHiddenFilesAndOrdersIdsByNumber() throws IOException {
    file("README.md", "# Tickets of the release\nNo front matter here.\n");
    file(".draft.md", "not a ticket");
    file("notes.txt", "not a ticket");
    for (String id : List.of("T-10", "T-2", "T-1")) {
      file(id + ".md", ticketFile(id, ""));
    }

    Batch batch = tracker().readBatch();

    assertEquals(List.of("T-1", "T-2", "T-10"),
        batch.tickets().stream().map(Ticket::id).collect(Collectors.toList()));
  }

  @Test
  void aMarkdownFileWithoutFrontMatterIsAnErrorNamingIt() throws IOException {
    file("T-1.md", ticketFile("T-1", ""));
    file("notes.md", "# Notes\n");

    InputException e = assertThrows(InputException.class, () -> tracker().readBatch());

    assertTrue(e.getMessage().contains("notes.md"), e.getMessage());
    assertTrue(e.getMessage().contains("no YAML front matter"), e.getMessage());
  }

  @Test
  void aMissingFolderIsAnErrorUnlessAskedToCreateIt() {
    Path missing = dir.resolve("nope");

    InputException e = assertThrows(InputException.class, () -> MarkdownTracker.open(missing));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

    MarkdownTracker created = MarkdownTracker.builder(missing).createFolder(true).build();
    assertEquals(0, created.readBatch().size());
    assertTrue(Files.isDirectory(missing));
  }

  @Test
  void findSeesAPersonsEditBetweenCalls() throws IOException {
    MarkdownTracker tracker = tracker();
    tracker.put(Ticket.builder("T-1").title("before").build());
    assertEquals("before", tracker.find("T-1").orElseThrow().title());

    file("T-1.md", read("T-1.md").replace("title: before", "title: after"));

    assertEquals("after", tracker.find("T-1").orElseThrow().title());
    assertEquals("after", tracker.readBatch().get("T-1").title());
  }

  @Test
  void findReturnsEmptyForAnUnknownOrUnsafeId() throws IOException {
    Files.createDirectories(dir.resolve("sub"));
    file("sub/X.md", ticketFile("X", ""));

    assertTrue(tracker().find("T-404").isEmpty());
    assertTrue(tracker().find("sub/X").isEmpty());
    assertTrue(tracker().find("../x").isEmpty());
  }

  @Test
  void writesLeaveNoTemporaryFilesBehind() throws IOException {
    MarkdownTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("one").build());
    tracker.comment(t.id(), "hello");
    tracker.transition(t.id(), Status.DONE, "verified");

    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(Set.of(".loop.lock", "T-1.md"),
          files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
  }

  // --- create ---

  @Test
  void createNumbersTicketsAfterTheHighestNumberInUse() throws IOException {
    file("T-7.md", ticketFile("T-7", ""));
    file("OTHER-99.md", ticketFile("OTHER-99", ""));
    MarkdownTracker tracker = tracker();

    Ticket created = tracker.create(NewTicket.builder("next").build());

    assertEquals("T-8", created.id());
    assertEquals(NOW, created.createdAt());
    assertEquals(Status.OPEN, created.status());
    assertEquals(created, tracker.find("T-8").orElseThrow());
  }

  @Test
  void createUsesTheConfiguredPrefix() {
    MarkdownTracker tracker = MarkdownTracker.builder(dir).idPrefix("LOOP").build();

    assertEquals("LOOP-1", tracker.create(NewTicket.builder("a").build()).id());
    assertEquals("LOOP-2", tracker.create(NewTicket.builder("b").build()).id());
  }

  @Test
  void createUsesTheRequestedIdWhenFreeAndANumberedIdWhenTaken() {
    MarkdownTracker tracker = tracker();

    Ticket first = tracker.create(NewTicket.builder("a").requestedId("login-page").build());
    Ticket second = tracker.create(NewTicket.builder("b").requestedId("Login-Page").build());

    assertEquals("login-page", first.id());
    assertEquals("T-1", second.id());
  }

  @Test
  void createWithTheSameIdempotencyKeyFilesOnceAndReturnsTheTicketAsItIsNow() {
    MarkdownTracker tracker = tracker();
    NewTicket draft = NewTicket.builder("discovered").idempotencyKey("run-1/T-9/discovered").build();

    Ticket first = tracker.create(draft);
    tracker.transition(first.id(), Status.IN_PROGRESS, "started");
    Ticket again = tracker.create(draft);

    assertEquals(first.id(), again.id());
    assertEquals(Status.IN_PROGRESS, again.status());
    assertEquals("run-1/T-9/discovered", again.metadata().get("idempotency-key"));
    assertEquals(1, tracker.readBatch().size());
  }

  @Test
  void createFindsAKeyInAFileAPersonWrote() throws IOException {
    file("T-5.md", ticketFile("T-5", "metadata:\n  idempotency-key: k-1\n"));

    Ticket t = tracker().create(NewTicket.builder("x").idempotencyKey("k-1").build());

    assertEquals("T-5", t.id());
  }

  @Test
  void createWithADependencyOnAnUnknownIdIsAnInputErrorAndFilesNothing() {
    MarkdownTracker tracker = tracker();

    InputException e = assertThrows(InputException.class,
        () -> tracker.create(NewTicket.builder("x").addDependency(Dependency.blockedBy("T-404")).build()));

    assertTrue(e.getMessage().contains("T-404"), e.getMessage());
    assertEquals(0, tracker.readBatch().size());
  }

  // --- updates ---

  @Test
  void transitionSetsTheStatusAndLogsTheNote() {
    MarkdownTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("x").build());

    tracker.transition(t.id(), Status.DONE, "verified: mvn verify exit 0");

    Ticket after = tracker.find(t.id()).orElseThrow();
    assertEquals(Status.DONE, after.status());
    assertEquals(List.of(new Comment(NOW, "loop", "verified: mvn verify exit 0")), after.comments());
  }

  @Test
  void transitionToTheCurrentStatusLeavesTheFileUntouched() throws IOException {
    MarkdownTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("x").build());
    String before = read(t.id() + ".md");

    tracker.transition(t.id(), Status.OPEN, "again");

    assertEquals(before, read(t.id() + ".md"));
  }

  @Test
  void transitionWithABlankNoteLogsNothing() {
    MarkdownTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("x").build());

    tracker.transition(t.id(), Status.CANCELLED, "  ");

    assertEquals(List.of(), tracker.find(t.id()).orElseThrow().comments());
  }

  @Test
  void commentsAppendInOrderWithTheConfiguredAuthor() {
    MarkdownTracker tracker = MarkdownTracker.builder(dir).clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .author("night-run").build();
    Ticket t = tracker.create(NewTicket.builder("x").build());

    tracker.comment(t.id(), "first");
    tracker.comment(t.id(), "second\nwith two lines");

    assertEquals(List.of(new Comment(NOW, "night-run", "first"), new Comment(NOW, "night-run",
        "second\nwith two lines")), tracker.find(t.id()).orElseThrow().comments());
  }

  @Test
  void updatingAnUnknownTicketIsAnInputErrorNamingIt() {
    MarkdownTracker tracker = tracker();

    InputException e = assertThrows(InputException.class, () -> tracker.comment("T-404", "hi"));

    assertTrue(e.getMessage().contains("T-404"), e.getMessage());
    assertThrows(InputException.class, () -> tracker.transition("T-404", Status.DONE, "x"));
    assertThrows(InputException.class, () -> tracker.claim("../T-404", "me"));
  }

  @Test
  void addDependencyAddsAnEdgeOnce() {
    MarkdownTracker tracker = tracker();
    Ticket a = tracker.create(NewTicket.builder("a").build());
    Ticket b = tracker.create(NewTicket.builder("b").build());

    tracker.addDependency(b.id(), Dependency.blockedBy(a.id()));
    tracker.addDependency(b.id(), Dependency.blockedBy(a.id()));

    assertEquals(List.of(Dependency.blockedBy(a.id())), tracker.find(b.id()).orElseThrow().dependencies());
  }

  @Test
  void addDependencyOnAnUnknownTicketIsAnInputError() {
    MarkdownTracker tracker = tracker();
    Ticket a = tracker.create(NewTicket.builder("a").build());

    InputException e = assertThrows(InputException.class,
        () -> tracker.addDependency(a.id(), new Dependency(DependencyType.RELATED, "T-404")));

    assertTrue(e.getMessage().contains("T-404"), e.getMessage());
    assertEquals(List.of(), tracker.find(a.id()).orElseThrow().dependencies());
  }

  @Test
  void claimWinsOnceForAnOpenTicket() {
    MarkdownTracker tracker = tracker();
    Ticket t = tracker.create(NewTicket.builder("x").build());

    assertTrue(tracker.claim(t.id(), "worker-1"));
    assertFalse(tracker.claim(t.id(), "worker-2"));

    Ticket after = tracker.find(t.id()).orElseThrow();
    assertEquals(Status.IN_PROGRESS, after.status());
    assertEquals(List.of(new Comment(NOW, "loop", "claimed by worker-1")), after.comments());
  }

  @Test
  void trackersOnOneFolderInOneJvmShareTheLock() throws Exception {
    List<MarkdownTracker> trackers = List.of(tracker(), tracker(), tracker(), tracker());
    ExecutorService pool = Executors.newFixedThreadPool(trackers.size());
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Ticket>> results = new ArrayList<>();
      for (MarkdownTracker tracker : trackers) {
        Callable<Ticket> create = () -> {
          start.await();
          Ticket shared = tracker.create(NewTicket.builder("shared").idempotencyKey("shared").build());
          tracker.create(NewTicket.builder("own").build());
          tracker.comment(shared.id(), "seen");
          return shared;
        };
        results.add(pool.submit(create));
      }
      start.countDown();
      for (Future<Ticket> f : results) {
        assertEquals("T-1", f.get().id());
      }
    } finally {
      pool.shutdownNow();
    }

    Batch batch = tracker().readBatch();
    assertEquals(1 + trackers.size(), batch.size());
    assertEquals(trackers.size(), batch.get("T-1").comments().size());
  }

  // --- bad input: each names the file, the field and what was expected ---

  private InputException badBatch(String fileName, String text) throws IOException {
    file(fileName, text);
    return assertThrows(InputException.class, () -> tracker().readBatch());
  }

  private static void assertMentions(InputException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
  }

  @Test
  void invalidYamlNamesTheFileAndLine() throws IOException {
    InputException e = badBatch("T-1.md", "---\nid: T-1\ntitle: [unclosed\nstatus: open\n---\n");

    assertMentions(e, "T-1.md", "invalid YAML", "line ");
  }

  @Test
  void anUnknownStatusNamesTheFieldAndTheStatusesExpected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "status: doing\n"));

    assertMentions(e, "T-1.md", "field 'status'", "line 4", "'doing'", "in-progress");
  }

  @Test
  void aPriorityOutsideZeroToFourIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "priority: high\n"));
    assertMentions(e, "T-1.md", "field 'priority'", "'high'", "0 (highest) to 4");

    file("T-1.md", ticketFile("T-1", "priority: 5\n"));
    assertMentions(assertThrows(InputException.class, () -> tracker().readBatch()), "field 'priority'", "'5'");
  }

  @Test
  void aDependencyOnAnIdNoFileHoldsIsRejectedByReadBatch() throws IOException {
    file("T-1.md", ticketFile("T-1", "depends_on:\n  - blocks:T-2\n"));

    InputException e = assertThrows(InputException.class, () -> tracker().readBatch());

    assertMentions(e, "T-1.md", "field 'depends_on'", "T-2", "expected the id of a ticket in the folder");
    assertEquals("T-1", tracker().find("T-1").orElseThrow().id());
  }

  @Test
  void aDependencyOfUnknownTypeIsRejected() throws IOException {
    file("T-2.md", ticketFile("T-2", ""));
    InputException e = badBatch("T-1.md", ticketFile("T-1", "depends_on:\n  - {id: T-2, type: waits}\n"));

    assertMentions(e, "T-1.md", "field 'depends_on'", "'waits'", "parent-child");
  }

  @Test
  void aDuplicateIdNamesBothFiles() throws IOException {
    file("T-1.md", ticketFile("T-1", ""));
    InputException e = badBatch("copy.md", ticketFile("T-1", ""));

    assertMentions(e, "copy.md", "T-1.md", "duplicate id 'T-1'");
  }

  @Test
  void idsDifferingOnlyInLetterCaseAreDuplicates() throws IOException {
    file("T-1.md", ticketFile("T-1", ""));
    InputException e = badBatch("t-1.md", ticketFile("t-1", ""));

    assertMentions(e, "duplicate id", "letter case");
  }

  @Test
  void anIdThatDiffersFromTheFileNameIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-2", ""));

    assertMentions(e, "T-1.md", "field 'id'", "'T-2' differs from the file name", "expected id: T-1");
    assertThrows(InputException.class, () -> tracker().find("T-1"));
  }

  @Test
  void aMissingIdIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", "---\ntitle: no id\n---\n");

    assertMentions(e, "T-1.md", "missing field 'id'");
  }

  @Test
  void aMissingOrBlankTitleIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", "---\nid: T-1\n---\n");
    assertMentions(e, "T-1.md", "missing field 'title'");

    file("T-1.md", "---\nid: T-1\ntitle: '  '\n---\n");
    assertMentions(assertThrows(InputException.class, () -> tracker().readBatch()), "field 'title'", "blank");
  }

  @Test
  void anInvalidIdIsRejectedNamingTheField() throws IOException {
    InputException e = badBatch("x.md", "---\nid: 'has space'\ntitle: t\n---\n");

    assertMentions(e, "x.md", "field 'id'", "'has space'");
  }

  @Test
  void anUnknownFieldIsRejectedRatherThanDroppedOnTheNextWrite() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "assignee: bob\n"));

    assertMentions(e, "T-1.md", "field 'assignee'", "metadata");
  }

  @Test
  void aFieldGivenTwiceIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "status: open\nstatus: done\n"));

    assertMentions(e, "T-1.md", "field 'status'", "twice");
  }

  @Test
  void aWronglyShapedFieldIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "labels:\n  a: b\n"));
    assertMentions(e, "T-1.md", "field 'labels'", "expected a list");

    file("T-1.md", ticketFile("T-1", "metadata:\n  nested:\n    - x\n"));
    assertMentions(assertThrows(InputException.class, () -> tracker().readBatch()), "field 'metadata'",
        "'nested'", "expected text");

    file("T-1.md", ticketFile("T-1", "status:\n  - open\n"));
    assertMentions(assertThrows(InputException.class, () -> tracker().readBatch()), "field 'status'",
        "expected a single value");
  }

  @Test
  void aBadCreatedInstantIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "created: yesterday\n"));

    assertMentions(e, "T-1.md", "field 'created'", "'yesterday'", "ISO-8601");
  }

  @Test
  void unclosedFrontMatterIsRejected() throws IOException {
    InputException e = badBatch("T-1.md", "---\nid: T-1\ntitle: t\n");

    assertMentions(e, "T-1.md", "never closed");
  }

  @Test
  void aMalformedLogEntryNamesItsLine() throws IOException {
    InputException e = badBatch("T-1.md", ticketFile("T-1", "") + "\n## Log\n\n- yesterday loop\n  hi\n");
    assertMentions(e, "T-1.md", "'## Log' (line 10)", "'yesterday' is not an instant");

    file("T-1.md", ticketFile("T-1", "") + "\n## Log\n\nfree text\n");
    assertMentions(assertThrows(InputException.class, () -> tracker().readBatch()), "(line 10)",
        "'free text'", "indented by two spaces");
  }

  @Test
  void builderRejectsABadPrefixOrAuthor() {
    MarkdownTracker.Builder b = MarkdownTracker.builder(dir);

    assertMentions(assertThrows(InputException.class, () -> b.idPrefix("../x")), "'../x'");
    assertMentions(assertThrows(InputException.class, () -> b.author("two\nlines")), "single line");
  }
}

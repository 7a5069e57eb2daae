package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Tracker} must show, as JUnit 5 tests. An adapter author extends this class in
 * their test sources and implements {@link #newTracker()}:
 *
 * <pre>{@code
 * class MyTrackerContractTest extends TrackerContract {
 *   @Override
 *   protected Tracker newTracker() {
 *     return new MyTracker(freshProjectForThisTest());
 *   }
 * }
 * }</pre>
 *
 * <p>Tickets are seeded only through {@link Tracker#create}, never with ids chosen by the test, so adapters
 * whose system assigns its own ids (GitHub issue numbers, Jira keys) run the contract unchanged: every test
 * uses the ids that {@code create} returned. The contract therefore assumes that a created ticket belongs to
 * the tracker's batch, and that an adapter may add metadata of its own and decorate comment text (it checks
 * that the draft's metadata and each note are contained, not that they are all there is).
 *
 * <p>Three optional hooks make the contract stronger where the adapter can support them, and skip (as JUnit
 * assumptions) the tests that need them otherwise: {@link #otherBatchOnSameStore()} (batch isolation),
 * {@link #reopenedTracker()} (a resumed process finds what the crashed one filed) and
 * {@link #loseTheAnswerToTheNextStatusChange()} (a transition repeated after a lost answer is recorded once).
 *
 * <p>The concurrency tests call the tracker from {@link #threads()} threads at once; a tracker must be
 * thread-safe (see {@link Tracker}). They wait at most {@link #timeoutSeconds()} for the threads, a guard
 * against a deadlock, not a timing assertion.
 */
public abstract class TrackerContract {
  private Tracker tracker;

  /**
   * A new tracker for one test, whose batch holds no tickets. Called once before each test, on the test
   * thread; the tracker must not share tickets with the tracker of another test.
   *
   * @return the tracker under test
   * @throws Exception if it cannot be set up; the test then errors
   */
  protected abstract Tracker newTracker() throws Exception;

  /**
   * An id the tracker under test certainly does not hold; override if this one could exist.
   *
   * @return by default {@code contract-missing-404}
   */
  protected String unknownId() {
    return "contract-missing-404";
  }

  /**
   * How many threads the concurrency tests use; lower it for a rate-limited service.
   *
   * @return by default 8
   */
  protected int threads() {
    return 8;
  }

  /**
   * The most the concurrency tests wait for their threads before failing.
   *
   * @return seconds; by default 60
   */
  protected long timeoutSeconds() {
    return 60;
  }

  @BeforeEach
  final void openTracker() throws Exception {
    tracker = newTracker();
  }

  /**
   * The tracker of the current test.
   *
   * @return what {@link #newTracker()} returned before this test
   */
  protected final Tracker tracker() {
    return tracker;
  }

  private Ticket create(String title) {
    return tracker.create(NewTicket.builder(title).build());
  }

  private Ticket ticket(String id) {
    return tracker.find(id).orElseThrow(() -> new AssertionError("find(" + id + ") is empty after it was created"));
  }

  private static void assertHasDraftFields(NewTicket draft, Ticket t) {
    assertEquals(draft.title(), t.title(), "title of " + t.id());
    assertEquals(draft.body(), t.body(), "body of " + t.id());
    assertEquals(draft.acceptanceCriteria(), t.acceptanceCriteria(), "acceptance criteria of " + t.id());
    assertEquals(draft.priority(), t.priority(), "priority of " + t.id());
    assertEquals(new HashSet<>(draft.labels()), new HashSet<>(t.labels()), "labels of " + t.id());
    assertEquals(draft.resources(), t.resources(), "resources of " + t.id());
    assertEquals(new HashSet<>(draft.dependencies()), new HashSet<>(t.dependencies()), "dependencies of " + t.id());
    for (Map.Entry<String, String> e : draft.metadata().entrySet()) {
      assertEquals(e.getValue(), t.metadata().get(e.getKey()), "metadata '" + e.getKey() + "' of " + t.id());
    }
  }

  private static NewTicket richDraft(String title, List<Dependency> dependencies) {
    return NewTicket.builder(title)
        .body("Steps:\n\n1. reproduce\n2. fix\n\n`code` and **bold**")
        .acceptanceCriteria(List.of("mvn -B verify passes", "GET /health answers 200"))
        .priority(1)
        .labels(List.of("backend", "contract"))
        .resources(Set.of("merge"))
        .dependencies(dependencies)
        .metadata(Map.of("origin", "contract-test"))
        .build();
  }

  @Test
  void readBatchReturnsEveryCreatedTicketWithItsFieldsIntact() {
    NewTicket first = richDraft("first", List.of());
    Ticket a = tracker.create(first);
    NewTicket second = NewTicket.builder("second").priority(4).build();
    Ticket b = tracker.create(second);
    NewTicket third = richDraft("third", List.of(Dependency.blockedBy(a.id()), Dependency.relatedTo(b.id())));
    Ticket c = tracker.create(third);

    Batch batch = tracker.readBatch();

    assertEquals(3, batch.size(), "tickets in " + batch);
    assertHasDraftFields(first, batch.get(a.id()));
    assertHasDraftFields(second, batch.get(b.id()));
    assertHasDraftFields(third, batch.get(c.id()));
    assertEquals(Status.OPEN, batch.get(c.id()).status());
  }

  @Test
  void findReturnsAKnownTicketAndEmptyForAnUnknownId() {
    Ticket t = create("known");

    assertEquals(t.id(), ticket(t.id()).id());
    assertEquals("known", ticket(t.id()).title());
    assertTrue(tracker.find(unknownId()).isEmpty(), "find(" + unknownId() + ")");
  }

  @Test
  void createReturnsAnOpenTicketWithTheDraftsFields() {
    Ticket blocker = create("blocker");
    NewTicket draft = richDraft("rich", List.of(Dependency.blockedBy(blocker.id())));

    Ticket t = tracker.create(draft);

    assertEquals(Status.OPEN, t.status());
    assertHasDraftFields(draft, t);
    assertHasDraftFields(draft, ticket(t.id()));
  }

  @Test
  void createWithTheSameIdempotencyKeyTwiceFilesOnceAndReturnsTheSameTicket() {
    NewTicket draft = NewTicket.builder("discovered").idempotencyKey("contract/run-1/discovered").build();

    Ticket first = tracker.create(draft);
    Ticket second = tracker.create(draft);

    assertEquals(first.id(), second.id());
    assertEquals(1, tracker.readBatch().size());
  }

  @Test
  void createWithoutAnIdempotencyKeyFilesEveryTime() {
    Ticket first = create("same title");
    Ticket second = create("same title");

    assertFalse(first.id().equals(second.id()), "two creates without a key gave one id " + first.id());
    assertEquals(2, tracker.readBatch().size());
  }

  @Test
  void createWithADependencyOnAnUnknownIdIsAnInputException() {
    NewTicket draft = NewTicket.builder("orphan").addDependency(Dependency.blockedBy(unknownId())).build();

    assertThrows(InputException.class, () -> tracker.create(draft));
    assertEquals(0, tracker.readBatch().size());
  }

  @Test
  void addDependencyAddsAnEdgeOnce() {
    Ticket blocker = create("blocker");
    Ticket blocked = create("blocked");

    tracker.addDependency(blocked.id(), Dependency.blockedBy(blocker.id()));
    tracker.addDependency(blocked.id(), Dependency.blockedBy(blocker.id()));

    assertEquals(List.of(Dependency.blockedBy(blocker.id())), ticket(blocked.id()).dependencies());
    assertEquals(List.of(), ticket(blocker.id()).dependencies());
  }

  @Test
  void addDependencyOnAnUnknownIdIsAnInputException() {
    Ticket t = create("holder");

    assertThrows(InputException.class, () -> tracker.addDependency(t.id(), Dependency.blockedBy(unknownId())));
    assertThrows(InputException.class, () -> tracker.addDependency(unknownId(), Dependency.blockedBy(t.id())));
    assertEquals(List.of(), ticket(t.id()).dependencies());
  }

  @Test
  void transitionChangesTheStatusAndRecordsTheNoteAsAComment() {
    Ticket t = create("to finish");

    tracker.transition(t.id(), Status.DONE, "verified: command 'mvn -B verify' exited 0");

    Ticket after = ticket(t.id());
    assertEquals(Status.DONE, after.status());
    assertEquals(1, after.comments().size(), "comments " + after.comments());
    assertTrue(after.comments().get(0).body().contains("verified: command 'mvn -B verify' exited 0"),
        "comment " + after.comments().get(0));
  }

  @Test
  void transitionToTheSameStatusIsANoOp() {
    Ticket t = create("gated");
    tracker.transition(t.id(), Status.HUMAN_GATED, "needs a person: credentials expired");

    tracker.transition(t.id(), Status.HUMAN_GATED, "needs a person: credentials expired");

    Ticket after = ticket(t.id());
    assertEquals(Status.HUMAN_GATED, after.status());
    assertEquals(1, after.comments().size(), "comments " + after.comments());
  }

  @Test
  void transitionOfAnUnknownTicketIsAnInputException() {
    assertThrows(InputException.class, () -> tracker.transition(unknownId(), Status.DONE, "done"));
  }

  @Test
  void commentsAppendInOrder() {
    Ticket t = create("discussed");

    tracker.comment(t.id(), "attempt 1 failed: test X");
    tracker.comment(t.id(), "attempt 2 failed: test Y");
    tracker.comment(t.id(), "reviewer: rename the method");

    List<Comment> comments = ticket(t.id()).comments();
    assertEquals(3, comments.size(), "comments " + comments);
    assertTrue(comments.get(0).body().contains("attempt 1 failed: test X"), comments.toString());
    assertTrue(comments.get(1).body().contains("attempt 2 failed: test Y"), comments.toString());
    assertTrue(comments.get(2).body().contains("reviewer: rename the method"), comments.toString());
  }

  @Test
  void claimSucceedsOnceForAnOpenTicketAndFailsForASecondClaimer() {
    Ticket t = create("contested");

    assertTrue(tracker.claim(t.id(), "worker-1"));
    assertFalse(tracker.claim(t.id(), "worker-2"));
    assertEquals(Status.IN_PROGRESS, ticket(t.id()).status());
  }

  @Test
  void claimFailsForATicketThatIsNotOpen() {
    Ticket t = create("finished");
    tracker.transition(t.id(), Status.DONE, "verified");

    assertFalse(tracker.claim(t.id(), "worker-1"));
    assertEquals(Status.DONE, ticket(t.id()).status());
  }

  @Test
  void concurrentClaimsOfOneTicketHaveExactlyOneWinner() throws Exception {
    Ticket t = create("raced");

    List<Boolean> wins = runConcurrently(i -> tracker.claim(t.id(), "worker-" + i));

    assertEquals(1, wins.stream().filter(w -> w).count(), "winners among " + wins);
    assertEquals(Status.IN_PROGRESS, ticket(t.id()).status());
  }

  @Test
  void concurrentCreatesWithTheSameKeyFileOnce() throws Exception {
    NewTicket draft = NewTicket.builder("filed once").idempotencyKey("contract/concurrent").build();

    List<Ticket> created = runConcurrently(i -> tracker.create(draft));

    Set<String> ids = new HashSet<>();
    created.forEach(t -> ids.add(t.id()));
    assertEquals(1, ids.size(), "ids returned " + ids);
    assertEquals(1, tracker.readBatch().size());
  }

  @Test
  void concurrentTransitionsOnDifferentTicketsLoseNothing() throws Exception {
    List<Ticket> tickets = new ArrayList<>();
    for (int i = 0; i < threads(); i++) {
      tickets.add(create("parallel " + i));
    }

    runConcurrently(i -> {
      String id = tickets.get(i).id();
      tracker.transition(id, Status.IN_PROGRESS, "started " + i);
      tracker.comment(id, "progress " + i);
      tracker.transition(id, Status.DONE, "verified " + i);
      return id;
    });

    Batch batch = tracker.readBatch();
    assertEquals(threads(), batch.size());
    for (int i = 0; i < threads(); i++) {
      Ticket t = batch.get(tickets.get(i).id());
      assertEquals(Status.DONE, t.status(), t.toString());
      assertEquals(3, t.comments().size(), "comments of " + t + ": " + t.comments());
      assertTrue(t.comments().get(2).body().contains("verified " + i), t.comments().toString());
    }
  }

  // ---- batch isolation, crash and retry, bad targets, round trips ----

  /**
   * A second tracker on the same backing store as {@link #tracker()} but bound to another batch (another label
   * of the same repository, another JQL query of the same site), whose batch holds no tickets; empty (the
   * default) when the adapter cannot express two batches on one store, and the isolation tests are skipped.
   * Called at most once per test, after {@link #newTracker()}.
   *
   * @return the second tracker, or empty
   * @throws Exception if it cannot be set up; the test then errors
   */
  protected Optional<Tracker> otherBatchOnSameStore() throws Exception {
    return Optional.empty();
  }

  /**
   * A new tracker instance for the same batch on the same store as {@link #tracker()}, sharing no memory with
   * it: what a process resuming after a crash builds. Empty (the default) when the tickets live only in the
   * first instance's memory, and the tests that need it are skipped.
   *
   * @return the new instance, or empty
   * @throws Exception if it cannot be set up; the test then errors
   */
  protected Optional<Tracker> reopenedTracker() throws Exception {
    return Optional.empty();
  }

  /**
   * Arranges that the backing store applies the next status change {@link #tracker()} sends but that its answer
   * never arrives (a connection dropped after the request was served), and returns true; returns false (the
   * default) when the adapter's test cannot arrange it, and the contract then only repeats the call, as an
   * engine retrying after a timeout would.
   *
   * @return true if the next status change's answer will be lost
   * @throws Exception if arranging it fails; the test then errors
   */
  protected boolean loseTheAnswerToTheNextStatusChange() throws Exception {
    return false;
  }

  private static Tracker present(Optional<Tracker> tracker, String hook) {
    assumeTrue(tracker.isPresent(), hook + " is not implemented by this adapter's test");
    return tracker.get();
  }

  private static Set<String> ids(Batch batch) {
    Set<String> out = new HashSet<>();
    batch.tickets().forEach(t -> out.add(t.id()));
    return out;
  }

  @Test
  void twoBatchesOnOneStoreNeverSeeEachOthersTickets() throws Exception {
    Tracker other = present(otherBatchOnSameStore(), "otherBatchOnSameStore()");
    Ticket mine = create("in this batch");
    Ticket theirs = other.create(NewTicket.builder("in the other batch").build());

    assertEquals(Set.of(mine.id()), ids(tracker.readBatch()), "this batch");
    assertEquals(Set.of(theirs.id()), ids(other.readBatch()), "the other batch");
    assertEquals(Set.of(mine.id()), ids(Batch.of(tracker.changesSince("").tickets())), "a first changesSince read");
    assertEquals(List.of(), tracker.tickets(Status.DONE));
  }

  @Test
  void anIdempotencyKeyUsedInAnotherBatchFilesTheTicketInThisBatch() throws Exception {
    Tracker other = present(otherBatchOnSameStore(), "otherBatchOnSameStore()");
    NewTicket draft = NewTicket.builder("same key, two batches").idempotencyKey("contract/shared-key").build();
    Ticket theirs = other.create(draft);

    Ticket mine = tracker.create(draft);

    assertEquals(Set.of(mine.id()), ids(tracker.readBatch()), "this batch after creating " + mine);
    assertEquals(Set.of(theirs.id()), ids(other.readBatch()), "the other batch");
  }

  @Test
  void aReopenedTrackerReturnsTheTicketFiledBeforeUnderTheSameKey() throws Exception {
    NewTicket draft = richDraft("filed before the crash", List.of()).toBuilder()
        .idempotencyKey("contract/run-1/resume").build();
    Ticket before = tracker.create(draft);
    Tracker resumed = present(reopenedTracker(), "reopenedTracker()");

    Ticket after = resumed.create(draft);

    assertEquals(before.id(), after.id());
    assertHasDraftFields(draft, after);
    assertEquals(Set.of(before.id()), ids(resumed.readBatch()));
  }

  @Test
  void aReopenedTrackerReadsEveryTicketExactlyAsTheFirstOne() throws Exception {
    Ticket a = tracker.create(richDraft("durable", List.of()));
    tracker.create(richDraft("durable too", List.of(Dependency.blockedBy(a.id()), Dependency.relatedTo(a.id()))));
    tracker.transition(a.id(), Status.HUMAN_GATED, "needs a person: a secret expired");
    Tracker resumed = present(reopenedTracker(), "reopenedTracker()");

    Batch first = tracker.readBatch();
    Batch second = resumed.readBatch();

    assertEquals(ids(first), ids(second));
    for (Ticket t : first.tickets()) {
      assertEquals(t, second.get(t.id()), "ticket " + t.id() + " as the reopened tracker reads it");
    }
  }

  @Test
  void concurrentCreatesWithSeveralKeysFileEachKeyOnce() throws Exception {
    int keys = Math.min(3, threads());

    List<Ticket> created = runConcurrently(i -> tracker.create(NewTicket.builder("keyed " + (i % keys))
        .idempotencyKey("contract/keyed/" + (i % keys)).build()));

    Map<String, String> idByTitle = new java.util.HashMap<>();
    for (Ticket t : created) {
      String earlier = idByTitle.putIfAbsent(t.title(), t.id());
      assertTrue(earlier == null || earlier.equals(t.id()), "'" + t.title() + "' filed as " + earlier + " and "
          + t.id());
    }
    assertEquals(keys, idByTitle.size(), "titles returned " + idByTitle);
    assertEquals(new HashSet<>(idByTitle.values()), ids(tracker.readBatch()));
  }

  @Test
  void aTransitionRepeatedAfterItsAnswerWasLostRecordsItOnce() throws Exception {
    Ticket t = create("answer lost");
    String note = "verified: probe GET /health answered 200";
    boolean lost = loseTheAnswerToTheNextStatusChange();

    try {
      tracker.transition(t.id(), Status.DONE, note);
    } catch (LoopException e) {
      if (!lost) {
        throw e;
      }
      // the answer was lost and the adapter said so: the engine repeats the call, as below
    }
    tracker.transition(t.id(), Status.DONE, note);

    Ticket after = ticket(t.id());
    assertEquals(Status.DONE, after.status());
    assertEquals(1, after.comments().stream().filter(c -> c.body().contains(note)).count(),
        "comments " + after.comments());
  }

  @Test
  void unknownDependencyTargetsAreInputExceptionsNamingTheId() {
    Ticket holder = create("holder");
    String unknown = unknownId();

    for (Dependency d : List.of(Dependency.blockedBy(unknown), Dependency.childOf(unknown),
        Dependency.relatedTo(unknown), Dependency.discoveredFrom(unknown))) {
      InputException onCreate = assertThrows(InputException.class,
          () -> tracker.create(NewTicket.builder("orphan " + d.type().wireName()).addDependency(d).build()));
      assertTrue(String.valueOf(onCreate.getMessage()).contains(unknown), "create with " + d + ": "
          + onCreate.getMessage());
      InputException onAdd = assertThrows(InputException.class, () -> tracker.addDependency(holder.id(), d));
      assertTrue(String.valueOf(onAdd.getMessage()).contains(unknown), "addDependency " + d + ": "
          + onAdd.getMessage());
    }
    InputException unknownHolder = assertThrows(InputException.class,
        () -> tracker.addDependency(unknown, Dependency.blockedBy(holder.id())));
    assertTrue(String.valueOf(unknownHolder.getMessage()).contains(unknown), unknownHolder.getMessage());
    assertEquals(Set.of(holder.id()), ids(tracker.readBatch()));
    assertEquals(List.of(), ticket(holder.id()).dependencies());
  }

  @Test
  void everyFieldOfATicketRoundTripsThroughCreateFindAndReadBatch() {
    Ticket blocker = create("blocker");
    Ticket parent = create("parent");
    Ticket related = create("related");
    Ticket origin = create("origin");
    NewTicket draft = NewTicket.builder("Ünïcode title: <tags> & \"quotes\" stay")
        .body("First paragraph.\n\n- a bullet\n- another\n\nLast line with `code`.")
        .acceptanceCriteria(List.of("mvn -B verify passes", "the report lists 3 tickets"))
        .priority(0)
        .labels(List.of("backend", "round-trip"))
        .resources(Set.of("merge", "infra-apply"))
        .dependencies(List.of(Dependency.blockedBy(blocker.id()), Dependency.childOf(parent.id()),
            Dependency.relatedTo(related.id()), Dependency.discoveredFrom(origin.id())))
        .metadata(Map.of("origin", "contract-test", "run", "run-7"))
        .build();

    Ticket created = tracker.create(draft);
    tracker.comment(created.id(), "attempt 1 failed: test X");
    Ticket found = ticket(created.id());
    Ticket read = tracker.readBatch().get(created.id());

    assertHasDraftFields(draft, created);
    assertHasDraftFields(draft, found);
    assertEquals(found, read, "find and readBatch disagree on " + created.id());
    assertEquals(created.createdAt(), found.createdAt(), "createdAt of " + created.id());
    assertEquals(1, found.comments().size(), "comments " + found.comments());
    assertFalse(found.comments().get(0).author().isBlank(), "author of " + found.comments().get(0));
    NewTicket bare = NewTicket.builder("bare").priority(4).build();
    Ticket plain = tracker.create(bare);
    assertHasDraftFields(bare, ticket(plain.id()));
    assertEquals(ticket(plain.id()), tracker.readBatch().get(plain.id()));
  }

  @Test
  void everyStatusRoundTripsThroughFindAndReadBatch() {
    Ticket t = create("travelling");

    for (Status to : List.of(Status.IN_PROGRESS, Status.HUMAN_GATED, Status.OPEN, Status.DONE, Status.CANCELLED,
        Status.DONE, Status.OPEN)) {
      tracker.transition(t.id(), to, "moved to " + to.wireName());

      assertEquals(to, ticket(t.id()).status(), "find after the move to " + to);
      assertEquals(to, tracker.readBatch().get(t.id()).status(), "readBatch after the move to " + to);
    }
    assertEquals(7, ticket(t.id()).comments().size(), "comments " + ticket(t.id()).comments());
  }

  /** One task per thread, each receiving its index; all released at once. */
  private <T> List<T> runConcurrently(IndexedTask<T> task) throws Exception {
    int n = threads();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        Callable<T> call = () -> {
          start.await();
          return task.run(index);
        };
        futures.add(pool.submit(call));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(timeoutSeconds(), TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface IndexedTask<T> {
    T run(int index) throws Exception;
  }

  // ---- incremental reads ----
  // Tracker.changesSince may always answer with a full read: these tests accept one wherever it is given, and
  // check only that what a read says is true and that no change is lost between cursors.

  /**
   * Takes a ticket out of the tracker's batch the way its system would (a file deleted, the batch label
   * removed), behind the tracker's back; returns false, skipping the test of a vanished ticket, when the
   * adapter's test cannot. Called on the test thread.
   *
   * @param id a ticket the contract created in {@link #tracker()}'s batch
   * @return true if the ticket was taken out of the batch
   * @throws Exception if taking it out fails; the test then errors
   */
  protected boolean removeFromBatch(String id) throws Exception {
    return false;
  }

  private Ticket fileForIncrementalRead(String title) {
    return tracker().create(NewTicket.builder(title).build());
  }

  /** The ticket as a read reported it; fails if the read neither lists it nor is a full read listing it. */
  private static Ticket reported(dev.loopkit.core.BatchChanges changes, String id, String after) {
    for (Ticket t : changes.tickets()) {
      if (t.id().equals(id)) {
        return t;
      }
    }
    throw new AssertionError("changesSince after " + after + " does not list ticket " + id + " (full read: "
        + changes.full() + ", tickets " + changes.tickets() + ", removed " + changes.removed() + ")");
  }

  private static Set<String> idsOf(List<Ticket> tickets) {
    Set<String> ids = new java.util.LinkedHashSet<>();
    tickets.forEach(t -> ids.add(t.id()));
    return ids;
  }

  /** A view of the batch folded from reads, as an engine keeps one. */
  private static void fold(Map<String, Ticket> view, dev.loopkit.core.BatchChanges changes) {
    if (changes.full()) {
      view.clear();
    }
    changes.tickets().forEach(t -> view.put(t.id(), t));
    changes.removed().forEach(view::remove);
  }

  private static void assertSameState(Ticket expected, Ticket actual, String where) {
    assertEquals(expected.status(), actual.status(), "status of " + expected.id() + " " + where);
    assertEquals(expected.title(), actual.title(), "title of " + expected.id() + " " + where);
    assertEquals(new HashSet<>(expected.dependencies()), new HashSet<>(actual.dependencies()),
        "dependencies of " + expected.id() + " " + where);
    assertEquals(expected.comments().size(), actual.comments().size(), "comments of " + expected.id() + " " + where);
  }

  @Test
  void changesSinceTheEmptyCursorIsAFullReadOfTheWholeBatch() {
    Ticket a = fileForIncrementalRead("first");
    Ticket b = fileForIncrementalRead("second");

    dev.loopkit.core.BatchChanges changes = tracker().changesSince("");

    assertTrue(changes.full(), "the empty cursor asks for a full read, got " + changes);
    assertEquals(Set.of(a.id(), b.id()), idsOf(changes.tickets()));
    assertEquals(Set.of(), changes.removed());
  }

  @Test
  void changesSinceAfterATransitionListTheTicketInItsNewState() {
    Ticket t = fileForIncrementalRead("to finish");
    fileForIncrementalRead("bystander");
    dev.loopkit.core.BatchChanges before = tracker().changesSince("");

    tracker().transition(t.id(), Status.DONE, "verified: exit 0");
    Ticket after = reported(tracker().changesSince(before.cursor()), t.id(), "a transition");

    assertEquals(Status.DONE, after.status());
    assertTrue(after.comments().stream().anyMatch(c -> c.body().contains("verified: exit 0")), after.comments()
        .toString());
  }

  @Test
  void changesSinceAfterACommentListTheTicketWithTheComment() {
    Ticket t = fileForIncrementalRead("discussed");
    dev.loopkit.core.BatchChanges before = tracker().changesSince("");

    tracker().comment(t.id(), "reviewer: rename the method");
    Ticket after = reported(tracker().changesSince(before.cursor()), t.id(), "a comment");

    assertEquals(1, after.comments().size(), after.comments().toString());
    assertTrue(after.comments().get(0).body().contains("reviewer: rename the method"), after.comments().toString());
  }

  @Test
  void changesSinceAfterACreateListTheNewTicket() {
    fileForIncrementalRead("existing");
    dev.loopkit.core.BatchChanges before = tracker().changesSince("");

    Ticket filed = tracker().create(NewTicket.builder("discovered").priority(1).build());
    Ticket after = reported(tracker().changesSince(before.cursor()), filed.id(), "a create");

    assertEquals("discovered", after.title());
    assertEquals(Status.OPEN, after.status());
    assertEquals(1, after.priority());
  }

  @Test
  void changesSinceAfterAddDependencyListTheHolderWithTheEdge() {
    Ticket blocker = fileForIncrementalRead("blocker");
    Ticket blocked = fileForIncrementalRead("blocked");
    dev.loopkit.core.BatchChanges before = tracker().changesSince("");

    tracker().addDependency(blocked.id(), Dependency.blockedBy(blocker.id()));
    Ticket after = reported(tracker().changesSince(before.cursor()), blocked.id(), "addDependency");

    assertTrue(after.dependencies().contains(Dependency.blockedBy(blocker.id())), after.dependencies().toString());
  }

  @Test
  void aTicketThatLeftTheBatchIsReportedRemovedOrMissingFromAFullRead() throws Exception {
    Ticket stays = fileForIncrementalRead("stays");
    Ticket leaves = fileForIncrementalRead("leaves");
    dev.loopkit.core.BatchChanges before = tracker().changesSince("");
    org.junit.jupiter.api.Assumptions.assumeTrue(removeFromBatch(leaves.id()),
        "this adapter's test cannot take a ticket out of the batch");

    dev.loopkit.core.BatchChanges changes = tracker().changesSince(before.cursor());

    if (changes.full()) {
      assertEquals(Set.of(stays.id()), idsOf(changes.tickets()));
    } else {
      assertTrue(changes.removed().contains(leaves.id()), "removed " + changes.removed() + " after " + leaves.id()
          + " left the batch");
      assertFalse(idsOf(changes.tickets()).contains(leaves.id()), "tickets " + changes.tickets());
    }
  }

  @Test
  void readingAnUnchangedBatchAgainReportsNothingUntrue() {
    Ticket a = fileForIncrementalRead("open one");
    Ticket b = fileForIncrementalRead("done one");
    tracker().transition(b.id(), Status.DONE, "verified");
    dev.loopkit.core.BatchChanges first = tracker().changesSince("");
    Batch batch = tracker().readBatch();

    dev.loopkit.core.BatchChanges second = tracker().changesSince(first.cursor());
    dev.loopkit.core.BatchChanges third = tracker().changesSince(second.cursor());

    for (dev.loopkit.core.BatchChanges read : List.of(second, third)) {
      assertEquals(Set.of(), read.removed(), "removed ids of an unchanged batch");
      if (read.full()) {
        assertEquals(Set.of(a.id(), b.id()), idsOf(read.tickets()));
      }
      for (Ticket t : read.tickets()) {
        assertSameState(batch.get(t.id()), t, "in a read of an unchanged batch");
      }
    }
  }

  @Test
  void aCursorTheTrackerNeverIssuedGetsAFullRead() {
    Ticket a = fileForIncrementalRead("one");
    Ticket b = fileForIncrementalRead("two");

    for (String cursor : List.of("not-a-cursor-of-this-tracker", "0", ":", "cursor:99999999999999999999")) {
      dev.loopkit.core.BatchChanges changes = tracker().changesSince(cursor);
      assertTrue(changes.full(), "read for the cursor '" + cursor + "' is not a full read: " + changes);
      assertEquals(Set.of(a.id(), b.id()), idsOf(changes.tickets()), "read for the cursor '" + cursor + "'");
    }
  }

  @Test
  void foldingEveryReadGivesTheBatchThatAFullReadSees() {
    Map<String, Ticket> view = new java.util.HashMap<>();
    Ticket a = fileForIncrementalRead("a");
    dev.loopkit.core.BatchChanges read = tracker().changesSince("");
    fold(view, read);
    Ticket b = fileForIncrementalRead("b");
    read = tracker().changesSince(read.cursor());
    fold(view, read);
    tracker().transition(a.id(), Status.IN_PROGRESS, "started");
    tracker().addDependency(b.id(), Dependency.blockedBy(a.id()));
    read = tracker().changesSince(read.cursor());
    fold(view, read);
    tracker().comment(b.id(), "waiting on " + a.id());
    tracker().transition(a.id(), Status.DONE, "verified");
    Ticket c = fileForIncrementalRead("c");
    read = tracker().changesSince(read.cursor());
    fold(view, read);
    read = tracker().changesSince(read.cursor());
    fold(view, read);

    Batch batch = tracker().readBatch();
    assertEquals(Set.of(a.id(), b.id(), c.id()), view.keySet());
    assertEquals(batch.size(), view.size());
    for (Ticket t : batch.tickets()) {
      assertSameState(t, view.get(t.id()), "in the view folded from changesSince");
    }
  }
}

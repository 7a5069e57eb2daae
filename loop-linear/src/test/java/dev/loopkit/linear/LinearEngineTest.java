package dev.loopkit.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real engine driving a batch on the fake Linear, checked by the requests it made. */
class LinearEngineTest {
  static final String KEY = "lin_api_engineKeyNeverPrinted0000000000000";

  @TempDir Path dir;
  private final FakeLinear linear = new FakeLinear(KEY);
  private final RecordingListener events = new RecordingListener();

  LinearEngineTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    linear.close();
  }

  /** Writes {@code <id>.txt}: work a verifier can check. */
  private Worker writesFile() {
    return a -> {
      Files.writeString(dir.resolve(a.ticket().id() + ".txt"), "done by attempt " + a.attempt());
      return WorkResult.completed("wrote " + a.ticket().id() + ".txt", Usage.tokens(10, 5));
    };
  }

  private Verifier fileExists() {
    return r -> {
      Path f = dir.resolve(r.ticket().id() + ".txt");
      return Files.exists(f) ? Verification.passed(new Evidence("file", f.getFileName() + " exists", Map.of()))
          : Verification.failed(List.of("expected " + f.getFileName()), List.of());
    };
  }

  private LoopEngine.Builder engine(Tracker tracker, Worker worker) {
    return LoopEngine.builder().tracker(tracker).worker(worker).verifier(fileExists()).clock(new ManualClock())
        .listener(events).runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir))
        .caps(Caps.builder().maxConcurrency(1).build());
  }

  @Test
  void aBatchRunsToDoneWithOneBatchQueryPerReadAndAFewRequestsPerTicket() {
    FakeLinear.Issue schema = linear.seed("schema", "Todo", "loop:batch-1");
    FakeLinear.Issue api = linear.seed("api", "Backlog", "loop:batch-1");
    FakeLinear.Issue docs = linear.seed("docs", "Todo", "loop:batch-1");
    linear.relate(schema, "blocks", api);
    CountingTracker tracker = new CountingTracker(linear.tracker(KEY).build());

    RunResult result = engine(tracker, writesFile()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (FakeLinear.Issue i : List.of(schema, api, docs)) {
      assertEquals("Done", i.state().name(), i.identifier);
    }
    assertTrue(api.createdAt.isAfter(schema.createdAt));
    int passes = events.events(LoopEvent.PassStarted.class).size();
    List<FakeLinear.Seen> batchQueries = linear.seen("LoopBatch");
    assertEquals(tracker.reads.get(), batchQueries.size(), "exactly one batch query per read of three issues");
    Map<String, Integer> byOperation = new LinkedHashMap<>();
    linear.seen().forEach(s -> byOperation.merge(s.operation(), 1, Integer::sum));
    assertEquals(1, byOperation.get("LoopTeam"), "the team and its states are read once: " + byOperation);
    // per ticket: a claim (state read + transition) and the DONE transition (state read + transition, its
    // evidence comment in the same request); nothing is read per ticket otherwise
    assertTrue(List.of("LoopTeam", "LoopBatch", "LoopIssueState", "LoopTransition").containsAll(
        byOperation.keySet()), "requests over " + passes + " passes: " + byOperation);
    assertTrue(byOperation.get("LoopTransition") <= 2 * 3, "at most a claim and a DONE per ticket: " + byOperation);
    assertEquals(byOperation.get("LoopTransition"), byOperation.get("LoopIssueState"), "one read per move");
    long complexity = 0;
    for (FakeLinear.Seen s : batchQueries) {
      complexity = Math.max(complexity, Math.round(Math.ceil(FakeLinear.cost(s.document().fields))));
    }
    assertTrue(complexity < 10_000, "a batch query stays under Linear's single-query cap: " + complexity);
    for (FakeLinear.Issue i : List.of(schema, api, docs)) {
      List<FakeLinear.CommentRow> notes = linear.commentsOf(i);
      assertEquals(2, notes.size(), "the claim and the evidence: " + notes);
      assertTrue(notes.get(1).body().contains(i.identifier + ".txt exists"), notes.get(1).body());
    }
    Map<String, Long> costs = new LinkedHashMap<>();
    linear.seen().forEach(s -> costs.merge(s.operation(), Math.round(Math.ceil(FakeLinear.cost(s.document().fields))),
        Math::max));
    System.out.println("passes=" + passes + " requests=" + byOperation + " complexity by operation=" + costs
        + " batch page sizes=" + batchQueries.stream().map(q -> q.variables().get("first").asInt()).toList());
  }

  @Test
  void discoveredWorkFiledJustBeforeACrashIsNotFiledAgainOnResume() throws Exception {
    FakeLinear.Issue orders = linear.seed("migrate the orders table", "Todo", "loop:batch-1");
    AtomicReference<String> filed = new AtomicReference<>();
    // ENG-1 finds that it needs a migration first; once blocked by it (and it is done) it does its work
    Worker worker = a -> {
      if (!a.ticket().id().equals(orders.identifier)) {
        return writesFile().work(a);
      }
      if (a.ticket().dependencyTargets(DependencyType.BLOCKS).isEmpty()) {
        filed.set(a.discoveries().file(NewTicket.builder("add the missing migration").build(), true).id());
        return WorkResult.completed("found a missing migration", Usage.ZERO);
      }
      return writesFile().work(a);
    };
    Path run = dir.resolve("run");

    // first process: dies right after Linear filed the issue, before the journal heard of it
    DyingTracker dying = new DyingTracker(linear.tracker(KEY).build(), run);
    engine(dying, worker).build().run();
    assertNotNull(dying.runAtDeath, "the worker filed its discovery");
    dying.restore();
    assertEquals(2, linear.issues.size(), "Linear holds the discovered issue");

    // second process: same run directory, a tracker that remembers nothing
    RunResult resumed = engine(linear.tracker(KEY).build(), worker).build().run();

    assertInstanceOf(RunEnding.Done.class, resumed.ending());
    assertEquals(1, linear.seen("LoopCreate").size(), "filed exactly once");
    assertEquals(2, linear.issues.size());
    assertEquals("ENG-2", filed.get());
    FakeLinear.Issue migration = linear.issue("ENG-2");
    assertTrue(linear.relations.stream().anyMatch(r -> r.type().equals("blocks") && r.issueId().equals(migration.id)
        && r.relatedIssueId().equals(orders.id)), "the migration blocks the orders ticket: " + linear.relations);
    linear.issues.values().forEach(i -> assertEquals("Done", i.state().name(), i.identifier));
    List<LoopEvent.TicketDiscovered> discovered = events.events(LoopEvent.TicketDiscovered.class);
    assertEquals(1, discovered.size(), "journal of the resumed run: " + discovered);
    assertTrue(migration.description.contains("Discovered from " + orders.identifier), migration.description);
  }

  @Test
  void aCreateWhoseAnswerWasLostIsFoundByItsIdInsteadOfFiledAgain() {
    linear.applyThenDisconnect(FakeLinear.operation("LoopCreate"));
    NewTicket draft = NewTicket.builder("filed once").idempotencyKey("run-7/discovered-1").build();

    Ticket t = linear.tracker(KEY).maxRetries(0).build().create(draft);

    assertEquals(1, linear.issues.size(), "Linear holds one issue");
    assertEquals(LinearTracker.issueIdFor(FakeLinear.TEAM_ID, "run-7/discovered-1"), linear.issue(t.id()).id,
        "its id is the key's");
    assertEquals(1, linear.seen("LoopCreate").size(), "not sent again");
    assertEquals(List.of("LoopTeam", "LoopIssue", "LoopLabels", "LoopLabelCreate", "LoopCreate", "LoopIssue"),
        linear.seen().stream().map(FakeLinear.Seen::operation).toList(), "looked up by id after the lost answer");
  }

  @Test
  void aCreateRepeatedAfterALostAnswerMeetsItsOwnIdEvenWithoutAKey() {
    LinearTracker tracker = linear.tracker(KEY).build();
    tracker.readBatch();
    linear.applyThenDisconnect(FakeLinear.operation("LoopCreate"));

    Ticket t = tracker.create(NewTicket.builder("no key").build());

    assertEquals(1, linear.issues.size());
    assertEquals(2, linear.seen("LoopCreate").size(), "repeated with the same id, refused, then found");
    assertEquals(linear.seen("LoopCreate").get(0).variables().at("/input/id"),
        linear.seen("LoopCreate").get(1).variables().at("/input/id"));
    assertEquals("no key", tracker.find(t.id()).orElseThrow().title());
  }

  @Test
  void aProcessThatDiedAfterTheCreateFindsTheIssueFromAnotherProcess() {
    NewTicket draft = NewTicket.builder("filed once").idempotencyKey("run-7/discovered-2").build();
    LinearTracker dead = linear.tracker(KEY).maxRetries(0).build();
    dead.readBatch();
    // the create lands, the answer is lost, and the lookup that would have found it fails too: the process dies
    linear.applyThenDisconnect(FakeLinear.operation("LoopCreate"));
    for (int i = 0; i < 2; i++) {
      linear.answerNext(s -> s.operation().equals("LoopIssue") && !linear.issues.isEmpty(),
          new okhttp3.mockwebserver.MockResponse().setResponseCode(503));
    }
    AdapterException died = assertThrows(AdapterException.class, () -> dead.create(draft));

    Ticket again = linear.tracker(KEY).build().create(draft);

    assertTrue(died.isRetryable(), died.getMessage());
    assertEquals(1, linear.issues.size());
    assertEquals(LinearTracker.issueIdFor(FakeLinear.TEAM_ID, "run-7/discovered-2"), linear.issue(again.id()).id);
    assertEquals(1, linear.seen("LoopCreate").size(), "the second process found it and did not create");
  }

  @Test
  void twoProcessesRacingOnOneKeyFileOneIssue() {
    NewTicket draft = NewTicket.builder("raced").idempotencyKey("run-8/raced").build();
    LinearTracker first = linear.tracker(KEY).build();
    LinearTracker second = linear.tracker(KEY).build();
    first.readBatch();
    second.readBatch();
    Ticket a = first.create(draft);
    // the second process looked (nothing there yet) just before the first one created
    linear.answerNext(FakeLinear.operation("LoopIssue"), new okhttp3.mockwebserver.MockResponse().setBody(
        "{\"errors\":[{\"message\":\"Entity not found: Issue\",\"path\":[\"issue\"],"
            + "\"extensions\":{\"code\":\"INVALID_INPUT\",\"userError\":true}}],\"data\":null}"));

    Ticket b = second.create(draft);

    assertEquals(a.id(), b.id());
    assertEquals(1, linear.issues.size());
    assertEquals(2, linear.seen("LoopCreate").size(), "the loser's create was refused: the id was taken");
  }

  /** Counts reads of the batch; everything else goes straight through. */
  private static final class CountingTracker extends ForwardingTracker {
    final AtomicInteger reads = new AtomicInteger();

    CountingTracker(Tracker delegate) {
      super(delegate);
    }

    @Override
    public Batch readBatch() {
      reads.incrementAndGet();
      return super.readBatch();
    }

    @Override
    public BatchChanges changesSince(String cursor) {
      reads.incrementAndGet();
      return super.changesSince(cursor);
    }
  }

  /**
   * A process that dies the moment its first create returns: the run directory as it stood then is kept (a
   * killed process leaves exactly what it had synced; every file is kept, whatever the journal's layout), and
   * every later call fails as a dead process would.
   */
  private static final class DyingTracker implements Tracker {
    final Tracker delegate;
    final Path run;
    volatile Map<Path, byte[]> runAtDeath;

    DyingTracker(Tracker delegate, Path run) {
      this.delegate = delegate;
      this.run = run;
    }

    private void alive() {
      if (runAtDeath != null) {
        throw new AdapterException("the process is dead");
      }
    }

    /** Puts the run directory back as it was at the moment of death. */
    void restore() throws java.io.IOException {
      try (java.util.stream.Stream<Path> files = Files.walk(run)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (!runAtDeath.containsKey(run.relativize(f))) {
            Files.delete(f);
          }
        }
      }
      for (Map.Entry<Path, byte[]> e : runAtDeath.entrySet()) {
        Files.createDirectories(run.resolve(e.getKey()).getParent());
        Files.write(run.resolve(e.getKey()), e.getValue());
      }
    }

    @Override
    public Batch readBatch() {
      alive();
      return delegate.readBatch();
    }

    @Override
    public BatchChanges changesSince(String cursor) {
      alive();
      return delegate.changesSince(cursor);
    }

    @Override
    public Optional<Ticket> find(String id) {
      alive();
      return delegate.find(id);
    }

    @Override
    public Ticket create(NewTicket ticket) {
      alive();
      Ticket t = delegate.create(ticket);
      Map<Path, byte[]> snapshot = new LinkedHashMap<>();
      try (java.util.stream.Stream<Path> files = Files.walk(run)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          snapshot.put(run.relativize(f), Files.readAllBytes(f));
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      runAtDeath = snapshot;
      return t;
    }

    @Override
    public void addDependency(String ticketId, Dependency dependency) {
      alive();
      delegate.addDependency(ticketId, dependency);
    }

    @Override
    public void transition(String ticketId, Status to, String note) {
      alive();
      delegate.transition(ticketId, to, note);
    }

    @Override
    public void comment(String ticketId, String body) {
      alive();
      delegate.comment(ticketId, body);
    }

    @Override
    public boolean claim(String ticketId, String owner) {
      alive();
      return delegate.claim(ticketId, owner);
    }
  }
}

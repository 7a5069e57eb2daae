package dev.loopkit.jira;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Caps;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.DyingTracker;
import dev.loopkit.testing.ManualClock;
import dev.loopkit.testing.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real engine driving a batch on the fake Jira, checked by the requests it made. */
class JiraEngineTest {
  private static final String SEARCH = "/rest/api/3/search/jql";

  @TempDir Path dir;
  private final FakeJira jira = new FakeJira(new ManualClock(Instant.parse("2026-01-05T17:00:00Z")));
  private final RecordingListener events = new RecordingListener();

  JiraEngineTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    jira.close();
  }

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
  void aBatchRunsToDoneWithOneSearchPerReadOfTheBatch() {
    jira.seed("schema", "loop-batch-1");
    jira.seed("api", "loop-batch-1");
    jira.seed("docs", "loop-batch-1");
    jira.seed("another team's work", "other-batch");
    jira.seedLink("Blocks", "ENG-1", "ENG-2"); // ENG-1 blocks ENG-2
    CountingTracker tracker = new CountingTracker(jira.tracker().build());

    RunResult result = engine(tracker, writesFile()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (String key : List.of("ENG-1", "ENG-2", "ENG-3")) {
      assertEquals("Done", jira.issue(key).status.name(), key);
    }
    assertEquals("To Do", jira.issue("ENG-4").status.name(), "outside the batch");
    List<FakeJira.Seen> searches = jira.seen("POST", SEARCH);
    int passes = events.events(LoopEvent.PassStarted.class).size();
    assertEquals(tracker.reads.get(), searches.size(), "exactly one search call per read of the batch");
    // as on GitHub: one read at the start, one per oracle verdict (one per pass, plus the final one)
    assertEquals(passes + 2, searches.size(), "search calls against " + passes + " passes");
    // ENG-2 ran after ENG-1: its in-progress comment follows ENG-1's done
    assertTrue(jira.issue("ENG-2").comments.size() >= 2, "ENG-2 comments");
    // every transition: a GET of the issue, a GET of its transitions, a POST of the note, a POST of the move
    long writes = jira.seen().stream().filter(s -> !s.path().equals(SEARCH)).count();
    long transitions = jira.seen("POST", "/rest/api/3/issue/ENG-[0-9]+/transitions").size();
    assertEquals(6, transitions, "in-progress and done for each of 3 tickets");
    assertEquals(4 * transitions, writes, "requests besides searches: " + jira.seen());
    // on this version's engine: 3 passes, 5 searches, 24 other requests, 29 in all
    assertEquals(jira.seen().size(), tracker.delegateRequests(), "requestsSent() counts every request");
  }

  @Test
  void discoveredWorkFiledJustBeforeACrashIsNotFiledAgainOnResume() throws Exception {
    jira.seed("migrate the orders table", "loop-batch-1");
    AtomicReference<String> filed = new AtomicReference<>();
    Worker worker = a -> {
      if (!a.ticket().id().equals("ENG-1")) {
        return writesFile().work(a);
      }
      if (a.ticket().dependencyTargets(DependencyType.BLOCKS).isEmpty()) {
        filed.set(a.discoveries().file(NewTicket.builder("add the missing migration").build(), true).id());
        return WorkResult.completed("found a missing migration", Usage.ZERO);
      }
      return writesFile().work(a);
    };
    Path journal = RunDirectory.of(dir.resolve("run")).journal();

    DyingTracker dying = new DyingTracker(jira.tracker().build(), journal);
    engine(dying, worker).build().run();
    assertTrue(dying.journalAtDeath().isPresent(), "the worker filed its discovery");
    Files.write(journal, dying.journalAtDeath().orElseThrow());
    assertEquals(2, jira.issues().size(), "Jira holds the discovered issue");

    RunResult resumed = engine(jira.tracker().build(), worker).build().run();

    assertInstanceOf(RunEnding.Done.class, resumed.ending());
    assertEquals(1, jira.seen("POST", "/rest/api/3/issue").size(), "filed exactly once");
    assertEquals("ENG-2", filed.get());
    assertTrue(jira.links().contains(new FakeJira.Link(jira.links().get(0).id(), "Blocks", "ENG-2", "ENG-1")),
        "ENG-2 blocks ENG-1: " + jira.links());
    jira.issues().forEach(i -> assertEquals("Done", i.status.name(), i.key));
    List<LoopEvent.TicketDiscovered> discovered = events.events(LoopEvent.TicketDiscovered.class);
    assertEquals(1, discovered.size(), "journal of the resumed run: " + discovered);
    assertEquals("ENG-2", discovered.get(0).ticketId());
  }

  private static final class CountingTracker extends ForwardingTracker {
    final AtomicInteger reads = new AtomicInteger();

    private final Tracker inner;

    CountingTracker(Tracker delegate) {
      super(delegate);
      this.inner = delegate;
    }

    long delegateRequests() {
      return ((JiraTracker) inner).requestsSent();
    }

    @Override
    public Batch readBatch() {
      reads.incrementAndGet();
      return super.readBatch();
    }

    @Override
    public dev.loopkit.core.BatchChanges changesSince(String cursor) {
      reads.incrementAndGet();
      return super.changesSince(cursor);
    }
  }
}

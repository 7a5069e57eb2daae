package dev.loopkit.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.Caps;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real engine driving a batch on the fake GitHub, checked by the requests it made. */
class GitHubEngineTest {
  static final String TOKEN = "ghp_engineTokenNeverPrinted1111111111";
  private static final String LIST = "/repos/acme/widgets/issues|/repositories/1300192/issues";

  @TempDir Path dir;
  private final FakeGitHub github = new FakeGitHub(TOKEN);
  private final RecordingListener events = new RecordingListener();

  GitHubEngineTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    github.close();
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
  void aBatchRunsToDoneWithOneListCallPerReadIncrementalAfterTheFirstAnd304sWhileNothingChanges() {
    github.seedIssue("schema", "Add the table.", "loop:batch-1");
    github.seedIssue("api", "Expose it.\n\nBlocked by #1\n", "loop:batch-1", "priority:1");
    github.seedIssue("docs", "", "loop:batch-1", "priority:3");
    CountingTracker tracker = new CountingTracker(github.tracker().build());

    RunResult result = engine(tracker, writesFile()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (FakeGitHub.Issue issue : github.issues()) {
      assertEquals("closed", issue.state, "#" + issue.number);
      assertEquals("completed", issue.stateReason, "#" + issue.number);
    }
    List<FakeGitHub.Seen> lists = github.seen("GET", LIST);
    int passes = events.events(LoopEvent.PassStarted.class).size();
    assertEquals(tracker.reads.get(), lists.size(), "exactly one list call per read of the batch");
    // the engine reads once at the start and once per oracle call; each pass plans on the oracle's read,
    // so there is one list call per pass plus the start and the final verdict
    assertEquals(passes + 2, lists.size(), "list calls against " + passes + " passes");
    assertTrue(lists.get(0).url().toString().contains("labels="), "the first read of a session is a full read: " + lists);
    assertTrue(lists.stream().skip(1).allMatch(s -> s.url().toString().contains("since=")),
        "every later pass asks only for what changed: " + lists);

    tracker.readBatch(); // a full read again: the run's later reads were incremental, with other URLs
    long remaining = github.remaining();
    github.clearSeen();
    tracker.readBatch();
    tracker.readBatch();
    List<FakeGitHub.Seen> idle = github.seen("GET", LIST);
    assertEquals(2, idle.size());
    idle.forEach(s -> assertEquals(304, s.status(), "an unchanged batch: " + s));
    assertEquals(remaining, github.remaining(), "304s spend no quota");
  }

  @Test
  void discoveredWorkFiledJustBeforeACrashIsNotFiledAgainOnResume() throws Exception {
    github.seedIssue("migrate the orders table", "", "loop:batch-1");
    AtomicReference<String> filed = new AtomicReference<>();
    // ticket 1 finds that it needs a migration first; once blocked by it (and it is done) it does its work
    Worker worker = a -> {
      if (!a.ticket().id().equals("1")) {
        return writesFile().work(a);
      }
      if (a.ticket().dependencyTargets(DependencyType.BLOCKS).isEmpty()) {
        filed.set(a.discoveries().file(NewTicket.builder("add the missing migration").build(), true).id());
        return WorkResult.completed("found a missing migration", Usage.ZERO);
      }
      return writesFile().work(a);
    };
    Path journal = RunDirectory.of(dir.resolve("run")).journal();

    // first process: dies right after GitHub filed the issue, before the journal heard of it
    DyingTracker dying = new DyingTracker(github.tracker().build(), journal);
    engine(dying, worker).build().run();
    assertTrue(dying.journalAtDeath().isPresent(), "the worker filed its discovery");
    Files.write(journal, dying.journalAtDeath().orElseThrow());
    assertEquals(2, github.issues().size(), "GitHub holds the discovered issue");

    // second process: same run directory, a tracker that remembers nothing
    RunResult resumed = engine(github.tracker().build(), worker).build().run();

    assertInstanceOf(RunEnding.Done.class, resumed.ending());
    assertEquals(1, github.seen("POST", "/repos/acme/widgets/issues").size(), "filed exactly once");
    assertEquals(2, github.issues().size());
    assertEquals("2", filed.get());
    assertEquals(List.of(2L), github.issue(1).blockedBy);
    github.issues().forEach(i -> assertEquals("closed", i.state, "#" + i.number));
    List<LoopEvent.TicketDiscovered> discovered = events.events(LoopEvent.TicketDiscovered.class);
    assertEquals(1, discovered.size(), "journal of the resumed run: " + discovered);
    assertEquals("2", discovered.get(0).ticketId());
    assertTrue(github.issue(2).body.contains("Discovered from #1"), github.issue(2).body);
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
    public dev.loopkit.core.BatchChanges changesSince(String cursor) {
      reads.incrementAndGet();
      return super.changesSince(cursor);
    }
  }
}

package dev.loopkit.beads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Batch;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real engine driving a batch on the fake bd, checked by the bd processes it started. */
class BeadsEngineTest {
  private static final Logger log = LoggerFactory.getLogger(BeadsEngineTest.class);

  @TempDir Path dir;
  private FakeBdFixture beads;
  private final RecordingListener events = new RecordingListener();

  @BeforeEach
  void open() {
    beads = new FakeBdFixture(dir.resolve("beads"));
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

  private static Map<String, Integer> counts(List<String> commands) {
    Map<String, Integer> out = new TreeMap<>();
    commands.forEach(c -> out.merge(c, 1, Integer::sum));
    return out;
  }

  @Test
  void aBatchRunsToDoneWithOneListPerReadAndAnIdleReadCostsOneProcess() {
    String schema = beads.seed("schema");
    String api = beads.seed("api", "--deps=blocked-by:" + schema, "--priority=1");
    String docs = beads.seed("docs", "--priority=3");
    beads.clearLog();
    CountingTracker tracker = new CountingTracker(beads.tracker().build());

    RunResult result = engine(tracker, writesFile()).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending());
    for (String id : List.of(schema, api, docs)) {
      assertEquals("closed", beads.issue(id).path("status").asText(), id);
      assertTrue(beads.issue(id).path("close_reason").asText().contains("verified"),
          "the first line of the engine's evidence note: " + beads.issue(id));
    }
    Map<String, Integer> counts = counts(beads.commands());
    int passes = events.events(LoopEvent.PassStarted.class).size();
    log.info("bd processes for a 3-bead batch over {} passes: {} (tracker count {})", passes, counts,
        tracker.delegate.invocations());
    assertEquals(tracker.reads.get(), counts.get("list"), "exactly one bd list per read of the batch");
    assertEquals(beads.commands().size(), tracker.delegate.invocations(), "every process is in the fake's log");
    assertEquals(3, counts.get("close"), "one close per bead");
    assertEquals(3, counts.get("update"), "one claim per bead");
    assertEquals(3, counts.get("comments"), "one evidence comment per bead");
    assertEquals(1, counts.get("lease"), "leases disarmed once, before the first claim");

    beads.clearLog();
    tracker.readBatch();
    assertEquals(List.of("list"), beads.commands(), "an unchanged batch costs one bd list, comments cached");
  }

  @Test
  void discoveredWorkFiledJustBeforeACrashIsNotFiledAgainOnResume() throws Exception {
    String orders = beads.seed("migrate the orders table");
    AtomicReference<String> filed = new AtomicReference<>();
    // the first bead finds that it needs a migration first; once blocked by it (and it is done) it does its work
    Worker worker = a -> {
      if (!a.ticket().id().equals(orders)) {
        return writesFile().work(a);
      }
      if (a.ticket().dependencyTargets(DependencyType.BLOCKS).isEmpty()) {
        filed.set(a.discoveries().file(NewTicket.builder("add the missing migration").build(), true).id());
        return WorkResult.completed("found a missing migration", Usage.ZERO);
      }
      return writesFile().work(a);
    };
    Path journal = RunDirectory.of(dir.resolve("run")).journal();

    // first process: dies right after bd filed the bead, before the journal heard of it
    DyingTracker dying = new DyingTracker(beads.tracker().build(), journal);
    engine(dying, worker).build().run();
    assertTrue(dying.journalAtDeath().isPresent(), "the worker filed its discovery");
    Files.write(journal, dying.journalAtDeath().orElseThrow());
    assertEquals(2, beads.store().path("issues").size(), "bd holds the discovered bead");

    // second process: same run directory, a tracker that remembers nothing
    RunResult resumed = engine(beads.tracker().build(), worker).build().run();

    assertInstanceOf(RunEnding.Done.class, resumed.ending());
    long creates = beads.commands().stream().filter("create"::equals).count();
    assertEquals(1, creates, "filed exactly once");
    JsonNode issues = beads.store().path("issues");
    assertEquals(2, issues.size());
    issues.forEach(i -> assertEquals("closed", i.path("status").asText(), i.toString()));
    assertEquals(List.of(Dependency.blockedBy(filed.get())),
        beads.tracker().build().find(orders).orElseThrow().dependencyTargets(DependencyType.BLOCKS).stream()
            .map(Dependency::blockedBy).toList());
    List<LoopEvent.TicketDiscovered> discovered = events.events(LoopEvent.TicketDiscovered.class);
    assertEquals(1, discovered.size(), "journal of the resumed run: " + discovered);
    assertEquals(filed.get(), discovered.get(0).ticketId());
    assertEquals(List.of(Dependency.discoveredFrom(orders)),
        beads.tracker().build().find(filed.get()).orElseThrow().dependencies());
  }

  /** Counts reads of the batch; everything else goes straight through. */
  private static final class CountingTracker extends ForwardingTracker {
    final AtomicInteger reads = new AtomicInteger();
    final BeadsTracker delegate;

    CountingTracker(BeadsTracker delegate) {
      super(delegate);
      this.delegate = delegate;
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

package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak of issue 13 through the public API: a 30-ticket batch (chains of blockers, discovered work) on a tracker
 * that fails 20% of its calls (half of them after the call landed) and hangs 2% of them for 5 s completes in one
 * session, with every fault retried and journaled, every hang abandoned at the per-call timeout, no ticket charged
 * and no false Done (every done ticket's work was really done, and marked done once).
 */
class FaultSoakTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(longs = {7, 13, 2026})
  void aBatchOnAFlakyAndHangingTrackerCompletesInOneSession(long seed) {
    InMemoryTracker inner = new InMemoryTracker();
    for (int i = 1; i <= 30; i++) {
      Ticket.Builder t = Ticket.builder("T-" + i).title("ticket " + i);
      if (i % 5 != 1) {
        t.addDependency(Dependency.blockedBy("T-" + (i - 1))); // six chains of five
      }
      inner.put(t.build());
    }
    FaultInjectingTracker flaky = FaultInjectingTracker.builder(inner).failureRate(0.2).hangRate(0.02)
        .hang(Duration.ofSeconds(5)).maxConsecutiveFaults(2).seed(seed).build(); // flaky, never down: 4 tries
    Map<String, Integer> work = new ConcurrentHashMap<>();
    RecordingListener events = new RecordingListener();

    RunResult result = LoopEngine.builder().tracker(flaky).listener(events)
        .sleeper(d -> Thread.sleep(1)) // the backoff is journaled; the test does not wait it out
        .trackerCallTimeout(Duration.ofMillis(250))
        .worker(a -> {
          work.merge(a.ticket().id(), 1, Integer::sum);
          if (a.ticket().id().equals("T-3") || a.ticket().id().equals("T-17")) {
            a.discoveries().file(NewTicket.builder("follow-up of " + a.ticket().id()).build(), false);
          }
          return WorkResult.completed("did " + a.ticket().id(), Usage.ZERO);
        })
        .verifier(r -> work.containsKey(r.ticket().id())
            ? Verification.passed(Evidence.of("work", "the worker's change for " + r.ticket().id() + " is there"))
            : Verification.failed("no work for " + r.ticket().id()))
        .caps(Caps.builder().maxConcurrency(4).build())
        .runDirectory(dir.resolve("run")).workspaces(Workspaces.shared(dir)).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<String> done = new ArrayList<>();
    for (Ticket t : inner.readBatch().tickets()) {
      assertEquals(Status.DONE, t.status(), t.id());
      done.add(t.id());
    }
    assertEquals(32, done.size(), "30 tickets and 2 discovered ones");
    for (String id : done) {
      assertTrue(work.containsKey(id), "no false Done: " + id + " was worked on");
      assertEquals(1, events.events(LoopEvent.TicketDone.class).stream().filter(d -> d.ticketId().equals(id))
          .count(), id + " marked done once");
    }
    assertTrue(events.events(LoopEvent.AttemptFailed.class).isEmpty(), "no ticket charged for a tracker fault");
    assertTrue(events.events(LoopEvent.HumanGated.class).isEmpty());
    int retries = events.events(LoopEvent.CallRetried.class).size();
    assertTrue(flaky.failures() > 0 && retries >= flaky.failures(), "every injected failure was retried and"
        + " journaled: " + flaky.failures() + " failures, " + flaky.hangs() + " hangs, " + retries + " retries");
    assertEquals(flaky.hangs(), events.events(LoopEvent.CallAbandoned.class).size(), "every hang abandoned");
    assertEquals(1, result.report().sessions());
  }
}

package dev.loopkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.process.BubblewrapSandbox;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.core.process.SandboxUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine refuses to run without its sandbox, records which one ran, and confines every stage's processes. */
class SandboxedEngineTest {
  @TempDir Path dir;

  private final RecordingListener events = new RecordingListener();

  private LoopEngine.Builder engine(InMemoryTracker tracker) {
    return LoopEngine.builder().tracker(tracker).clock(new ManualClock()).listener(events)
        .runDirectory(dir.resolve("run"))
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), Usage.ZERO))
        .verifier(r -> Verification.passed(Evidence.of("tests", "green")));
  }

  @Test
  void withoutBubblewrapTheRunRefusesToStartAndWritesNothing() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    Sandbox missing = BubblewrapSandbox.builder().searchPath(dir.resolve("empty-bin").toString()).build();

    SandboxUnavailableException e = assertThrows(SandboxUnavailableException.class,
        () -> engine(tracker).sandbox(missing).build().run());

    assertTrue(e.getMessage().startsWith("no sandbox: bubblewrap (bwrap) is not on the PATH"), e.getMessage());
    assertFalse(Files.exists(RunDirectory.of(dir.resolve("run")).journal()));
    assertTrue(tracker.transitions("A", dev.loopkit.core.Status.IN_PROGRESS).isEmpty());
  }

  @Test
  void anExplicitOptOutIsRecordedAsUnsandboxed() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());

    assertInstanceOf(RunEnding.Done.class, engine(tracker).sandbox(Sandbox.none()).build().run().ending());

    LoopEvent.RunStarted started = events.events(LoopEvent.RunStarted.class).get(0);
    assertTrue(started.unsandboxed(), started.sandbox());
    assertTrue(started.sandbox().startsWith("none"), started.sandbox());
  }

  @Test
  void byDefaultEveryStageGetsARunnerConfinedToItsWorkspace() {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build());
    AtomicReference<String> seen = new AtomicReference<>();
    AtomicReference<Path> verifiedIn = new AtomicReference<>();

    RunEnding ending = engine(tracker)
        .worker(a -> {
          CommandOutcome out = a.processes().run(Command.builder(List.of("sh", "-c", "ls /proc | grep -c '^[0-9]';"
              + " test -e " + dir.resolve("run/journal.jsonl") + " && echo journal-visible;"
              + " ls " + dir.resolve("run") + "; echo ok > made.txt"))
              .directory(a.workspace().directory()).environment(Map.of("PATH", "/usr/bin:/bin")).build());
          seen.set(out.stdout());
          return WorkResult.completed("did it", Usage.ZERO);
        })
        .verifier(r -> {
          verifiedIn.set(r.processes().jail().workspace());
          return r.processes().confines() ? Verification.passed(Evidence.of("tests", "green"))
              : Verification.failed(List.of("not confined"), List.of());
        })
        .build().run().ending();

    assertInstanceOf(RunEnding.Done.class, ending);
    assertFalse(seen.get().contains("journal-visible"), seen.get());
    // the default workspaces live in the run directory: only the ticket's own folder is there
    assertTrue(seen.get().contains("workspaces\n") && !seen.get().contains("lock"), seen.get());
    assertTrue(Integer.parseInt(seen.get().lines().findFirst().orElseThrow().trim()) < 10, seen.get());
    assertTrue(events.events(LoopEvent.RunStarted.class).get(0).sandbox().startsWith("bubblewrap"));
    assertTrue(Files.exists(verifiedIn.get().resolve("made.txt")));
  }
}

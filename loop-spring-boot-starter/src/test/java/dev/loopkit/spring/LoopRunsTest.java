package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.testing.InMemoryTracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LoopRuns} and {@link LoopRun} over loop-core's real engine, an in-memory tracker and a worker that can be
 * held in flight: start, await, stop (the attempt interrupted, its ticket reopened), resume, one run at a time.
 */
class LoopRunsTest {
  private static final Duration WAIT = Duration.ofMinutes(1);

  @TempDir
  Path tmp;

  private final InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("one").build());
  private final CountDownLatch started = new CountDownLatch(1);
  private final AtomicBoolean hold = new AtomicBoolean(true);

  /** Holds the attempt until interrupted while {@link #hold} is set; otherwise completes at once. */
  private final Worker worker = assignment -> {
    started.countDown();
    if (hold.get()) {
      new CountDownLatch(1).await(); // until the run is stopped
    }
    return WorkResult.completed("done", Usage.ZERO);
  };

  private LoopRuns runs() {
    return new LoopRuns(tmp.resolve("runs"), dir -> LoopEngine.builder().tracker(tracker).worker(worker)
        .verifier(request -> Verification.passed(Evidence.of("check", "the test says so")))
        .sandbox(Sandbox.none()).runDirectory(dir).build());
  }

  @Test
  void awaitReturnsTheRunsEnding() throws Exception {
    hold.set(false);
    LoopRun run = runs().start();
    RunResult result = run.await();
    assertThat(result.ending().kind()).isEqualTo(RunEnding.Kind.DONE);
    assertThat(run.runId()).isEqualTo("run-001");
    assertThat(run.directory()).isEqualTo(tmp.resolve("runs/run-001"));
    assertThat(run.isFinished()).isTrue();
    assertThat(run.result()).contains(result);
    assertThat(tracker.ticket("T-1").status()).isEqualTo(Status.DONE);
  }

  @Test
  void stopInterruptsTheAttemptAndReopensItsTicket() throws Exception {
    LoopRuns runs = runs();
    LoopRun run = runs.start();
    assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
    assertThat(tracker.ticket("T-1").status()).isEqualTo(Status.IN_PROGRESS);
    assertThat(run.await(Duration.ofMillis(50))).isEmpty(); // held: still running
    assertThat(runs.active()).contains(run);

    run.stop();
    RunResult result = run.await();
    assertThat(result.ending().kind()).isEqualTo(RunEnding.Kind.FAILED);
    assertThat(result.ending().describe()).contains("the host stopped the run");
    assertThat(tracker.ticket("T-1").status()).isEqualTo(Status.OPEN);
    assertThat(runs.active()).isEmpty();
  }

  @Test
  void aSecondRunWhileOneIsInFlightIsRefusedNamingIt() throws Exception {
    LoopRuns runs = runs();
    LoopRun run = runs.start();
    assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
    try {
      assertThatThrownBy(runs::start).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("run run-001 is in flight");
      assertThatThrownBy(runs::resume).isInstanceOf(IllegalStateException.class);
    } finally {
      run.stop();
      run.await();
    }
  }

  @Test
  void resumeContinuesTheStoppedRunThenANewRunFollowsADoneOne() throws Exception {
    LoopRuns runs = runs();
    LoopRun first = runs.start();
    assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
    assertThat(runs.stop(WAIT)).isTrue();
    assertThat(first.result().orElseThrow().ending().kind()).isEqualTo(RunEnding.Kind.FAILED);

    hold.set(false);
    LoopRun resumed = runs.resume();
    assertThat(resumed.directory()).isEqualTo(first.directory());
    RunResult result = resumed.await();
    assertThat(result.ending().kind()).isEqualTo(RunEnding.Kind.DONE);
    assertThat(result.report().sessions()).isEqualTo(2);
    assertThat(result.report().interruptedAttempts()).isEqualTo(1);

    LoopRun next = runs.resume();
    assertThat(next.directory()).isEqualTo(tmp.resolve("runs/run-002")); // run-001 ended DONE
    next.await(); // its thread writes under the temporary folder: let it end before the folder is deleted
    assertThat(runs.runDirectories()).startsWith(tmp.resolve("runs/run-001"));
  }

  @Test
  void aRunThatCannotStartThrowsFromAwait() throws Exception {
    hold.set(false);
    Path done = tmp.resolve("runs/run-001");
    LoopRuns runs = runs();
    runs.start().await();
    LoopRuns again = new LoopRuns(tmp.resolve("runs"), dir -> LoopEngine.builder().tracker(tracker).worker(worker)
        .verifier(request -> Verification.failed("unused")).sandbox(Sandbox.none()).runDirectory(done).build());
    LoopRun run = again.start();
    assertThatThrownBy(run::await).isInstanceOf(InputException.class).hasMessageContaining("already ended DONE");
    assertThat(run.result()).isEmpty();
    assertThat(again.active()).isEmpty();
  }

  @Test
  void stopWithNoRunInFlightReturnsAtOnce() throws Exception {
    assertThat(runs().stop(Duration.ZERO)).isTrue();
  }
}

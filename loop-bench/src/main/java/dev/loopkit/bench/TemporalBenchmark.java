package dev.loopkit.bench;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.temporal.TemporalLoopEngine;
import dev.loopkit.temporal.TemporalWorkerHost;
import dev.loopkit.testing.InMemoryTracker;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code temporal [--tickets N] [--out DIR]}: N instant tickets (the worker and verifier return at once) run to DONE
 * by the core engine, then by the Temporal engine on the in-process test server with the coordinator and two worker
 * hosts in this JVM, both at a concurrency of 8. What the table shows is the engine's own cost per ticket: for
 * Temporal, an attempt workflow and four stage updates and activities (workspace, work, verify, close) per ticket.
 * Figures go to standard output and to {@code DIR/temporal.json}.
 */
final class TemporalBenchmark {
  private TemporalBenchmark() {}

  static int run(List<String> args, PrintStream out, PrintStream err, Path defaultOut)
      throws IOException, InterruptedException {
    int tickets = 1000;
    Path dir = defaultOut;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--tickets") && i + 1 < args.size()) {
        try {
          tickets = Integer.parseInt(args.get(++i));
        } catch (NumberFormatException e) {
          tickets = 0;
        }
        if (tickets < 1) {
          err.println("--tickets '" + args.get(i) + "': expected a positive whole number");
          return 2;
        }
      } else if (args.get(i).equals("--out") && i + 1 < args.size()) {
        dir = Path.of(args.get(++i));
      } else {
        err.println("unknown argument '" + args.get(i) + "': expected --tickets N or --out DIR");
        return 2;
      }
    }
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory("loop-bench-temporal");
    Worker instant = a -> WorkResult.completed("done", Usage.tokens(1, 1));
    Verifier passes = r -> Verification.passed(Evidence.of("check", "instant"));
    Caps caps = Caps.builder().maxConcurrency(8).maxPasses(100_000).build();

    long t0 = System.nanoTime();
    RunResult local = LoopEngine.builder().tracker(batch(tickets)).worker(instant).verifier(passes).caps(caps)
        .workspaces(Workspaces.shared(work)).runDirectory(work.resolve("local")).sandbox(Sandbox.none()).build().run();
    double localSeconds = (System.nanoTime() - t0) / 1e9;

    double temporalSeconds;
    RunResult remote;
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      TemporalWorkerHost[] hosts = new TemporalWorkerHost[2];
      for (int h = 0; h < 2; h++) {
        hosts[h] = TemporalWorkerHost.builder(env.getWorkflowClient()).taskQueue("bench").hostId("h" + (h + 1))
            .worker(instant).verifier(passes).workspaces(Workspaces.shared(work)).sandbox(Sandbox.none())
            .maxParallelAttempts(4).build();
        hosts[h].start();
      }
      long t1 = System.nanoTime();
      remote = TemporalLoopEngine.builder(env.getWorkflowClient()).taskQueue("bench").hostId("coordinator")
          .tracker(batch(tickets)).caps(caps).runDirectory(work.resolve("temporal")).sandbox(Sandbox.none())
          .build().run();
      temporalSeconds = (System.nanoTime() - t1) / 1e9;
      for (TemporalWorkerHost host : hosts) {
        host.close();
      }
    }
    if (!(local.ending() instanceof RunEnding.Done) || !(remote.ending() instanceof RunEnding.Done)) {
      err.println("a run did not end DONE: local " + local.ending().describe() + "; temporal "
          + remote.ending().describe());
      return 1;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    out.printf("%d instant tickets, concurrency 8, %d cores, load average %.1f%n", tickets, cores, load);
    out.printf("%-34s %10s %14s%n", "engine", "wall (s)", "per ticket (ms)");
    out.printf("%-34s %10.2f %14.2f%n", "LoopEngine (in process)", localSeconds, localSeconds * 1000 / tickets);
    out.printf("%-34s %10.2f %14.2f%n", "TemporalLoopEngine (2 hosts)", temporalSeconds,
        temporalSeconds * 1000 / tickets);
    out.printf("Temporal's overhead: %.2f ms per ticket%n", (temporalSeconds - localSeconds) * 1000 / tickets);
    Files.writeString(dir.resolve("temporal.json"), String.format(java.util.Locale.ROOT,
        "{\"tickets\":%d,\"concurrency\":8,\"cores\":%d,\"loadAverage\":%.2f,\"localSeconds\":%.3f,"
            + "\"temporalSeconds\":%.3f}%n", tickets, cores, load, localSeconds, temporalSeconds));
    return 0;
  }

  private static InMemoryTracker batch(int n) {
    InMemoryTracker tracker = new InMemoryTracker();
    for (int i = 0; i < n; i++) {
      tracker.put(Ticket.builder(String.format("B-%05d", i)).title("instant " + i).build());
    }
    return tracker;
  }
}

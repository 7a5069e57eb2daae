package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Tracker;
import dev.loopkit.temporal.StageProgress;
import dev.loopkit.temporal.TemporalWorkerHost;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code loop worker [PROJECT] --target HOST:PORT}: a worker host for batches run with {@code loop run --engine
 * temporal} on the same task queue. It runs the stages of attempts (workspace, work, review, verify) with this
 * project's worker, reviewer, verifier and git workspaces, at most {@code --max-parallel} at once, until stopped.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Runs a worker host for `loop run --engine temporal` batches on the task queue: the stages of"
        + " attempts, with this project's worker, reviewer, verifier and workspaces, until stopped (Ctrl-C).",
        "Exit codes: 0 stopped, 1 error."})
final class WorkerCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Mixin
  TemporalOptions temporal = new TemporalOptions();

  @Option(names = "--max-parallel", paramLabel = "N", defaultValue = "2",
      description = "The most attempts this host runs at once (default 2).")
  int maxParallel = 2;

  @Option(names = "--host-id", paramLabel = "ID", description = "This host's id (default host name and pid).")
  String hostId;

  /** Signalled to stop the host (a person presses Ctrl-C); interrupting the command's thread stops it too. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    if (!temporal.engine.equals("local") && !temporal.engine.equals("temporal")) {
      throw new InputException("--engine " + temporal.engine + ": expected temporal (or leave it out)");
    }
    ProjectConfig config = project.read();
    config.tracker().requireCredentials(config.file(), root.io.environment());
    ProjectEngine.sandbox(config.sandbox(), root.io.environment()).check();
    ProjectEngine.prepareRepository(config);
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment()); // the verifier reads tickets' origins
    ProjectEngine.Parts p = ProjectEngine.parts(config, tracker, config.runsDirectory().resolve("worker"),
        root.io.environment(), WorkerCommand::reportModel);
    TemporalWorkerHost.Builder b = TemporalWorkerHost.builder(temporal.client()).taskQueue(temporal.taskQueue)
        .workspaces(p.workspaces()).worker(p.worker()).verifier(p.verifier()).sandbox(p.sandbox())
        .maxParallelAttempts(maxParallel);
    if (p.reviewer() != null) {
      b.reviewer(p.reviewer());
    }
    if (hostId != null) {
      b.hostId(hostId);
    }
    try (TemporalWorkerHost host = b.build()) {
      Thread hook = new Thread(stop::countDown, "loop-worker-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      host.start();
      root.io.out().println("worker host " + host.hostId() + " on " + temporal.taskQueue + " at " + temporal.target
          + ": up to " + maxParallel + " attempt(s) at once");
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the embedding thread stops the host: close it, then report
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is what woke us
      }
    }
    root.io.out().println("worker host stopped");
    return LoopCommand.DONE;
  }

  /** What a model worker's streamed turn is doing, as the stage's progress in its heartbeats (StageProgress). */
  static void reportModel(dev.loopkit.llm.StreamEvent event) {
    if (event instanceof dev.loopkit.llm.StreamEvent.ToolUseStarted tool) {
      StageProgress.report("model: calling " + tool.name());
    } else if (event instanceof dev.loopkit.llm.StreamEvent.ThinkingDelta) {
      StageProgress.report("model: thinking");
    } else if (event instanceof dev.loopkit.llm.StreamEvent.TextDelta) {
      StageProgress.report("model: writing");
    }
  }
}

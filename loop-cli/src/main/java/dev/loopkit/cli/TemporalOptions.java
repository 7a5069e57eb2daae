package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Tracker;
import dev.loopkit.scheduler.DependencyReadySet;
import dev.loopkit.temporal.BatchWorkflow;
import dev.loopkit.temporal.TemporalConnection;
import dev.loopkit.temporal.TemporalLoopEngine;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The Temporal options of {@code loop run}, {@code loop worker} and {@code loop status}: where the service is, the
 * namespace and task queue, and the shared folder for large payloads. {@code --engine temporal} (or a
 * {@code --target}) selects loop-temporal's engine for {@code loop run}.
 */
final class TemporalOptions {
  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "local",
      description = "local (default: this process runs the batch) or temporal (a durable batch workflow; stages on"
          + " this process and on every `loop worker` of the task queue).")
  String engine = "local";

  @Option(names = "--target", paramLabel = "HOST:PORT", description = "The Temporal service's gRPC address.")
  @Nullable String target;

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default", description = "Temporal namespace.")
  String namespace = "default";

  @Option(names = "--task-queue", paramLabel = "Q", defaultValue = "loop",
      description = "Task queue shared by the run's starter and worker hosts (default loop).")
  String taskQueue = "loop";

  @Option(names = "--payloads", paramLabel = "DIR",
      description = "A folder every host shares: payloads over 64 KiB are stored there, not in the history.")
  @Nullable Path payloads;

  @Option(names = "--decisions-by-update",
      description = "loop run on Temporal: also take people's decisions by the batch workflow's decide update (then"
          + " keep the Temporal service out of every worker's reach).")
  boolean decisionsByUpdate;

  @Option(names = "--coordinator-only",
      description = "loop run on Temporal: run no stages here (every attempt goes to `loop worker` hosts); this"
          + " process still verifies the integrator's candidates.")
  boolean coordinatorOnly;

  /** Whether {@code loop run} uses the Temporal engine; a target without {@code --engine temporal} is an error. */
  boolean selected() {
    if (!engine.equals("local") && !engine.equals("temporal")) {
      throw new InputException("--engine " + engine + ": expected local or temporal");
    }
    if (engine.equals("temporal") && target == null) {
      throw new InputException("--engine temporal needs --target HOST:PORT (the Temporal service)");
    }
    if (engine.equals("local") && target != null) {
      throw new InputException("--target " + target + " is given but --engine is local: add --engine temporal");
    }
    return engine.equals("temporal");
  }

  WorkflowClient client() {
    if (target == null) {
      throw new InputException("--target HOST:PORT is required (the Temporal service)");
    }
    return TemporalConnection.connect(target, namespace, payloads);
  }

  /**
   * The workflow id of a run: its directory's name and a digest of its absolute path, so two projects' run-001
   * never share a workflow.
   */
  static String runId(Path runDirectory) {
    Path abs = runDirectory.toAbsolutePath().normalize();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(abs.toString().getBytes(StandardCharsets.UTF_8));
      return abs.getFileName() + "-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Runs (or resumes, or attaches to) the project's batch on Temporal; this process is coordinator and host. */
  RunResult run(ProjectConfig config, Tracker tracker, Path runDirectory, Map<String, String> environment,
      List<LoopListener> listeners) {
    ProjectEngine.Parts p = ProjectEngine.parts(config, tracker, runDirectory, environment);
    TemporalLoopEngine.Builder engine = TemporalLoopEngine.builder(client()).taskQueue(taskQueue)
        .tracker(tracker).oracle(p.oracle()).readySet(DependencyReadySet.create()).integrator(p.integrator())
        .tripwire(p.tripwire()).caps(config.caps()).sandbox(p.sandbox()).runDirectory(runDirectory)
        .runId(runId(runDirectory)).verifier(p.verifier()).decisionsByUpdate(decisionsByUpdate)
        .trackerCallTimeout(config.trackerCallTimeout())
        .earlierRuns(RunDirectories.of(config.runsDirectory()).all()); // as the core engine's loop run
    if (!coordinatorOnly) {
      engine.workspaces(p.workspaces()).worker(p.worker());
    }
    config.healer().ifPresent(h -> engine.healer(java.util.Objects.requireNonNull(p.healer()))
        .healAfterConsecutiveFailures(h.afterFailures()).maxHeals(h.maxHeals())
        .revertHealAfterAttempts(h.revertAfter()));
    ProjectEngine.simplicityGate(config) // on the coordinator, as every added stage
        .ifPresent(gate -> engine.stageAfter(dev.loopkit.core.StageKind.REVIEW, "simplicity", gate));
    if (p.reviewer() != null && !coordinatorOnly) {
      engine.reviewer(p.reviewer());
    } else if (p.reviewer() != null) {
      engine.reviewed(true); // the hosts' reviewers review every attempt
    }
    listeners.forEach(engine::listener);
    return engine.build().run();
  }

  /**
   * The batch workflow's own status line for a run: this process serves the workflow code on the task queue for a
   * moment, so a run that ended (and has no host left) is answered too.
   */
  String status(Path runDirectory) {
    WorkflowClient client = client();
    WorkerFactory factory = WorkerFactory.newInstance(client);
    dev.loopkit.temporal.internal.Hosting.register(factory, taskQueue, "status", null, null, 1, true);
    factory.start();
    try {
      BatchWorkflow.Status s = client.newWorkflowStub(BatchWorkflow.class, runId(runDirectory)).status();
      return "temporal: workflow " + s.runId() + " in " + namespace + " on " + taskQueue + ": "
          + (s.ending().isEmpty() ? "running" : "ended " + s.ending()) + ", " + s.workflowRuns()
          + " workflow run(s), " + s.sessions() + " session(s), " + s.decisions() + " decision(s) and "
          + s.discoveries() + " discovery(ies) by update";
    } finally {
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

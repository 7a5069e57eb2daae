package dev.loopkit.temporal;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.temporal.internal.HostParts;
import dev.loopkit.temporal.internal.Hosting;
import dev.loopkit.temporal.internal.Queues;
import dev.loopkit.temporal.internal.StageActivitiesImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A worker host: runs the stages of attempts (open the workspace, work, review, verify, close the workspace) for
 * every run on a task queue, with this host's parts. Start as many as the batch needs, on as many machines; each
 * takes new attempts from the shared task queue while it has free slots, and runs the later stages of an attempt
 * on its own queue ({@code <task queue>@<host id>}), so every stage of one attempt sees the same workspace.
 *
 * <pre>{@code
 * try (TemporalWorkerHost host = TemporalWorkerHost.builder(client)
 *     .taskQueue("loop").worker(myWorker).verifier(myVerifier)
 *     .workspaces(Workspaces.directoryPerTicket(Path.of("/var/loop/workspaces")))
 *     .maxParallelAttempts(4).build()) {
 *   host.start();
 *   ...  // until the host should stop
 * }
 * }</pre>
 *
 * <p>Every stage heartbeats in the background, so a host that dies is noticed within the heartbeat timeout and its
 * attempts are counted as interrupted and retried on another host; a cancelled attempt interrupts the stage's
 * thread, and the process runner kills the sandbox of whatever it runs. A worker host holds no tracker, journal or
 * oracle: those stay on the coordinator ({@link TemporalLoopEngine}). Its workers file discovered tickets through the
 * run's batch workflow.
 */
public final class TemporalWorkerHost implements AutoCloseable {
  private final WorkflowClient client;
  private final String taskQueue;
  private final String hostId;
  private final HostParts parts;
  private final int maxParallelAttempts;
  private final int workflowCacheSize;
  private final boolean pollsWorkflows;
  private @Nullable WorkerFactory factory;

  private TemporalWorkerHost(Builder b) {
    this.client = b.client;
    this.taskQueue = b.taskQueue;
    this.hostId = b.hostId != null ? b.hostId : Hosting.defaultHostId();
    this.parts = new HostParts(Objects.requireNonNull(b.workspaces), Objects.requireNonNull(b.worker), b.reviewer,
        Objects.requireNonNull(b.verifier), b.sandbox);
    this.maxParallelAttempts = b.maxParallelAttempts;
    this.workflowCacheSize = b.workflowCacheSize;
    this.pollsWorkflows = b.pollsWorkflows;
  }

  /**
   * A builder for a host that reaches Temporal through {@code client}.
   *
   * @param client the client of the Temporal service and namespace the runs' workflows use
   * @return a new builder, with the defaults given on each setter
   */
  public static Builder builder(WorkflowClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Checks the sandbox, then starts polling; returns at once. Call {@link #close()} to stop.
   *
   * @throws dev.loopkit.core.process.SandboxUnavailableException when the sandbox cannot start on this host
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (factory != null) {
      throw new IllegalStateException("worker host " + hostId + " is already started");
    }
    parts.sandbox().check();
    WorkerFactory f = Hosting.factory(client, workflowCacheSize);
    Hosting.register(f, taskQueue, hostId, new StageActivitiesImpl(parts, Queues.host(taskQueue, hostId), client,
        maxParallelAttempts),
        null, maxParallelAttempts, pollsWorkflows);
    f.start();
    factory = f;
  }

  /**
   * This host's id; its own task queue is {@code <task queue>@<host id>}.
   *
   * @return the id set on the builder, else the host name and the process id
   */
  public String hostId() {
    return hostId;
  }

  /**
   * Stops polling and interrupts the stages running here (their attempts are counted as interrupted by the
   * coordinator and retried elsewhere); waits up to 10 seconds for them to stop.
   */
  @Override
  public synchronized void close() {
    WorkerFactory f = factory;
    if (f != null) {
      f.shutdownNow();
      f.awaitTermination(10, TimeUnit.SECONDS);
      factory = null;
    }
  }

  /** Builds a {@link TemporalWorkerHost}; setters reject a bad value at once, {@link #build()} a missing part. */
  public static final class Builder {
    private final WorkflowClient client;
    private String taskQueue = "loop";
    private @Nullable String hostId;
    private @Nullable Workspaces workspaces;
    private @Nullable Worker worker;
    private @Nullable Reviewer reviewer;
    private @Nullable Verifier verifier;
    private Sandbox sandbox = Sandbox.bubblewrap();
    private int maxParallelAttempts = 2;
    private int workflowCacheSize = 600;
    private boolean pollsWorkflows = true;

    private Builder(WorkflowClient client) {
      this.client = client;
    }

    /**
     * The run's task queue (the same on the coordinator and every host); default {@code loop}.
     *
     * @param taskQueue the queue's name: 1-200 letters, digits, '.', '_' or '-'
     * @return this builder
     * @throws InputException if the name is not of that form
     */
    public Builder taskQueue(String taskQueue) {
      this.taskQueue = TemporalLoopEngine.checkQueue(taskQueue, "taskQueue");
      return this;
    }

    /**
     * This host's id, unique among the hosts of a task queue; default the host name and the process id.
     *
     * @param hostId the id: 1-100 letters, digits, '.', '_' or '-'
     * @return this builder
     * @throws InputException if the id is not of that form
     */
    public Builder hostId(String hostId) {
      if (!hostId.matches("[A-Za-z0-9._-]{1,100}")) {
        throw new InputException("hostId '" + hostId + "': expected 1-100 letters, digits, '.', '_' or '-'");
      }
      this.hostId = hostId;
      return this;
    }

    /**
     * Required: where attempts on this host work (directories on this host's disk).
     *
     * @param workspaces prepares and cleans up the directory each attempt on this host works in
     * @return this builder
     */
    public Builder workspaces(Workspaces workspaces) {
      this.workspaces = Objects.requireNonNull(workspaces, "workspaces");
      return this;
    }

    /**
     * Required: does the work, one fresh context per attempt.
     *
     * @param worker called once per attempt whose stages run on this host
     * @return this builder
     */
    public Builder worker(Worker worker) {
      this.worker = Objects.requireNonNull(worker, "worker");
      return this;
    }

    /**
     * The reviewer; required on every host when the run reviews ({@link TemporalLoopEngine.Builder#reviewer}).
     *
     * @param reviewer judges the work of the attempts whose stages run on this host
     * @return this builder
     */
    public Builder reviewer(Reviewer reviewer) {
      this.reviewer = Objects.requireNonNull(reviewer, "reviewer");
      return this;
    }

    /**
     * Required: checks each ticket's finish line in its workspace.
     *
     * @param verifier checks a ticket's finish line in the attempt's workspace on this host
     * @return this builder
     */
    public Builder verifier(Verifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * How processes of the stages run here are confined; default {@link Sandbox#bubblewrap()}.
     *
     * @param sandbox confines every process the stages on this host start
     * @return this builder
     */
    public Builder sandbox(Sandbox sandbox) {
      this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
      return this;
    }

    /**
     * Whether this process also runs workflow tasks (the batch and attempt workflows, and queries on them); default
     * true. Some process on the task queue must. Temporal's standalone test server hands a task to a poll of a
     * process that was killed and loses it, so a test that kills processes keeps workflows on one that survives.
     *
     * @param polls whether this process polls the task queue for workflow tasks
     * @return this builder
     */
    public Builder pollsWorkflows(boolean polls) {
      this.pollsWorkflows = polls;
      return this;
    }

    /**
     * How many workflows this process keeps cached between their tasks (the SDK's default, 600); 0 turns caching
     * and sticky task queues off.
     *
     * @param workflows the most workflows kept cached; 0 or more
     * @return this builder
     * @throws InputException if {@code workflows} is negative
     */
    public Builder workflowCacheSize(int workflows) {
      if (workflows < 0) {
        throw new InputException("workflowCacheSize is " + workflows + ": expected 0 or more");
      }
      this.workflowCacheSize = workflows;
      return this;
    }

    /**
     * The most stages (so attempts) this host runs at once; default 2.
     *
     * @param attempts the most stages run on this host at once; at least 1
     * @return this builder
     * @throws InputException if {@code attempts} is less than 1
     */
    public Builder maxParallelAttempts(int attempts) {
      if (attempts < 1) {
        throw new InputException("maxParallelAttempts is " + attempts + ": expected at least 1");
      }
      this.maxParallelAttempts = attempts;
      return this;
    }

    /**
     * Builds the host; it polls nothing until {@link TemporalWorkerHost#start()}.
     *
     * @return the host
     * @throws InputException naming the missing parts (workspaces, worker, verifier)
     */
    public TemporalWorkerHost build() {
      java.util.List<String> missing = new java.util.ArrayList<>();
      if (workspaces == null) {
        missing.add("workspaces");
      }
      if (worker == null) {
        missing.add("worker");
      }
      if (verifier == null) {
        missing.add("verifier");
      }
      if (!missing.isEmpty()) {
        throw new InputException("TemporalWorkerHost.builder() is missing " + String.join(", ", missing));
      }
      return new TemporalWorkerHost(this);
    }
  }
}

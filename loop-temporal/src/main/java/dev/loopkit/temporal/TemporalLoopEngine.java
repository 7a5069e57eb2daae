package dev.loopkit.temporal;

import dev.loopkit.core.Cap;
import dev.loopkit.core.Caps;
import dev.loopkit.core.Healer;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.JournalStats;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.Stage;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.temporal.internal.CoordinatorActivitiesImpl;
import dev.loopkit.temporal.internal.Failures;
import dev.loopkit.temporal.internal.HostParts;
import dev.loopkit.temporal.internal.Hosting;
import dev.loopkit.temporal.internal.LiveAttempts;
import dev.loopkit.temporal.internal.Queues;
import dev.loopkit.temporal.internal.RemoteStages;
import dev.loopkit.temporal.internal.StageActivitiesImpl;
import dev.loopkit.temporal.internal.Wire;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The Loop engine on Temporal: the same host parts, the same pipeline, journal, {@link RunResult} and endings as
 * {@link LoopEngine}, with the run owned by a durable batch workflow and every attempt's stages run as heartbeating
 * activities on worker hosts ({@link TemporalWorkerHost}), across machines.
 *
 * <pre>{@code
 * WorkflowClient client = TemporalConnection.connect("temporal.internal:7233", "loop", null);
 * RunResult result = TemporalLoopEngine.builder(client)
 *     .taskQueue("loop")
 *     .tracker(tracker).oracle(oracle).readySet(readySet).caps(caps)
 *     .runDirectory(Path.of("/shared/runs/batch-7"))      // journal.jsonl, reports and loop status as usual
 *     .worker(worker).verifier(verifier)                  // optional: this host also runs stages
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p><b>What runs where.</b> The batch workflow (id = the run id, so a second start attaches to the first) runs the
 * run's session of the core engine as one activity on a <em>coordinator</em>: this process, or any process running
 * a {@code TemporalLoopEngine} for the same run on the same task queue. The coordinator holds the tracker, oracle,
 * ready set, tripwire, healer, caps, listeners, the run directory and the stages a host added ({@link
 * Builder#stage}) and the integrator, which run where the journal is; a candidate the integrator checks out is
 * verified there too, with this process's verifier (so the workspaces of worker hosts must be reachable from the
 * coordinator at the same path when an integrator is set: the same machine, or shared storage). The core engine drives the outer loop there
 * unchanged; each attempt is an attempt workflow ({@code <run>/<ticket>/<attempt>}) whose stages (workspace, work,
 * review, verify, close) are updates run as activities on a worker host: the workspace on whichever host is free,
 * every later stage of the attempt on that host's own queue, so they share its workspace.
 *
 * <p><b>Failures.</b> A worker host that dies stops heartbeating: within the stage heartbeat timeout its attempts
 * are interrupted (not charged to their tickets) and the next attempts run on another host. A coordinator that
 * dies stops heartbeating its session: after the session heartbeat timeout another coordinator (or this one,
 * restarted) resumes the run from the journal, as {@link LoopEngine} resumes after a crash; the run directory must
 * then be on storage every coordinator shares. The Temporal service unreachable from an attempt stops the run
 * {@code FAILED} without charging a ticket; run again to resume.
 *
 * <p>{@link #run()} blocks until the batch workflow ends, and while it waits this process serves as a coordinator
 * (and, with {@link Builder#worker}, as a worker host).
 */
public final class TemporalLoopEngine {
  private final WorkflowClient client;
  private final String taskQueue;
  private final String hostId;
  private final Path runDirectory;
  private final String runId;
  private final LoopEngine core;
  private final @Nullable HostParts localParts;
  private final int maxParallelAttempts;
  private final int workflowCacheSize;
  private final boolean pollsWorkflows;
  private final Duration sessionHeartbeat;
  private final Duration sessionTimeout;
  private final int continueAsNewAfterUpdates;
  private final boolean decisionsByUpdate;
  private final LiveAttempts live = new LiveAttempts();
  private final Map<String, RunResult> results = new ConcurrentHashMap<>();

  private TemporalLoopEngine(Builder b, LoopEngine.Builder core) {
    this.client = b.client;
    this.taskQueue = b.taskQueue;
    this.hostId = b.hostId != null ? b.hostId : Hosting.defaultHostId();
    this.runDirectory = Objects.requireNonNull(b.runDirectory);
    this.runId = b.runId != null ? b.runId : runDirectory.toAbsolutePath().normalize().getFileName().toString();
    this.maxParallelAttempts = b.maxParallelAttempts;
    this.workflowCacheSize = b.workflowCacheSize;
    this.pollsWorkflows = b.pollsWorkflows;
    this.sessionHeartbeat = b.sessionHeartbeat;
    Duration wall = b.caps.maxWallClock();
    this.sessionTimeout = wall.compareTo(Duration.ofDays(3650)) > 0 ? Duration.ofDays(3650) : wall.plusHours(1);
    this.continueAsNewAfterUpdates = b.continueAsNewAfterUpdates;
    this.decisionsByUpdate = b.decisionsByUpdate;
    RemoteStages remote = new RemoteStages(client, taskQueue, Queues.coordinator(taskQueue, hostId), runDirectory,
        b.stageHeartbeat, b.stageTimeout, live, b.verifier, b.clock);
    core.workspaces(remote).worker(remote).verifier(remote).runDirectory(runDirectory).runId(runId);
    if (b.reviewed) {
      core.reviewer(remote);
    }
    this.core = core.build();
    Worker worker = b.worker;
    Verifier verifier = b.verifier;
    this.localParts = worker == null || verifier == null ? null : new HostParts(b.workspaces != null ? b.workspaces
        : Workspaces.directoryPerTicket(RunDirectory.of(runDirectory).workspaces()), worker, b.reviewer, verifier,
        b.sandbox);
  }

  /**
   * A builder whose engine reaches Temporal through {@code client} (see {@link TemporalConnection}).
   *
   * @param client the client of the Temporal service and namespace the run's workflows and activities use
   * @return a new builder, with the defaults given on each setter
   */
  public static Builder builder(WorkflowClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Starts the run's batch workflow, or attaches to it when it is already running (a restarted starter), and
   * serves as a coordinator until it ends. A run that ended other than {@code DONE} is continued, as
   * {@link LoopEngine#run()} continues it.
   *
   * @return the run's result: the full result when the last session ran in this process, else one rebuilt from
   *     the journal (its {@link RunResult#journal()} then counts nothing for this process)
   * @throws InputException as {@link LoopEngine#run()} does (the run already ended DONE, a damaged journal)
   */
  public RunResult run() {
    WorkerFactory factory = Hosting.factory(client, workflowCacheSize);
    StageActivitiesImpl stages = localParts == null ? null
        : new StageActivitiesImpl(localParts, Queues.host(taskQueue, hostId), client, maxParallelAttempts);
    if (localParts != null) {
      localParts.sandbox().check();
    }
    Hosting.register(factory, taskQueue, hostId, stages, new CoordinatorActivitiesImpl(core::run, live, results),
        maxParallelAttempts, pollsWorkflows);
    factory.start();
    try {
      Wire.BatchInput input = new Wire.BatchInput(runId, runDirectory.toAbsolutePath().toString(), taskQueue,
          sessionHeartbeat.toMillis(), sessionTimeout.toMillis(), continueAsNewAfterUpdates, 0, 0, decisionsByUpdate);
      WorkflowStub batch = client.newUntypedWorkflowStub("LoopBatch", WorkflowOptions.newBuilder()
          .setWorkflowId(runId).setTaskQueue(taskQueue).build());
      try {
        batch.start(input);
      } catch (WorkflowExecutionAlreadyStarted e) {
        batch = client.newUntypedWorkflowStub(runId); // started before (this starter restarted): attach
      }
      Wire.SessionOutcome outcome;
      try {
        outcome = batch.getResult(Wire.SessionOutcome.class);
      } catch (WorkflowFailedException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
          if (t instanceof ApplicationFailure a && Failures.INPUT.equals(a.getType())) {
            throw new InputException(a.getOriginalMessage(), e);
          }
        }
        throw new dev.loopkit.core.LoopException("the batch workflow of run " + runId + " failed: "
            + e.getMessage(), e);
      }
      RunResult local = results.remove(runId);
      return local != null ? local : rebuilt(outcome);
    } finally {
      factory.shutdownNow();
      factory.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** The result of a run whose last session ran on another coordinator, from the shared journal. */
  private RunResult rebuilt(Wire.SessionOutcome o) {
    RunDirectory dir = RunDirectory.of(runDirectory);
    RunHistory history = dir.history();
    RunEnding ending;
    switch (RunEnding.Kind.valueOf(o.kind())) {
      case DONE:
        ending = new RunEnding.Done(o.detail());
        break;
      case CAPPED:
        ending = new RunEnding.Capped(Cap.valueOf(Objects.requireNonNull(o.cap())), o.detail());
        break;
      case TAMPERED:
        ending = new RunEnding.Tampered(List.of(o.detail()));
        break;
      case STALLED:
        ending = new RunEnding.Stalled(List.of(), 0, o.detail());
        break;
      case HUMAN_GATED: {
        List<RunEnding.GatedTicket> gated = new ArrayList<>();
        for (RunHistory.TicketHistory t : history.tickets()) {
          if (t.outcome() == RunReport.TicketOutcome.HUMAN_GATED) {
            gated.add(new RunEnding.GatedTicket(t.id(), t.gateReason(), t.evidence()));
          }
        }
        ending = new RunEnding.HumanGated(gated, gated.size(), o.detail());
        break;
      }
      default:
        ending = new RunEnding.Failed(o.detail(), null);
    }
    return new RunResult(runId, runDirectory, ending, RunReport.of(history), new JournalStats(0, 0, 0));
  }

  static String checkQueue(String queue, String what) {
    if (!queue.matches("[A-Za-z0-9._-]{1,200}")) {
      throw new InputException(what + " '" + queue + "': expected 1-200 letters, digits, '.', '_' or '-'");
    }
    return queue;
  }

  /**
   * Builds a {@link TemporalLoopEngine}: the setters of {@link LoopEngine.Builder}, with the same meaning and
   * validation, and the Temporal settings. Setters reject a bad value at once; {@link #build()} rejects missing
   * parts and conflicting settings, naming both.
   */
  public static final class Builder {
    private final WorkflowClient client;
    private final LoopEngine.Builder core = LoopEngine.builder();
    private String taskQueue = "loop";
    private @Nullable String hostId;
    private @Nullable Path runDirectory;
    private @Nullable String runId;
    private @Nullable Workspaces workspaces;
    private @Nullable Worker worker;
    private @Nullable Reviewer reviewer;
    private @Nullable Verifier verifier;
    private boolean reviewed;
    private boolean trackerSet;
    private Caps caps = Caps.defaults();
    private Sandbox sandbox = Sandbox.bubblewrap();
    private int maxParallelAttempts = 2;
    private int workflowCacheSize = 600;
    private boolean pollsWorkflows = true;
    private Duration sessionHeartbeat = Duration.ofSeconds(10);
    private Duration stageHeartbeat = Duration.ofSeconds(10);
    private Duration stageTimeout = Duration.ofHours(4);
    private Clock clock = Clock.systemUTC();
    private int continueAsNewAfterUpdates = 2_000;
    private boolean decisionsByUpdate;

    private Builder(WorkflowClient client) {
      this.client = client;
    }

    /**
     * The task queue the run's workflows and stages go through; default {@code loop}.
     *
     * @param taskQueue the queue's name: 1-200 letters, digits, '.', '_' or '-'
     * @return this builder
     * @throws InputException if the name is not of that form
     */
    public Builder taskQueue(String taskQueue) {
      this.taskQueue = checkQueue(taskQueue, "taskQueue");
      return this;
    }

    /**
     * This process's id among coordinators and hosts; default the host name and the process id.
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
     * Required: the batch's tracker (on the coordinator).
     *
     * @param tracker where the batch's tickets are read and their statuses written
     * @return this builder
     */
    public Builder tracker(Tracker tracker) {
      core.tracker(tracker);
      trackerSet = true;
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#oracle}.
     *
     * @param oracle decides from the tickets' statuses whether the batch is done
     * @return this builder
     */
    public Builder oracle(Oracle oracle) {
      core.oracle(oracle);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#readySet}.
     *
     * @param readySet picks, each pass, the open tickets whose blockers are done
     * @return this builder
     */
    public Builder readySet(ReadySet readySet) {
      core.readySet(readySet);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#caps}; the wall-clock cap also bounds the session activity's timeout.
     *
     * @param caps the limits that end the run {@code CAPPED} when reached
     * @return this builder
     */
    public Builder caps(Caps caps) {
      core.caps(caps);
      this.caps = caps;
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#clock}.
     *
     * @param clock read for event timestamps and the wall-clock cap, and for the wall clock left that bounds the work
     *     stage
     * @return this builder
     */
    public Builder clock(Clock clock) {
      core.clock(clock);
      this.clock = clock;
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#sleeper}.
     *
     * @param sleeper waits out the backoff between tracker retries
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      core.sleeper(sleeper);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#listener}: listeners run on the coordinator and get every event.
     *
     * @param listener told of every event, on the coordinator
     * @return this builder
     */
    public Builder listener(LoopListener listener) {
      core.listener(listener);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#tripwire}.
     *
     * @param tripwire fingerprints the oracle and verifiers at start and checks them before each verdict
     * @return this builder
     */
    public Builder tripwire(Tripwire tripwire) {
      core.tripwire(tripwire);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#healer}.
     *
     * @param healer proposes and reverts patches to the harness
     * @return this builder
     */
    public Builder healer(Healer healer) {
      core.healer(healer);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#healAfterConsecutiveFailures}.
     *
     * @param failures failed attempts in a row before the healer is asked; at least 1
     * @return this builder
     * @throws InputException if {@code failures} is less than 1
     */
    public Builder healAfterConsecutiveFailures(int failures) {
      core.healAfterConsecutiveFailures(failures);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#maxHeals}.
     *
     * @param heals the most heals per run; at least 1
     * @return this builder
     * @throws InputException if {@code heals} is less than 1
     */
    public Builder maxHeals(int heals) {
      core.maxHeals(heals);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#revertHealAfterAttempts}.
     *
     * @param attempts attempts after a heal within which a ticket must be done; 0 never reverts
     * @return this builder
     * @throws InputException if negative
     */
    public Builder revertHealAfterAttempts(int attempts) {
      core.revertHealAfterAttempts(attempts);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#trackerCallTimeout}: tracker calls run on the coordinator.
     *
     * @param timeout the longest one tracker call may take; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder trackerCallTimeout(java.time.Duration timeout) {
      core.trackerCallTimeout(timeout);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#oracleCallTimeout}: the oracle runs on the coordinator.
     *
     * @param timeout the longest one oracle verdict may take; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder oracleCallTimeout(java.time.Duration timeout) {
      core.oracleCallTimeout(timeout);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#earlierRuns}: the directories must be readable from the coordinator.
     *
     * @param runDirectories the earlier runs' directories, in any order
     * @return this builder
     */
    public Builder earlierRuns(java.util.Collection<Path> runDirectories) {
      core.earlierRuns(runDirectories);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#journalKeys}.
     *
     * @param directory the directory that holds one key file per run id
     * @return this builder
     */
    public Builder journalKeys(Path directory) {
      core.journalKeys(directory);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#integrator}: it runs on the coordinator, under the engine's merge lock.
     *
     * @param integrator merges an approved attempt's work into the target
     * @return this builder
     */
    public Builder integrator(Integrator integrator) {
      core.integrator(integrator);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#stage}: added stages run on the coordinator.
     *
     * @param name the stage's name in events, the journal and the report: lower-case letters, digits and hyphens,
     *     1-63 characters, unique among stock and added stages
     * @param stage called once per attempt that reaches it, on the coordinator
     * @return this builder
     * @throws InputException if the name is not lower-case letters, digits and hyphens, or is taken
     */
    public Builder stage(String name, Stage stage) {
      core.stage(name, stage);
      return this;
    }

    /**
     * See {@link LoopEngine.Builder#stageAfter}: added stages run on the coordinator.
     *
     * @param after the stock stage this one follows: {@code WORK}, {@code REVIEW}, {@code INTEGRATE} or
     *     {@code VERIFY}
     * @param name the stage's name in events, the journal and the report: lower-case letters, digits and hyphens,
     *     1-63 characters, unique among stock and added stages
     * @param stage called once per attempt that reaches it, on the coordinator
     * @return this builder
     * @throws InputException if {@code after} is not one of those four kinds, or the name is not lower-case
     *     letters, digits and hyphens, or is taken by a stock or another added stage
     */
    public Builder stageAfter(StageKind after, String name, Stage stage) {
      core.stageAfter(after, name, stage);
      return this;
    }

    /**
     * The sandbox of this process: the processes of its added stages and integrator, and of the stages it runs
     * as a worker host; default {@link Sandbox#bubblewrap()}. Other hosts set their own.
     *
     * @param sandbox confines every process this process starts for a ticket
     * @return this builder
     */
    public Builder sandbox(Sandbox sandbox) {
      core.sandbox(sandbox);
      this.sandbox = sandbox;
      return this;
    }

    /**
     * Required: where the journal and reports live (shared storage when several coordinators may take over).
     *
     * @param runDirectory the directory of this run
     * @return this builder
     */
    public Builder runDirectory(Path runDirectory) {
      this.runDirectory = Objects.requireNonNull(runDirectory, "runDirectory");
      return this;
    }

    /**
     * The run's id, which is also the batch workflow's id; default the run directory's name.
     *
     * @param runId the id recorded in the journal and the report: 1-200 letters, digits, '.', '_' or '-'
     * @return this builder
     * @throws InputException if the id is not of that form
     */
    public Builder runId(String runId) {
      if (!runId.matches("[A-Za-z0-9._-]{1,200}")) {
        throw new InputException("runId '" + runId + "': expected 1-200 letters, digits, '.', '_' or '-' (it is"
            + " the workflow id)");
      }
      this.runId = runId;
      return this;
    }

    /**
     * With {@link #worker}: the workspaces of the stages this process runs as a worker host; default a
     * directory per ticket under {@code <run dir>/workspaces}.
     *
     * @param workspaces prepares and cleans up the directory each attempt run here works in
     * @return this builder
     */
    public Builder workspaces(Workspaces workspaces) {
      this.workspaces = Objects.requireNonNull(workspaces, "workspaces");
      return this;
    }

    /**
     * Makes this process a worker host too, with this worker (and {@link #verifier}); without one, every stage
     * runs on {@link TemporalWorkerHost}s.
     *
     * @param worker called once per attempt whose stages run here
     * @return this builder
     */
    public Builder worker(Worker worker) {
      this.worker = Objects.requireNonNull(worker, "worker");
      return this;
    }

    /**
     * The reviewer of the stages this process runs; makes the run review every attempt (see {@link #reviewed}).
     *
     * @param reviewer judges the work of the attempts whose stages run here
     * @return this builder
     */
    public Builder reviewer(Reviewer reviewer) {
      this.reviewer = Objects.requireNonNull(reviewer, "reviewer");
      this.reviewed = true;
      return this;
    }

    /**
     * Whether every attempt is reviewed (by the worker hosts' reviewers); default: whether a reviewer is set.
     *
     * @param reviewed whether every attempt has a review stage
     * @return this builder
     */
    public Builder reviewed(boolean reviewed) {
      this.reviewed = reviewed;
      return this;
    }

    /**
     * With {@link #worker}: the verifier of the stages this process runs. Without a worker it only verifies the
     * candidates an {@link #integrator} builds here (every other stage runs on worker hosts).
     *
     * @param verifier checks a ticket's finish line in the workspaces of this process
     * @return this builder
     */
    public Builder verifier(Verifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
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
     * With {@link #worker}: the most stages this process runs at once as a worker host; default 2.
     *
     * @param attempts the most stages run here at once; at least 1
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
     * How soon a coordinator that died is noticed and its session resumed elsewhere; default 10 s.
     *
     * @param timeout the heartbeat timeout of the session activity; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder sessionHeartbeatTimeout(Duration timeout) {
      this.sessionHeartbeat = positive(timeout, "sessionHeartbeatTimeout");
      return this;
    }

    /**
     * How soon a worker host that died is noticed and its attempts interrupted; default 10 s.
     *
     * @param timeout the heartbeat timeout of every stage activity; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder stageHeartbeatTimeout(Duration timeout) {
      this.stageHeartbeat = positive(timeout, "stageHeartbeatTimeout");
      return this;
    }

    /**
     * The longest one stage (one worker's attempt) may run (its start-to-close timeout); default 4 h.
     *
     * @param timeout the start-to-close timeout of every stage activity; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder stageTimeout(Duration timeout) {
      this.stageTimeout = positive(timeout, "stageTimeout");
      return this;
    }

    /**
     * Whether the batch workflow takes a person's decisions by its {@code decide} update; default false. With it,
     * whoever may send updates in the namespace may approve or cancel tickets, so the Temporal service must be out
     * of reach of every worker's sandbox (network off, or a firewall, mTLS or API keys); without it decisions go
     * through {@code loop approve} ({@link dev.loopkit.core.RunDirectory#recordDecision}), sealed with the run's key.
     *
     * @param accept whether the batch workflow accepts decisions by its {@code decide} update
     * @return this builder
     */
    public Builder decisionsByUpdate(boolean accept) {
      this.decisionsByUpdate = accept;
      return this;
    }

    /**
     * After how many updates (decisions, discoveries) the batch workflow continues as new; default 2,000.
     *
     * @param updates the updates one run of the batch workflow takes before it continues as new; at least 1
     * @return this builder
     * @throws InputException if {@code updates} is less than 1
     */
    public Builder continueAsNewAfterUpdates(int updates) {
      if (updates < 1) {
        throw new InputException("continueAsNewAfterUpdates is " + updates + ": expected at least 1");
      }
      this.continueAsNewAfterUpdates = updates;
      return this;
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new InputException(what + " is " + d + ": expected a positive duration");
      }
      return d;
    }

    /**
     * Builds the engine; it starts nothing until {@link TemporalLoopEngine#run()}.
     *
     * @return the engine
     * @throws InputException naming what is missing or the two settings that conflict
     */
    public TemporalLoopEngine build() {
      List<String> missing = new ArrayList<>();
      if (!trackerSet) {
        missing.add("tracker");
      }
      if (runDirectory == null) {
        missing.add("runDirectory");
      }
      if (!missing.isEmpty()) {
        throw new InputException("TemporalLoopEngine.builder() is missing " + String.join(", ", missing));
      }
      if (worker != null && verifier == null) {
        throw new InputException("TemporalLoopEngine.builder() has a worker but no verifier: set both to run"
            + " stages here, or neither to run every stage on worker hosts");
      }
      if (worker == null && (workspaces != null || reviewer != null)) {
        throw new InputException("TemporalLoopEngine.builder() has " + (workspaces != null ? "workspaces" : "a reviewer")
            + " but no worker: they are the parts of the stages this process runs, set a worker and verifier too");
      }
      return new TemporalLoopEngine(this, core);
    }
  }
}

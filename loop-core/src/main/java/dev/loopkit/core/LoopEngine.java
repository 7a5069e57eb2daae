package dev.loopkit.core;

import dev.loopkit.core.process.Sandbox;

import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The default capped engine: drives a batch of tickets to done with fresh workers, and ends only when the
 * oracle says so or a cap, a stall, a tripwire or a failure stops it.
 *
 * <pre>{@code
 * RunResult result = LoopEngine.builder()
 *     .tracker(MarkdownTracker.open(Path.of("tickets")))
 *     .worker(myWorker)
 *     .verifier(myVerifier)
 *     .runDirectory(Path.of("runs/run-1"))
 *     .caps(Caps.builder().maxCostUsd("5").maxConcurrency(2).build())
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p><b>The pipeline.</b> Each attempt is a fresh worker in a pipeline of {@link Stage}s: open the workspace,
 * work, review (if set), integrate (if set), verify, then the stages the host added ({@link Builder#stage},
 * {@link Builder#stageAfter}); only when every stage passed does the engine (never the worker) mark the
 * ticket done with the evidence of the verify and added stages. The first stage that does not pass ends the
 * attempt; its findings go on the ticket and to the next fresh worker, and after
 * {@link Caps#maxAttemptsPerTicket()} failures the ticket waits for a person.
 *
 * <p><b>Endings.</b> {@code DONE} only when the oracle says the batch is settled and every ticket is done;
 * {@code HUMAN_GATED} when it settled with tickets waiting for a person; otherwise {@code CAPPED},
 * {@code STALLED}, {@code TAMPERED} or {@code FAILED}, each naming what stopped the run.
 *
 * <p><b>Cost of a pass.</b> A pass reads the tracker once ({@link Tracker#changesSince}), judges with the
 * oracle and plans with the ready set, both fed what that read changed, journals its decisions and starts with
 * at most two syncs of the journal (the decisions of every attempt that finished since the last pass, then
 * the attempts it starts), and writes to the tracker only for the tickets that finished or start. So a pass
 * costs what changed, not the batch, with the stock parts ({@link Oracle#allDone()}, loop-scheduler's
 * {@code DependencyReadySet}, an adapter with incremental reads); the first pass of a session reads the whole
 * batch once, and {@link ReadySet#simple()} rescans it every pass. The engine keeps a fold of the run
 * ({@link RunHistory}) in memory, not its events: memory per ticket does not depend on the batch size.
 *
 * <p><b>Journal and resume.</b> Every event goes to the run journal ({@link RunDirectory#journal()}); the
 * engine syncs it before it acts on any event. Calling {@link #run()} on a directory whose run has not ended
 * DONE continues it: after a crash (attempts in flight are counted as interrupted and retried, a decision
 * journaled but not yet written to the tracker is written), or after a person acted on a {@code HUMAN_GATED},
 * {@code CAPPED}, {@code STALLED}, {@code TAMPERED} or {@code FAILED} ending (answered a gate, raised a cap,
 * restored the definition of done, fixed the tracker). Caps, passes and the wall clock count across every
 * session, and the definition of done is compared with the fingerprint of the run's first start.
 * Interrupting the thread in {@code run()} stops the run: attempts in flight are interrupted and their tickets
 * reopened, the run ends {@code FAILED}, and it can be continued later. An engine is immutable and may run
 * several run directories, one after the other or at once.
 */
public final class LoopEngine {
  private final EngineSettings settings;
  private final Path runDirectory;
  private final @Nullable String runId;
  private final @Nullable Executor executor;
  private final JournalKeys journalKeys;

  private LoopEngine(Builder b) {
    this.settings = new EngineSettings(Objects.requireNonNull(b.tracker), b.oracle, b.readySet,
        b.workspaces != null ? b.workspaces
            : Workspaces.directoryPerTicket(RunDirectory.of(Objects.requireNonNull(b.runDirectory)).workspaces()),
        Objects.requireNonNull(b.worker), b.reviewer, b.integrator, Objects.requireNonNull(b.verifier),
        List.copyOf(b.stages), b.caps,
        b.clock, b.sleeper, List.copyOf(b.listeners), b.tripwire, b.healer, b.healAfterConsecutiveFailures, b.maxHeals,
        b.revertHealAfterAttempts,
        b.sandbox, b.trackerCallTimeout, b.oracleCallTimeout, List.copyOf(b.earlierRuns));
    this.runDirectory = Objects.requireNonNull(b.runDirectory);
    this.runId = b.runId;
    this.executor = b.executor;
    this.journalKeys = b.journalKeys != null ? new JournalKeys(b.journalKeys) : JournalKeys.defaults();
  }

  /**
   * Starts a builder; a tracker, a worker, a verifier and a run directory are required.
   *
   * @return a new builder with every optional part at its default
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs (or resumes) the batch to its ending, on the calling thread; attempts run on the executor, listeners
   * are called on the calling thread. Blocks until the run ends. Returns normally for every ending, including
   * failures of the host's parts, which end the run {@link RunEnding.Failed} naming the part.
   *
   * @return how the run ended, with its usage and the tickets' outcomes
   * @throws InputException if the run directory is locked by another run, or holds a run that ended DONE, or
   *     its journal is damaged beyond a torn last line
   */
  public RunResult run() {
    settings.sandbox().check();
    RunDirectory directory = RunDirectory.of(runDirectory);
    FileLock lock = directory.lock();
    try (RunJournal journal = RunJournal.open(runDirectory, journalKeys)) {
      String id = runId != null ? runId : runDirectory.toAbsolutePath().normalize().getFileName().toString();
      if (journal.history().ending().orElse(null) == RunEnding.Kind.DONE) {
        throw new InputException("run directory " + directory + " holds run " + id
            + " which has already ended DONE: start a new run directory to run the batch again");
      }
      ExecutorService own = executor == null ? defaultExecutor(settings.caps().maxConcurrency()) : null;
      return new Run(settings, directory, id, journal, executor != null ? executor : Objects.requireNonNull(own),
          own).execute();
    } finally {
      try {
        lock.channel().close();
      } catch (java.io.IOException e) {
        // closing the channel releases the lock; nothing else to do if the OS complains
      }
    }
  }

  private static ExecutorService defaultExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "loop-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    return Executors.newFixedThreadPool(threads, factory);
  }

  /**
   * Builds a {@link LoopEngine}. Setters reject a bad value at once, naming it; {@link #build()} rejects
   * missing parts and conflicting settings, naming both.
   */
  public static final class Builder {
    private @Nullable Tracker tracker;
    private Oracle oracle = Oracle.allDone();
    private ReadySet readySet = ReadySet.simple();
    private @Nullable Workspaces workspaces;
    private @Nullable Worker worker;
    private @Nullable Reviewer reviewer;
    private @Nullable Integrator integrator;
    private @Nullable Verifier verifier;
    private final List<Stages.Added> stages = new ArrayList<>();
    private Caps caps = Caps.defaults();
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private final List<LoopListener> listeners = new ArrayList<>();
    private Tripwire tripwire = Tripwire.none();
    private Sandbox sandbox = Sandbox.bubblewrap();
    private @Nullable Path journalKeys;
    private boolean tripwireSet;
    private @Nullable Healer healer;
    private int healAfterConsecutiveFailures = 3;
    private boolean healAfterSet;
    private int maxHeals = 3;
    private int revertHealAfterAttempts = 3;
    private @Nullable Path runDirectory;
    private @Nullable String runId;
    private @Nullable Executor executor;
    private java.time.Duration trackerCallTimeout = java.time.Duration.ofSeconds(60);
    private java.time.Duration oracleCallTimeout = java.time.Duration.ofMinutes(10);
    private final List<Path> earlierRuns = new ArrayList<>();

    private Builder() {}

    /**
     * Required: the batch's tracker.
     *
     * @param tracker where the batch's tickets are read and their statuses written
     * @return this builder
     */
    public Builder tracker(Tracker tracker) {
      this.tracker = Objects.requireNonNull(tracker, "tracker");
      return this;
    }

    /**
     * The done-oracle; default {@link Oracle#allDone()} (strict: cancelled tickets keep the batch pending, an
     * empty batch is an input error).
     *
     * @param oracle decides from the tickets' statuses whether the batch is done
     * @return this builder
     */
    public Builder oracle(Oracle oracle) {
      this.oracle = Objects.requireNonNull(oracle, "oracle");
      return this;
    }

    /**
     * Which tickets may start; default {@link ReadySet#simple()}, which finds blocking cycles before any worker
     * starts but rescans the batch every pass: use loop-scheduler's incremental {@code DependencyReadySet} for
     * large batches.
     *
     * @param readySet picks, each pass, the open tickets whose blockers are done
     * @return this builder
     */
    public Builder readySet(ReadySet readySet) {
      this.readySet = Objects.requireNonNull(readySet, "readySet");
      return this;
    }

    /**
     * Where attempts work; default a directory per ticket under {@code <run dir>/workspaces}.
     *
     * @param workspaces prepares and cleans up the directory each attempt works in
     * @return this builder
     */
    public Builder workspaces(Workspaces workspaces) {
      this.workspaces = Objects.requireNonNull(workspaces, "workspaces");
      return this;
    }

    /**
     * Required: does the work, one fresh instance of context per attempt.
     *
     * @param worker called once per attempt, on an executor thread
     * @return this builder
     */
    public Builder worker(Worker worker) {
      this.worker = Objects.requireNonNull(worker, "worker");
      return this;
    }

    /**
     * Optional review stage between work and integration.
     *
     * @param reviewer judges each attempt's work before it is integrated
     * @return this builder
     */
    public Builder reviewer(Reviewer reviewer) {
      this.reviewer = Objects.requireNonNull(reviewer, "reviewer");
      return this;
    }

    /**
     * Optional integration stage between review and verification.
     *
     * @param integrator merges an approved attempt's work into the target
     * @return this builder
     */
    public Builder integrator(Integrator integrator) {
      this.integrator = Objects.requireNonNull(integrator, "integrator");
      return this;
    }

    /**
     * Required: checks each ticket's finish line live.
     *
     * @param verifier checks a ticket's finish line against the integrated work
     * @return this builder
     */
    public Builder verifier(Verifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * Adds a stage of the host's own after every stock stage: it runs after verification, and its evidence is
     * part of the done evidence (a post-merge live check). Stages run in the order added.
     *
     * @param name the stage's name in events, the journal and the report: lower-case letters, digits and hyphens,
     *     1-63 characters, unique among stock and added stages
     * @param stage called once per attempt that reaches it
     * @return this builder
     * @throws InputException if the name is not lower-case letters, digits and hyphens, or is taken
     */
    public Builder stage(String name, Stage stage) {
      return stageAfter(StageKind.VERIFY, name, stage);
    }

    /**
     * Adds a stage of the host's own right after the stock stage of kind {@code after} ({@link StageKind#WORK},
     * {@link StageKind#REVIEW}, {@link StageKind#INTEGRATE} or {@link StageKind#VERIFY}); when that stage is not
     * configured (no reviewer, no integrator), after the closest one before it. A second reviewer goes after
     * {@code REVIEW}; a staging smoke test after {@code INTEGRATE}. In events its kind is {@link StageKind#CHECK}.
     *
     * @param after the stock stage this one follows: {@code WORK}, {@code REVIEW}, {@code INTEGRATE} or
     *     {@code VERIFY}
     * @param name the stage's name in events, the journal and the report: lower-case letters, digits and hyphens,
     *     1-63 characters, unique among stock and added stages
     * @param stage called once per attempt that reaches it
     * @return this builder
     * @throws InputException if {@code after} is not one of those four kinds, or the name is not lower-case
     *     letters, digits and hyphens, or is taken by a stock or another added stage
     */
    public Builder stageAfter(StageKind after, String name, Stage stage) {
      Objects.requireNonNull(after, "after");
      Objects.requireNonNull(stage, "stage");
      if (after == StageKind.WORKSPACE || after == StageKind.CHECK || after == StageKind.ENGINE) {
        throw new InputException("stageAfter(" + after + ", ...): expected WORK, REVIEW, INTEGRATE or VERIFY");
      }
      if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
        throw new InputException("stage name '" + name + "': expected 1-63 lower-case letters, digits and hyphens");
      }
      for (StageKind k : StageKind.values()) {
        if (k.wireName().equals(name)) {
          throw new InputException("stage name '" + name + "' is taken by the stock stage " + k);
        }
      }
      for (Stages.Added a : stages) {
        if (a.name().equals(name)) {
          throw new InputException("stage name '" + name + "' is already used by another added stage");
        }
      }
      stages.add(new Stages.Added(after, name, stage));
      return this;
    }

    /**
     * The run's limits (attempts, concurrency, cost, wall clock); default {@link Caps#defaults()}.
     *
     * @param caps the limits that end the run {@code CAPPED} when reached
     * @return this builder
     */
    public Builder caps(Caps caps) {
      this.caps = Objects.requireNonNull(caps, "caps");
      return this;
    }

    /**
     * The clock for events, deadlines and the wall-clock cap; default the system UTC clock.
     *
     * @param clock read for event timestamps and the wall-clock cap
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How the engine waits between retries of a failed tracker call (see {@link Tracker}); default a real
     * sleep. Tests pass one that records and returns.
     *
     * @param sleeper waits out the backoff between tracker retries
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Adds a listener; listeners are called in the order added.
     *
     * @param listener told of every event, on the thread that calls {@link LoopEngine#run()}
     * @return this builder
     */
    public Builder listener(LoopListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Freezes the definition of done; default {@link Tripwire#none()}.
     *
     * @param tripwire fingerprints the oracle and verifiers at start and checks them before each verdict
     * @return this builder
     */
    public Builder tripwire(Tripwire tripwire) {
      this.tripwire = Objects.requireNonNull(tripwire, "tripwire");
      this.tripwireSet = true;
      return this;
    }

    /**
     * Asked to patch the harness when the run would stall or keeps failing. Requires a tripwire.
     *
     * @param healer proposes and reverts patches to the harness
     * @return this builder
     */
    public Builder healer(Healer healer) {
      this.healer = Objects.requireNonNull(healer, "healer");
      return this;
    }

    /**
     * How every process started on behalf of a ticket is confined: the runner each stage gets
     * ({@link StageContext#processes()}, {@link Assignment#processes()}, {@link VerifyRequest#processes()}) is
     * this sandbox applied to the ticket's workspace. Default {@link Sandbox#bubblewrap()}; {@link #run()}
     * refuses to start with a {@link dev.loopkit.core.process.SandboxUnavailableException} when it cannot
     * start here. {@link Sandbox#none()} opts out explicitly; the journal and the report record it.
     *
     * @param sandbox confines every process started for a ticket
     * @return this builder
     */
    public Builder sandbox(Sandbox sandbox) {
      this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
      return this;
    }

    /**
     * Where the per-run keys that authenticate journals are kept: a directory outside the project and every
     * sandbox. Default: the system property {@code loop.journal.keys}, else {@code ~/.loop/journal-keys}. A
     * run resumes only where its key is.
     *
     * @param directory the directory that holds one key file per run id
     * @return this builder
     */
    public Builder journalKeys(Path directory) {
      this.journalKeys = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * How many failed attempts in a row call the healer; default 3.
     *
     * @param failures failed attempts in a row before the healer is asked; at least 1
     * @return this builder
     * @throws InputException if {@code failures} is less than 1
     */
    public Builder healAfterConsecutiveFailures(int failures) {
      if (failures < 1) {
        throw new InputException("healAfterConsecutiveFailures is " + failures + ": expected at least 1");
      }
      this.healAfterConsecutiveFailures = failures;
      this.healAfterSet = true;
      return this;
    }

    /**
     * How many attempts an applied heal has to bring progress (a ticket done) before the engine reverts it by
     * its number ({@link Healer#revert}, journaled as {@link LoopEvent.HealReverted}); default 3; 0 never
     * reverts. A heal is also judged, and reverted without progress, before the healer is asked again.
     *
     * @param attempts attempts after a heal within which a ticket must be done; 0 never reverts
     * @return this builder
     * @throws InputException if negative
     */
    public Builder revertHealAfterAttempts(int attempts) {
      if (attempts < 0) {
        throw new InputException("revertHealAfterAttempts is " + attempts + ": expected 0 (never) or more");
      }
      this.revertHealAfterAttempts = attempts;
      return this;
    }

    /**
     * The most heals one run may attempt; default 3.
     *
     * @param heals the most heals per run; at least 1
     * @return this builder
     * @throws InputException if {@code heals} is less than 1
     */
    public Builder maxHeals(int heals) {
      if (heals < 1) {
        throw new InputException("maxHeals is " + heals + ": expected at least 1");
      }
      this.maxHeals = heals;
      return this;
    }

    /**
     * Required: where the journal, transcripts and (by default) workspaces live.
     *
     * @param runDirectory the directory of this run, locked while the run is active
     * @return this builder
     */
    public Builder runDirectory(Path runDirectory) {
      this.runDirectory = Objects.requireNonNull(runDirectory, "runDirectory");
      return this;
    }

    /**
     * The run's id; default the run directory's name.
     *
     * @param runId the id recorded in the journal and the report; not blank
     * @return this builder
     * @throws InputException if {@code runId} is blank
     */
    public Builder runId(String runId) {
      if (runId.isBlank()) {
        throw new InputException("runId is blank: expected a non-blank id");
      }
      this.runId = runId;
      return this;
    }

    /**
     * Runs attempts on a host's executor (e.g. virtual threads on Java 21+); at most
     * {@link Caps#maxConcurrency()} attempts are submitted at once. The engine never shuts it down. Default:
     * a fixed pool of {@code maxConcurrency} daemon threads owned by each run.
     *
     * @param executor runs the attempts; the host owns it and shuts it down
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * How long the engine waits for one call to the tracker (a read, a status write, a claim, a create, a
     * comment) before it abandons it; default 60 s. An abandoned call is interrupted, journaled
     * ({@link LoopEvent.CallAbandoned}, naming the thread left running it) and retried like a retryable failure
     * (at most 4 tries, jittered backoff); no call waits past the wall-clock cap, where the run ends
     * {@code CAPPED}. A tracker that stays down past its retries ends the run {@code FAILED}, naming the call.
     *
     * @param timeout the longest one tracker call may take; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder trackerCallTimeout(java.time.Duration timeout) {
      this.trackerCallTimeout = positive(timeout, "trackerCallTimeout");
      return this;
    }

    /**
     * How long the engine waits for one verdict of the oracle (which may read the tracker or re-verify tickets)
     * before it abandons it, as {@link #trackerCallTimeout}; default 10 minutes.
     *
     * @param timeout the longest one oracle verdict may take; positive
     * @return this builder
     * @throws InputException if the timeout is not positive
     */
    public Builder oracleCallTimeout(java.time.Duration timeout) {
      this.oracleCallTimeout = positive(timeout, "oracleCallTimeout");
      return this;
    }

    /**
     * Run directories of earlier runs of the same batch (a host that starts a new run directory per run, as
     * {@code loop run --new} does). At start, a ticket left {@link Status#IN_PROGRESS} that one of their
     * journals shows it claimed, and that this run has no record of, is reopened ({@link
     * LoopEvent.TicketReclaimed}). A directory whose run is still active (its lock is held), that holds no
     * journal, or that is this run's own is skipped; each is read once per session, as {@link
     * RunDirectory#history()} reads it.
     *
     * @param runDirectories the earlier runs' directories, in any order
     * @return this builder
     */
    public Builder earlierRuns(java.util.Collection<Path> runDirectories) {
      for (Path p : runDirectories) {
        earlierRuns.add(Objects.requireNonNull(p, "runDirectories holds null"));
      }
      return this;
    }

    private static java.time.Duration positive(java.time.Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new InputException(name + " is " + d + ": expected a positive duration");
      }
      return d;
    }

    /**
     * Builds the engine.
     *
     *
     * @return an engine with this builder's parts and settings
     * @throws InputException naming what is missing (tracker, worker, verifier, run directory) or the two
     *     settings that conflict
     */
    public LoopEngine build() {
      List<String> missing = new ArrayList<>();
      if (tracker == null) {
        missing.add("tracker");
      }
      if (worker == null) {
        missing.add("worker");
      }
      if (verifier == null) {
        missing.add("verifier (without one nothing can be verified, so nothing can be done)");
      }
      if (runDirectory == null) {
        missing.add("runDirectory");
      }
      if (!missing.isEmpty()) {
        throw new InputException("LoopEngine.builder() is missing " + String.join(", ", missing));
      }
      if (healer != null && (!tripwireSet || tripwire == Tripwire.none())) {
        throw new InputException("healer is set but tripwire is " + (tripwireSet ? "Tripwire.none()" : "not")
            + ": a healer may only run under a tripwire that freezes the oracle and verifiers; set both or neither");
      }
      if (healAfterSet && healer == null) {
        throw new InputException("healAfterConsecutiveFailures is set but healer is not: set a healer or drop"
            + " the setting");
      }
      return new LoopEngine(this);
    }
  }
}

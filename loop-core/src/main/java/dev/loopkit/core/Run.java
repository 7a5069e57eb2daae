package dev.loopkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a run: the outer loop of DESIGN §1 on the calling (engine) thread, attempts on the
 * executor. Everything the engine decides is derived from journal events ({@link RunState}), so a resumed
 * run continues exactly where the journal stops. Only this thread writes ticket statuses.
 */
final class Run {
  private static final Logger LOG = LoggerFactory.getLogger(Run.class);

  private final EngineSettings settings;
  private final Path runDirectory;
  private final String runId;
  private final RunJournal journal;
  private final RunState state = new RunState();
  private final ResourceLocks locks = new ResourceLocks(this);
  private final Executor executor;
  private final @Nullable ExecutorService ownExecutor;
  private final BlockingQueue<Finished> completions = new LinkedBlockingQueue<>();
  private final Map<String, InFlight> inFlight = new LinkedHashMap<>();
  private final Map<String, String> heldResources = new LinkedHashMap<>();
  private final Map<String, Waiting> waiting = new HashMap<>();
  private final Object discoveryLock = new Object();
  private volatile boolean attemptsClosed;
  private volatile @Nullable CapReachedException discoveryCap;
  private Map<String, String> baseline = Map.of();
  private Instant deadline = Instant.MAX;
  private @Nullable Batch lastOracleBatch;
  private int consecutiveFailures;
  private int heals;

  private record InFlight(Attempt attempt, FutureTask<AttemptOutcome> task, int slot, Instant since) {}

  private record Finished(String ticketId, AttemptOutcome outcome) {}

  private record Waiting(String resource, String holder, Instant since) {}

  /** Ends the run from anywhere on the engine thread. */
  private static final class EndRun extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RunEnding ending;

    EndRun(RunEnding ending) {
      super(ending.describe(), null, false, false);
      this.ending = ending;
    }
  }

  Run(EngineSettings settings, Path runDirectory, String runId, RunJournal journal, Executor executor,
      @Nullable ExecutorService ownExecutor) {
    this.settings = settings;
    this.runDirectory = runDirectory;
    this.runId = runId;
    this.journal = journal;
    this.executor = executor;
    this.ownExecutor = ownExecutor;
    journal.events().forEach(state::apply);
  }

  // ---- accessors for Attempt ----

  EngineSettings settings() {
    return settings;
  }

  String runId() {
    return runId;
  }

  Path runDirectory() {
    return runDirectory;
  }

  ResourceLocks locks() {
    return locks;
  }

  Instant now() {
    return settings.clock().instant();
  }

  /** Journals an event from an attempt's thread; dropped once the run has closed its attempts. */
  void emit(LoopEvent event) {
    if (attemptsClosed) {
      return;
    }
    record(event);
  }

  /** Journals (synced), folds into the state, then tells the listeners. */
  private synchronized void record(LoopEvent event) {
    journal.append(event);
    state.apply(event);
    for (LoopListener listener : settings.listeners()) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("listener {} failed on {}", listener, event.getClass().getSimpleName(), e);
      }
    }
  }

  void logListenerless(String what, Exception e) {
    LOG.warn("{} failed", what, e);
  }

  static void restoreInterrupt(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the run ----

  RunResult execute() {
    if (state.endedDone()) {
      throw new InputException("run directory " + runDirectory + " holds run " + runId
          + " which has already ended DONE: start a new run directory to run the batch again");
    }
    boolean resumed = state.runId() != null;
    Instant sessionStart = now();
    RunEnding ending;
    Map<String, String> current = null;
    RuntimeException startFailure = null;
    Batch batch = null;
    try {
      current = Map.copyOf(settings.tripwire().fingerprint());
      batch = settings.tracker().readBatch();
    } catch (Exception e) {
      restoreInterrupt(e);
      startFailure = new LoopException(Attempt.describe(current == null ? "the tripwire" : "the tracker", e), e);
    }
    Map<String, String> recorded = state.fingerprint();
    baseline = recorded != null ? recorded : (current == null ? Map.of() : current);
    record(new LoopEvent.RunStarted(sessionStart, runId, batch == null ? 0 : batch.size(), resumed, baseline,
        settings.caps().describe()));
    deadline = sessionStart.plus(settings.caps().maxWallClock()).minus(state.elapsedBefore());
    try {
      if (startFailure != null) {
        throw new EndRun(new RunEnding.Failed(Objects.requireNonNull(startFailure.getMessage()), startFailure));
      }
      startChecks(Objects.requireNonNull(current));
      recover(Objects.requireNonNull(batch));
      ending = loop();
    } catch (EndRun e) {
      ending = e.ending;
    } catch (RuntimeException e) {
      ending = new RunEnding.Failed(Attempt.describe("the run", e), e);
    }
    // A host that interrupts the engine thread still gets a closed journal and reopened tickets: finish
    // with the flag cleared, then hand it back.
    boolean interrupted = Thread.interrupted();
    try {
      stopInFlight(ending);
      record(new LoopEvent.RunEnded(now(), ending.kind().name(), detail(ending)));
    } finally {
      if (ownExecutor != null) {
        ownExecutor.shutdownNow();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return new RunResult(runId, runDirectory, ending, RunReport.of(journal.events()), journal.stats());
  }

  private static String detail(RunEnding ending) {
    String d = ending.describe();
    int colon = d.indexOf(": ");
    return colon < 0 ? d : d.substring(colon + 2);
  }

  private void startChecks(Map<String, String> current) {
    List<String> changes = diff(baseline, current);
    if (!changes.isEmpty()) {
      tripped(changes);
    }
    List<String> failures;
    try {
      failures = settings.tripwire().canaries();
    } catch (Exception e) {
      restoreInterrupt(e);
      failures = List.of(Attempt.describe("a canary", e));
    }
    if (!failures.isEmpty()) {
      List<String> named = new ArrayList<>();
      failures.forEach(f -> named.add("canary failed: " + f));
      tripped(named);
    }
  }

  /** Settles what an earlier process left behind (nothing on a fresh run). */
  private void recover(Batch batch) {
    Tracker tracker = settings.tracker();
    Map<String, Status> statuses = new HashMap<>();
    batch.tickets().forEach(t -> statuses.put(t.id(), t.status()));
    for (Map.Entry<String, Integer> open : state.openAttempts().entrySet()) {
      String id = open.getKey();
      int attempt = open.getValue();
      List<Evidence> evidence = state.passedEvidence(id, attempt);
      if (evidence != null) {
        tracker.transition(id, Status.DONE, doneNote(attempt, evidence));
        record(new LoopEvent.TicketDone(now(), id, attempt, evidence));
        statuses.put(id, Status.DONE);
      } else {
        record(new LoopEvent.AttemptInterrupted(now(), id, attempt, "the process running it ended"));
        if (statuses.get(id) == Status.IN_PROGRESS) {
          tracker.transition(id, Status.OPEN, "attempt " + attempt + " was interrupted; a fresh worker retries it");
          statuses.put(id, Status.OPEN);
        }
      }
    }
    for (Ticket t : batch.tickets()) {
      if (statuses.get(t.id()) == Status.IN_PROGRESS && state.everDispatched(t.id())) {
        tracker.transition(t.id(), Status.OPEN, "left in progress by an earlier session of run " + runId);
        statuses.put(t.id(), Status.OPEN);
      }
      if (statuses.get(t.id()) == Status.OPEN
          && state.failedAttempts(t.id()) >= settings.caps().maxAttemptsPerTicket()) {
        gate(t.id(), state.nextAttempt(t.id()) - 1, attemptsExhausted(t.id()), attemptEvidence(t.id()));
      }
    }
  }

  private RunEnding loop() {
    Caps caps = settings.caps();
    while (true) {
      checkCaps();
      Verdict verdict = consultOracle();
      if (verdict.isDone()) {
        return new RunEnding.Done(((Verdict.Done) verdict).why());
      }
      if (state.passes() >= caps.maxPasses()) {
        throw capped(Cap.PASSES, "reached " + caps.maxPasses() + " passes");
      }
      Batch batch = lastOracleBatch != null ? lastOracleBatch : settings.tracker().readBatch();
      List<Ticket> ready = settings.readySet().ready(
          new ReadyContext(batch, inFlight.keySet(), heldResources, settings.tracker()));
      List<String> readyIds = new ArrayList<>();
      ready.forEach(t -> readyIds.add(t.id()));
      record(new LoopEvent.PassStarted(now(), state.passes() + 1, readyIds, inFlight.size()));
      noteWaits(batch, ready);
      dispatch(ready);
      if (inFlight.isEmpty()) {
        if (heal(HealContext.Reason.STALLED, batch)) {
          continue;
        }
        return new RunEnding.Stalled(((Verdict.Pending) verdict).outstanding());
      }
      Finished finished = awaitCompletion();
      handle(finished);
      if (settings.healer() != null && consecutiveFailures >= settings.healAfterConsecutiveFailures()) {
        consecutiveFailures = 0;
        heal(HealContext.Reason.REPEATED_FAILURES, settings.tracker().readBatch());
      }
    }
  }

  private void checkCaps() {
    Caps caps = settings.caps();
    if (!now().isBefore(deadline)) {
      throw capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + caps.maxWallClock());
    }
    Usage used = state.usage();
    if (used.totalTokens() >= caps.maxTokens()) {
      throw capped(Cap.TOKENS, "used " + used.totalTokens() + " tokens of " + caps.maxTokens());
    }
    if (used.costUsd().compareTo(caps.maxCostUsd()) >= 0) {
      throw capped(Cap.MONEY, "spent $" + used.costUsd().toPlainString() + " of $"
          + caps.maxCostUsd().toPlainString());
    }
    CapReachedException discovery = discoveryCap;
    if (discovery != null) {
      throw capped(Cap.DISCOVERED_TICKETS, discovery.getMessage());
    }
  }

  private EndRun capped(Cap cap, String detail) {
    record(new LoopEvent.CapReached(now(), cap, detail));
    return new EndRun(new RunEnding.Capped(cap, detail));
  }

  private Verdict consultOracle() {
    checkTripwire();
    Verdict verdict;
    SnapshotTracker view = new SnapshotTracker(settings.tracker());
    try {
      verdict = settings.oracle().judge(new OracleContext(view, settings.clock()));
      lastOracleBatch = view.lastBatch();
    } catch (Exception e) {
      restoreInterrupt(e);
      throw new EndRun(new RunEnding.Failed(Attempt.describe("the oracle", e), e));
    }
    List<String> outstanding = new ArrayList<>();
    String summary;
    if (verdict instanceof Verdict.Pending p) {
      p.outstanding().forEach(o -> outstanding.add(o.ticketId()));
      summary = p.outstanding().size() + " outstanding";
    } else {
      summary = ((Verdict.Done) verdict).why();
    }
    record(new LoopEvent.OracleConsulted(now(), verdict.isDone(), summary, outstanding));
    return verdict;
  }

  private void checkTripwire() {
    List<String> changes = currentTripwireChanges();
    if (!changes.isEmpty()) {
      tripped(changes);
    }
  }

  /** What differs from the fingerprint recorded at the run's start; empty when nothing does. */
  private List<String> currentTripwireChanges() {
    try {
      return diff(baseline, settings.tripwire().fingerprint());
    } catch (Exception e) {
      restoreInterrupt(e);
      return List.of("the definition of done can no longer be read: " + Attempt.describe("the tripwire", e));
    }
  }

  private void tripped(List<String> changes) {
    record(new LoopEvent.TripwireTripped(now(), changes));
    throw new EndRun(new RunEnding.Tampered(changes));
  }

  static List<String> diff(Map<String, String> before, Map<String, String> after) {
    List<String> changes = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(before).entrySet()) {
      String now = after.get(e.getKey());
      if (now == null) {
        changes.add("removed: " + e.getKey());
      } else if (!now.equals(e.getValue())) {
        changes.add("changed: " + e.getKey());
      }
    }
    for (String key : new TreeMap<>(after).keySet()) {
      if (!before.containsKey(key)) {
        changes.add("added: " + key);
      }
    }
    return changes;
  }

  /** Records when an otherwise-ready ticket starts waiting for a held resource. */
  private void noteWaits(Batch batch, List<Ticket> ready) {
    Set<String> readyIds = new java.util.HashSet<>();
    ready.forEach(t -> readyIds.add(t.id()));
    for (Ticket t : batch.tickets()) {
      if (t.status() != Status.OPEN || readyIds.contains(t.id()) || waiting.containsKey(t.id())) {
        continue;
      }
      boolean unblocked = true;
      for (String target : t.dependencyTargets(DependencyType.BLOCKS)) {
        Ticket b = batch.find(target).orElse(null);
        if (b == null || !b.status().releasesDependents()) {
          unblocked = false;
          break;
        }
      }
      if (!unblocked) {
        continue;
      }
      for (String r : t.resources()) {
        String holder = heldResources.get(r);
        if (holder != null) {
          waiting.put(t.id(), new Waiting(r, holder, now()));
          break;
        }
      }
    }
  }

  private void dispatch(List<Ticket> ready) {
    Caps caps = settings.caps();
    for (Ticket t : ready) {
      if (inFlight.size() >= caps.maxConcurrency()) {
        return;
      }
      if (inFlight.containsKey(t.id()) || t.status() != Status.OPEN) {
        continue;
      }
      String holder = null;
      String resource = null;
      for (String r : t.resources()) {
        if (heldResources.containsKey(r)) {
          holder = heldResources.get(r);
          resource = r;
          break;
        }
      }
      if (holder != null) {
        waiting.putIfAbsent(t.id(), new Waiting(resource, holder, now()));
        continue;
      }
      if (state.failedAttempts(t.id()) >= caps.maxAttemptsPerTicket()) {
        gate(t.id(), state.nextAttempt(t.id()) - 1, attemptsExhausted(t.id()), attemptEvidence(t.id()));
        continue;
      }
      int attempt = state.nextAttempt(t.id());
      // Journal first, claim second: a crash in between leaves an open attempt that resume settles (and
      // reopens the ticket), never a claimed ticket the journal does not know about.
      record(new LoopEvent.TicketDispatched(now(), t.id(), attempt, freeSlot()));
      if (!settings.tracker().claim(t.id(), "run " + runId)) {
        record(new LoopEvent.AttemptInterrupted(now(), t.id(), attempt,
            "the tracker refused the claim: the ticket is no longer open"));
        continue;
      }
      Waiting w = waiting.remove(t.id());
      if (w != null) {
        record(new LoopEvent.ResourceWaited(now(), t.id(), w.resource(), w.holder(),
            Duration.between(w.since(), now()).toMillis()));
      }
      t.resources().forEach(r -> heldResources.put(r, t.id()));
      int slot = freeSlot();
      Attempt work = new Attempt(this, t.withStatus(Status.IN_PROGRESS), attempt, state.findings(t.id()), budget());
      FutureTask<AttemptOutcome> task = new FutureTask<>(work) {
        @Override
        protected void done() {
          completions.add(new Finished(t.id(), outcomeOf(this)));
        }
      };
      inFlight.put(t.id(), new InFlight(work, task, slot, now()));
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        task.cancel(false);
      }
    }
  }

  private static AttemptOutcome outcomeOf(FutureTask<AttemptOutcome> task) {
    try {
      return task.get();
    } catch (CancellationException e) {
      return new AttemptOutcome.Interrupted("cancelled");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AttemptOutcome.Interrupted("interrupted");
    } catch (ExecutionException e) {
      return new AttemptOutcome.Failed("engine", List.of(Attempt.describe("the attempt", e.getCause())));
    }
  }

  private int freeSlot() {
    Set<Integer> used = new java.util.HashSet<>();
    inFlight.values().forEach(f -> used.add(f.slot()));
    int slot = 0;
    while (used.contains(slot)) {
      slot++;
    }
    return slot;
  }

  private Budget budget() {
    Caps caps = settings.caps();
    Usage used = state.usage();
    BigDecimal money = caps.maxCostUsd().subtract(used.costUsd()).max(BigDecimal.ZERO);
    return new Budget(Math.max(0, caps.maxTokens() - used.totalTokens()), money, deadline,
        caps.maxTurnsPerWorker());
  }

  private Finished awaitCompletion() {
    Duration remaining = Duration.between(now(), deadline);
    if (remaining.isNegative() || remaining.isZero()) {
      throw capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + settings.caps().maxWallClock());
    }
    Finished finished;
    try {
      finished = completions.poll(Math.min(remaining.toMillis(), Long.MAX_VALUE / 2), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EndRun(new RunEnding.Failed("the engine thread was interrupted (the host stopped the run);"
          + " run again on the same directory to resume", e));
    }
    if (finished == null) {
      throw capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + settings.caps().maxWallClock()
          + " with " + inFlight.size() + " attempt(s) in flight");
    }
    return finished;
  }

  private void handle(Finished finished) {
    InFlight f = inFlight.remove(finished.ticketId());
    if (f == null) {
      return;
    }
    String id = finished.ticketId();
    int attempt = f.attempt().number();
    Ticket ticket = f.attempt().ticket();
    heldResources.values().removeIf(id::equals);
    if (!ticket.resources().isEmpty()) {
      record(new LoopEvent.ResourcesReleased(now(), id, List.copyOf(ticket.resources()),
          Duration.between(f.since(), now()).toMillis()));
    }
    Tracker tracker = settings.tracker();
    AttemptOutcome outcome = finished.outcome();
    if (outcome instanceof AttemptOutcome.Succeeded s) {
      // The attempt may have moved the finish line it was just measured against: check before Done.
      List<String> changes = currentTripwireChanges();
      if (!changes.isEmpty()) {
        record(new LoopEvent.AttemptInterrupted(now(), id, attempt,
            "the definition of done changed during the attempt; not marked done"));
        tracker.transition(id, Status.OPEN, "not marked done: the definition of done changed during attempt "
            + attempt + " (" + String.join("; ", changes) + ")");
        tripped(changes);
      }
      tracker.transition(id, Status.DONE, doneNote(attempt, s.evidence()));
      record(new LoopEvent.TicketDone(now(), id, attempt, s.evidence()));
      consecutiveFailures = 0;
    } else if (outcome instanceof AttemptOutcome.Failed failed) {
      StringBuilder note = new StringBuilder("Attempt " + attempt + " failed at " + failed.stage() + ":");
      failed.findings().forEach(x -> note.append("\n- ").append(x));
      tracker.comment(id, note.toString());
      record(new LoopEvent.AttemptFailed(now(), id, attempt, failed.stage(), failed.findings()));
      consecutiveFailures++;
      if (state.failedAttempts(id) >= settings.caps().maxAttemptsPerTicket()) {
        gate(id, attempt, attemptsExhausted(id), attemptEvidence(id));
      } else {
        tracker.transition(id, Status.OPEN, "attempt " + attempt + " failed; a fresh worker retries with the findings");
      }
    } else if (outcome instanceof AttemptOutcome.Deferred d) {
      record(new LoopEvent.AttemptDeferred(now(), id, attempt, d.blockers()));
      tracker.transition(id, Status.OPEN, "waiting for discovered blocker(s) " + String.join(", ", d.blockers()));
    } else if (outcome instanceof AttemptOutcome.NeedsHuman h) {
      gate(id, attempt, "the worker asked for a human: " + h.reason(), h.evidence());
    } else {
      AttemptOutcome.Interrupted i = (AttemptOutcome.Interrupted) outcome;
      record(new LoopEvent.AttemptInterrupted(now(), id, attempt, i.reason()));
      tracker.transition(id, Status.OPEN, "attempt " + attempt + " was interrupted: " + i.reason());
    }
  }

  private void gate(String id, int attempt, String reason, List<Evidence> evidence) {
    StringBuilder note = new StringBuilder("Waiting for a human: " + reason);
    evidence.forEach(e -> note.append("\n- ").append(e));
    settings.tracker().transition(id, Status.HUMAN_GATED, note.toString());
    record(new LoopEvent.HumanGated(now(), id, attempt, reason, evidence));
  }

  private String attemptsExhausted(String id) {
    return state.failedAttempts(id) + " failed attempt(s) reached the cap of "
        + settings.caps().maxAttemptsPerTicket() + " attempts per ticket";
  }

  /** One piece of evidence per failed attempt, with its findings. */
  private List<Evidence> attemptEvidence(String id) {
    Map<Integer, List<Finding>> byAttempt = new TreeMap<>();
    for (Finding f : state.findings(id)) {
      byAttempt.computeIfAbsent(f.attempt(), k -> new ArrayList<>()).add(f);
    }
    List<Evidence> out = new ArrayList<>();
    byAttempt.forEach((attempt, list) -> {
      Map<String, String> attrs = new LinkedHashMap<>();
      for (int i = 0; i < list.size(); i++) {
        attrs.put("finding-" + (i + 1), list.get(i).stage() + ": " + list.get(i).message());
      }
      out.add(new Evidence("attempt", "attempt " + attempt + ": " + list.get(0).stage() + " failed", attrs));
    });
    return out;
  }

  private static String doneNote(int attempt, List<Evidence> evidence) {
    StringBuilder note = new StringBuilder("Done: attempt " + attempt + " verified with evidence:");
    evidence.forEach(e -> note.append("\n- ").append(e));
    return note.toString();
  }

  /** Asks the healer, if any heals are left; true when a heal was applied and the run may go on. */
  private boolean heal(HealContext.Reason reason, Batch batch) {
    Healer healer = settings.healer();
    if (healer == null || heals >= settings.maxHeals()) {
      return false;
    }
    Heal heal;
    try {
      heal = healer.heal(new HealContext(runId, reason, batch, state.recentFindings(), heals));
    } catch (Exception e) {
      restoreInterrupt(e);
      throw new EndRun(new RunEnding.Failed(Attempt.describe("the healer", e), e));
    } finally {
      heals++;
    }
    String name = reason.name().toLowerCase(java.util.Locale.ROOT);
    if (heal instanceof Heal.Applied a) {
      record(new LoopEvent.HealAttempted(now(), name, "applied", a.summary(), a.diff()));
      checkTripwire();
      return true;
    }
    if (heal instanceof Heal.Rejected r) {
      record(new LoopEvent.HealAttempted(now(), name, "rejected", r.summary() + ": " + r.reason(), r.diff()));
      tripped(List.of("heal rejected: " + r.reason()));
    }
    Heal.NoChange n = (Heal.NoChange) heal;
    record(new LoopEvent.HealAttempted(now(), name, "no-change", n.why(), ""));
    return false;
  }

  /**
   * Files discovered work for an attempt; called on the attempt's thread. Filings are serialized among
   * themselves (one key, one ticket, one count) but never hold the run's lock across the tracker call, so a
   * slow tracker does not stall the other attempts' events.
   */
  Ticket fileDiscovered(String originId, NewTicket draft, boolean blocksCurrent) {
    synchronized (discoveryLock) {
      if (attemptsClosed) {
        throw new LoopException("run " + runId + " has ended; ticket '" + draft.title() + "' was not filed");
      }
      String key = discoveryKey(originId, draft.title());
      String existing;
      int filed;
      synchronized (this) {
        existing = state.discoveredTicket(key);
        filed = state.discoveredCount();
      }
      Tracker tracker = settings.tracker();
      if (existing != null) {
        return tracker.find(existing).orElseThrow(() -> new AdapterException(
            "discovered ticket " + existing + " is in the journal but not in the tracker"));
      }
      int cap = settings.caps().maxDiscoveredTickets();
      if (filed >= cap) {
        CapReachedException e = new CapReachedException(Cap.DISCOVERED_TICKETS, "workers filed " + cap
            + " discovered ticket(s), the cap; '" + draft.title() + "' from " + originId + " was not filed");
        discoveryCap = e;
        throw e;
      }
      NewTicket keyed = draft.toBuilder().idempotencyKey(key).addDependency(Dependency.discoveredFrom(originId))
          .build();
      Ticket ticket = tracker.create(keyed);
      if (blocksCurrent) {
        tracker.addDependency(originId, Dependency.blockedBy(ticket.id()));
      }
      record(new LoopEvent.TicketDiscovered(now(), originId, ticket.id(), ticket.title(), key, blocksCurrent));
      return ticket;
    }
  }

  private String discoveryKey(String originId, String title) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((runId + "\n" + originId + "\n" + title).getBytes(StandardCharsets.UTF_8));
      return "loop-" + HexFormat.of().formatHex(digest, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private void stopInFlight(RunEnding ending) {
    attemptsClosed = true;
    for (Map.Entry<String, InFlight> e : inFlight.entrySet()) {
      e.getValue().task().cancel(true);
      String id = e.getKey();
      int attempt = e.getValue().attempt().number();
      record(new LoopEvent.AttemptInterrupted(now(), id, attempt, "the run ended " + ending.kind()));
      try {
        settings.tracker().transition(id, Status.OPEN,
            "attempt " + attempt + " was interrupted because the run ended " + ending.kind());
      } catch (RuntimeException ex) {
        LOG.warn("could not reopen ticket {} after the run ended; it stays in progress", id, ex);
      }
    }
    inFlight.clear();
  }

  /** Locks a run directory against a second process; released when the JVM or the channel closes. */
  static FileLock lockDirectory(Path runDirectory) {
    Path lockFile = runDirectory.resolve("run.lock");
    try {
      java.nio.file.Files.createDirectories(runDirectory);
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new InputException("run directory " + runDirectory + " is in use by another run (" + lockFile
            + " is locked): wait for it to finish or use another directory");
      }
      return lock;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock run directory " + runDirectory, e);
    }
  }
}

package dev.loopkit.core;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * One session of a run: the outer loop of DESIGN §1 on the calling (engine) thread, attempts on the executor.
 * Every exit is a {@code return} of a {@link RunEnding} in {@link #loop()}; a host part that throws ends the
 * session {@code FAILED} in {@link #execute()}. What the engine decides it journals first ({@link Ledger}),
 * then applies ({@link Settler}), so a resumed session continues exactly where the journal stops.
 *
 * <p>Cost of a pass: one {@link Tracker#changesSince} read, the oracle and the ready set fed what changed, at
 * most two journal syncs (the decisions of every attempt that finished, then the dispatches), and the tracker
 * writes of what finished and started. Nothing in a pass walks the whole batch, except a full read (the first
 * of a session, or whenever an adapter cannot read incrementally) and the ready set or oracle a host chose.
 */
final class Run {
  private final EngineSettings settings;
  private final Tracker tracker;
  private final Caps caps;
  private final RunDirectory directory;
  private final String runId;
  private final Ledger ledger;
  private final RunHistory history;
  private final Inbox inbox = new Inbox();
  private final LiveBatch batch = new LiveBatch();
  private final Dispatcher dispatcher;
  private final Settler settler;
  private final Discoveries discoveries;
  private final Waits waits = new Waits();
  private final List<Stages.Step> pipeline;
  private final @Nullable ExecutorService ownExecutor;
  private FrozenDefinition frozen;
  private Instant deadline = Instant.MAX;
  private String cursor = "";
  private boolean readySetFed;
  private int consecutiveFailures;

  Run(EngineSettings settings, RunDirectory directory, String runId, RunJournal journal, Executor executor,
      @Nullable ExecutorService ownExecutor) {
    this.settings = settings;
    this.tracker = settings.tracker();
    this.caps = settings.caps();
    this.directory = directory;
    this.runId = runId;
    this.ledger = new Ledger(journal, settings.listeners(), settings.clock());
    this.history = ledger.history();
    this.dispatcher = new Dispatcher(executor, inbox, caps.maxConcurrency());
    this.settler = new Settler(tracker, ledger, caps);
    this.discoveries = new Discoveries(tracker, ledger, runId, caps.maxDiscoveredTickets());
    this.pipeline = Stages.pipeline(settings, new ResourceLocks(inbox, settings.clock()));
    this.ownExecutor = ownExecutor;
    this.frozen = new FrozenDefinition(settings.tripwire(), Map.of());
  }

  RunResult execute() {
    if (history.ending().orElse(null) == RunEnding.Kind.DONE) {
      throw new InputException("run directory " + directory + " holds run " + runId
          + " which has already ended DONE: start a new run directory to run the batch again");
    }
    RunEnding ending;
    try {
      ending = start();
      if (ending == null) {
        ending = loop();
      }
    } catch (HarnessFault e) {
      ending = new RunEnding.Failed(String.valueOf(e.getMessage()), e.getCause());
    } catch (RuntimeException e) {
      ending = new RunEnding.Failed(Attempt.describe("the run", e), e);
    }
    return finish(ending);
  }

  /** Starts the session: fingerprint, first read, the journal's start, the checks; null when work may begin. */
  private @Nullable RunEnding start() {
    boolean resumed = history.runId().isPresent();
    Instant started = ledger.now();
    Map<String, String> current = null;
    BatchChanges first = null;
    RuntimeException failure = null;
    try {
      current = Map.copyOf(settings.tripwire().fingerprint());
      first = tracker.changesSince("");
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      failure = new HarnessFault(Attempt.describe(current == null ? "the tripwire" : "the tracker", e), e);
    }
    Map<String, String> baseline = history.fingerprint().orElse(current == null ? Map.of() : current);
    frozen = new FrozenDefinition(settings.tripwire(), baseline);
    ledger.append(new LoopEvent.RunStarted(started, runId, first == null ? 0 : first.tickets().size(), resumed,
        baseline, caps.describe()));
    deadline = started.plus(caps.maxWallClock()).minus(history.elapsedBeforeSession());
    if (failure != null) {
      throw failure;
    }
    List<String> changes = frozen.changes();
    changes.addAll(frozen.canaryFailures());
    if (!changes.isEmpty()) {
      return tampered(changes);
    }
    if (settings.healer() != null && baseline.isEmpty()) {
      return new RunEnding.Failed("a healer is set but the tripwire fingerprints nothing: a healer may only run"
          + " under a tripwire that freezes the oracle and verifiers", null);
    }
    cursor = first.cursor();
    batch.apply(first);
    List<Settler.Effect> recovered = settler.recover(batch, runId);
    ledger.sync();
    settler.apply(recovered);
    return null;
  }

  private RunEnding loop() {
    while (true) {
      RunEnding capped = capReached();
      if (capped != null) {
        return capped;
      }
      List<String> changed = frozen.changes();
      if (!changed.isEmpty()) {
        return tampered(changed);
      }
      BatchChanges delta = read();
      Verdict verdict = judge(delta);
      if (verdict instanceof Verdict.Done done) {
        return settled(done);
      }
      if (history.passes() >= caps.maxPasses()) {
        return capped(Cap.PASSES, "reached " + caps.maxPasses() + " passes");
      }
      dispatch(plan(delta));
      if (dispatcher.idle()) {
        Heal heal = askHealer(HealContext.Reason.STALLED);
        if (heal instanceof Heal.Rejected r) {
          return tampered(new ArrayList<>(List.of("heal rejected: " + r.reason())));
        }
        if (heal instanceof Heal.Applied) {
          continue; // the definition of done is checked again at the top of the loop
        }
        Verdict.Pending pending = (Verdict.Pending) verdict;
        return new RunEnding.Stalled(pending.outstanding(), pending.count());
      }
      RunEnding stopped = awaitAndSettle();
      if (stopped != null) {
        return stopped;
      }
      if (settings.healer() != null && consecutiveFailures >= settings.healAfterConsecutiveFailures()) {
        consecutiveFailures = 0;
        if (askHealer(HealContext.Reason.REPEATED_FAILURES) instanceof Heal.Rejected r) {
          return tampered(new ArrayList<>(List.of("heal rejected: " + r.reason())));
        }
      }
    }
  }

  private BatchChanges read() {
    BatchChanges read;
    try {
      read = tracker.changesSince(cursor);
    } catch (RuntimeException e) {
      throw new HarnessFault(Attempt.describe("the tracker (reading the batch)", e), e);
    }
    cursor = read.cursor();
    return batch.apply(read);
  }

  private Verdict judge(BatchChanges delta) {
    Verdict verdict;
    try {
      verdict = settings.oracle().judge(new OracleContext(tracker, settings.clock(), batch, delta));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the oracle", e), e);
    }
    if (verdict instanceof Verdict.Pending p) {
      List<String> sample = new ArrayList<>();
      p.outstanding().stream().limit(LoopEvent.MAX_LISTED_IDS).forEach(o -> sample.add(o.ticketId()));
      ledger.append(new LoopEvent.OracleConsulted(ledger.now(), false, p.describe(), p.count(), sample));
    } else {
      ledger.append(new LoopEvent.OracleConsulted(ledger.now(), true, ((Verdict.Done) verdict).why(), 0, List.of()));
    }
    return verdict;
  }

  /** The oracle says the batch is settled: DONE only if no ticket waits for a person. */
  private RunEnding settled(Verdict.Done done) {
    int gated = batch.count(Status.HUMAN_GATED);
    if (gated == 0) {
      return new RunEnding.Done(done.why());
    }
    List<RunEnding.GatedTicket> named = new ArrayList<>();
    for (Ticket t : batch.withStatus(Status.HUMAN_GATED, RunEnding.NAMED_TICKETS)) {
      RunHistory.TicketHistory th = history.find(t.id());
      boolean ours = th != null && th.outcome() == RunReport.TicketOutcome.HUMAN_GATED;
      named.add(new RunEnding.GatedTicket(t.id(), ours ? th.gateReason() : "gated in the tracker, not by this run",
          ours ? th.evidence() : List.of()));
    }
    return new RunEnding.HumanGated(named, gated, done.why());
  }

  private List<Ticket> plan(BatchChanges delta) {
    BatchChanges changes = readySetFed ? delta : new BatchChanges(true, batch.tickets(), java.util.Set.of(), cursor);
    readySetFed = true;
    List<Ticket> ready = settings.readySet().ready(new ReadyContext(batch, changes, dispatcher.ids(),
        dispatcher.held(), dispatcher.free(), tracker));
    List<String> ids = new ArrayList<>();
    ready.stream().limit(Math.max(dispatcher.free(), 0)).forEach(t -> ids.add(t.id()));
    ledger.append(new LoopEvent.PassStarted(ledger.now(), history.passes() + 1, ids, dispatcher.size()));
    waits.note(batch, dispatcher.held(), dispatcher.ids(), ledger.now());
    return ready;
  }

  private record Start(Ticket ticket, int attempt, int slot) {}

  /** Journals the attempts first and syncs, then claims and starts them: never a claim the journal lacks. */
  private void dispatch(List<Ticket> ready) {
    List<Settler.Effect> gates = new ArrayList<>();
    List<Start> starts = new ArrayList<>();
    for (Ticket t : ready) {
      if (dispatcher.free() == 0) {
        break;
      }
      if (dispatcher.ids().contains(t.id()) || t.status() != Status.OPEN || dispatcher.heldResourceOf(t) != null) {
        continue;
      }
      if (history.failedAttempts(t.id()) >= caps.maxAttemptsPerTicket()) {
        gates.add(settler.gateExhausted(t.id()));
        continue;
      }
      int attempt = history.nextAttempt(t.id());
      int slot = dispatcher.reserve(t);
      ledger.append(new LoopEvent.TicketDispatched(ledger.now(), t.id(), attempt, slot));
      starts.add(new Start(t, attempt, slot));
    }
    ledger.sync();
    settler.apply(gates);
    for (Start s : starts) {
      Ticket t = s.ticket();
      int attempt = s.attempt();
      int slot = s.slot();
      if (!tracker.claim(t.id(), "run " + runId)) {
        dispatcher.release(t, slot);
        ledger.append(new LoopEvent.AttemptInterrupted(ledger.now(), t.id(), attempt,
            "the tracker refused the claim: the ticket is no longer open"));
        continue;
      }
      LoopEvent.ResourceWaited waited = waits.ended(t.id(), ledger.now());
      if (waited != null) {
        ledger.append(waited);
      }
      dispatcher.start(t, attempt, slot, ledger.now(), new Attempt(runId, t.withStatus(Status.IN_PROGRESS),
          attempt, history.findings(t.id()), budget(), directory.path(), settings.workspaces(), pipeline, inbox,
          settings.clock()));
    }
  }

  /** Waits for at least one attempt to finish, takes everything that has arrived, and settles it. */
  private @Nullable RunEnding awaitAndSettle() {
    List<Inbox.Finished> finished = new ArrayList<>();
    while (finished.isEmpty()) {
      Duration left = Duration.between(ledger.now(), deadline);
      Inbox.Message first;
      try {
        first = left.isNegative() || left.isZero() ? null : inbox.take(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new RunEnding.Failed("the engine thread was interrupted (the host stopped the run); run again on"
            + " the same directory to resume", e);
      }
      if (first == null) {
        return capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + caps.maxWallClock() + " with "
            + dispatcher.size() + " attempt(s) in flight");
      }
      List<Inbox.Message> arrived = new ArrayList<>(List.of(first));
      arrived.addAll(inbox.drain());
      for (Inbox.Message m : arrived) {
        if (m instanceof Inbox.Event e) {
          ledger.append(e.event());
        } else if (m instanceof Inbox.Filing f) {
          discoveries.handle(f);
        } else {
          finished.add((Inbox.Finished) m);
        }
      }
    }
    // An attempt may have moved the finish line it was just measured against: check before any Done.
    boolean anySucceeded = finished.stream().anyMatch(f -> f.outcome() instanceof AttemptOutcome.Succeeded);
    List<String> tamper = anySucceeded ? frozen.changes() : List.of();
    List<Settler.Effect> effects = new ArrayList<>();
    for (Inbox.Finished f : finished) {
      Dispatcher.InFlight done = dispatcher.finish(f.ticketId());
      if (done == null) {
        continue;
      }
      if (!done.ticket().resources().isEmpty()) {
        ledger.append(new LoopEvent.ResourcesReleased(ledger.now(), f.ticketId(), List.copyOf(done.ticket().resources()),
            Duration.between(done.since(), ledger.now()).toMillis()));
      }
      AttemptOutcome outcome = f.outcome() instanceof AttemptOutcome.Succeeded && !tamper.isEmpty()
          ? new AttemptOutcome.Interrupted("the definition of done changed during the attempt; not marked done ("
              + String.join("; ", tamper) + ")")
          : f.outcome();
      consecutiveFailures = outcome instanceof AttemptOutcome.Failed ? consecutiveFailures + 1
          : outcome instanceof AttemptOutcome.Succeeded ? 0 : consecutiveFailures;
      effects.add(settler.decide(f.ticketId(), done.attempt(), outcome));
    }
    ledger.sync();
    settler.apply(effects);
    return tamper.isEmpty() ? null : tampered(new ArrayList<>(tamper));
  }

  private @Nullable RunEnding capReached() {
    if (!ledger.now().isBefore(deadline)) {
      return capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + caps.maxWallClock());
    }
    Usage used = history.usage();
    if (!used.isMetered() && !caps.allowUnmeteredUsage()) {
      return capped(Cap.MONEY, used.unmeteredCalls() + " model call(s) could not be priced or reported no usage,"
          + " so the money and token caps cannot see them: add the model to the client's price table, or declare"
          + " such usage free with Caps.builder().allowUnmeteredUsage()");
    }
    if (used.totalTokens() >= caps.maxTokens()) {
      return capped(Cap.TOKENS, "used " + used.totalTokens() + " tokens of " + caps.maxTokens());
    }
    if (used.costUsd().compareTo(caps.maxCostUsd()) >= 0) {
      return capped(Cap.MONEY, "spent $" + used.costUsd().toPlainString() + " of $" + caps.maxCostUsd().toPlainString());
    }
    CapReachedException discovery = discoveries.capReached();
    return discovery == null ? null : capped(Cap.DISCOVERED_TICKETS, String.valueOf(discovery.getMessage()));
  }

  private RunEnding capped(Cap cap, String detail) {
    ledger.append(new LoopEvent.CapReached(ledger.now(), cap, detail));
    return new RunEnding.Capped(cap, detail);
  }

  private RunEnding tampered(List<String> changes) {
    ledger.append(new LoopEvent.TripwireTripped(ledger.now(), changes));
    return new RunEnding.Tampered(changes);
  }

  /** Asks the healer, if any heals are left; null when there is no healer to ask. */
  private @Nullable Heal askHealer(HealContext.Reason reason) {
    Healer healer = settings.healer();
    if (healer == null || history.heals() >= settings.maxHeals()) {
      return null;
    }
    Heal heal;
    try {
      heal = healer.heal(new HealContext(runId, reason, batch, history.recentFindings(), history.heals()));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the healer", e), e);
    }
    String diff = heal instanceof Heal.Applied a ? a.diff() : heal instanceof Heal.Rejected r ? r.diff() : "";
    String summary = heal instanceof Heal.Rejected r ? r.summary() + ": " + r.reason() : heal.summary();
    ledger.append(new LoopEvent.HealAttempted(ledger.now(), reason, heal.outcome(), summary, diff));
    return heal;
  }

  private Budget budget() {
    Usage used = history.usage();
    BigDecimal money = caps.maxCostUsd().subtract(used.costUsd()).max(BigDecimal.ZERO);
    return new Budget(Math.max(0, caps.maxTokens() - used.totalTokens()), money, deadline, caps.maxTurnsPerWorker());
  }

  /** Ends the session: attempts in flight are interrupted and their tickets reopened, the journal closed. */
  private RunResult finish(RunEnding ending) {
    boolean interrupted = Thread.interrupted(); // finish with the flag cleared, then hand it back
    List<Settler.Effect> reopen = new ArrayList<>();
    try {
      for (Inbox.Message m : inbox.close()) {
        if (m instanceof Inbox.Event e) {
          ledger.append(e.event());
        }
      }
      for (Dispatcher.InFlight f : dispatcher.cancelAll()) {
        reopen.add(settler.decide(f.ticket().id(), f.attempt(),
            new AttemptOutcome.Interrupted("the run ended " + ending.kind())));
      }
      String d = ending.describe();
      ledger.append(new LoopEvent.RunEnded(ledger.now(), ending.kind(), d.substring(d.indexOf(": ") + 2)));
      ledger.sync();
      for (Settler.Effect e : reopen) {
        try {
          settler.apply(List.of(e));
        } catch (RuntimeException ex) {
          LoggerFactory.getLogger(Run.class).warn("could not reopen ticket {} after the run ended; it stays in"
              + " progress until the run is resumed", e.ticketId(), ex);
        }
      }
    } finally {
      if (ownExecutor != null) {
        ownExecutor.shutdownNow();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return new RunResult(runId, directory.path(), ending, RunReport.of(history), ledger.stats());
  }
}

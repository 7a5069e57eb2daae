package dev.loopkit.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

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
  private final List<Stages.Step> pipeline;
  private final HarnessCalls calls;
  private final Judge judge;
  private final Healing healing;
  private final Membership membership;
  private final FinalGate gate;
  private final Decisions decisions;
  private final @Nullable ExecutorService ownExecutor;
  private FrozenDefinition frozen;
  private Instant deadline = Instant.MAX;

  Run(EngineSettings settings, RunDirectory directory, String runId, RunJournal journal, Executor executor,
      @Nullable ExecutorService ownExecutor) {
    this.settings = settings;
    this.tracker = settings.tracker();
    this.caps = settings.caps();
    this.directory = directory;
    this.runId = runId;
    this.ledger = new Ledger(journal, settings.listeners(), settings.clock());
    this.history = ledger.history();
    this.calls = new HarnessCalls(ledger, settings.sleeper(), settings.clock(), settings.trackerCallTimeout());
    this.settler = new Settler(tracker, ledger, caps, calls, new EarlierRuns(settings.earlierRuns(), directory));
    this.dispatcher = new Dispatcher(executor, inbox, caps.maxConcurrency(), ledger, tracker, settler, runId, calls);
    this.discoveries = new Discoveries(tracker, ledger, runId, caps.maxDiscoveredTickets(), calls);
    this.pipeline = Stages.pipeline(settings, new ResourceLocks(inbox, settings.clock()));
    this.judge = new Judge(settings, ledger, batch, calls);
    this.healing = new Healing(settings, ledger, runId, batch, directory);
    this.membership = new Membership(settings.verifier(), ledger);
    this.gate = new FinalGate(settings.integrator(), settings.verifier(), settings.sandbox(), ledger, executor, runId);
    this.decisions = new Decisions(directory.path(), journal.key(), ledger);
    this.ownExecutor = ownExecutor;
    this.frozen = new FrozenDefinition(settings.tripwire(), Map.of());
  }

  RunResult execute() {
    RunEnding ending;
    try {
      ending = start();
      if (ending == null) {
        ending = loop();
      }
    } catch (HarnessCalls.PastDeadline e) { // a part still running at the cap: abandoned, the run capped on time
      ending = capped(new RunEnding.Capped(Cap.WALL_CLOCK, String.valueOf(e.getMessage())));
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
    calls.deadline(started.plus(caps.maxWallClock()).minus(history.elapsed()));
    Map<String, String> current = null;
    BatchChanges first = null;
    RuntimeException failure = null;
    try {
      current = Map.copyOf(settings.tripwire().fingerprint());
      first = calls.call("the tracker", "changesSince", () -> tracker.changesSince(""));
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      failure = e instanceof HarnessFault h ? h : new HarnessFault(Attempt.describe("the tripwire", e), e);
    }
    Map<String, String> baseline = history.fingerprint().orElse(current == null ? Map.of() : current);
    frozen = new FrozenDefinition(settings.tripwire(), baseline);
    ledger.append(new LoopEvent.RunStarted(started, runId, first == null ? 0 : first.tickets().size(), resumed,
        baseline, caps.describe(), settings.sandbox().describe()));
    deadline = started.plus(caps.maxWallClock()).minus(history.elapsedBeforeSession());
    calls.deadline(deadline);
    if (failure != null) {
      throw failure;
    }
    List<String> changes = new ArrayList<>(frozen.changes());
    changes.addAll(frozen.canaryFailures());
    if (!changes.isEmpty()) {
      return tampered(changes);
    }
    if (healing.refusal(baseline) != null) {
      return new RunEnding.Failed(healing.refusal(baseline), null);
    }
    List<Settler.Effect> recovered = decisions.poll(dispatcher); // recorded while the run was stopped
    Membership.Check check = membership.start(batch.apply(first), dispatcher.ids()::contains);
    recovered.addAll(check.reopen());
    recovered.addAll(settler.recover(batch, runId));
    settler.commit(recovered);
    return check.tampered().isEmpty() ? null : tampered(check.tampered());
  }

  private RunEnding loop() {
    while (true) {
      RunEnding capped = capReached();
      if (capped != null) {
        return capped;
      }
      BatchChanges delta = batch.read(tracker, calls);
      List<Settler.Effect> writes = decisions.poll(dispatcher); // a person's decision wins over an attempt
      Membership.Check check = membership.check(delta, dispatcher.ids()::contains, frozen.changes());
      if (!check.tampered().isEmpty()) {
        return tampered(check.tampered());
      }
      writes.addAll(check.reopen());
      delta = batch.wrote(delta, settler.commit(writes));
      Verdict verdict = judge.judge(delta);
      if (verdict instanceof Verdict.Done done) {
        List<Settler.Effect> regressed = gate.check(batch);
        if (regressed.isEmpty()) {
          return judge.ending(done);
        }
        verdict = judge.judge(delta = batch.wrote(delta, settler.commit(regressed)));
      }
      if (history.passes() >= caps.maxPasses()) {
        return capped(new RunEnding.Capped(Cap.PASSES, "reached " + caps.maxPasses() + " passes"));
      }
      int gated = dispatcher.startAll(dispatcher.plan(settings.readySet(), batch, delta), this::attempt);
      if (dispatcher.idle() && gated == 0) {
        Heal heal = healing.ask(HealContext.Reason.STALLED);
        if (heal instanceof Heal.Applied) {
          continue; // the definition of done is checked again at the top of the loop
        }
        Verdict.Pending pending = (Verdict.Pending) verdict; // a rejected heal or a wall: the real stop, naming it
        return new RunEnding.Stalled(pending.outstanding(), pending.count(), Healing.stopDetail(heal));
      }
      if (dispatcher.idle()) {
        continue; // it only gated tickets: the oracle judges them on the next pass
      }
      RunEnding stopped = awaitAndSettle();
      if (stopped != null) {
        return stopped;
      }
      healing.afterSettle(settler);
    }
  }

  /** Waits for at least one attempt to finish, takes everything that has arrived, and settles it. */
  private @Nullable RunEnding awaitAndSettle() {
    List<Inbox.Finished> finished;
    try {
      finished = inbox.awaitFinished(Duration.between(ledger.now(), deadline), settings.clock(), ledger::append,
          discoveries::handle, decisions::pending);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RunEnding.Failed("the engine thread was interrupted (the host stopped the run); run again on"
          + " the same directory to resume", e);
    }
    if (finished.isEmpty() && decisions.pending()) {
      return null; // a person decided while attempts ran: the next pass takes the decision in
    }
    if (finished.isEmpty()) {
      return capped(new RunEnding.Capped(Cap.WALL_CLOCK, "ran for the wall-clock cap of " + caps.maxWallClock()
          + " with " + dispatcher.size() + " attempt(s) in flight"));
    }
    // An attempt may have moved the finish line it was just measured against: check before any Done.
    boolean anySucceeded = finished.stream().anyMatch(f -> f.outcome() instanceof AttemptOutcome.Succeeded);
    List<String> tamper = anySucceeded ? frozen.changes() : List.of();
    settler.commit(settler.settle(finished, dispatcher, tamper));
    AttemptOutcome.Fatal fatal = settler.fatal(); // a part that cannot go on stops the run, not the ticket
    return fatal != null ? new RunEnding.Failed(fatal.reason() + " (no ticket was charged; fix it and run again"
        + " to resume)", fatal.cause()) : tamper.isEmpty() ? null : tampered(new ArrayList<>(tamper));
  }

  private @Nullable RunEnding capReached() {
    RunEnding.Capped c = caps.reached(history.usage(), ledger.now(), deadline, discoveries.capReached());
    return c == null ? null : capped(c);
  }

  private RunEnding capped(RunEnding.Capped capped) {
    ledger.append(new LoopEvent.CapReached(ledger.now(), capped.cap(), capped.detail()));
    return capped;
  }

  private RunEnding tampered(List<String> changes) {
    ledger.append(new LoopEvent.TripwireTripped(ledger.now(), changes));
    return new RunEnding.Tampered(changes);
  }

  private Attempt attempt(Ticket ticket, int number) {
    return new Attempt(runId, ticket, number, history.findings(ticket.id()), caps.budget(history.usage(), deadline), directory.path(),
        settings.workspaces(), pipeline, inbox, settings.clock(), settings.sandbox());
  }

  /** Ends the session: attempts in flight are interrupted and their tickets reopened, the journal closed. */
  private RunResult finish(RunEnding ending) {
    boolean interrupted = Thread.interrupted(); // finish with the flag cleared, then hand it back
    List<Settler.Effect> reopen = new ArrayList<>();
    try {
      inbox.close(ledger::append); // the events that arrived are real; later ones are dropped
      Set<String> decided = dispatcher.overruled(); // a person's decision stands: no reopen over it
      dispatcher.cancelAll().forEach(f -> reopen.add(settler.decide(f.ticket().id(), f.attempt(), decided.contains(
          f.ticket().id()) ? Settler.OVERRULED : new AttemptOutcome.Interrupted("the run ended " + ending.kind()))));
      reopen.removeIf(e -> decided.contains(e.ticketId()));
      String d = ending.describe();
      ledger.append(new LoopEvent.RunEnded(ledger.now(), ending.kind(), d.substring(d.indexOf(": ") + 2)));
      ledger.sync();
      calls.deadline(ledger.now().plus(settings.trackerCallTimeout())); // past the cap: one call's time to reopen
      settler.applyEach(reopen); // a tracker that fails here must not hide the ending
    } finally {
      calls.close();
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

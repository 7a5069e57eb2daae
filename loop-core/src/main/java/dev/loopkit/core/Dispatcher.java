package dev.loopkit.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Starts attempts and keeps those in flight: at most {@code capacity}, each in a numbered worker slot, with the
 * resources their tickets hold. Every start is journaled and synced before the ticket is claimed, so the
 * tracker never holds a claim the journal does not know. Each attempt posts its outcome to the inbox when it
 * ends. Engine thread only.
 */
final class Dispatcher {
  /** An attempt in flight. */
  record InFlight(Ticket ticket, int attempt, int slot, Instant since, FutureTask<AttemptOutcome> task) {}

  private final Executor executor;
  private final Inbox inbox;
  private final int capacity;
  private final Map<String, InFlight> inFlight = new LinkedHashMap<>();
  private final Map<String, String> held = new HashMap<>();
  private final BitSet slots = new BitSet();
  private final Ledger ledger;
  private final Tracker tracker;
  private final Settler settler;
  private final String runId;
  private final Waits waits = new Waits();
  private boolean readySetFed;
  private final Epics epics = new Epics();
  private final Set<String> overruled = new HashSet<>();
  private final HarnessCalls calls;

  /** Makes the attempt for a ticket (claimed, so in progress) and its attempt number. */
  @FunctionalInterface
  interface AttemptFactory {
    Attempt attempt(Ticket ticket, int number);
  }

  private record Start(Ticket ticket, int attempt, int slot) {}

  Dispatcher(Executor executor, Inbox inbox, int capacity, Ledger ledger, Tracker tracker, Settler settler,
      String runId, HarnessCalls calls) {
    this.calls = calls;
    this.executor = executor;
    this.inbox = inbox;
    this.capacity = capacity;
    this.ledger = ledger;
    this.tracker = tracker;
    this.settler = settler;
    this.runId = runId;
  }

  /**
   * Asks the ready set for this pass's tickets (fed what changed; the whole batch the first time), holds back
   * epics that still wait for a child ({@link Epics}), and journals the pass.
   */
  List<Ticket> plan(ReadySet readySet, LiveBatch batch, BatchChanges delta) {
    BatchChanges changes = readySetFed ? delta : batch.asFullRead();
    readySetFed = true;
    epics.apply(changes);
    List<Ticket> ready = epics.withoutWaitingEpics(
        readySet.ready(new ReadyContext(batch, changes, ids(), held(), free(), tracker)));
    List<String> ids = new ArrayList<>();
    ready.stream().limit(Math.max(free(), 0)).forEach(t -> ids.add(t.id()));
    ledger.append(new LoopEvent.PassStarted(ledger.now(), ledger.history().passes() + 1, ids, size()));
    noteWaits(batch);
    return ready;
  }

  /**
   * Starts the ready tickets the free slots allow: gates a ticket out of attempts instead, skips one whose
   * resources are taken, journals the starts, syncs, then claims and runs each. Returns how many tickets it
   * gated, so a pass that only gated is not mistaken for a stall.
   */
  int startAll(List<Ticket> ready, AttemptFactory attempts) {
    RunHistory history = ledger.history();
    List<Settler.Effect> gates = new ArrayList<>();
    List<Start> starts = new ArrayList<>();
    for (Ticket t : ready) {
      if (free() == 0) {
        break;
      }
      if (inFlight.containsKey(t.id()) || t.status() != Status.OPEN || heldResourceOf(t) != null) {
        continue;
      }
      if (history.failedAttempts(t.id()) >= settler.maxAttemptsPerTicket()) {
        gates.add(settler.gateExhausted(t.id()));
        continue;
      }
      int attempt = history.nextAttempt(t.id());
      int slot = reserve(t);
      ledger.append(new LoopEvent.TicketDispatched(ledger.now(), t.id(), attempt, slot));
      starts.add(new Start(t, attempt, slot));
    }
    ledger.sync();
    settler.apply(gates);
    // one hand-off for the pass's claims; every claim that landed starts its attempt, even when a later claim
    // fails for good (those attempts are then settled by the run's ending, so no ticket is left in progress)
    calls.callEach("the tracker", starts.stream().map(s -> claim(s.ticket())).toList(), (i, claimed) -> {
      Start s = starts.get(i);
      Ticket t = s.ticket();
      if (!claimed) {
        release(t, s.slot());
        ledger.append(new LoopEvent.AttemptInterrupted(ledger.now(), t.id(), s.attempt(),
            "the tracker refused the claim: the ticket is no longer open"));
        return;
      }
      LoopEvent.ResourceWaited waited = waits.ended(t.id(), ledger.now());
      if (waited != null) {
        ledger.append(waited);
      }
      Ticket inProgress = t.withStatus(Status.IN_PROGRESS);
      start(inProgress, s.attempt(), s.slot(), ledger.now(), attempts.attempt(inProgress, s.attempt()));
    });
    return gates.size();
  }

  /**
   * Claims a ticket through the harness's calls (timeout, retries). A claim whose first try failed or was
   * abandoned may have landed before a retry was refused: then the ticket reads in progress, and since the
   * journal holds this run's dispatch of it, it is taken as this run's claim rather than left stuck in progress.
   */
  private HarnessCalls.Call<Boolean> claim(Ticket t) {
    java.util.concurrent.atomic.AtomicBoolean tried = new java.util.concurrent.atomic.AtomicBoolean();
    return new HarnessCalls.Call<>("claim " + t.id(), () -> {
      boolean retry = tried.getAndSet(true);
      return tracker.claim(t.id(), "run " + runId) || retry && tracker.find(t.id())
          .map(now -> now.status() == Status.IN_PROGRESS).orElse(false);
    });
  }

  /** Notes the open tickets that now wait for a resource an in-flight ticket holds. */
  void noteWaits(LiveBatch batch) {
    waits.note(batch, held, inFlight.keySet(), ledger.now());
  }

  int free() {
    return Math.max(0, capacity - slots.cardinality());
  }

  boolean idle() {
    return inFlight.isEmpty();
  }

  int size() {
    return inFlight.size();
  }

  Set<String> ids() {
    return Collections.unmodifiableSet(inFlight.keySet());
  }

  /** Resource name to the in-flight ticket holding it. */
  Map<String, String> held() {
    return Collections.unmodifiableMap(held);
  }

  /** The first resource of {@code ticket} an in-flight ticket holds, or null when all are free. */
  @Nullable String heldResourceOf(Ticket ticket) {
    for (String r : ticket.resources()) {
      if (held.containsKey(r)) {
        return r;
      }
    }
    return null;
  }

  /**
   * Takes the lowest free slot and the ticket's resources for an attempt about to be journaled, so a second
   * ticket needing one of them cannot be planned into the same pass.
   */
  private int reserve(Ticket ticket) {
    int slot = slots.nextClearBit(0);
    slots.set(slot);
    ticket.resources().forEach(r -> held.put(r, ticket.id()));
    return slot;
  }

  /** Gives back what {@link #reserve} took, for an attempt that did not start (its claim was refused). */
  private void release(Ticket ticket, int slot) {
    slots.clear(slot);
    held.values().removeIf(ticket.id()::equals);
  }

  /** Starts an attempt in a reserved slot; its ticket's resources are held until {@link #finish}. */
  private void start(Ticket ticket, int attempt, int slot, Instant now, Attempt work) {
    FutureTask<AttemptOutcome> task = new FutureTask<>(work) {
      @Override
      protected void done() {
        inbox.post(new Inbox.Finished(ticket.id(), outcomeOf(this)));
      }
    };
    inFlight.put(ticket.id(), new InFlight(ticket, attempt, slot, now, task));
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.cancel(false);
    }
  }

  /** Ends an attempt's time in flight, freeing its slot and resources; null if it is not in flight. */
  @Nullable InFlight finish(String ticketId) {
    InFlight f = inFlight.remove(ticketId);
    if (f != null) {
      held.values().removeIf(ticketId::equals);
      slots.clear(f.slot());
    }
    return f;
  }

  /**
   * Stops the attempt in flight on a ticket a person decided: it is interrupted now, keeps its slot and resources
   * until it has stopped, and its outcome is not applied ({@link #takeOverruled}). False if none is in flight.
   */
  boolean overrule(String ticketId) {
    InFlight f = inFlight.get(ticketId);
    if (f == null) {
      return false;
    }
    overruled.add(ticketId);
    f.task().cancel(true);
    return true;
  }

  /** The tickets whose attempts a person's decision overruled and that have not settled yet. */
  Set<String> overruled() {
    return Set.copyOf(overruled);
  }

  /** Whether a person's decision overruled the attempt on this ticket (asked once, as it settles). */
  boolean takeOverruled(String ticketId) {
    return overruled.remove(ticketId);
  }

  /** Interrupts every attempt in flight and forgets them. */
  List<InFlight> cancelAll() {
    List<InFlight> out = new ArrayList<>(inFlight.values());
    out.forEach(f -> f.task().cancel(true));
    inFlight.clear();
    held.clear();
    slots.clear();
    overruled.clear();
    return out;
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
      return new AttemptOutcome.Failed(StageKind.ENGINE, StageKind.ENGINE.wireName(),
          List.of(Attempt.describe("the attempt", e.getCause())));
    }
  }
}

package dev.loopkit.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
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
 * The attempts in flight: at most {@code capacity}, each in a numbered worker slot, with the resources their
 * tickets hold. Starts attempts on the executor; each posts its outcome to the inbox when it ends. Engine
 * thread only.
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

  Dispatcher(Executor executor, Inbox inbox, int capacity) {
    this.executor = executor;
    this.inbox = inbox;
    this.capacity = capacity;
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
  int reserve(Ticket ticket) {
    int slot = slots.nextClearBit(0);
    slots.set(slot);
    ticket.resources().forEach(r -> held.put(r, ticket.id()));
    return slot;
  }

  /** Gives back what {@link #reserve} took, for an attempt that did not start (its claim was refused). */
  void release(Ticket ticket, int slot) {
    slots.clear(slot);
    held.values().removeIf(ticket.id()::equals);
  }

  /** Starts an attempt in a reserved slot; its ticket's resources are held until {@link #finish}. */
  void start(Ticket ticket, int attempt, int slot, Instant now, Attempt work) {
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

  /** Interrupts every attempt in flight and forgets them. */
  List<InFlight> cancelAll() {
    List<InFlight> out = new ArrayList<>(inFlight.values());
    out.forEach(f -> f.task().cancel(true));
    inFlight.clear();
    held.clear();
    slots.clear();
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

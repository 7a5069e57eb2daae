package dev.loopkit.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * How attempts talk to the engine's thread: their events, their filings of discovered work, and their
 * completion, in the order they happened. Attempts post from their worker threads; only the engine's thread
 * takes. Once closed (the run ended), events are dropped and filings refused.
 */
final class Inbox {
  sealed interface Message {}

  record Event(LoopEvent event) implements Message {}

  record Finished(String ticketId, AttemptOutcome outcome) implements Message {}

  record Filing(String originId, NewTicket draft, boolean blocksCurrent, CompletableFuture<Ticket> result)
      implements Message {}

  /** How often (ms) the engine takes the events of long attempts while none finishes, for live listeners. */
  private static final long EVENT_LATENCY_MILLIS = 200;

  // Events do not wake the engine (an attempt posts several before it finishes); finishes and filings do, and
  // the engine takes every event that arrived before them first, so an attempt's events precede its finish.
  private final java.util.concurrent.ConcurrentLinkedQueue<Event> events =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
  private volatile boolean closed;

  void post(Message message) {
    if (closed) {
      if (message instanceof Filing f) {
        f.result().completeExceptionally(new LoopException("the run has ended; ticket '" + f.draft().title()
            + "' was not filed"));
      }
      return;
    }
    if (message instanceof Event e) {
      events.add(e);
    } else {
      queue.add(message);
    }
  }

  void event(LoopEvent event) {
    post(new Event(event));
  }

  /**
   * Waits until at least one attempt has finished (at most {@code timeout} by {@code clock}), then takes
   * everything that has arrived: events go to {@code events} and filings to {@code filings} in order, the
   * finished attempts are returned. Events of attempts still running are handed over at least every
   * {@value #EVENT_LATENCY_MILLIS} ms. Empty when the timeout passed first.
   */
  List<Finished> awaitFinished(Duration timeout, java.time.Clock clock, java.util.function.Consumer<LoopEvent> sink,
      java.util.function.Consumer<Filing> filings) throws InterruptedException {
    return awaitFinished(timeout, clock, sink, filings, () -> false);
  }

  /** As above, and returns (possibly empty) as soon as {@code wake} is true (checked at the event latency). */
  List<Finished> awaitFinished(Duration timeout, java.time.Clock clock, java.util.function.Consumer<LoopEvent> sink,
      java.util.function.Consumer<Filing> filings, java.util.function.BooleanSupplier wake)
      throws InterruptedException {
    java.time.Instant until = clock.instant().plus(timeout);
    List<Finished> finished = new ArrayList<>();
    while (true) {
      Duration left = Duration.between(clock.instant(), until);
      if (left.isNegative() || left.isZero()) {
        drainEvents(sink);
        return finished;
      }
      Message first = queue.poll(Math.min(left.toMillis(), EVENT_LATENCY_MILLIS), TimeUnit.MILLISECONDS);
      List<Message> arrived = new ArrayList<>();
      if (first != null) {
        arrived.add(first);
        queue.drainTo(arrived);
      }
      drainEvents(sink);
      for (Message m : arrived) {
        if (m instanceof Filing f) {
          filings.accept(f);
          drainEvents(sink); // what the filing attempt posted after it was answered
        } else {
          finished.add((Finished) m);
        }
      }
      if (!finished.isEmpty() || wake.getAsBoolean()) {
        return finished;
      }
    }
  }

  private void drainEvents(java.util.function.Consumer<LoopEvent> sink) {
    Event e;
    while ((e = events.poll()) != null) {
      sink.accept(e.event());
    }
  }

  /**
   * Stops taking messages: the events that arrived go to {@code sink}, later ones are dropped, pending and later
   * filings refused, and finishes ignored (the engine interrupts what is in flight).
   */
  void close(java.util.function.Consumer<LoopEvent> sink) {
    closed = true;
    drainEvents(sink);
    List<Message> left = new ArrayList<>();
    queue.drainTo(left);
    for (Message m : left) {
      if (m instanceof Filing f) {
        f.result().completeExceptionally(new LoopException("the run has ended; ticket '" + f.draft().title()
            + "' was not filed"));
      }
    }
  }
}

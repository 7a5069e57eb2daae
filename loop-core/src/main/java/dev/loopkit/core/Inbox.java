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
    queue.add(message);
  }

  void event(LoopEvent event) {
    post(new Event(event));
  }

  /** The next message, waiting at most {@code timeout}; null when none came. */
  @Nullable Message take(Duration timeout) throws InterruptedException {
    return queue.poll(Math.max(0, Math.min(timeout.toMillis(), Long.MAX_VALUE / 2)), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits until at least one attempt has finished (at most {@code timeout}), then takes everything that has
   * arrived: events go to {@code events} and filings to {@code filings} in order, the finished attempts are
   * returned. Empty when the timeout passed first.
   */
  List<Finished> awaitFinished(Duration timeout, java.time.Clock clock, java.util.function.Consumer<LoopEvent> events,
      java.util.function.Consumer<Filing> filings) throws InterruptedException {
    java.time.Instant until = clock.instant().plus(timeout);
    List<Finished> finished = new ArrayList<>();
    while (finished.isEmpty()) {
      Duration left = Duration.between(clock.instant(), until);
      Message first = left.isNegative() || left.isZero() ? null : take(left);
      if (first == null) {
        return finished;
      }
      List<Message> arrived = new ArrayList<>(List.of(first));
      arrived.addAll(drain());
      for (Message m : arrived) {
        if (m instanceof Event e) {
          events.accept(e.event());
        } else if (m instanceof Filing f) {
          filings.accept(f);
        } else {
          finished.add((Finished) m);
        }
      }
    }
    return finished;
  }

  /** Every message that has arrived, without waiting. */
  List<Message> drain() {
    List<Message> out = new ArrayList<>();
    queue.drainTo(out);
    return out;
  }

  /** Stops taking messages: later events are dropped, later and pending filings refused. */
  List<Message> close() {
    closed = true;
    List<Message> left = drain();
    for (Message m : left) {
      if (m instanceof Filing f) {
        f.result().completeExceptionally(new LoopException("the run has ended; ticket '" + f.draft().title()
            + "' was not filed"));
      }
    }
    return left;
  }
}

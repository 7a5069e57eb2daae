package dev.loopkit.core;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every event of a run goes: appended to the journal, folded into the run's {@link RunHistory}, then
 * handed to the listeners, in one order for all threads. {@link #sync()} makes everything appended so far
 * durable with one fsync; the engine calls it before it acts on any event, so what the journal may lose in a
 * crash is never something the engine acted on. Engine thread only: attempts hand their events to the engine
 * through the {@link Inbox}, so events, the history and the listeners have one writer and one order.
 */
final class Ledger {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

  private final RunJournal journal;
  private final RunHistory history;
  private final List<LoopListener> listeners;
  private final Clock clock;

  Ledger(RunJournal journal, List<LoopListener> listeners, Clock clock) {
    this.journal = journal;
    this.history = journal.history();
    this.listeners = listeners;
    this.clock = clock;
  }

  Instant now() {
    return clock.instant();
  }

  /** Appends an event: journal, history, listeners. */
  void append(LoopEvent event) {
    journal.append(event);
    history.apply(event);
    for (LoopListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("listener {} failed on {}", listener, event.getClass().getSimpleName(), e);
      }
    }
  }

  /** Makes every event appended so far durable (one fsync), then checkpoints the history if one is due. */
  void sync() {
    journal.sync();
    journal.checkpointIfDue(history);
  }

  /** The run's history, changed only through {@link #append}. */
  RunHistory history() {
    return history;
  }

  JournalStats stats() {
    return journal.stats();
  }
}

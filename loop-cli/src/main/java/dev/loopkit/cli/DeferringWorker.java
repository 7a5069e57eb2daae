package dev.loopkit.cli;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps {@link DiscoverySink}'s promise that filing a ticket that blocks the current one ends the attempt
 * without a failure. loop-llm's model worker reports such an attempt as failed ("blocked by discovered
 * ticket"), while the engine defers a ticket only when the worker's result is a completion; this wrapper
 * turns a failed result of an attempt that filed blockers into a completion naming them, which the engine
 * then defers until the blockers are done. Other results pass through unchanged.
 */
final class DeferringWorker implements Worker {
  private final Worker delegate;

  DeferringWorker(Worker delegate) {
    this.delegate = delegate;
  }

  @Override
  public WorkResult work(Assignment a) throws Exception {
    List<String> blockers = new CopyOnWriteArrayList<>();
    DiscoverySink sink = (ticket, blocksCurrent) -> {
      Ticket filed = a.discoveries().file(ticket, blocksCurrent);
      if (blocksCurrent) {
        blockers.add(filed.id());
      }
      return filed;
    };
    WorkResult result = delegate.work(new Assignment(a.runId(), a.ticket(), a.workspace(), a.attempt(),
        a.findings(), a.budget(), sink, a.runDirectory()));
    if (result instanceof WorkResult.Failed failed && !blockers.isEmpty()) {
      return WorkResult.completed("filed " + String.join(", ", blockers) + ", which must be done first: "
          + String.join("; ", failed.findings()), failed.usage());
    }
    return result;
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}

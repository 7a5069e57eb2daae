package dev.loopkit.bench;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.ForwardingTracker;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts every call the engine (and its oracle, ready set and stages) makes to the tracker it was given.
 * Thread-safe: the engine calls it from its own thread and from worker threads.
 */
final class CountingTracker extends ForwardingTracker {
  /** The calls counted, in the order the figures list them. */
  static final String[] CALLS = {"readBatch", "changesSince", "find", "transition", "claim", "create",
      "addDependency", "comment"};

  private final LongAdder readBatch = new LongAdder();
  private final LongAdder changesSince = new LongAdder();
  private final LongAdder find = new LongAdder();
  private final LongAdder transition = new LongAdder();
  private final LongAdder claim = new LongAdder();
  private final LongAdder create = new LongAdder();
  private final LongAdder addDependency = new LongAdder();
  private final LongAdder comment = new LongAdder();

  CountingTracker(Tracker delegate) {
    super(delegate);
  }

  @Override
  public Batch readBatch() {
    readBatch.increment();
    return super.readBatch();
  }

  @Override
  public BatchChanges changesSince(String cursor) {
    changesSince.increment();
    return super.changesSince(cursor);
  }

  @Override
  public Optional<Ticket> find(String id) {
    find.increment();
    return super.find(id);
  }

  @Override
  public Ticket create(NewTicket ticket) {
    create.increment();
    return super.create(ticket);
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    addDependency.increment();
    super.addDependency(ticketId, dependency);
  }

  @Override
  public void transition(String ticketId, Status to, String note) {
    transition.increment();
    super.transition(ticketId, to, note);
  }

  @Override
  public void comment(String ticketId, String body) {
    comment.increment();
    super.comment(ticketId, body);
  }

  @Override
  public boolean claim(String ticketId, String owner) {
    claim.increment();
    return super.claim(ticketId, owner);
  }

  /** The count of each call in {@link #CALLS}, in that order. */
  Map<String, Long> counts() {
    LongAdder[] adders = {readBatch, changesSince, find, transition, claim, create, addDependency, comment};
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < CALLS.length; i++) {
      out.put(CALLS[i], adders[i].sum());
    }
    return out;
  }
}

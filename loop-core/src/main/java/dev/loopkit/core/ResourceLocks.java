package dev.loopkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocking, fair locks by resource name for stages that run on worker threads (integration). Several
 * resources are always taken in name order, so two holders can never deadlock. Waits and hold times are
 * journaled through the run's inbox.
 */
final class ResourceLocks {
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Map<String, String> holders = new ConcurrentHashMap<>();
  private final Inbox inbox;
  private final Clock clock;

  ResourceLocks(Inbox inbox, Clock clock) {
    this.inbox = inbox;
    this.clock = clock;
  }

  /** The resources held, released on {@link #close()}. */
  final class Held implements AutoCloseable {
    private final String ticketId;
    private final List<String> names;
    private final Instant since;

    private Held(String ticketId, List<String> names, Instant since) {
      this.ticketId = ticketId;
      this.names = names;
      this.since = since;
    }

    @Override
    public void close() {
      release(names);
      if (!names.isEmpty()) {
        inbox.event(new LoopEvent.ResourcesReleased(clock.instant(), ticketId, names,
            Duration.between(since, clock.instant()).toMillis()));
      }
    }
  }

  Held acquire(String ticketId, Set<String> resources) throws InterruptedException {
    List<String> taken = new ArrayList<>();
    try {
      for (String name : new TreeSet<>(resources)) {
        ReentrantLock lock = locks.computeIfAbsent(name, k -> new ReentrantLock(true));
        Instant start = clock.instant();
        String holder = holders.getOrDefault(name, "");
        if (!lock.tryLock()) {
          lock.lockInterruptibly();
          inbox.event(new LoopEvent.ResourceWaited(clock.instant(), ticketId, name, holder,
              Duration.between(start, clock.instant()).toMillis()));
        }
        holders.put(name, ticketId);
        taken.add(name);
      }
    } catch (InterruptedException e) {
      release(taken);
      throw e;
    }
    return new Held(ticketId, taken, clock.instant());
  }

  private void release(List<String> names) {
    for (int i = names.size() - 1; i >= 0; i--) {
      holders.remove(names.get(i));
      locks.get(names.get(i)).unlock();
    }
  }
}

package dev.loopkit.core;

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
 * journaled.
 */
final class ResourceLocks {
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Map<String, String> holders = new ConcurrentHashMap<>();
  private final Run run;

  ResourceLocks(Run run) {
    this.run = run;
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
      for (int i = names.size() - 1; i >= 0; i--) {
        holders.remove(names.get(i));
        locks.get(names.get(i)).unlock();
      }
      if (!names.isEmpty()) {
        run.emit(new LoopEvent.ResourcesReleased(run.now(), ticketId, names,
            Duration.between(since, run.now()).toMillis()));
      }
    }
  }

  Held acquire(String ticketId, Set<String> resources) throws InterruptedException {
    List<String> taken = new ArrayList<>();
    try {
      for (String name : new TreeSet<>(resources)) {
        ReentrantLock lock = locks.computeIfAbsent(name, k -> new ReentrantLock(true));
        Instant start = run.now();
        String holder = holders.getOrDefault(name, "");
        if (!lock.tryLock()) {
          lock.lockInterruptibly();
          run.emit(new LoopEvent.ResourceWaited(run.now(), ticketId, name, holder,
              Duration.between(start, run.now()).toMillis()));
        }
        holders.put(name, ticketId);
        taken.add(name);
      }
    } catch (InterruptedException e) {
      for (int i = taken.size() - 1; i >= 0; i--) {
        holders.remove(taken.get(i));
        locks.get(taken.get(i)).unlock();
      }
      throw e;
    }
    return new Held(ticketId, taken, run.now());
  }
}

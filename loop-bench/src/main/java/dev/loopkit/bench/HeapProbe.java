package dev.loopkit.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Watches the heap while one trial runs, two ways: a daemon thread samples {@link MemoryMXBean} heap used
 * every {@link #SAMPLE_MILLIS} ms (live objects plus garbage not yet collected, so it depends on the maximum
 * heap and on when the collector runs), and a GC notification listener records the heap left after each
 * collection (closer to the live set; none if no collection ran). Start with {@link #start()}, read with
 * {@link #stop()}; one probe per trial, used from the thread that started it.
 */
final class HeapProbe {
  static final long SAMPLE_MILLIS = 10;

  /**
   * What a probe saw.
   *
   * @param peakUsedBytes the largest sampled heap used
   * @param peakAfterGcBytes the largest heap left after a collection during the trial; -1 when none ran
   * @param collections how many collections ran during the trial
   */
  record Peak(long peakUsedBytes, long peakAfterGcBytes, long collections) {}

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final AtomicLong peakUsed = new AtomicLong();
  private final AtomicLong peakAfterGc = new AtomicLong(-1);
  private final AtomicLong collections = new AtomicLong();
  private final Set<String> heapPools = new HashSet<>();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener onGc = this::collected;
  private volatile boolean running = true;
  private final Thread sampler;

  private HeapProbe() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    sampler = new Thread(this::sample, "loop-bench-heap");
    sampler.setDaemon(true);
  }

  static HeapProbe start() {
    HeapProbe probe = new HeapProbe();
    probe.peakUsed.set(probe.memory.getHeapMemoryUsage().getUsed());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(probe.onGc, null, null);
        probe.emitters.add(emitter);
      }
    }
    probe.sampler.start();
    return probe;
  }

  Peak stop() {
    running = false;
    sampler.interrupt();
    try {
      sampler.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(onGc);
      } catch (ListenerNotFoundException e) {
        // already gone: nothing more will arrive from it
      }
    }
    return new Peak(peakUsed.get(), peakAfterGc.get(), collections.get());
  }

  private void sample() {
    while (running) {
      peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
      try {
        Thread.sleep(SAMPLE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void collected(Notification notification, Object handback) {
    if (!running || !GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long after = 0;
    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        after += pool.getValue().getUsed();
      }
    }
    collections.incrementAndGet();
    peakAfterGc.accumulateAndGet(after, Math::max);
  }
}

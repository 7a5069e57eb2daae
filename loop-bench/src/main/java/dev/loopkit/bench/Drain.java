package dev.loopkit.bench;

import dev.loopkit.core.DependencyType;
import dev.loopkit.core.ReadyContext;
import dev.loopkit.core.ReadySet;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyIndex;
import dev.loopkit.scheduler.ReadyOrder;
import dev.loopkit.testing.InMemoryTracker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drains a batch with instant workers: {@code slots} tickets in flight, the oldest finishes, the ready set is
 * asked again, until every ticket is done. Returns the tickets in the order they were started.
 */
final class Drain {
  private Drain() {}

  /** Through the real incremental {@link ReadyIndex}: each completion is one {@link ReadyIndex#update}. */
  static List<String> incremental(List<Ticket> batch, int slots, ReadyOrder order) {
    ReadyIndex index = ReadyIndex.create(order);
    index.rebuild(batch);
    List<String> started = new ArrayList<>(batch.size());
    ArrayDeque<Ticket> running = new ArrayDeque<>();
    while (true) {
      for (Ticket t : index.ready(slots - running.size(), Set.of())) {
        index.markInFlight(t.id());
        running.add(t);
        started.add(t.id());
      }
      Ticket done = running.poll();
      if (done == null) {
        return started;
      }
      index.update(done.withStatus(Status.DONE));
      index.clearInFlight(done.id());
    }
  }

  /**
   * The naive ready set of issue 3, what a host without loop-scheduler gets and what a loop around a tracker
   * query evaluates: after each completion the batch is read again from a tracker ({@link InMemoryTracker}, a
   * fresh {@link dev.loopkit.core.Batch} snapshot) and core's own rule, {@link ReadySet#simple()}, rescans
   * every ticket of it through a {@link ReadyContext}. The finished ticket is moved to {@link Status#DONE}
   * with {@link InMemoryTracker#transition}, as the engine does.
   */
  static List<String> snapshot(List<Ticket> batch, int slots) {
    InMemoryTracker tracker = new InMemoryTracker();
    batch.forEach(tracker::put);
    ReadySet rule = ReadySet.simple();
    Set<String> flying = new HashSet<>();
    ArrayDeque<String> running = new ArrayDeque<>();
    List<String> started = new ArrayList<>(batch.size());
    while (true) {
      dev.loopkit.core.Batch snapshot = tracker.readBatch();
      List<Ticket> ready = rule.ready(new ReadyContext(snapshot, dev.loopkit.core.BatchChanges.full(snapshot), flying,
          Map.of(), Integer.MAX_VALUE, tracker));
      for (int k = 0; k < ready.size() && running.size() < slots; k++) {
        String id = ready.get(k).id();
        flying.add(id);
        running.add(id);
        started.add(id);
      }
      String done = running.poll();
      if (done == null) {
        return started;
      }
      flying.remove(done);
      tracker.transition(done, Status.DONE, "");
    }
  }

  /**
   * A lower bound for any rescanning ready set: the same rule (open, not in flight, every blocker done,
   * priority order) rescanning every ticket after each completion, but over int arrays prepared once, with
   * no snapshot, no tracker and no allocation per ticket, so the comparison flatters it rather than us.
   */
  static List<String> naive(List<Ticket> batch, int slots) {
    int n = batch.size();
    Map<String, Integer> index = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      index.put(batch.get(i).id(), i);
    }
    int[][] blockers = new int[n][];
    int[] priority = new int[n];
    for (int i = 0; i < n; i++) {
      List<String> targets = batch.get(i).dependencyTargets(DependencyType.BLOCKS);
      blockers[i] = new int[targets.size()];
      for (int k = 0; k < targets.size(); k++) {
        blockers[i][k] = index.get(targets.get(k));
      }
      priority[i] = batch.get(i).priority();
    }
    boolean[] done = new boolean[n];
    boolean[] flying = new boolean[n];
    List<String> started = new ArrayList<>(n);
    ArrayDeque<Integer> running = new ArrayDeque<>();
    List<Integer> ready = new ArrayList<>();
    while (true) {
      ready.clear();
      for (int i = 0; i < n; i++) {
        if (done[i] || flying[i]) {
          continue;
        }
        boolean free = true;
        for (int b : blockers[i]) {
          if (!done[b]) {
            free = false;
            break;
          }
        }
        if (free) {
          ready.add(i);
        }
      }
      ready.sort((a, b) -> Integer.compare(priority[a], priority[b]));
      for (int k = 0; k < ready.size() && running.size() < slots; k++) {
        int i = ready.get(k);
        flying[i] = true;
        running.add(i);
        started.add(batch.get(i).id());
      }
      Integer finished = running.poll();
      if (finished == null) {
        return started;
      }
      flying[finished] = false;
      done[finished] = true;
    }
  }
}

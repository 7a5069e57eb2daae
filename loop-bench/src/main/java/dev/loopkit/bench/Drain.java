package dev.loopkit.bench;

import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyIndex;
import dev.loopkit.scheduler.ReadyOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
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
   * Through a naive ready set that rescans every ticket after each completion, as a loop around a tracker's
   * "ready" query does: open, not in flight, every blocker done, sorted by priority. Kept lean (int arrays,
   * no snapshot copies) so the comparison flatters it rather than us.
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

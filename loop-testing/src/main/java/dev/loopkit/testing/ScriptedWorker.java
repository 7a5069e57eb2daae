package dev.loopkit.testing;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Worker} that plays a script per ticket: each attempt on a ticket runs the next step scripted for
 * it, and the last step repeats. Steps are {@link Worker}s themselves, so a step can write files, file
 * discovered work or throw. Records every assignment it received. Thread-safe.
 */
public final class ScriptedWorker implements Worker {
  private final Map<String, Deque<Worker>> scripts = new HashMap<>();
  private final Map<String, Worker> lastSteps = new HashMap<>();
  private final Worker fallback;
  private final List<Assignment> assignments = new ArrayList<>();

  private ScriptedWorker(Worker fallback) {
    this.fallback = fallback;
  }

  /** Tickets with no script get {@code fallback}. */
  public static ScriptedWorker withFallback(Worker fallback) {
    return new ScriptedWorker(fallback);
  }

  /** Tickets with no script claim success without doing anything. */
  public static ScriptedWorker create() {
    return new ScriptedWorker(Worker.claimDone());
  }

  /** Appends steps for a ticket; attempt n runs the n-th step, the last one repeating. */
  public synchronized ScriptedWorker on(String ticketId, Worker... steps) {
    Deque<Worker> deque = scripts.computeIfAbsent(ticketId, k -> new ArrayDeque<>());
    for (Worker w : steps) {
      deque.addLast(w);
    }
    return this;
  }

  @Override
  public WorkResult work(Assignment assignment) throws Exception {
    Worker step;
    synchronized (this) {
      assignments.add(assignment);
      String id = assignment.ticket().id();
      Deque<Worker> deque = scripts.get(id);
      if (deque != null && !deque.isEmpty()) {
        step = deque.pollFirst();
        lastSteps.put(id, step);
      } else {
        step = lastSteps.getOrDefault(id, fallback);
      }
    }
    return step.work(assignment);
  }

  /** Every assignment received, in order. */
  public synchronized List<Assignment> assignments() {
    return List.copyOf(assignments);
  }

  /** The assignments for one ticket, in order. */
  public synchronized List<Assignment> assignments(String ticketId) {
    List<Assignment> out = new ArrayList<>();
    for (Assignment a : assignments) {
      if (a.ticket().id().equals(ticketId)) {
        out.add(a);
      }
    }
    return out;
  }
}

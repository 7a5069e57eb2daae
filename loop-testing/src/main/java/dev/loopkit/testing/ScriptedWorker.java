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

  /**
   * Tickets with no script get {@code fallback}.
   *
   * @param fallback the worker for every attempt on a ticket without steps
   * @return a worker with no scripts yet
   */
  public static ScriptedWorker withFallback(Worker fallback) {
    return new ScriptedWorker(fallback);
  }

  /**
   * Tickets with no script claim success without doing anything.
   *
   * @return a worker with no scripts yet, falling back to {@link Worker#claimDone()}
   */
  public static ScriptedWorker create() {
    return new ScriptedWorker(Worker.claimDone());
  }

  /**
   * Appends steps for a ticket; attempt n runs the n-th step, the last one repeating.
   *
   * @param ticketId the ticket the steps are for
   * @param steps workers run one per attempt, in order; a later call appends after them
   * @return this worker, for chaining
   */
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

  /**
   * Every assignment received, in order.
   *
   * @return an unmodifiable copy; empty before the first attempt
   */
  public synchronized List<Assignment> assignments() {
    return List.copyOf(assignments);
  }

  /**
   * The assignments for one ticket, in order.
   *
   * @param ticketId the ticket's id
   * @return a fresh list, one assignment per attempt; empty when the ticket was never worked on
   */
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

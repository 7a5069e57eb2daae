package dev.loopkit.bench;

import dev.loopkit.core.Batch;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop of the seed, written the obvious way over a tracker: each pass reads the whole batch
 * ({@link Tracker#readBatch()}), judges it (is every ticket done? the outstanding ones are listed, as the
 * seed's oracle did), recomputes the ready set from scratch (open tickets whose blockers are all done,
 * priority first, then filing order), and runs one ticket: the first ready one is moved to
 * {@link Status#DONE} with its evidence as the note. No journal, no worker threads, no workspace: the
 * engine's instant worker and passing verifier cost next to nothing, so leaving them out only flatters it.
 * Every pass costs about the same whatever is done, since each reads and scans all n tickets: the loop is
 * quadratic in the batch.
 */
final class NaiveLoop {
  private NaiveLoop() {}

  /**
   * What a drain measured.
   *
   * @param nanos wall time of the drain
   * @param ticketsDone tickets moved to done
   * @param halfDoneNanos when the {@code ceil(n / 2)}-th ticket was done; -1 if it never was
   * @param finished whether the batch was judged done within the budget
   */
  record Outcome(long nanos, int ticketsDone, long halfDoneNanos, boolean finished) {}

  private static final Comparator<Ticket> ORDER =
      Comparator.comparingInt(Ticket::priority).thenComparing(Ticket::createdAt).thenComparing(Ticket::id);

  /** Drains {@code tracker}'s batch of {@code tickets}, stopping after the pass that outlasts the budget. */
  static Outcome drain(Tracker tracker, int tickets, long budgetNanos) {
    int half = (tickets + 1) / 2;
    long halfDone = -1;
    int done = 0;
    long start = System.nanoTime();
    while (true) {
      Batch batch = tracker.readBatch();
      List<String> outstanding = new ArrayList<>();
      for (Ticket t : batch.tickets()) {
        if (t.status() != Status.DONE) {
          outstanding.add(t.id());
        }
      }
      if (outstanding.isEmpty()) {
        return new Outcome(System.nanoTime() - start, done, halfDone, true);
      }
      Map<String, Status> status = new HashMap<>(batch.size() * 2);
      for (Ticket t : batch.tickets()) {
        status.put(t.id(), t.status());
      }
      List<Ticket> ready = new ArrayList<>();
      for (Ticket t : batch.tickets()) {
        if (t.status() == Status.OPEN && blockersDone(t, status)) {
          ready.add(t);
        }
      }
      if (ready.isEmpty()) {
        throw new IllegalStateException("the naive loop found nothing ready with " + outstanding.size()
            + " tickets outstanding: the batch is not a DAG of blocking edges");
      }
      ready.sort(ORDER);
      tracker.transition(ready.get(0).id(), Status.DONE, "verified: bench: ok");
      done++;
      long now = System.nanoTime() - start;
      if (done == half) {
        halfDone = now;
      }
      if (now > budgetNanos && done < tickets) {
        return new Outcome(now, done, halfDone, false);
      }
    }
  }

  private static boolean blockersDone(Ticket t, Map<String, Status> status) {
    for (String target : t.dependencyTargets(DependencyType.BLOCKS)) {
      if (status.get(target) != Status.DONE) {
        return false;
      }
    }
    return true;
  }
}

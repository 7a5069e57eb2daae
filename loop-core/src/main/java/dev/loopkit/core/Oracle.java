package dev.loopkit.core;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Decides from external truth whether the batch is done. The engine asks before the first pass and after every
 * pass that finished an attempt, on its own thread, right after reading the tracker; {@link Verdict#isDone()}
 * is the only way a run ends {@code DONE} (or, when tickets wait for a person, {@code HUMAN_GATED}). An oracle
 * must not depend on anything a worker can change.
 */
@FunctionalInterface
public interface Oracle {

  /** How many outstanding tickets a stock oracle names in a pending verdict; it counts the rest. */
  int NAMED_OUTSTANDING = 20;

  /**
   * Judges the batch.
   *
   * @param context the engine's view of the batch this pass, and the tracker
   * @return done, or pending naming the outstanding tickets
   * @throws Exception if it cannot judge: a retryable {@link LoopException} is tried again, anything else ends
   *     the run {@code FAILED}, naming the oracle
   */
  Verdict judge(OracleContext context) throws Exception;

  /**
   * The engine's default oracle, strict: done only when every ticket of the batch is {@link Status#DONE} or
   * {@link Status#HUMAN_GATED}. A {@link Status#CANCELLED} ticket keeps the batch pending (cancelling is the one
   * status change that would end a run without evidence); an empty batch is an {@link InputException} naming
   * the tracker (far more often a wrong folder, query or label than a finished batch). Reads the engine's view
   * of this pass, so a pass costs what changed.
   *
   * @return the strict oracle
   */
  static Oracle allDone() {
    return context -> judgeStatuses(context, false);
  }

  /**
   * Like {@link #allDone()}, but a cancelled ticket counts as settled: for batches people prune by hand. The
   * done verdict counts the cancelled tickets, so the report shows them.
   *
   * @return the oracle that lets cancelled tickets settle
   */
  static Oracle allDoneOrCancelled() {
    return context -> judgeStatuses(context, true);
  }

  /**
   * The status rule of {@link #allDone()} and {@link #allDoneOrCancelled()}, for oracles that add to it.
   *
   * @param context the engine's view of the batch, and the tracker
   * @param cancelledSettles whether a cancelled ticket counts as settled
   * @return done when no ticket is open or in progress (nor cancelled, unless they settle); else pending, naming
   *     at most {@link #NAMED_OUTSTANDING} of them
   * @throws InputException if the batch is empty, naming the tracker
   */
  static Verdict judgeStatuses(OracleContext context, boolean cancelledSettles) {
    BatchView batch = context.batch();
    if (batch.size() == 0) {
      throw new InputException("the batch of tracker " + context.tracker() + " holds no tickets: expected at"
          + " least one (check the tracker's folder, query or label)");
    }
    List<Status> outstanding = new ArrayList<>(List.of(Status.OPEN, Status.IN_PROGRESS));
    if (!cancelledSettles) {
      outstanding.add(Status.CANCELLED);
    }
    int count = 0;
    for (Status s : outstanding) {
      count += batch.count(s);
    }
    if (count == 0) {
      Map<Status, Integer> counts = new EnumMap<>(Status.class);
      for (Status s : Status.values()) {
        if (batch.count(s) > 0) {
          counts.put(s, batch.count(s));
        }
      }
      List<String> parts = new ArrayList<>();
      counts.forEach((status, n) -> parts.add(n + " " + status.wireName()));
      return Verdict.done("all " + batch.size() + " tickets settled by the tracker: " + String.join(", ", parts));
    }
    List<Verdict.Outstanding> named = new ArrayList<>();
    for (Status s : outstanding) {
      for (Ticket t : batch.withStatus(s, NAMED_OUTSTANDING - named.size())) {
        String reason = "status " + s.wireName();
        if (s == Status.CANCELLED) {
          reason += " (a cancelled ticket is not finished: see Oracle.allDoneOrCancelled)";
        }
        named.add(new Verdict.Outstanding(t.id(), reason));
      }
    }
    return Verdict.pending(named, count);
  }
}

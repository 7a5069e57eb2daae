package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides from external truth whether the batch is done. The engine asks before the first pass and after
 * every completed attempt, on its own thread; {@link Verdict#isDone()} is the only way a run ends
 * {@code DONE}. An oracle must not depend on anything a worker can change.
 */
@FunctionalInterface
public interface Oracle {

  Verdict judge(OracleContext context) throws Exception;

  /**
   * The engine's default oracle: reads the batch in one tracker call and is done only when every ticket is
   * {@link Status#DONE}, {@link Status#HUMAN_GATED} or {@link Status#CANCELLED}; otherwise names each
   * outstanding ticket with its status. It counts a cancelled ticket as settled, which suits batches people
   * prune by hand; {@code loop-oracle}'s {@code TrackerOracle} is the strict alternative (only DONE or
   * HUMAN_GATED), so that no cancellation, by whomever, can end a run DONE.
   */
  static Oracle allSettled() {
    return context -> {
      Batch batch = context.tracker().readBatch();
      List<Verdict.Outstanding> outstanding = new ArrayList<>();
      for (Ticket t : batch.tickets()) {
        if (!t.status().isSettled()) {
          outstanding.add(new Verdict.Outstanding(t.id(), "status " + t.status().wireName()));
        }
      }
      return outstanding.isEmpty()
          ? Verdict.done("all " + batch.size() + " tickets are done, cancelled or human-gated")
          : Verdict.pending(outstanding);
    };
  }
}

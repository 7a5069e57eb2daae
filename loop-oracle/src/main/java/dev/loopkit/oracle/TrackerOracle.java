package dev.loopkit.oracle;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verdict;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The oracle that reads the tracker: one {@code readBatch()} call, and done only when every ticket of the
 * batch is {@link Status#DONE} or {@link Status#HUMAN_GATED}; otherwise the verdict names each other ticket
 * with its status.
 *
 * <p><b>Cancelled tickets.</b> By default a {@link Status#CANCELLED} ticket keeps the batch pending, unlike
 * core's {@link Oracle#allSettled()}, which counts it as settled. The reason is that cancelling is the one
 * status change that ends a run without evidence: a worker that got hold of a tracker reference (a host bug,
 * a tool it should not have) could cancel its own ticket and, under the permissive rule, end the run
 * {@code DONE} while another ticket's completion triggers an oracle call. When a person cancels a ticket on
 * purpose the strict rule stalls the run naming that ticket, which is the honest outcome until the person
 * also removes it from the batch. Hosts whose people cancel tickets mid-run can build with
 * {@link Builder#cancelledSettles(boolean) cancelledSettles(true)}; a done verdict then counts the cancelled
 * tickets in its reason, so the run report shows them.
 *
 * <p>An empty batch is not done: there is nothing to have finished, which is far more often a wrong query or
 * label than a finished batch. Immutable and thread-safe.
 */
public final class TrackerOracle implements Oracle, Fingerprinted {
  private final boolean cancelledSettles;

  private TrackerOracle(Builder b) {
    this.cancelledSettles = b.cancelledSettles;
  }

  /** The default: DONE and HUMAN_GATED settle a ticket; CANCELLED does not. */
  public static TrackerOracle create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean cancelledSettles() {
    return cancelledSettles;
  }

  @Override
  public Verdict judge(OracleContext context) {
    return judge(context.tracker().readBatch());
  }

  /** Judges an already read batch by status alone; the {@link ReverifyingOracle} shares this rule. */
  Verdict judge(Batch batch) {
    List<Verdict.Outstanding> outstanding = outstanding(batch);
    if (!outstanding.isEmpty()) {
      return Verdict.pending(outstanding);
    }
    return Verdict.done(summary(batch));
  }

  List<Verdict.Outstanding> outstanding(Batch batch) {
    if (batch.size() == 0) {
      return List.of(new Verdict.Outstanding("(batch)",
          "the batch holds no tickets: expected at least one (check the tracker's batch selection)"));
    }
    List<Verdict.Outstanding> out = new ArrayList<>();
    for (Ticket t : batch.tickets()) {
      if (!settles(t.status())) {
        String reason = "status " + t.status().wireName();
        if (t.status() == Status.CANCELLED) {
          reason += " (a cancelled ticket is not finished; see TrackerOracle.Builder.cancelledSettles)";
        }
        out.add(new Verdict.Outstanding(t.id(), reason));
      }
    }
    return out;
  }

  boolean settles(Status status) {
    return status == Status.DONE || status == Status.HUMAN_GATED
        || (cancelledSettles && status == Status.CANCELLED);
  }

  static String summary(Batch batch) {
    Map<Status, Integer> counts = new EnumMap<>(Status.class);
    batch.tickets().forEach(t -> counts.merge(t.status(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((status, n) -> parts.add(n + " " + status.wireName()));
    return "all " + batch.size() + " tickets settled by the tracker: " + String.join(", ", parts);
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.config("rule", "every ticket done or human-gated").config("cancelled-settles", cancelledSettles);
  }

  @Override
  public String toString() {
    return "TrackerOracle{cancelledSettles=" + cancelledSettles + "}";
  }

  /** Builds a {@link TrackerOracle}. */
  public static final class Builder {
    private boolean cancelledSettles;

    private Builder() {}

    /** Whether a CANCELLED ticket counts as settled; default false (see the class comment). */
    public Builder cancelledSettles(boolean cancelledSettles) {
      this.cancelledSettles = cancelledSettles;
      return this;
    }

    public TrackerOracle build() {
      return new TrackerOracle(this);
    }
  }
}

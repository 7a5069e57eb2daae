package dev.loopkit.oracle;

import dev.loopkit.core.Oracle;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Verdict;

/**
 * The oracle that reads the tracker (the engine's view of this pass's read), done only when every ticket of the
 * batch is {@link Status#DONE} or {@link Status#HUMAN_GATED}; otherwise the verdict names each other ticket
 * with its status.
 *
 * <p><b>Cancelled tickets.</b> By default a {@link Status#CANCELLED} ticket keeps the batch pending, unlike
 * {@link Oracle#allDoneOrCancelled()}, which counts it as settled. The reason is that cancelling is the one
 * status change that ends a run without evidence: a worker that got hold of a tracker reference (a host bug,
 * a tool it should not have) could cancel its own ticket and, under the permissive rule, end the run
 * {@code DONE} while another ticket's completion triggers an oracle call. When a person cancels a ticket on
 * purpose the strict rule stalls the run naming that ticket, which is the honest outcome until the person
 * also removes it from the batch. Hosts whose people cancel tickets mid-run can build with
 * {@link Builder#cancelledSettles(boolean) cancelledSettles(true)}; a done verdict then counts the cancelled
 * tickets in its reason, so the run report shows them.
 *
 * <p>An empty batch is an input error naming the tracker: there is nothing to have finished, which is far more
 * often a wrong query or label than a finished batch. The rule is core's {@link Oracle#allDone()} (and
 * {@link Oracle#allDoneOrCancelled()}); this class adds its fingerprint for the tripwire. Immutable and
 * thread-safe.
 */
public final class TrackerOracle implements Oracle, Fingerprinted {
  private final boolean cancelledSettles;

  private TrackerOracle(Builder b) {
    this.cancelledSettles = b.cancelledSettles;
  }

  /**
   * The default: DONE and HUMAN_GATED settle a ticket; CANCELLED does not.
   *
   * @return the oracle with the default rule
   */
  public static TrackerOracle create() {
    return builder().build();
  }

  /**
   * Starts an oracle to configure.
   *
   * @return a new builder with the default rule of {@link #create()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether a CANCELLED ticket counts as settled.
   *
   * @return true if a batch of done, human-gated and cancelled tickets is done; false by default
   */
  public boolean cancelledSettles() {
    return cancelledSettles;
  }

  /**
   * {@link Oracle#judgeStatuses} with this oracle's rule for cancelled tickets, over the batch the engine read
   * in this pass: O(1) plus the named outstanding tickets.
   *
   * @throws dev.loopkit.core.InputException if the batch is empty, naming the tracker
   */
  @Override
  public Verdict judge(OracleContext context) {
    return Oracle.judgeStatuses(context, cancelledSettles);
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

    /**
     * Whether a CANCELLED ticket counts as settled; default false (see the class comment).
     *
     * @param cancelledSettles true to let cancelled tickets end the batch; they are then counted in the reason
     * @return this builder
     */
    public Builder cancelledSettles(boolean cancelledSettles) {
      this.cancelledSettles = cancelledSettles;
      return this;
    }

    /**
     * Builds the oracle.
     *
     * @return an immutable oracle with this builder's rule
     */
    public TrackerOracle build() {
      return new TrackerOracle(this);
    }
  }
}

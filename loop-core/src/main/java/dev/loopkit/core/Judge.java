package dev.loopkit.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks the oracle about this pass's read of the batch and journals its verdict (a bounded sample of the
 * outstanding tickets and their count); turns a done verdict into the run's ending: DONE only when no ticket
 * waits for a person, HUMAN_GATED naming them otherwise.
 */
final class Judge {
  private final Oracle oracle;
  private final Tracker tracker;
  private final Clock clock;
  private final Ledger ledger;
  private final LiveBatch batch;
  private final HarnessCalls calls;
  private final java.time.Duration timeout;

  Judge(EngineSettings settings, Ledger ledger, LiveBatch batch, HarnessCalls calls) {
    this.oracle = settings.oracle();
    this.tracker = settings.tracker();
    this.clock = settings.clock();
    this.ledger = ledger;
    this.batch = batch;
    this.calls = calls;
    this.timeout = settings.oracleCallTimeout();
  }

  /**
   * Asks the oracle, under its per-call timeout and never past the run's deadline (it runs on a call thread while
   * the engine thread waits, so the view it reads does not change meanwhile); retryable failures are retried.
   *
   * @throws HarnessFault if the oracle fails for good, naming it
   */
  Verdict judge(BatchChanges delta) {
    Verdict verdict = calls.call("the oracle", "judge", timeout, () -> {
      try {
        return oracle.judge(new OracleContext(tracker, clock, batch, delta));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        HarnessFault.restoreInterrupt(e);
        throw new AdapterException(Attempt.describe("the oracle", e), e);
      }
    });
    if (verdict instanceof Verdict.Pending p) {
      List<String> sample = new ArrayList<>();
      p.outstanding().stream().limit(LoopEvent.MAX_LISTED_IDS).forEach(o -> sample.add(o.ticketId()));
      ledger.append(new LoopEvent.OracleConsulted(ledger.now(), false, p.describe(), p.count(), sample));
    } else {
      ledger.append(new LoopEvent.OracleConsulted(ledger.now(), true, ((Verdict.Done) verdict).why(), 0, List.of()));
    }
    return verdict;
  }

  /** The ending of a batch the oracle judged done. */
  RunEnding ending(Verdict.Done done) {
    int gated = batch.count(Status.HUMAN_GATED);
    if (gated == 0) {
      return new RunEnding.Done(done.why());
    }
    RunHistory history = ledger.history();
    List<RunEnding.GatedTicket> named = new ArrayList<>();
    for (Ticket t : batch.withStatus(Status.HUMAN_GATED, RunEnding.NAMED_TICKETS)) {
      RunHistory.TicketHistory th = history.find(t.id());
      if (th != null && th.outcome() == RunReport.TicketOutcome.HUMAN_GATED) {
        named.add(new RunEnding.GatedTicket(t.id(), th.gateReason(), th.evidence()));
      } else {
        named.add(new RunEnding.GatedTicket(t.id(), "gated in the tracker, not by this run", List.of()));
      }
    }
    return new RunEnding.HumanGated(named, gated, done.why());
  }
}

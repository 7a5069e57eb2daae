package dev.loopkit.core;

import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Before a run may end DONE, every ticket it marked done is verified once more on the integration branch's
 * head ({@link Integrator#head}), in the sandbox: each ticket passed on its own candidate, but two changes that
 * each passed can break each other. A ticket that no longer passes is reopened as a regression with the
 * findings, for a fresh worker. Without an integrator that offers a head there is nothing to check out and the
 * gate is skipped. Engine thread; the verifications run one after the other on the run's executor (they share the
 * head's checkout, so two never run in it at once).
 */
final class FinalGate {
  private final @Nullable Integrator integrator;
  private final Verifier verifier;
  private final Sandbox sandbox;
  private final Ledger ledger;
  private final Executor executor;
  private final String runId;

  FinalGate(@Nullable Integrator integrator, Verifier verifier, Sandbox sandbox, Ledger ledger, Executor executor,
      String runId) {
    this.integrator = integrator;
    this.verifier = verifier;
    this.sandbox = sandbox;
    this.ledger = ledger;
    this.executor = executor;
    this.runId = runId;
  }

  /**
   * Verifies the run's done tickets on the head; returns the reopen writes of those that regressed (journaled,
   * not yet synced), empty when all pass or there is no head.
   *
   * @throws HarnessFault when the integrator cannot produce the head
   */
  List<Settler.Effect> check(BatchView batch) {
    if (integrator == null) {
      return List.of();
    }
    Workspace head;
    try {
      head = integrator.head(runId);
    } catch (Exception e) {
      HarnessFault.restoreInterrupt(e);
      throw new HarnessFault(Attempt.describe("the integrator (checking out the integration head for the final"
          + " gate)", e), e);
    }
    if (head == null) {
      return List.of();
    }
    RunHistory history = ledger.history();
    List<Ticket> done = new ArrayList<>();
    for (RunHistory.TicketHistory th : history.tickets()) {
      Ticket t = batch.find(th.id()).orElse(null);
      if (t != null && t.status() == Status.DONE && th.outcome() == RunReport.TicketOutcome.DONE
          && th.lastAttempt() > 0) {
        done.add(t);
      }
    }
    try {
      return check(batch, head, done);
    } finally {
      try {
        integrator.releaseHead(head);
      } catch (Exception e) {
        HarnessFault.restoreInterrupt(e);
        org.slf4j.LoggerFactory.getLogger(FinalGate.class).warn("releasing the final gate's checkout {} failed",
            head.directory(), e);
      }
    }
  }

  private List<Settler.Effect> check(BatchView batch, Workspace head, List<Ticket> done) {
    if (done.isEmpty()) {
      return List.of(); // nothing this run marked done: nothing to check again
    }
    String where = head.attributes().getOrDefault("commit", head.directory().toString());
    RunHistory history = ledger.history();
    ProcessRunner processes = ProcessRunner.confined(sandbox,
        Jail.of(head.directory()).withReadOnly(head.readOnlyPaths()));
    List<Settler.Effect> reopen = new ArrayList<>();
    List<String> sample = new ArrayList<>();
    for (int i = 0; i < done.size(); i++) {
      Ticket t = done.get(i);
      int attempt = history.find(t.id()).lastAttempt();
      List<String> findings = join(CompletableFuture.supplyAsync(() -> failures(new VerifyRequest(runId, t, head,
          attempt, processes)), executor));
      if (findings.isEmpty()) {
        continue;
      }
      String id = done.get(i).id();
      ledger.append(new LoopEvent.TicketRegressed(ledger.now(), id, where, findings));
      StringBuilder note = new StringBuilder("Regression: the finish line no longer passes on the integration head ("
          + where + "):");
      findings.forEach(f -> note.append("\n- ").append(f));
      reopen.add(new Settler.Effect(id, note.toString(), Status.OPEN, "reopened by the final gate: a fresh worker"
          + " fixes the regression"));
      if (sample.size() < LoopEvent.MAX_LISTED_IDS) {
        sample.add(id);
      }
    }
    ledger.append(new LoopEvent.FinalGateChecked(ledger.now(), where, done.size(), reopen.size(), sample));
    return reopen;
  }

  private List<String> failures(VerifyRequest request) {
    try {
      Verification v = verifier.verify(request);
      if (v instanceof Verification.Passed) {
        return List.of();
      }
      return ((Verification.Failed) v).findings();
    } catch (FatalAdapterException | dev.loopkit.core.process.SandboxUnavailableException e) {
      throw e; // a fault of the harness: the run stops, no done ticket is reopened for it
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return List.of(Attempt.describe("the verifier (final gate)", e));
    }
  }

  private static List<String> join(CompletableFuture<List<String>> check) {
    try {
      return check.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HarnessFault("interrupted during the final gate", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof FatalAdapterException
          || cause instanceof dev.loopkit.core.process.SandboxUnavailableException) {
        throw new HarnessFault(Attempt.describe("the verifier (final gate)", cause) + " (no ticket was reopened;"
            + " fix it and run again to resume)", cause);
      }
      return List.of(Attempt.describe("the verifier (final gate)", cause));
    }
  }
}

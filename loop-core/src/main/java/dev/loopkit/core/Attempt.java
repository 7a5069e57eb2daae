package dev.loopkit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * One attempt on one ticket, run on a worker thread: open workspace, work, review, integrate, verify. Each
 * stage calls a host role exactly once and catches at that one boundary; the first stage that fails ends the
 * attempt. Never touches the ticket's status: that is the engine thread's job.
 */
final class Attempt implements Callable<AttemptOutcome> {
  private final Run run;
  private final Ticket ticket;
  private final int number;
  private final List<Finding> findings;
  private final Budget budget;
  private final List<String> newBlockers = Collections.synchronizedList(new ArrayList<>());

  Attempt(Run run, Ticket ticket, int number, List<Finding> findings, Budget budget) {
    this.run = run;
    this.ticket = ticket;
    this.number = number;
    this.findings = findings;
    this.budget = budget;
  }

  Ticket ticket() {
    return ticket;
  }

  int number() {
    return number;
  }

  @Override
  public AttemptOutcome call() {
    Workspace workspace;
    try {
      workspace = run.settings().workspaces().open(new WorkspaceRequest(run.runId(), ticket, number));
    } catch (Exception e) {
      return interruptedOr(e, new AttemptOutcome.Failed("workspace", List.of(describe("opening the workspace", e))));
    }
    run.emit(new LoopEvent.WorkspaceOpened(run.now(), ticket.id(), number, workspace.directory().toString(),
        workspace.attributes()));
    AttemptOutcome outcome = stages(workspace);
    try {
      run.settings().workspaces().close(workspace, outcome instanceof AttemptOutcome.Succeeded);
    } catch (Exception e) {
      Run.restoreInterrupt(e);
      run.logListenerless("closing workspace " + workspace.directory() + " of " + ticket.id(), e);
    }
    return outcome;
  }

  private AttemptOutcome stages(Workspace workspace) {
    EngineSettings s = run.settings();
    // work
    WorkResult result;
    try {
      result = s.worker().work(new Assignment(run.runId(), ticket, workspace, number, findings, budget,
          this::fileDiscovered, run.runDirectory()));
    } catch (CapReachedException e) {
      run.emit(new LoopEvent.WorkerFinished(run.now(), ticket.id(), number, "error", e.getMessage(), Usage.ZERO));
      return new AttemptOutcome.Interrupted(e.getMessage());
    } catch (Exception e) {
      run.emit(new LoopEvent.WorkerFinished(run.now(), ticket.id(), number, "error", describe("worker", e),
          Usage.ZERO));
      return interruptedOr(e, new AttemptOutcome.Failed("work", List.of(describe("the worker", e))));
    }
    if (result instanceof WorkResult.Failed f) {
      run.emit(new LoopEvent.WorkerFinished(run.now(), ticket.id(), number, "failed",
          String.join("; ", f.findings()), f.usage()));
      if (!newBlockers.isEmpty()) {
        // stopping because it filed its own blockers is waiting, not failing
        return new AttemptOutcome.Deferred(List.copyOf(newBlockers));
      }
      return new AttemptOutcome.Failed("work",
          f.findings().isEmpty() ? List.of("the worker gave up without saying why") : f.findings());
    }
    if (result instanceof WorkResult.NeedsHuman h) {
      run.emit(new LoopEvent.WorkerFinished(run.now(), ticket.id(), number, "needs-human", h.reason(), h.usage()));
      if (h.evidence().isEmpty()) {
        return new AttemptOutcome.Failed("work", List.of(
            "asked for a human without evidence (" + h.reason() + "): a request must show the commands tried,"
                + " exit codes, output and the wall hit"));
      }
      return new AttemptOutcome.NeedsHuman(h.reason(), h.evidence());
    }
    WorkResult.Completed completed = (WorkResult.Completed) result;
    run.emit(new LoopEvent.WorkerFinished(run.now(), ticket.id(), number, "completed", completed.summary(),
        completed.usage()));
    if (!newBlockers.isEmpty()) {
      return new AttemptOutcome.Deferred(List.copyOf(newBlockers));
    }
    if (Thread.currentThread().isInterrupted()) {
      return new AttemptOutcome.Interrupted("interrupted after work");
    }

    // review
    if (s.reviewer() != null) {
      Review review;
      try {
        review = s.reviewer().review(new ReviewRequest(run.runId(), ticket, workspace, number,
            completed.summary(), findings));
      } catch (Exception e) {
        return interruptedOr(e, new AttemptOutcome.Failed("review", List.of(describe("the reviewer", e))));
      }
      if (review instanceof Review.ChangesRequested c) {
        run.emit(new LoopEvent.ReviewCompleted(run.now(), ticket.id(), number, false, c.findings(), c.usage(),
            c.attributes()));
        return new AttemptOutcome.Failed("review", c.findings());
      }
      Review.Approved a = (Review.Approved) review;
      run.emit(new LoopEvent.ReviewCompleted(run.now(), ticket.id(), number, true, List.of(), a.usage(),
          a.attributes()));
    }

    // integrate, one at a time per resource
    if (s.integrator() != null) {
      Integration integration;
      try {
        ResourceLocks.Held held = run.locks().acquire(ticket.id(), s.integrator().resources());
        try {
          integration = s.integrator().integrate(new IntegrateRequest(run.runId(), ticket, workspace, number));
        } finally {
          held.close();
        }
      } catch (Exception e) {
        return interruptedOr(e, new AttemptOutcome.Failed("integrate", List.of(describe("the integrator", e))));
      }
      if (integration instanceof Integration.Conflict c) {
        List<String> why = c.findings().isEmpty() ? List.of("integration conflict") : c.findings();
        run.emit(new LoopEvent.IntegrationCompleted(run.now(), ticket.id(), number, false, "conflict", why,
            java.util.Map.of()));
        return new AttemptOutcome.Failed("integrate", why);
      }
      Integration.Integrated ok = (Integration.Integrated) integration;
      run.emit(new LoopEvent.IntegrationCompleted(run.now(), ticket.id(), number, true, ok.summary(), List.of(),
          ok.attributes()));
    }

    // verify, live; a pass needs positive evidence
    Verification verification;
    try {
      verification = s.verifier().verify(new VerifyRequest(run.runId(), ticket, workspace, number));
    } catch (Exception e) {
      return interruptedOr(e, new AttemptOutcome.Failed("verify", List.of(describe("the verifier", e))));
    }
    if (verification instanceof Verification.Passed p && !p.evidence().isEmpty()) {
      run.emit(new LoopEvent.VerificationCompleted(run.now(), ticket.id(), number, true, List.of(), p.evidence()));
      return new AttemptOutcome.Succeeded(p.evidence());
    }
    List<String> why = verification instanceof Verification.Failed f
        ? (f.findings().isEmpty() ? List.of("verification failed without findings") : f.findings())
        : List.of("the verifier reported a pass without evidence; absence of error is not verification");
    run.emit(new LoopEvent.VerificationCompleted(run.now(), ticket.id(), number, false, why,
        verification.evidence()));
    return new AttemptOutcome.Failed("verify", why);
  }

  private Ticket fileDiscovered(NewTicket draft, boolean blocksCurrent) {
    Ticket filed = run.fileDiscovered(ticket.id(), draft, blocksCurrent);
    if (blocksCurrent && !newBlockers.contains(filed.id())) {
      newBlockers.add(filed.id());
    }
    return filed;
  }

  private static AttemptOutcome interruptedOr(Exception e, AttemptOutcome otherwise) {
    if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
      Thread.currentThread().interrupt();
      return new AttemptOutcome.Interrupted("interrupted: " + e);
    }
    if (e instanceof CapReachedException c) {
      return new AttemptOutcome.Interrupted(c.getMessage());
    }
    return otherwise;
  }

  static String describe(String who, @Nullable Throwable e) {
    if (e == null) {
      return who + " failed";
    }
    String message = e.getMessage();
    return who + " threw " + e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}

package dev.loopkit.core;

import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * One attempt on one ticket, run on a worker thread: open the workspace, run the pipeline's stages in order,
 * close the workspace. Each stage calls a host part once and is caught at that one boundary; the first stage
 * that does not pass ends the attempt. Events and filings go to the engine's thread through the inbox; an
 * attempt never touches the ticket's status.
 */
final class Attempt implements Callable<AttemptOutcome> {
  private final String runId;
  private final Ticket ticket;
  private final int number;
  private final List<Finding> findings;
  private final Budget budget;
  private final Path runDirectory;
  private final Workspaces workspaces;
  private final List<Stages.Step> pipeline;
  private final Inbox inbox;
  private final Clock clock;
  private final Sandbox sandbox;
  private final List<String> newBlockers = Collections.synchronizedList(new ArrayList<>());
  private final List<Ticket> filed = Collections.synchronizedList(new ArrayList<>());

  Attempt(String runId, Ticket ticket, int number, List<Finding> findings, Budget budget, Path runDirectory,
      Workspaces workspaces, List<Stages.Step> pipeline, Inbox inbox, Clock clock, Sandbox sandbox) {
    this.runId = runId;
    this.ticket = ticket;
    this.number = number;
    this.findings = findings;
    this.budget = budget;
    this.runDirectory = runDirectory;
    this.workspaces = workspaces;
    this.pipeline = pipeline;
    this.inbox = inbox;
    this.clock = clock;
    this.sandbox = sandbox;
  }

  @Override
  public AttemptOutcome call() {
    Workspace workspace;
    try {
      workspace = workspaces.open(new WorkspaceRequest(runId, ticket, number));
    } catch (Exception e) {
      String finding = describe("opening the workspace", e);
      completed(StageKind.WORKSPACE, StageKind.WORKSPACE.wireName(), StageOutcome.ERROR, "", List.of(finding),
          List.of(), Usage.ZERO, Map.of());
      if (e instanceof InputException || e instanceof java.io.UncheckedIOException) {
        // the repository or the disk cannot be used: no attempt on any ticket can work until a person fixes it
        return new AttemptOutcome.Fatal("the workspaces cannot be used: " + finding, new FatalAdapterException(
            finding, e));
      }
      return interruptedOr(e, new AttemptOutcome.Failed(StageKind.WORKSPACE, "workspace", List.of(finding)));
    }
    Map<String, String> attributes = new java.util.LinkedHashMap<>(workspace.attributes());
    attributes.put("directory", workspace.directory().toString());
    completed(StageKind.WORKSPACE, StageKind.WORKSPACE.wireName(), StageOutcome.PASSED,
        workspace.directory().toString(), List.of(), List.of(), Usage.ZERO, attributes);
    ProcessRunner processes = ProcessRunner.confined(sandbox,
        Jail.of(workspace.directory()).withReadOnly(workspace.readOnlyPaths()));
    AttemptOutcome outcome = run(new StageContext(runId, ticket, number, workspace, findings, budget,
        this::fileDiscovered, runDirectory, "", List.of(), processes, filed));
    try {
      workspaces.close(workspace, outcome instanceof AttemptOutcome.Succeeded);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      org.slf4j.LoggerFactory.getLogger(Attempt.class)
          .warn("closing workspace {} of {} failed", workspace.directory(), ticket.id(), e);
    }
    return outcome;
  }

  private AttemptOutcome run(StageContext start) {
    Integration.Candidate candidate = null;
    try {
      StageContext context = start;
      StageContext beforeIntegrate = start;
      Stages.Integrate integrate = null;
      int integrateAt = 0;
      int rebuilds = 0;
      int next = 0;
      while (true) {
        for (int i = next; i < pipeline.size(); i++) {
          Stages.Step step = pipeline.get(i);
          if (Thread.currentThread().isInterrupted()) {
            return new AttemptOutcome.Interrupted("interrupted before " + step.name());
          }
          StageResult result;
          try {
            if (step.integrate() != null) {
              beforeIntegrate = context;
              integrate = step.integrate();
              integrateAt = i;
              Integration integration = integrate.integrate(context);
              candidate = integration instanceof Integration.Candidate c ? c : null;
              result = Stages.result(integration);
            } else {
              result = step.stage().run(context);
            }
          } catch (Exception e) {
            String finding = describe(who(step), e);
            completed(step.kind(), step.name(), StageOutcome.ERROR, "", List.of(finding), List.of(), Usage.ZERO,
                Map.of());
            return interruptedOr(e, new AttemptOutcome.Failed(step.kind(), step.name(), List.of(finding)));
          }
          AttemptOutcome stop = record(step, result);
          if (stop != null) {
            return stop;
          }
          StageResult.Passed p = (StageResult.Passed) result;
          List<Evidence> evidence = context.evidence();
          if (step.kind() == StageKind.VERIFY || step.kind() == StageKind.CHECK) {
            evidence = new ArrayList<>(evidence);
            evidence.addAll(p.evidence());
          }
          context = context.after(step.kind() == StageKind.WORK ? p.summary() : context.claim(), evidence);
          if (step.integrate() != null && candidate != null) {
            Workspace checkout = candidate.workspace();
            context = context.on(checkout, ProcessRunner.confined(sandbox,
                Jail.of(checkout.directory()).withReadOnly(checkout.readOnlyPaths())));
          }
        }
        if (candidate == null || integrate == null) {
          return new AttemptOutcome.Succeeded(context.evidence());
        }
        Integration.Advance advance;
        try {
          advance = integrate.advance(candidate, beforeIntegrate);
        } catch (Exception e) {
          String finding = describe("the integrator (advancing to the verified candidate)", e);
          completed(StageKind.INTEGRATE, "advance", StageOutcome.ERROR, "", List.of(finding), List.of(), Usage.ZERO,
              Map.of());
          return interruptedOr(e, new AttemptOutcome.Failed(StageKind.INTEGRATE, "advance", List.of(finding)));
        }
        if (advance instanceof Integration.Advance.Advanced a) {
          completed(StageKind.INTEGRATE, "advance", StageOutcome.PASSED, a.summary(), List.of(), List.of(),
              Usage.ZERO, a.attributes());
          Map<String, String> facts = new java.util.LinkedHashMap<>(candidate.attributes());
          facts.putAll(a.attributes());
          List<Evidence> evidence = new ArrayList<>(context.evidence());
          evidence.add(new Evidence("candidate", "verified on the candidate, then the integration branch advanced"
              + " to it: " + a.summary(), facts));
          return new AttemptOutcome.Succeeded(evidence);
        }
        String moved = ((Integration.Advance.Moved) advance).finding();
        boolean giveUp = ++rebuilds > Integrator.MAX_REBUILDS;
        if (giveUp) {
          moved += "; the candidate was rebuilt " + Integrator.MAX_REBUILDS + " times and the integration branch"
              + " kept moving";
        }
        completed(StageKind.INTEGRATE, "advance", StageOutcome.FAILED, "", List.of(moved), List.of(), Usage.ZERO,
            Map.of());
        release(integrate, candidate);
        candidate = null;
        if (giveUp) {
          return new AttemptOutcome.Failed(StageKind.INTEGRATE, "advance", List.of(moved));
        }
        context = beforeIntegrate;
        next = integrateAt;
      }
    } finally {
      if (candidate != null) {
        release(pipelineIntegrate(), candidate);
      }
    }
  }

  private Stages.@Nullable Integrate pipelineIntegrate() {
    for (Stages.Step step : pipeline) {
      if (step.integrate() != null) {
        return step.integrate();
      }
    }
    return null;
  }

  private void release(Stages.@Nullable Integrate integrate, Integration.Candidate candidate) {
    if (integrate == null) {
      return;
    }
    try {
      integrate.integrator().release(candidate);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      org.slf4j.LoggerFactory.getLogger(Attempt.class)
          .warn("releasing candidate {} of {} failed", candidate.workspace().directory(), ticket.id(), e);
    }
  }

  /** Journals the step's result; returns how the attempt ends when the step stops it, else null. */
  private @Nullable AttemptOutcome record(Stages.Step step, StageResult result) {
    if (result instanceof StageResult.Passed p) {
      completed(step.kind(), step.name(), StageOutcome.PASSED, p.summary(), List.of(), p.evidence(), p.usage(),
          p.attributes());
    } else if (result instanceof StageResult.Failed f) {
      completed(step.kind(), step.name(), StageOutcome.FAILED, "", f.findings(), f.evidence(), f.usage(),
          f.attributes());
    } else {
      StageResult.NeedsHuman h = (StageResult.NeedsHuman) result;
      completed(step.kind(), step.name(), StageOutcome.NEEDS_HUMAN, h.reason(), List.of(), h.evidence(),
          h.usage(), h.attributes());
    }
    if (!newBlockers.isEmpty()) {
      // stopping because it filed its own blockers is waiting, not failing
      return new AttemptOutcome.Deferred(List.copyOf(newBlockers));
    }
    if (result instanceof StageResult.Failed f) {
      return new AttemptOutcome.Failed(step.kind(), step.name(), f.findings());
    }
    if (result instanceof StageResult.NeedsHuman h) {
      return new AttemptOutcome.NeedsHuman(h.reason(), h.evidence());
    }
    return null;
  }

  private void completed(StageKind kind, String stage, StageOutcome outcome, String summary, List<String> found,
      List<Evidence> evidence, Usage usage, Map<String, String> attributes) {
    inbox.event(new LoopEvent.StageCompleted(clock.instant(), ticket.id(), number, kind, stage, outcome, summary,
        found, evidence, usage, attributes));
  }

  private Ticket fileDiscovered(NewTicket draft, boolean blocksCurrent) {
    CompletableFuture<Ticket> result = new CompletableFuture<>();
    inbox.post(new Inbox.Filing(ticket.id(), draft, blocksCurrent, result));
    Ticket filed;
    try {
      filed = result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LoopException("interrupted while filing '" + draft.title() + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new LoopException("filing '" + draft.title() + "' failed", e.getCause());
    }
    if (blocksCurrent && !newBlockers.contains(filed.id())) {
      newBlockers.add(filed.id());
    }
    this.filed.add(filed);
    return filed;
  }

  private static String who(Stages.Step step) {
    switch (step.kind()) {
      case WORK:
        return "the worker";
      case REVIEW:
        return "the reviewer";
      case INTEGRATE:
        return "the integrator";
      case VERIFY:
        return "the verifier";
      default:
        return "stage " + step.name();
    }
  }

  private static AttemptOutcome interruptedOr(Exception e, AttemptOutcome otherwise) {
    if (e instanceof dev.loopkit.core.process.SandboxUnavailableException s) {
      // the sandbox went away mid-run: a fault of the harness, never the ticket's
      e = new FatalAdapterException(String.valueOf(s.getMessage()), s);
    }
    if (e instanceof FatalAdapterException f) {
      return new AttemptOutcome.Fatal(otherwise instanceof AttemptOutcome.Failed failed ? failed.findings().get(0)
          : String.valueOf(f.getMessage()), f);
    }
    if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
      Thread.currentThread().interrupt();
      return new AttemptOutcome.Interrupted("interrupted: " + e);
    }
    if (e instanceof CapReachedException c) {
      return new AttemptOutcome.Interrupted(String.valueOf(c.getMessage()));
    }
    boolean transientFault = e instanceof LoopException l && l.isRetryable()
        || e instanceof java.io.UncheckedIOException; // the harness's own files (a transcript, a checkout)
    if (transientFault && otherwise instanceof AttemptOutcome.Failed f) {
      // a transient fault of a part (git's lock, a timeout, a vendor's 503 past its retries): not the ticket's
      return new AttemptOutcome.Infrastructure(f.stage(), f.findings().get(0));
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

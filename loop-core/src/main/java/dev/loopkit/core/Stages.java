package dev.loopkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The stock stages, each a {@link Stage} like any a host adds, and the pipeline they form with the host's
 * stages. Each stage calls its host role exactly once.
 */
final class Stages {
  private Stages() {}

  /** One step of the pipeline: a stage, its kind and name; the integrate step also carries its integrator. */
  record Step(StageKind kind, String name, Stage stage, @Nullable Integrate integrate) {
    Step(StageKind kind, String name, Stage stage) {
      this(kind, name, stage, null);
    }
  }

  /** The integrator with the locks its calls run under. */
  record Integrate(Integrator integrator, ResourceLocks locks) {
    Integration integrate(StageContext context) throws Exception {
      ResourceLocks.Held held = locks.acquire(context.ticket().id(), integrator.resources());
      try {
        return integrator.integrate(request(context));
      } finally {
        held.close();
      }
    }

    Integration.Advance advance(Integration.Candidate candidate, StageContext context) throws Exception {
      ResourceLocks.Held held = locks.acquire(context.ticket().id(), integrator.resources());
      try {
        return integrator.advance(candidate, request(context));
      } finally {
        held.close();
      }
    }

    private static IntegrateRequest request(StageContext context) {
      return new IntegrateRequest(context.runId(), context.ticket(), context.workspace(), context.attempt());
    }
  }

  /** A stage a host added, after the stock stage of kind {@code after}. */
  record Added(StageKind after, String name, Stage stage) {}

  private static final List<StageKind> STOCK_ORDER =
      List.of(StageKind.WORK, StageKind.REVIEW, StageKind.INTEGRATE, StageKind.VERIFY);

  /**
   * The pipeline of one run: work, review (if a reviewer is set), integrate (if an integrator is set), verify,
   * with each added stage right after its anchor (or after the closest stock stage before a missing anchor).
   */
  static List<Step> pipeline(EngineSettings s, ResourceLocks locks) {
    Map<StageKind, @Nullable Stage> stock = new java.util.EnumMap<>(StageKind.class);
    stock.put(StageKind.WORK, work(s.worker()));
    Reviewer reviewer = s.reviewer();
    if (reviewer != null) {
      stock.put(StageKind.REVIEW, review(reviewer));
    }
    Integrator integrator = s.integrator();
    Integrate integrate = integrator == null ? null : new Integrate(integrator, locks);
    if (integrate != null) {
      stock.put(StageKind.INTEGRATE, integrate(integrate));
    }
    stock.put(StageKind.VERIFY, verify(s.verifier()));
    List<Step> steps = new ArrayList<>();
    for (StageKind kind : STOCK_ORDER) {
      Stage stage = stock.get(kind);
      if (stage != null) {
        steps.add(new Step(kind, kind.wireName(), stage, kind == StageKind.INTEGRATE ? integrate : null));
      }
      for (Added a : s.stages()) {
        if (a.after() == kind) {
          steps.add(new Step(StageKind.CHECK, a.name(), a.stage()));
        }
      }
    }
    return List.copyOf(steps);
  }

  static Stage work(Worker worker) {
    return context -> {
      WorkResult result = worker.work(context.assignment());
      if (result instanceof WorkResult.Completed c) {
        return StageResult.passed(c.summary()).withUsage(c.usage()).withAttributes(c.attributes());
      }
      if (result instanceof WorkResult.Failed f) {
        return StageResult.failed(f.findings()).withUsage(f.usage()).withAttributes(f.attributes());
      }
      WorkResult.NeedsHuman h = (WorkResult.NeedsHuman) result;
      if (h.evidence().isEmpty()) {
        return StageResult.failed("asked for a human without evidence (" + h.reason() + "): a request must show"
            + " the commands tried, exit codes, output and the wall hit").withUsage(h.usage())
            .withAttributes(h.attributes());
      }
      StageResult.NeedsHuman asked = StageResult.needsHuman(h.reason(), h.evidence()).withUsage(h.usage());
      return new StageResult.NeedsHuman(asked.reason(), asked.evidence(), asked.usage(), h.attributes());
    };
  }

  static Stage review(Reviewer reviewer) {
    return context -> {
      Review review = reviewer.review(new ReviewRequest(context.runId(), context.ticket(), context.workspace(),
          context.attempt(), context.claim(), context.findings(), context.processes(), context.filed()));
      if (review instanceof Review.ChangesRequested c) {
        return StageResult.failed(c.findings()).withUsage(c.usage()).withAttributes(c.attributes());
      }
      Review.Approved a = (Review.Approved) review;
      return StageResult.passed(a.notes()).withUsage(a.usage()).withAttributes(a.attributes());
    };
  }

  /** The integrate step as a plain stage (candidates are handled by the attempt, which sees the step's integrator). */
  static Stage integrate(Integrate integrate) {
    return context -> result(integrate.integrate(context));
  }

  static StageResult result(Integration integration) {
    if (integration instanceof Integration.Conflict c) {
      return StageResult.failed(c.findings());
    }
    if (integration instanceof Integration.Candidate c) {
      return StageResult.passed(c.summary()).withAttributes(c.attributes());
    }
    Integration.Integrated ok = (Integration.Integrated) integration;
    return StageResult.passed(ok.summary()).withAttributes(ok.attributes());
  }

  static Stage verify(Verifier verifier) {
    return context -> {
      Verification v = verifier.verify(context.verifyRequest());
      if (v instanceof Verification.Passed p) {
        return StageResult.passed("verified", p.evidence());
      }
      Verification.Failed f = (Verification.Failed) v;
      return StageResult.failed(f.findings()).withEvidence(f.evidence());
    };
  }
}

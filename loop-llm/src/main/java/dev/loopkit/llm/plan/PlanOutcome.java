package dev.loopkit.llm.plan;

import dev.loopkit.core.Usage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How planning ended, by name. Every case carries the plan as it stood, its directory (plan.json, research
 * reports, lint rounds, reviews, transcripts) and the usage summed over every model call.
 */
public sealed interface PlanOutcome {

  Plan plan();

  Path directory();

  Usage usage();

  /** One line for the command line and logs. */
  String describe();

  /**
   * The plan passed the lint and the review. {@code filed} maps each plan key (and {@code master}) to the
   * tracker's id; empty on a dry run.
   */
  record Ready(Plan plan, Path directory, Usage usage, boolean dryRun, Map<String, String> filed)
      implements PlanOutcome {
    public Ready {
      filed = Map.copyOf(filed);
    }

    @Override
    public String describe() {
      return dryRun ? "plan " + plan.id() + " is ready: " + plan.tickets().size() + " tickets (dry run, nothing"
          + " filed)" : "plan " + plan.id() + " filed: " + plan.tickets().size() + " tickets under "
          + filed.get(Planner.MASTER);
    }
  }

  /** The proposals still failed the lint after the last allowed round; {@code findings} are the last round's. */
  record LintFailed(Plan plan, Path directory, Usage usage, List<LintFinding> findings) implements PlanOutcome {
    public LintFailed {
      findings = List.copyOf(findings);
    }

    @Override
    public String describe() {
      return "plan " + plan.id() + " gave up after " + plan.lintRounds().size() + " lint rounds with "
          + findings.size() + " findings";
    }
  }

  /** The reviewer still asked for changes after the last allowed round; {@code findings} are its last. */
  record ReviewFailed(Plan plan, Path directory, Usage usage, List<String> findings) implements PlanOutcome {
    public ReviewFailed {
      findings = List.copyOf(findings);
    }

    @Override
    public String describe() {
      return "plan " + plan.id() + " gave up after " + plan.reviews().size() + " review rounds: "
          + String.join("; ", findings);
    }
  }

  /** An agent loop ended without a proposal (a cap, a model error, no proposal at all). */
  record Stopped(Plan plan, Path directory, Usage usage, String reason) implements PlanOutcome {
    @Override
    public String describe() {
      return "plan " + plan.id() + " stopped: " + reason;
    }
  }
}

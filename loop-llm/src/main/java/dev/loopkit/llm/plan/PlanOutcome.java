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

  /**
   * The plan as it stood when planning ended.
   *
   * @return the plan
   */
  Plan plan();

  /**
   * The plan's directory: plan.json, research reports, lint rounds, reviews and transcripts.
   *
   * @return the directory
   */
  Path directory();

  /**
   * Tokens and money over every model call of the planning.
   *
   * @return the usage
   */
  Usage usage();

  /**
   * One line for the command line and logs.
   *
   * @return the line
   */
  String describe();

  /**
   * The plan passed the lint and the review. {@code filed} maps each plan key (and {@code master}) to the
   * tracker's id; empty on a dry run.
   *
   * @param plan the plan
   * @param directory the plan's directory
   * @param usage the usage
   * @param dryRun whether nothing was filed
   * @param filed plan key (and {@code master}) to tracker id; empty on a dry run
   */
  record Ready(Plan plan, Path directory, Usage usage, boolean dryRun, Map<String, String> filed)
      implements PlanOutcome {
    /**
     * Copies the map of filed ids.
     *
     * @param plan the plan
     * @param directory the plan's directory
     * @param usage the usage
     * @param dryRun whether nothing was filed
     * @param filed plan key (and {@code master}) to tracker id; empty on a dry run
     */
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

  /**
   * The proposals still failed the lint after the last allowed round; {@code findings} are the last round's.
   *
   * @param plan the plan as it stood
   * @param directory the plan's directory
   * @param usage the usage
   * @param findings the last round's findings
   */
  record LintFailed(Plan plan, Path directory, Usage usage, List<LintFinding> findings) implements PlanOutcome {
    /**
     * Copies the findings.
     *
     * @param plan the plan as it stood
     * @param directory the plan's directory
     * @param usage the usage
     * @param findings the last round's findings
     */
    public LintFailed {
      findings = List.copyOf(findings);
    }

    @Override
    public String describe() {
      return "plan " + plan.id() + " gave up after " + plan.lintRounds().size() + " lint rounds with "
          + findings.size() + " findings";
    }
  }

  /**
   * The reviewer still asked for changes after the last allowed round; {@code findings} are its last.
   *
   * @param plan the plan as it stood
   * @param directory the plan's directory
   * @param usage the usage
   * @param findings the reviewer's last findings
   */
  record ReviewFailed(Plan plan, Path directory, Usage usage, List<String> findings) implements PlanOutcome {
    /**
     * Copies the findings.
     *
     * @param plan the plan as it stood
     * @param directory the plan's directory
     * @param usage the usage
     * @param findings the reviewer's last findings
     */
    public ReviewFailed {
      findings = List.copyOf(findings);
    }

    @Override
    public String describe() {
      return "plan " + plan.id() + " gave up after " + plan.reviews().size() + " review rounds: "
          + String.join("; ", findings);
    }
  }

  /**
   * An agent loop ended without a proposal (a cap, a model error, no proposal at all).
   *
   * @param plan the plan as it stood
   * @param directory the plan's directory
   * @param usage the usage
   * @param reason what ended the loop
   */
  record Stopped(Plan plan, Path directory, Usage usage, String reason) implements PlanOutcome {
    @Override
    public String describe() {
      return "plan " + plan.id() + " stopped: " + reason;
    }
  }
}

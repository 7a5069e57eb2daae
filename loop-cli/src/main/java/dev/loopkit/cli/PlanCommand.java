package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import dev.loopkit.core.Tracker;
import dev.loopkit.llm.plan.LintFinding;
import dev.loopkit.llm.plan.PlanOutcome;
import dev.loopkit.llm.plan.PlanRequest;
import dev.loopkit.llm.plan.Planner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code loop plan [PROJECT] (--intent TEXT | --intent-file F | --master ID) [--dry-run]}: turns an intent into
 * the project's tickets with {@link Planner}. The models come from loop.yaml: {@code models.planner} (else the
 * worker's), {@code models.plan-reviewer} (else the reviewer's), {@code models.researcher} (else the planner's).
 * A scripted model replays {@code planner.jsonl}, {@code research-<n>.jsonl} and {@code plan-review.jsonl} from
 * its transcripts folder.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Plans an intent into tickets: a research pass of read-only agents, a decomposition checked by"
        + " the readiness lint, a review by a second model, then files the tickets under a master ticket"
        + " (idempotently: a re-run files nothing twice). The plan is journaled to .loop/plans/<plan id>/.",
        "Exit codes: 0 planned (or printed with --dry-run), 3 the lint or the review gave up, 1 error."})
final class PlanCommand implements Callable<Integer> {
  /** The roles loop.yaml may name for planning, each with its fallback. */
  static final String PLANNER = "planner";
  static final String REVIEWER = "plan-reviewer";
  static final String RESEARCHER = "researcher";

  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--intent", paramLabel = "TEXT", description = "The requirement in a sentence or two.")
    String intent;

    @Option(names = "--intent-file", paramLabel = "FILE", description = "A file holding the requirement.")
    Path intentFile;

    @Option(names = "--master", paramLabel = "ID", description = "An existing ticket to plan as the master.")
    String master;
  }

  @Option(names = "--dry-run", description = "Print the plan as a table; file nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    ProjectConfig config = project.read();
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment());
    PlanRequest request = request();
    Planner planner = planner(config, root.io.environment());
    PlanOutcome outcome = planner.plan(tracker, dryRun ? request.dryRun() : request);
    var out = root.io.out();
    out.print(outcome.plan().table());
    var plan = outcome.plan();
    long sentBack = plan.lintRounds().stream().filter(r -> !r.passed()).count();
    out.println("research: " + plan.research().size() + " report(s); lint: " + plan.lintRounds().size()
        + " round(s), " + sentBack + " sent back; review: " + (plan.reviews().isEmpty() ? "none"
        : plan.reviews().size() + " round(s), " + (plan.reviews().get(plan.reviews().size() - 1).approved()
            ? "approved" : "changes requested") + " by " + plan.reviews().get(plan.reviews().size() - 1).reviewer()));
    out.println(outcome.describe());
    out.println("plan directory: " + outcome.directory());
    if (outcome instanceof PlanOutcome.Ready) {
      PlanOutcome.Ready ready = (PlanOutcome.Ready) outcome;
      ready.filed().forEach((key, id) -> out.println("  " + key + " -> " + id));
      return LoopCommand.DONE;
    }
    if (outcome instanceof PlanOutcome.LintFailed) {
      for (LintFinding f : ((PlanOutcome.LintFailed) outcome).findings()) {
        out.println(f);
      }
      return LintCommand.FINDINGS;
    }
    if (outcome instanceof PlanOutcome.ReviewFailed) {
      ((PlanOutcome.ReviewFailed) outcome).findings().forEach(f -> out.println("review: " + f));
      return LintCommand.FINDINGS;
    }
    return LoopCommand.ERROR;
  }

  private PlanRequest request() throws IOException {
    if (source.master != null) {
      return PlanRequest.master(source.master);
    }
    if (source.intentFile != null) {
      try {
        return PlanRequest.intent(Files.readString(source.intentFile, StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        throw new InputException("--intent-file " + source.intentFile + " does not exist: expected a file holding"
            + " the requirement", e);
      }
    }
    return PlanRequest.intent(source.intent);
  }

  static Planner planner(ProjectConfig config, Map<String, String> environment) {
    ProjectConfig.Model plannerModel = role(config, PLANNER).or(() -> Optional.ofNullable(
        config.models().get(config.worker().model()))).orElseThrow(() -> new InputException(config.file()
            + ": key 'models' has no 'planner' entry (nor a worker model): expected the planner's model, e.g."
            + " models.planner: {vendor: anthropic, model: claude-sonnet-4-5}"));
    ModelSource planner = ModelSource.of(config, plannerModel, environment);
    ProjectConfig.Model researcherModel = role(config, RESEARCHER).orElse(plannerModel);
    ModelSource researchers = ModelSource.of(config, researcherModel, environment);
    Planner.Builder b = Planner.builder(planner.client(PLANNER, 1), plannerModel.model())
        .repository(LintCommand.codeFolder(config))
        .planDirectory(plansDirectory(config))
        .lint(LintCommand.lint(config, environment.get("PATH")))
        .researchers(i -> researchers.client("research-" + i, 1), researcherModel.model());
    Optional<ProjectConfig.Model> reviewerModel = role(config, REVIEWER)
        .or(() -> config.reviewerModel().map(config::model));
    if (reviewerModel.isPresent()) {
      ModelSource reviewer = ModelSource.of(config, reviewerModel.get(), environment);
      b.reviewer(reviewer.client("plan-review", 1), reviewerModel.get().model());
      if (reviewer.vendor().equals(planner.vendor())) {
        b.allowSameVendorReview(); // as for a run's review: loop.yaml chose it
      }
    }
    return b.build();
  }

  /** Where the project's plans are journaled, one folder per plan id: {@code <project>/.loop/plans}. */
  static Path plansDirectory(ProjectConfig config) {
    return config.project().resolve(".loop").resolve("plans");
  }

  private static Optional<ProjectConfig.Model> role(ProjectConfig config, String role) {
    return Optional.ofNullable(config.models().get(role));
  }
}

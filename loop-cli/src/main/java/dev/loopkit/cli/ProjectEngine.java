package dev.loopkit.cli;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Review;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.llm.tools.WorkspaceTools;
import dev.loopkit.llm.work.AgentProfile;
import dev.loopkit.llm.work.CommandWorker;
import dev.loopkit.llm.work.ModelReviewer;
import dev.loopkit.llm.work.ModelWorker;
import dev.loopkit.oracle.CommandVerifier;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.TicketCommandVerifier;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.scheduler.DependencyReadySet;
import dev.loopkit.scheduler.GitMergeIntegrator;
import dev.loopkit.scheduler.GitWorkspaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the real engine for a project from its configuration: the tracker {@code tracker.kind} names, the
 * dependency-aware ready set, git workspaces and the candidate-building git merge integrator, the tracker oracle frozen by a
 * definition tripwire, ticket command verifiers, and a model (or agent CLI) worker and model reviewer.
 */
final class ProjectEngine {
  /** What the worker is told on top of the model worker's rules. */
  static final String COMMIT_RULE = " Your worktree is a git branch of its own: leave your changes in it (the"
      + " harness commits what you leave when you finish, and merges the branch once it is reviewed).";

  /** Where programs are looked for when the environment has no {@code PATH} (what execvp does then). */
  static final String DEFAULT_PATH = "/usr/bin:/bin";

  private ProjectEngine() {}

  /**
   * The project's tracker, with its credential read from {@code environment} by the name the file gives. Every
   * command opens it before it reads or runs anything, so a missing credential is the first thing reported.
   *
   * @throws InputException naming the file, the key and the variable when the credential variable is unset
   */
  static Tracker tracker(ProjectConfig config, Map<String, String> environment) {
    return config.tracker().open(config.file(), environment);
  }

  /**
   * Makes sure the project's repository exists, seeding it from {@code workspace.init-from} on first use.
   *
   * @return true when it was created now
   */
  static boolean prepareRepository(ProjectConfig config) throws InterruptedException {
    ProjectConfig.Workspace ws = config.workspace();
    if (Files.isDirectory(ws.repository().resolve(".git")) || Files.isRegularFile(ws.repository().resolve(".git"))) {
      return false;
    }
    if (ws.initFrom() == null) {
      throw new InputException(config.file() + ": key 'workspace.repo' names " + ws.repository() + ", which is"
          + " not a git repository: expected a git working tree on branch " + ws.integrationBranch()
          + " (or set workspace.init-from to a folder to seed a new one)");
    }
    if (Files.exists(ws.repository())) {
      throw new InputException(config.file() + ": key 'workspace.repo' names " + ws.repository() + ", which"
          + " exists but is not a git repository: expected a missing folder to seed from " + ws.initFrom());
    }
    GitCommands.requireGit();
    return new GitCommands().seed(ws.repository(), ws.initFrom(), ws.integrationBranch());
  }

  static LoopEngine build(ProjectConfig config, Tracker tracker, Path runDirectory, Map<String, String> environment,
      List<LoopListener> listeners) {
    ProjectConfig.Workspace ws = config.workspace();
    GitWorkspaces.Builder wt = GitWorkspaces.builder(ws.repository()).integrationBranch(ws.integrationBranch());
    if (ws.worktrees() != null) {
      wt.workspaceRoot(ws.worktrees());
    }
    GitWorkspaces workspaces = wt.build();

    TrackerOracle oracle = TrackerOracle.create();
    TicketCommandVerifier.Builder tv = TicketCommandVerifier.builder()
        .defaultTimeout(config.verifier().timeout()).origins(tracker::find);
    if (config.verifier().command() != null) {
      tv.fallback(CommandVerifier.of("sh", "-c", config.verifier().command())
          .expectOutput(java.util.Objects.requireNonNull(config.verifier().expectOutput()))
          .timeout(config.verifier().timeout()).build());
    }
    Verifier verifier = tv.build();
    DefinitionTripwire.Builder tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(verifier)
        .file(config.file());
    for (String glob : config.worker().protect()) {
      protect(tripwire, ws.repository(), glob);
    }
    DefinitionTripwire frozen = tripwire.build();

    Worker worker = worker(config, environment); // the integrator takes its files in as they are on disk
    LoopEngine.Builder engine = LoopEngine.builder()
        .tracker(tracker)
        .oracle(oracle)
        .readySet(DependencyReadySet.create())
        .workspaces(workspaces)
        .integrator(GitMergeIntegrator.builder(workspaces).protect(protectedGlobs(config)).build())
        .worker(worker)
        .verifier(frozen.guard(verifier))
        .tripwire(frozen)
        .caps(config.caps())
        .sandbox(sandbox(config.sandbox(), environment))
        .runDirectory(runDirectory);
    reviewer(config, environment, workerVendor(config, environment)).ifPresent(engine::reviewer);
    listeners.forEach(engine::listener);
    return engine.build();
  }

  /**
   * The sandbox of the {@code sandbox} section, which confines every process the engine starts for a ticket
   * (the verifiers' commands get it through {@code VerifyRequest.processes()}): bubblewrap, found on the
   * {@code PATH} of the {@code loop} process ({@code environment}; without one, {@code /usr/bin:/bin}, as the
   * system's own default path), or {@code Sandbox.none()} for {@code kind: none}. {@code check()} proves it can
   * start.
   */
  static dev.loopkit.core.process.Sandbox sandbox(ProjectConfig.SandboxSettings settings,
      Map<String, String> environment) {
    if (!settings.confines()) {
      return dev.loopkit.core.process.Sandbox.none();
    }
    dev.loopkit.core.process.BubblewrapSandbox.Builder b = dev.loopkit.core.process.BubblewrapSandbox.builder()
        .searchPath(environment.getOrDefault("PATH", DEFAULT_PATH)).network(settings.network());
    settings.readOnly().forEach(b::readOnly);
    settings.writable().forEach(b::writable);
    return b.build();
  }

  /**
   * Protects {@code glob} under the repository, walking from its literal leading folders ({@code tests/**} is
   * {@code **} under {@code tests}): a walk from the repository root would also walk {@code .git}, whose files
   * come and go while merges run, and fail on a vanished file.
   */
  private static void protect(DefinitionTripwire.Builder tripwire, Path repository, String glob) {
    Path base = repository;
    String rest = glob;
    int slash;
    while ((slash = rest.indexOf('/')) > 0 && rest.substring(0, slash).matches("[^*?\\[\\]{}]+")) {
      base = base.resolve(rest.substring(0, slash));
      rest = rest.substring(slash + 1);
    }
    tripwire.glob(base, rest.isEmpty() ? "**" : rest);
  }

  /**
   * What no workspace tool may write: {@code worker.protect}, plus the Markdown tracker's folder when it lies in
   * the repository, since a worker's edit of a ticket file would be merged into the tracker with its branch.
   * Remote trackers' tickets are not files of the repository, so they add nothing.
   */
  static List<String> protectedGlobs(ProjectConfig config) {
    List<String> globs = new ArrayList<>(config.worker().protect());
    Path repository = config.workspace().repository();
    config.tracker().ticketFolder().filter(f -> f.startsWith(repository) && !f.equals(repository))
        .ifPresent(f -> globs.add(repository.relativize(f).toString().replace('\\', '/') + "/**"));
    return globs;
  }

  private static String workerVendor(ProjectConfig config, Map<String, String> environment) {
    if (config.worker().kind().equals("command")) {
      return profile(config).vendor();
    }
    return ModelSource.of(config, config.model(config.worker().model()), environment).vendor();
  }

  private static Worker worker(ProjectConfig config, Map<String, String> environment) {
    ProjectConfig.WorkerSettings w = config.worker();
    if (w.kind().equals("command")) {
      return CommandWorker.builder(profile(config)).timeout(w.commandTimeout()).build();
    }
    ProjectConfig.Model model = config.model(w.model());
    ModelSource source = ModelSource.of(config, model, environment);
    WorkspaceTools tools = WorkspaceTools.builder().protect(protectedGlobs(config).toArray(String[]::new))
        .commandTimeout(w.commandTimeout()).build();
    return new Worker() {
      @Override
      public WorkResult work(Assignment a) throws Exception {
        return ModelWorker.builder(source.client(a.ticket().id(), a.attempt()), model.model())
            .system(ModelWorker.DEFAULT_SYSTEM + COMMIT_RULE)
            .tools(tools).maxTurns(w.maxTurns()).build().work(a);
      }

      @Override
      public String toString() {
        return "ModelWorker{" + source.vendor() + "/" + model.model() + "}";
      }
    };
  }

  private static AgentProfile profile(ProjectConfig config) {
    ProjectConfig.WorkerSettings w = config.worker();
    switch (w.agent()) {
      case "codex":
        return AgentProfile.codex();
      case "custom":
        return AgentProfile.custom("custom", "custom", w.argv(), AgentProfile.OutputFormat.TEXT);
      default:
        return AgentProfile.claudeCode(w.maxTurns());
    }
  }

  private static java.util.Optional<Reviewer> reviewer(ProjectConfig config, Map<String, String> environment,
      String workerVendor) {
    if (config.reviewerModel().isEmpty()) {
      return java.util.Optional.empty();
    }
    ProjectConfig.Model model = config.model(config.reviewerModel().get());
    ModelSource source = ModelSource.of(config, model, environment);
    boolean sameVendor = source.vendor().equals(workerVendor);
    Reviewer reviewer = request -> {
      ModelReviewer.Builder b = ModelReviewer.builder(source.client(request.ticket().id(), request.attempt()),
          model.model()).workerVendor(workerVendor);
      if (sameVendor) {
        b.allowSameVendor();
      }
      Review review = b.build().review(request);
      return review;
    };
    return java.util.Optional.of(reviewer);
  }
}

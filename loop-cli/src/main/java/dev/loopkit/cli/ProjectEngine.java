package dev.loopkit.cli;

import dev.loopkit.core.RunDirectories;
import dev.loopkit.core.Assignment;
import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.Healer;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopListener;
import dev.loopkit.core.Review;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.heal.HealEvidence;
import dev.loopkit.llm.heal.ModelHealer;
import dev.loopkit.llm.tools.WorkspaceTools;
import dev.loopkit.llm.work.AgentProfile;
import dev.loopkit.llm.work.CommandWorker;
import dev.loopkit.llm.work.ModelReviewer;
import dev.loopkit.llm.work.ModelWorker;
import dev.loopkit.oracle.CommandVerifier;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.HealGuard;
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
import org.jspecify.annotations.Nullable;

/**
 * Builds the real engine for a project from its configuration: the tracker {@code tracker.kind} names, the
 * dependency-aware ready set, git workspaces and the candidate-building git merge integrator, the tracker oracle frozen by a
 * definition tripwire, ticket command verifiers, and a model (or agent CLI) worker and model reviewer.
 */
final class ProjectEngine {
  /** What the worker is told on top of the model worker's rules. */
  static final String COMMIT_RULE = " Your workspace is a git repository of its own on the ticket's branch: leave"
      + " your changes in its files (when you finish, the harness takes in the files as they are on disk, and"
      + " merges them once they are reviewed and verified).";

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
    // a listener that also takes streamed deltas (the CLI's progress) sees the model workers' turns live
    dev.loopkit.llm.StreamListener streams = listeners.stream().filter(dev.loopkit.llm.StreamListener.class::isInstance)
        .map(dev.loopkit.llm.StreamListener.class::cast).findFirst().orElse(dev.loopkit.llm.StreamListener.ignoring());
    Parts p = parts(config, tracker, runDirectory, environment, streams);
    LoopEngine.Builder engine = LoopEngine.builder()
        .tracker(tracker)
        .oracle(p.oracle())
        .readySet(DependencyReadySet.create())
        .workspaces(p.workspaces())
        .integrator(p.integrator())
        .worker(p.worker())
        .verifier(p.verifier())
        .tripwire(p.tripwire())
        .caps(config.caps())
        .trackerCallTimeout(config.trackerCallTimeout())
        .earlierRuns(RunDirectories.of(config.runsDirectory()).all()) // tickets a stopped or killed run left in progress
        .sandbox(p.sandbox())
        .runDirectory(runDirectory);
    config.healer().ifPresent(h -> engine.healer(java.util.Objects.requireNonNull(p.healer()))
        .healAfterConsecutiveFailures(h.afterFailures()).maxHeals(h.maxHeals())
        .revertHealAfterAttempts(h.revertAfter()));
    if (p.reviewer() != null) {
      engine.reviewer(p.reviewer());
    }
    simplicityGate(config).ifPresent(gate -> engine.stageAfter(dev.loopkit.core.StageKind.REVIEW, "simplicity", gate));
    listeners.forEach(engine::listener);
    return engine.build();
  }

  /** loop.yaml's {@code strategies.simplicity}, if set: a stage after the review, for either engine. */
  static java.util.Optional<dev.loopkit.core.Stage> simplicityGate(ProjectConfig config) {
    ProjectConfig.Strategies strategies = config.strategies();
    if (strategies.simplicityBudget() == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(dev.loopkit.llm.work.SimplicityGate.builder().budget(strategies.simplicityBudget())
        .hardLimit(java.util.Objects.requireNonNull(strategies.simplicityHardLimit())).build());
  }

  /** The host parts of a project, as every engine (the core one, or loop-temporal's) and worker host takes them. */
  record Parts(TrackerOracle oracle, GitWorkspaces workspaces, GitMergeIntegrator integrator, Worker worker,
      Verifier verifier, DefinitionTripwire tripwire, dev.loopkit.core.process.Sandbox sandbox,
      @Nullable Reviewer reviewer, @Nullable Healer healer) {}

  static Parts parts(ProjectConfig config, Tracker tracker, Path runDirectory, Map<String, String> environment) {
    return parts(config, tracker, runDirectory, environment, dev.loopkit.llm.StreamListener.ignoring());
  }

  /** As {@link #parts(ProjectConfig, Tracker, Path, Map)}, with the model workers' turns streamed to {@code streams}. */
  static Parts parts(ProjectConfig config, Tracker tracker, Path runDirectory, Map<String, String> environment,
      dev.loopkit.llm.StreamListener streams) {
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
    TicketCommandVerifier ticketVerifier = tv.build();
    checkBatch(tracker, ticketVerifier);
    // only the keys of loop.yaml that define done are frozen (see ProjectVerifier); caps may be raised
    Verifier verifier = new ProjectVerifier(ticketVerifier, config);
    DefinitionTripwire.Builder tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(verifier);
    for (String glob : config.worker().protect()) {
      protect(tripwire, ws.repository(), glob);
    }
    DefinitionTripwire frozen = tripwire.build();

    Worker worker = worker(config, environment, streams); // the integrator takes its files in as they are on disk
    return new Parts(oracle, workspaces, GitMergeIntegrator.builder(workspaces).protect(protectedGlobs(config)).build(),
        worker, frozen.guard(verifier), frozen, sandbox(config.sandbox(), environment),
        reviewer(config, environment, workerVendor(config, environment)).orElse(null),
        config.healer().map(h -> healer(config, h, frozen, runDirectory, environment)).orElse(null));
  }

  /**
   * Checks every ticket's verify metadata when the batch is read, before any attempt: a bad {@code verify-expect}
   * regex or {@code verify-exit} is an input error naming the ticket and the key, not failed attempts. A tracker
   * that fails with a retryable error here is left to the run, which retries it and checks each ticket again
   * when it verifies.
   */
  static void checkBatch(Tracker tracker, TicketCommandVerifier verifier) {
    dev.loopkit.core.Batch batch;
    try {
      batch = tracker.readBatch();
    } catch (dev.loopkit.core.LoopException e) {
      if (e.isRetryable()) {
        return;
      }
      throw e;
    }
    for (dev.loopkit.core.Ticket t : batch.tickets()) {
      verifier.check(t);
    }
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

  private static Worker worker(ProjectConfig config, Map<String, String> environment,
      dev.loopkit.llm.StreamListener streams) {
    ProjectConfig.WorkerSettings w = config.worker();
    if (w.kind().equals("command")) {
      return CommandWorker.builder(profile(config)).timeout(w.commandTimeout()).build();
    }
    WorkspaceTools tools = WorkspaceTools.builder().protect(protectedGlobs(config).toArray(String[]::new))
        .commandTimeout(w.commandTimeout()).build();
    ProjectConfig.Strategies strategies = config.strategies();
    Worker main = modelWorker(config, w.model(), tools, environment, streams);
    if (strategies.routes().isEmpty() && strategies.escalateTo() == null) {
      return main;
    }
    // worker.routes and worker.escalate-to: the route taken is in the work stage's journal attributes
    dev.loopkit.llm.work.RoutingWorker.Builder routing = dev.loopkit.llm.work.RoutingWorker.builder(w.model(), main);
    for (ProjectConfig.Route route : strategies.routes()) {
      routing.route(route.model(), route.label() != null ? dev.loopkit.llm.work.RoutingWorker.labelled(route.label())
          : dev.loopkit.llm.work.RoutingWorker.priorityAtLeast(java.util.Objects.requireNonNull(route.priorityAtLeast())),
          modelWorker(config, route.model(), tools, environment, streams));
    }
    if (strategies.escalateTo() != null) {
      routing.escalateTo(strategies.escalateTo(), modelWorker(config, strategies.escalateTo(), tools, environment, streams));
    }
    return routing.build();
  }

  /** A model worker of the {@code models} entry {@code name}: a fresh {@link ModelWorker} for every attempt. */
  private static Worker modelWorker(ProjectConfig config, String name, WorkspaceTools tools,
      Map<String, String> environment, dev.loopkit.llm.StreamListener streams) {
    ProjectConfig.WorkerSettings w = config.worker();
    ProjectConfig.Model model = config.model(name);
    ModelSource source = ModelSource.of(config, model, environment);
    int continueTurns = config.strategies().continueTurns();
    return new Worker() {
      @Override
      public WorkResult work(Assignment a) throws Exception {
        String system;
        try {
          system = workerSystem(config, w.promptFile());
        } catch (InputException e) {
          // a prompt file gone or emptied mid-run is the harness's fault: stop the run, charge no ticket
          throw new dev.loopkit.core.FatalAdapterException(e.getMessage(), e);
        }
        return ModelWorker.builder(source.client(a.ticket().id(), a.attempt()), model.model())
            .system(system)
            .tools(tools).maxTurns(w.maxTurns()).continueShortConversations(continueTurns).progress(streams).build()
            .work(a);
      }

      @Override
      public String toString() {
        return "ModelWorker{" + source.vendor() + "/" + model.model() + "}";
      }
    };
  }

  /**
   * The model worker's system prompt: the stock rules, the commit rule, then the text of {@code worker.prompt-file}
   * when there is one, read now (each attempt calls this, so a heal of the file reaches the next attempt).
   *
   * @throws InputException naming the key and the file when it cannot be read or is blank
   */
  static String workerSystem(ProjectConfig config, @Nullable Path promptFile) {
    String system = ModelWorker.DEFAULT_SYSTEM + COMMIT_RULE;
    if (promptFile == null) {
      return system;
    }
    String text;
    try {
      text = Files.readString(promptFile, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new InputException(config.file() + ": key 'worker.prompt-file' names " + promptFile + ", which cannot"
          + " be read (" + e.getMessage() + "): expected the worker's prompt file", e);
    }
    if (text.isBlank()) {
      throw new InputException(config.file() + ": key 'worker.prompt-file' names " + promptFile + ", which is"
          + " empty: expected the project's instructions for the worker");
    }
    return system + "\n\n" + text.strip();
  }

  /**
   * The {@code healer} section's self-heal agent: a {@link ModelHealer} over the harness's healable files (its
   * canaries the project's tripwire, its dry preparation the worker's system prompt rendered from the prompt
   * file under the harness, its evidence the tail of each outstanding ticket's latest attempt transcript),
   * inside a {@link HealGuard} that holds the same tripwire and the healable files, so a heal that changes the
   * definition of done is rolled back and rejected. A scripted healer replays {@code heal-attempt-<n>.jsonl}
   * (heal n of the run), else {@code heal.jsonl} or {@code default.jsonl}; a fresh {@code ModelHealer} is built for
   * each heal on that heal's conversation.
   *
   * @throws InputException naming {@code healer.healable} when a healable file is one the tripwire protects
   */
  static Healer healer(ProjectConfig config, ProjectConfig.HealerSettings settings, DefinitionTripwire tripwire,
      Path runDirectory, Map<String, String> environment) {
    ProjectConfig.Model model = config.model(settings.model());
    ModelSource source = ModelSource.of(config, model, environment);
    Path prompt = java.util.Objects.requireNonNull(config.worker().promptFile(), "worker.prompt-file");
    String promptInHarness = settings.harness().relativize(prompt).toString();
    java.util.function.Function<ModelClient, ModelHealer> build = client -> ModelHealer
        .builder(client, model.model())
        .harnessDirectory(settings.harness())
        .healable(settings.healable().toArray(String[]::new))
        .runDirectory(runDirectory)
        .canaries(tripwire)
        .dryPreparation("worker prompt", dir -> workerSystem(config, dir.resolve(promptInHarness)))
        .evidence(evidence(runDirectory))
        .maxTurns(settings.maxTurns()).maxCostUsd(settings.maxCostUsd()).timeout(settings.timeout())
        .hostEnvironment(() -> environment)
        .build();
    // built once up front on a client it never calls: a bad glob fails before the run starts, and the guard
    // learns the healable files; each heal then gets a healer of its own on that heal's conversation
    ModelHealer first = build.apply(new ModelSource.Labelled(dev.loopkit.llm.ScriptedModelClient.builder().build(),
        source.vendor()));
    Healer perHeal = new Healer() {
      @Override
      public Heal heal(HealContext context) throws Exception {
        return build.apply(source.client("heal", context.healsSoFar() + 1)).heal(context);
      }

      @Override
      public String toString() {
        return first.toString();
      }
    };
    HealGuard.Builder guard = HealGuard.builder().delegate(perHeal).tripwire(tripwire);
    first.healableFiles().forEach(guard::harnessFile);
    try {
      return guard.build();
    } catch (InputException e) {
      throw new InputException(config.file() + ": key 'healer.healable' " + settings.healable() + " reaches a file"
          + " that defines done (" + e.getMessage() + "): expected globs naming only the harness's own files, such"
          + " as prompts/*.md", e);
    }
  }

  /** The most outstanding tickets whose verifier output a heal is handed (as the healer's own default). */
  private static final int HEAL_TICKETS = 20;

  /**
   * What a heal reads beyond its context: the tail of each outstanding ticket's latest attempt transcript, and
   * {@code verifier/<ticket>}: the output excerpts of the verify stage of its latest attempt that has any, from
   * the run's journal. The findings carry only a verifier's verdict ("exited 1"); the output is where a
   * verifier says why, and is what a healer needs to tell a missing convention from a wall. Folds the journal
   * once per heal (heals are few: at most {@code healer.max-heals} a run).
   */
  static HealEvidence evidence(Path runDirectory) {
    HealEvidence transcripts = HealEvidence.attemptTranscripts(runDirectory, 8000);
    return context -> {
      List<HealEvidence.Excerpt> out = new ArrayList<>(transcripts.gather(context));
      dev.loopkit.core.RunHistory history = dev.loopkit.core.RunDirectory.of(runDirectory).history();
      List<dev.loopkit.core.Ticket> outstanding = new ArrayList<>();
      for (dev.loopkit.core.Status s : List.of(dev.loopkit.core.Status.OPEN, dev.loopkit.core.Status.IN_PROGRESS,
          dev.loopkit.core.Status.HUMAN_GATED)) {
        if (outstanding.size() < HEAL_TICKETS) {
          outstanding.addAll(context.batch().withStatus(s, HEAL_TICKETS - outstanding.size()));
        }
      }
      for (dev.loopkit.core.Ticket t : outstanding) {
        java.util.Optional<dev.loopkit.core.RunHistory.TicketHistory> th = history.ticket(t.id());
        if (th.isEmpty()) {
          continue;
        }
        List<dev.loopkit.core.RunHistory.AttemptHistory> attempts = th.get().attemptLog();
        for (int i = attempts.size() - 1; i >= 0; i--) {
          StringBuilder text = new StringBuilder();
          for (dev.loopkit.core.Evidence e : attempts.get(i).evidence()) {
            String excerpt = e.attributes().get("excerpt");
            if (excerpt != null && !excerpt.isBlank()) {
              text.append(e.summary()).append(":\n").append(excerpt.strip()).append('\n');
            }
          }
          if (text.length() > 0) {
            out.add(HealEvidence.Excerpt.of("verifier/" + t.id().replaceAll("[^A-Za-z0-9/._-]", "_"), "attempt " + attempts.get(i).number() + " of "
                + t.id() + ", the verifier's output\n" + text));
            break;
          }
        }
      }
      return out;
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
    ProjectConfig.Strategies strategies = config.strategies();
    if (!strategies.panel().isEmpty()) {
      // reviewer.panel: every verdict is in the review stage's journal attributes, prefixed with its entry's name
      dev.loopkit.llm.work.ReviewPanel.Builder panel = dev.loopkit.llm.work.ReviewPanel.builder(
          strategies.rule().equals("majority") ? dev.loopkit.llm.work.ReviewPanel.Rule.MAJORITY
              : dev.loopkit.llm.work.ReviewPanel.Rule.ALL);
      for (String name : strategies.panel()) {
        panel.add(name, modelReviewer(config, name, environment, workerVendor));
      }
      return java.util.Optional.of(panel.build());
    }
    if (config.reviewerModel().isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(modelReviewer(config, config.reviewerModel().get(), environment, workerVendor));
  }

  /** A model reviewer of the {@code models} entry {@code name}, diff-only when {@code reviewer.diff-only} names it. */
  private static Reviewer modelReviewer(ProjectConfig config, String name, Map<String, String> environment,
      String workerVendor) {
    ProjectConfig.Model model = config.model(name);
    ModelSource source = ModelSource.of(config, model, environment);
    boolean sameVendor = source.vendor().equals(workerVendor);
    boolean diffOnly = config.strategies().diffOnly().contains(name);
    return request -> {
      ModelReviewer.Builder b = ModelReviewer.builder(source.client(request.ticket().id(), request.attempt()),
          model.model()).workerVendor(workerVendor);
      if (sameVendor) {
        b.allowSameVendor();
      }
      if (diffOnly) {
        b.diffOnly();
      }
      Review review = b.build().review(request);
      return review;
    };
  }

}

package dev.loopkit.examples;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.Finding;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Stage;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.core.process.BubblewrapSandbox;
import dev.loopkit.github.GitHubTracker;
import dev.loopkit.llm.AnthropicClient;
import dev.loopkit.llm.OpenAiClient;
import dev.loopkit.llm.tools.WorkspaceTools;
import dev.loopkit.llm.work.ModelReviewer;
import dev.loopkit.llm.work.ModelWorker;
import dev.loopkit.oracle.CommandVerifier;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.report.HtmlReport;
import dev.loopkit.scheduler.DependencyReadySet;
import dev.loopkit.scheduler.GitMergeIntegrator;
import dev.loopkit.scheduler.GitWorkspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Java snippets of the root README.md and of loop-core's javadoc, as code the compiler checks. Each
 * method body is the snippet, line for line; the names a snippet leaves to the reader ({@code myAgent},
 * {@code repo}, {@code myWorker}, the host's own tracker) are parameters. Where a line had to change to
 * compile or to work, the comment above it says so. {@link ReadmeExamplesTest} runs the embedding snippet.
 */
final class ReadmeSnippets {

  private ReadmeSnippets() {}

  /** The {@code myAgent} of the README: the host's agent that changes the code in a workspace. */
  interface Agent {
    String solve(Ticket ticket, List<Finding> findings, Path repo) throws Exception;
  }

  // ---- README.md, "Embedding the loop" (one block, split in three so a test can run it) ----

  /**
   * The block as a whole. README line 1, {@code Tracker tracker = new MyJiraTracker(jira, "PROJ-BATCH-7");},
   * is the host's own adapter, so it is the parameter {@code tracker}; {@code runs/batch-7} is relative to the
   * working directory, so a test passes another directory.
   */
  static RunResult embeddingTheLoop(Tracker tracker, Agent myAgent, Path runDirectory) {
    Worker worker = embeddingWorker(myAgent);
    Verifier verifier = embeddingVerifier();
    return embeddingRun(tracker, worker, verifier, runDirectory);
  }

  static Worker embeddingWorker(Agent myAgent) {
    Worker worker = assignment -> {                                      // a fresh worker per attempt
      Path repo = assignment.workspace().directory();
      String log = myAgent.solve(assignment.ticket(), assignment.findings(), repo);
      return WorkResult.completed(log, Usage.ZERO);                      // a claim, never a status
    };
    return worker;
  }

  static Verifier embeddingVerifier() {
    Verifier verifier = request -> {                                     // the finish line, checked live
      Process p = new ProcessBuilder("mvn", "-B", "test").directory(request.workspace().directory().toFile())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      return p.waitFor() == 0 && out.contains("BUILD SUCCESS")
          ? Verification.passed(new Evidence("command", "mvn test passed",
              Map.of("output-tail", out.substring(Math.max(0, out.length() - 2000)))))
          : Verification.failed(List.of("mvn test failed:\n" + out), List.of());
    };
    return verifier;
  }

  static RunResult embeddingRun(Tracker tracker, Worker worker, Verifier verifier, Path runDirectory) {
    RunResult result = LoopEngine.builder()
        .tracker(tracker).worker(worker).verifier(verifier)
        // README: .runDirectory(Path.of("runs/batch-7"))
        .runDirectory(runDirectory)                                      // journal.jsonl; rerun to resume
        .caps(Caps.builder().maxCostUsd("20").maxAttemptsPerTicket(3).maxConcurrency(4).build())
        .build()
        .run();
    System.out.println(result.ending().describe());                      // DONE, CAPPED, STALLED, TAMPERED, FAILED
    System.out.println(result.report().summary());
    return result;
  }

  // ---- README.md, "Wiring the stock parts" (compiled only: it needs GitHub and two vendors' keys) ----

  static RunResult wiringTheStockParts(Path repo) {
    GitWorkspaces workspaces = GitWorkspaces.builder(repo).integrationBranch("main").build();
    CommandVerifier tests = CommandVerifier.of("sh", repo.resolve("ci/verify.sh").toString())
        .expectOutput("(?m)^VERIFIED$").timeout(Duration.ofMinutes(5)).build();
    TrackerOracle oracle = TrackerOracle.create();
    DefinitionTripwire tripwire = DefinitionTripwire.builder().oracle(oracle).verifier(tests).build();
    ModelWorker worker = ModelWorker.builder(AnthropicClient.builder().build(), "claude-sonnet-4-5")
        .tools(WorkspaceTools.builder().protect("ci/**").build()).build();
    RunResult result = LoopEngine.builder()
        .tracker(GitHubTracker.builder().repository("acme/widgets").label("loop:batch-7").build())
        .readySet(DependencyReadySet.create())
        .workspaces(workspaces).integrator(GitMergeIntegrator.builder(workspaces).protect("ci/**").build())
        .worker(worker)
        .reviewer(ModelReviewer.builder(OpenAiClient.builder().build(), "gpt-5").workerVendor(worker.vendor()).build())
        .oracle(oracle).verifier(tripwire.guard(tests)).tripwire(tripwire)
        .runDirectory(Path.of("runs/batch-7"))
        .build().run();
    return result;
  }

  // ---- loop-core javadoc: LoopEngine (compiled only: its paths are relative to the working directory) ----

  static RunResult loopEngineJavadoc(Worker myWorker, Verifier myVerifier) {
    RunResult result = LoopEngine.builder()
        .tracker(MarkdownTracker.open(Path.of("tickets")))
        .worker(myWorker)
        .verifier(myVerifier)
        .runDirectory(Path.of("runs/run-1"))
        .caps(Caps.builder().maxCostUsd("5").maxConcurrency(2).build())
        .build()
        .run();
    return result;
  }

  // ---- README.md, "The attempt pipeline and stages of your own" ----

  /** The host's own check in the README's stage example: here, a marker file the deployment writes. */
  static final class StagingProbe {
    private StagingProbe() {}

    static boolean healthy(Path workspace) {
      return java.nio.file.Files.isRegularFile(workspace.resolve("staging.ok"));
    }
  }

  static LoopEngine.Builder stageOfYourOwn() {
    Stage smoke = context -> StagingProbe.healthy(context.workspace().directory())
        ? StageResult.passed("staging answered", List.of(Evidence.of("http-probe", "GET /health 200")))
        : StageResult.failed("staging did not answer GET /health with 200");
    LoopEngine.Builder withSmoke = LoopEngine.builder().stageAfter(StageKind.INTEGRATE, "staging-smoke", smoke);
    return withSmoke;
  }

  // ---- README.md, "The sandbox" ----

  static LoopEngine.Builder sandboxed() {
    LoopEngine.Builder confined = LoopEngine.builder()
        .sandbox(BubblewrapSandbox.builder()
            .readOnly(Path.of(System.getProperty("user.home"), ".m2"))   // extra host paths the tests need to read
            .build());                                                   // the default is Sandbox.bubblewrap()
    return confined;
  }

  // ---- loop-core javadoc: MarkdownTracker (the folder is a parameter so a test can run it) ----

  static Ticket markdownTrackerJavadoc(Path folder) {
    // javadoc: Tracker tracker = MarkdownTracker.open(Path.of("tickets"));
    Tracker tracker = MarkdownTracker.open(folder);
    Ticket t = tracker.create(NewTicket.builder("Add retries").idempotencyKey("plan-1/retries").build());
    return t;
  }

  // ---- README.md, "The HTML report" (the plans folder is a parameter so a test can run it) ----

  static Path writingTheReport(Path runDirectory, Path previousRun, Tracker tracker, Path plans) {
    // the README reads the plans from .loop/plans; here the folder is the test's
    Path report = HtmlReport.builder(runDirectory)
        .project("billing-service")
        .batch(tracker.readBatch())              // titles, statuses, the dependency graph (optional)
        .trend(List.of(previousRun, runDirectory)) // the runs the trends cover, oldest first (optional)
        .plans(plans)
        .build()
        .write();                                // <runDirectory>/report.html; writeTo(Path) for elsewhere
    return report;
  }
}

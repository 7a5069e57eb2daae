package dev.loopkit.llm.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Reviewer;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.oracle.TrackerOracle;
import dev.loopkit.testing.InMemoryTracker;
import dev.loopkit.testing.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker strategies through the engine, with scripted models and a real git workspace: routing by label
 * with escalation after a failed attempt, a review panel's rules, a diff-only reviewer, and the simplicity gate
 * failing an attempt that copies a block of existing code. Every decision is read back from the journal's events.
 */
class WorkerStrategiesTest {
  private static final String BLOCK = "  static int clamp(int value, int low, int high) {\n"
      + "    if (value < low) {\n      return low;\n    }\n    if (value > high) {\n      return high;\n    }\n"
      + "    return value;\n  }\n";

  @TempDir
  Path dir;

  private Path repo;
  private Path runDir;

  private void git(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.com",
        "-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    var outcome = ProcessRunner.unconfined().run(Command.builder(command).directory(repo)
        .env("PATH", "/usr/bin:/bin").env("HOME", repo.toString()).env("GIT_CONFIG_NOSYSTEM", "1").build());
    assertTrue(outcome.succeeded(), outcome.stderr());
  }

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    runDir = Files.createDirectories(dir.resolve("run"));
    Files.createDirectories(repo.resolve("src"));
    Files.writeString(repo.resolve("src/Util.java"), "final class Util {\n" + BLOCK + "}\n");
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
  }

  /** Passes when hello.txt says hello. */
  private final Verifier hello = r -> {
    Path file = r.workspace().directory().resolve("hello.txt");
    return Files.exists(file) && Files.readString(file).equals("hello\n")
        ? Verification.passed(Evidence.of("file", "hello.txt says hello"))
        : Verification.failed("hello.txt does not say hello");
  };

  private static ModelWorker writes(String path, String content) {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"" + path + "\",\"content\":\"" + content.replace("\n", "\\n") + "\"}")
        .respondText("Wrote " + path + ".").build();
    return ModelWorker.builder(model, "scripted-model").build();
  }

  private LoopEngine.Builder engine(InMemoryTracker tracker, Worker worker, RecordingListener events) {
    return LoopEngine.builder().tracker(tracker).oracle(TrackerOracle.create()).worker(worker)
        .workspaces(Workspaces.shared(repo)).caps(Caps.builder().maxAttemptsPerTicket(3).build()).listener(events)
        .runDirectory(runDir);
  }

  private static List<LoopEvent.StageCompleted> stages(RecordingListener events, StageKind kind) {
    return events.events(LoopEvent.StageCompleted.class).stream().filter(e -> e.kind() == kind).toList();
  }

  @Test
  void aMechanicalTicketGoesToTheFastModelAndEscalatesToTheStrongOneAfterAFailedAttempt() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").labels(List.of("mechanical"))
        .addAcceptanceCriterion("hello.txt says hello").build());
    Worker worker = RoutingWorker.builder("strong", writes("hello.txt", "hello\n"))
        .route("fast", RoutingWorker.labelled("mechanical"), writes("hello.txt", "helo\n"))
        .escalateTo("strong", writes("hello.txt", "hello\n"))
        .build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, worker, events).verifier(hello).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.StageCompleted> work = stages(events, StageKind.WORK);
    assertEquals(2, work.size());
    assertEquals(Map.of("route", "fast", "route-reason", "label mechanical"), work.get(0).attributes());
    assertEquals(Map.of("route", "strong", "route-reason", "escalated: attempt 2 after 1 failed"),
        work.get(1).attributes());
  }

  @Test
  void aTicketNoRouteMatchesTakesTheDefaultRoute() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").build());
    Worker worker = RoutingWorker.builder("strong", writes("hello.txt", "hello\n"))
        .route("fast", RoutingWorker.labelled("mechanical"), writes("hello.txt", "helo\n")).build();
    RecordingListener events = new RecordingListener();

    engine(tracker, worker, events).verifier(hello).build().run();

    assertEquals("default", stages(events, StageKind.WORK).get(0).attributes().get("route-reason"));
    assertEquals(Status.DONE, tracker.ticket("T-1").status());
  }

  private static ModelReviewer reviewer(String answer) {
    return reviewer(ScriptedModelClient.builder().respondText(answer).respondText(answer).respondText(answer)
        .build(), false);
  }

  private static ModelReviewer reviewer(ScriptedModelClient model, boolean diffOnly) {
    ModelReviewer.Builder b = ModelReviewer.builder(model, "review-model").workerVendor("scripted")
        .allowSameVendor();
    if (diffOnly) {
      b.diffOnly();
    }
    return b.build();
  }

  private static final String APPROVE = "{\"verdict\":\"approve\",\"findings\":[]}";
  private static final String CHANGES = "{\"verdict\":\"request_changes\",\"findings\":[\"hello.txt lacks a test\"]}";

  @Test
  void aMajorityPanelApprovesOverOneDissentAndJournalsEveryVerdict() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").build());
    ScriptedModelClient diffModel = ScriptedModelClient.builder().respondText(APPROVE).build();
    Reviewer panel = ReviewPanel.builder(ReviewPanel.Rule.MAJORITY).add("claude", reviewer(APPROVE))
        .add("gpt", reviewer(CHANGES)).add("diff-only", reviewer(diffModel, true)).build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, writes("hello.txt", "hello\n"), events).reviewer(panel).verifier(hello)
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    LoopEvent.StageCompleted review = stages(events, StageKind.REVIEW).get(0);
    assertEquals(StageOutcome.PASSED, review.outcome());
    assertEquals("majority", review.attributes().get("panel-rule"));
    assertEquals("2/3", review.attributes().get("panel-approvals"));
    assertEquals("approve", review.attributes().get("claude.verdict"));
    assertEquals("request_changes", review.attributes().get("gpt.verdict"));
    assertEquals("approve", review.attributes().get("diff-only.verdict"));
    assertEquals("diff-only", review.attributes().get("diff-only.view"));
    assertTrue(review.summary().contains("outvoted: gpt: hello.txt lacks a test"), review.summary());
    String prompt = diffModel.lastRequest().messages().get(0).text();
    assertFalse(prompt.contains("The worker's claim"), "a diff-only reviewer sees no claim");
    assertTrue(prompt.contains("+hello"), prompt);
  }

  @Test
  void anAllPanelSendsOneDissentBackAsFindingsForTheNextAttempt() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").build());
    ScriptedModelClient strict = ScriptedModelClient.builder().respondText(CHANGES).respondText(APPROVE).build();
    Reviewer panel = ReviewPanel.builder(ReviewPanel.Rule.ALL).add("claude", reviewer(APPROVE))
        .add("gpt", reviewer(strict, false)).build();
    RecordingListener events = new RecordingListener();
    Worker twice = RoutingWorker.builder("first", writes("hello.txt", "hello\n"))
        .escalateTo("second", writes("hello.txt", "hello\n")).build();

    RunResult result = engine(tracker, twice, events).reviewer(panel).verifier(hello).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.StageCompleted> reviews = stages(events, StageKind.REVIEW);
    assertEquals(StageOutcome.FAILED, reviews.get(0).outcome());
    assertEquals(List.of("gpt: hello.txt lacks a test"), reviews.get(0).findings());
    assertEquals("1/2", reviews.get(0).attributes().get("panel-approvals"));
    assertEquals(StageOutcome.PASSED, reviews.get(1).outcome());
  }

  @Test
  void aPanelNeedsTwoUniquelyNamedReviewers() {
    assertThrows(InputException.class, () -> ReviewPanel.builder(ReviewPanel.Rule.ALL)
        .add("one", Reviewer.approveAll()).build());
    assertThrows(InputException.class, () -> ReviewPanel.builder(ReviewPanel.Rule.ALL)
        .add("one", Reviewer.approveAll()).add("one", Reviewer.approveAll()));
  }

  @Test
  void theSimplicityGateFailsAnAttemptThatCopiesABlockOfExistingCode() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Add a range helper").build());
    String copy = "final class Range {\n" + BLOCK + "}\n";
    Worker worker = RoutingWorker.builder("copier", writes("src/Range.java", copy))
        .escalateTo("reuser", writes("src/Range.java", "final class Range {\n  static int of(int v) {\n"
            + "    return Util.clamp(v, 0, 9);\n  }\n}\n"))
        .build();
    SimplicityGate gate = SimplicityGate.builder().hardLimit(new SimplicityGate.Limits(800, 15, 0, 2)).build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, worker, events)
        .verifier(r -> Verification.passed(Evidence.of("file", "Range.java exists")))
        .stageAfter(StageKind.REVIEW, "simplicity", gate).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    List<LoopEvent.StageCompleted> checks = events.events(LoopEvent.StageCompleted.class).stream()
        .filter(e -> e.stage().equals("simplicity")).toList();
    assertEquals(2, checks.size());
    LoopEvent.StageCompleted failed = checks.get(0);
    assertEquals(StageOutcome.FAILED, failed.outcome());
    assertEquals("1", failed.attributes().get("duplicated-blocks"));
    assertTrue(failed.findings().get(0).contains("src/Range.java:2 (6+ lines also in src/Util.java)"),
        failed.findings().toString());
    LoopEvent.StageCompleted passed = checks.get(1);
    assertEquals(StageOutcome.PASSED, passed.outcome());
    assertEquals("0", passed.attributes().get("duplicated-blocks"));
    assertEquals("1", passed.attributes().get("new-files"));
  }

  @Test
  void theGateReportsCatchAllsAndGrowthOverBudgetWithoutFailingBelowTheHardLimit() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Load").build());
    String loader = "final class Loader {\n  void load() {\n    try {\n      run();\n    } catch (Exception e) {\n"
        + "      // ignore\n    }\n  }\n}\n";
    SimplicityGate gate = SimplicityGate.builder().budget(new SimplicityGate.Limits(5, 0, 0, 0)).build();
    RecordingListener events = new RecordingListener();

    engine(tracker, writes("src/Loader.java", loader), events)
        .verifier(r -> Verification.passed(Evidence.of("file", "Loader.java exists")))
        .stageAfter(StageKind.REVIEW, "simplicity", gate).build().run();

    LoopEvent.StageCompleted check = events.events(LoopEvent.StageCompleted.class).stream()
        .filter(e -> e.stage().equals("simplicity")).findFirst().orElseThrow();
    assertEquals(StageOutcome.PASSED, check.outcome());
    assertEquals("1", check.attributes().get("catch-alls"));
    assertEquals("9", check.attributes().get("net-lines"));
    assertEquals("net lines 9 > 5; new files 1 > 0; catch-alls 1 > 0 (src/Loader.java:5)",
        check.attributes().get("over-budget"));
    assertEquals(Status.DONE, tracker.ticket("T-1").status());
  }

  @Test
  void aTicketsOwnHardLimitInItsMetadataAppliesAndABadOneIsNamed() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Tiny").metadata(Map.of(
        "simplicity-net-lines", "3")).build(), Ticket.builder("T-2").title("Bad").metadata(Map.of(
        "simplicity-new-files", "many")).build());
    RecordingListener events = new RecordingListener();

    engine(tracker, a -> writes("notes.txt", "a\nb\nc\nd\n").work(a), events)
        .caps(Caps.builder().maxAttemptsPerTicket(1).build())
        .verifier(r -> Verification.passed(Evidence.of("file", "ok")))
        .stageAfter(StageKind.REVIEW, "simplicity", SimplicityGate.defaults()).build().run();

    List<LoopEvent.AttemptFailed> failures = events.events(LoopEvent.AttemptFailed.class);
    String tiny = failures.stream().filter(f -> f.ticketId().equals("T-1")).findFirst().orElseThrow().findings()
        .toString();
    assertTrue(tiny.contains("past the hard limit of 3"), tiny);
    String bad = failures.stream().filter(f -> f.ticketId().equals("T-2")).findFirst().orElseThrow().findings()
        .toString();
    assertTrue(bad.contains("metadata 'simplicity-new-files' of ticket T-2 is 'many'"), bad);
  }

  private static ScriptedModelClient twoAttempts() {
    return ScriptedModelClient.builder()
        .callTool("write_file", "{\"path\":\"hello.txt\",\"content\":\"helo\\n\"}")
        .respondText("Wrote hello.txt.")
        .callTool("write_file", "{\"path\":\"hello.txt\",\"content\":\"hello\\n\"}")
        .respondText("Fixed the typo.").build();
  }

  @Test
  void aShortConversationThatFailedVerificationContinuesWithTheFindingsWhenAskedTo() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").build());
    ScriptedModelClient model = twoAttempts();
    ModelWorker worker = ModelWorker.builder(model, "scripted-model").continueShortConversations(5).build();
    RecordingListener events = new RecordingListener();

    RunResult result = engine(tracker, worker, events).verifier(hello).build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().describe());
    // attempt 2's first request holds attempt 1's four messages and the verifier's finding
    dev.loopkit.llm.ModelRequest continued = model.requests().get(2);
    assertEquals(5, continued.messages().size());
    assertTrue(continued.lastMessage().text().contains("hello.txt does not say hello"),
        continued.lastMessage().text());
    assertEquals("Wrote hello.txt.", continued.messages().get(3).text());
    List<LoopEvent.StageCompleted> work = stages(events, StageKind.WORK);
    assertEquals("continued from attempt 1 (2 turns)", work.get(1).attributes().get("conversation"));
  }

  @Test
  void freshWorkersStayTheDefault() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("Greet").build());
    ScriptedModelClient model = twoAttempts();
    RecordingListener events = new RecordingListener();

    engine(tracker, ModelWorker.builder(model, "scripted-model").build(), events).verifier(hello).build().run();

    assertEquals(1, model.requests().get(2).messages().size());
    assertTrue(model.requests().get(2).lastMessage().text().contains("hello.txt does not say hello"));
    assertFalse(stages(events, StageKind.WORK).get(1).attributes().containsKey("conversation"));
  }
}

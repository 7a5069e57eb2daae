package dev.loopkit.llm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.llm.ContentBlock;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelClient;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.llm.ToolSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
  static final String INTENT = "kv needs a list command and a count command. Both print plain lines.";
  static final String GOOD = """
      {"master":{"title":"kv lists and counts its keys","acceptance_criteria":["kv list and kv count work"]},
       "tickets":[
        {"key":"list","title":"Add kv list","scope":"Add a list command printing the keys, sorted.",
         "acceptance_criteria":["kv list prints one key per line, sorted"],"files":["lib/cmd_list.sh"],
         "test_plan":"tests/run.sh list covers an empty and a full store","verify":"sh tests/run.sh list",
         "verify_expect":"ok list","priority":1},
        {"key":"count","title":"Add kv count","scope":"Add a count command printing the number of keys.",
         "acceptance_criteria":["kv count prints the number of keys"],"blocked_by":["list"],
         "verify":"sh tests/run.sh count","verify_expect":"ok count"}]}
      """.replace("\n", " ");
  static final String BAD = """
      {"master":{"title":"kv lists and counts its keys","acceptance_criteria":["kv list and kv count work"]},
       "tickets":[
        {"key":"list","title":"Add kv list","scope":"Sorting is TBD.",
         "acceptance_criteria":["kv list prints keys"],"verify":"sh tests/run.sh list","verify_expect":""},
        {"key":"count","title":"Add kv count","scope":"Add a count command.",
         "acceptance_criteria":["kv count prints the number"],"blocked_by":["nowhere"],
         "verify":"sh tests/run.sh count","verify_expect":"ok count"}]}
      """.replace("\n", " ");

  @TempDir
  Path dir;

  Path repo;
  MarkdownTracker tracker;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve("tests"));
    Files.writeString(repo.resolve("tests/run.sh"), "echo ok \"$1\"\n");
    Files.writeString(repo.resolve("README.md"), "kv: a key-value store in shell\n");
    tracker = MarkdownTracker.builder(dir.resolve("tickets")).idPrefix("T").createFolder(true).build();
  }

  private Planner.Builder planner(ScriptedModelClient model) {
    return Planner.builder(model, "planner-model").repository(repo).planDirectory(dir.resolve("plans"))
        .researchers(i -> ScriptedModelClient.builder().respondText("report " + i + ": lib/ holds one file per"
            + " command").build(), "researcher-model");
  }

  private static ScriptedModelClient approving() {
    return ScriptedModelClient.builder().callTool("review_plan", "{\"verdict\":\"approve\"}")
        .respondText("approved").build();
  }

  private static ScriptedModelClient.Builder researchThenGood() {
    return ScriptedModelClient.builder()
        .callTool("research", "{\"questions\":[\"Where do commands live?\",\"How are commands tested?\"]}")
        .callTool("propose_tickets", GOOD).respondText("Two tickets: list, then count.");
  }

  @Test
  void aReadyPlanIsFiledAsChildrenOfANewMasterWithItsEdges() throws Exception {
    PlanOutcome outcome = planner(researchThenGood().build()).reviewer(approving(), "reviewer-model")
        .allowSameVendorReview().build().plan(tracker, PlanRequest.intent(INTENT));

    PlanOutcome.Ready ready = assertInstanceOf(PlanOutcome.Ready.class, outcome, outcome.describe());
    assertEquals(3, tracker.readBatch().size());
    Ticket master = tracker.find(ready.filed().get(Planner.MASTER)).orElseThrow();
    assertEquals("kv lists and counts its keys", master.title());
    assertEquals(INTENT, master.body().strip());
    assertEquals(List.of(Planner.EPIC_LABEL), master.labels(), "the master is an epic: it starts after its children");
    Ticket list = tracker.find(ready.filed().get("list")).orElseThrow();
    Ticket count = tracker.find(ready.filed().get("count")).orElseThrow();
    assertEquals(List.of(master.id()), list.dependencyTargets(DependencyType.PARENT_CHILD));
    assertEquals(List.of(list.id()), count.dependencyTargets(DependencyType.BLOCKS));
    assertEquals("sh tests/run.sh list", list.metadata().get("verify"));
    assertEquals("ok list", list.metadata().get("verify-expect"));
    assertEquals(Planner.planKey(ready.plan().id(), "Add kv list"), list.metadata().get(Planner.PLAN_KEY));
    assertTrue(list.body().contains("lib/cmd_list.sh") && list.body().contains("## Test plan"), list.body());
    assertEquals(1, list.priority());
  }

  @Test
  void thePlanIsJournaledToItsOwnDirectory() throws Exception {
    PlanOutcome outcome = planner(researchThenGood().build()).reviewer(approving(), "reviewer-model")
        .allowSameVendorReview().build().plan(tracker, PlanRequest.intent(INTENT));

    Path d = outcome.directory();
    assertEquals(dir.resolve("plans").resolve(Planner.planId(PlanRequest.intent(INTENT))), d);
    String plan = Files.readString(d.resolve("plan.json"));
    assertTrue(plan.contains("\"key\" : \"count\"") && plan.contains("\"approved\" : true"), plan);
    assertTrue(Files.readString(d.resolve("research/2.md")).contains("report 2"));
    assertTrue(Files.readString(d.resolve("lint/round-1.json")).contains("\"passed\" : true"));
    assertTrue(Files.readString(d.resolve("review/round-1.json")).contains("approved"));
    assertTrue(Files.readString(d.resolve("filed.json")).contains("\"master\""));
    assertTrue(Files.isRegularFile(d.resolve("transcripts/planner-1.jsonl")));
    assertTrue(Files.isRegularFile(d.resolve("transcripts/research-1.jsonl")));
  }

  @Test
  void aReRunOfTheSameIntentFilesNothingTwice() throws Exception {
    PlanOutcome.Ready first = (PlanOutcome.Ready) planner(researchThenGood().build()).build()
        .plan(tracker, PlanRequest.intent(INTENT));
    PlanOutcome.Ready second = (PlanOutcome.Ready) planner(researchThenGood().build()).build()
        .plan(tracker, PlanRequest.intent("  " + INTENT.replace(" ", "  ") + "\n"));

    assertEquals(first.filed(), second.filed());
    assertEquals(3, tracker.readBatch().size());
  }

  @Test
  void aDryRunReturnsThePlanAsATableAndFilesNothing() throws Exception {
    PlanOutcome outcome = planner(researchThenGood().build()).build()
        .plan(tracker, PlanRequest.intent(INTENT).dryRun());

    PlanOutcome.Ready ready = assertInstanceOf(PlanOutcome.Ready.class, outcome);
    assertTrue(ready.dryRun());
    assertEquals(0, tracker.readBatch().size());
    String table = ready.plan().table();
    assertTrue(table.contains("count") && table.contains("list") && table.contains("Add kv count")
        && table.contains("verify: sh tests/run.sh count"), table);
  }

  @Test
  void aBadProposalGoesBackToTheModelWithItsFindings() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("propose_tickets", BAD)
        .callTool("propose_tickets", GOOD).respondText("fixed").build();
    PlanOutcome outcome = planner(model).build().plan(tracker, PlanRequest.intent(INTENT).dryRun());

    assertInstanceOf(PlanOutcome.Ready.class, outcome, outcome.describe());
    List<LintRound> rounds = outcome.plan().lintRounds();
    assertEquals(2, rounds.size());
    assertEquals(List.of("count blocked_by proposal"), rounds.get(0).findings().stream()
        .map(f -> f.ticketId() + " " + f.field() + " " + f.rule()).toList(), "structure is checked first");
    assertTrue(rounds.get(1).passed());
    String answer = toolResult(model.requests().get(1));
    assertTrue(answer.contains("count blocked_by [proposal]: names 'nowhere'") && answer.contains("2 rounds left"),
        answer);
  }

  @Test
  void lintFindingsNameTicketAndFieldAndPlanningGivesUpAfterTheLastRound() throws Exception {
    String lintBad = BAD.replace("\"blocked_by\":[\"nowhere\"],", "");
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("propose_tickets", lintBad)
        .callTool("propose_tickets", lintBad.replace("Sorting is TBD.", "Sorting is TBD!"))
        .respondText("giving up").build();
    PlanOutcome outcome = planner(model).lintRounds(2).build().plan(tracker, PlanRequest.intent(INTENT));

    PlanOutcome.LintFailed failed = assertInstanceOf(PlanOutcome.LintFailed.class, outcome, outcome.describe());
    assertEquals(2, failed.plan().lintRounds().size());
    assertEquals(List.of("list body open-question", "list verify-expect finish-line"), failed.findings().stream()
        .map(f -> f.ticketId() + " " + f.field() + " " + f.rule()).sorted().toList());
    assertTrue(toolResult(model.requests().get(2)).contains("No lint rounds are left (2 used)"));
    assertEquals(0, tracker.readBatch().size());
  }

  @Test
  void reviewerFindingsGoBackToThePlannerUntilItApproves() throws Exception {
    ScriptedModelClient model = researchThenGood().callTool("propose_tickets", GOOD.replace("Add kv count",
        "Add kv count with a test")).respondText("revised").build();
    ScriptedModelClient reviewer = ScriptedModelClient.builder()
        .callTool("review_plan", "{\"verdict\":\"request_changes\",\"findings\":[\"count needs its own test\"]}")
        .respondText("changes").callTool("review_plan", "{\"verdict\":\"approve\"}").respondText("ok").build();
    PlanOutcome outcome = planner(model).reviewer(reviewer, "reviewer-model").allowSameVendorReview().build()
        .plan(tracker, PlanRequest.intent(INTENT).dryRun());

    PlanOutcome.Ready ready = assertInstanceOf(PlanOutcome.Ready.class, outcome, outcome.describe());
    assertEquals(List.of(false, true), ready.plan().reviews().stream().map(ReviewRound::approved).toList());
    assertEquals("Add kv count with a test", ready.plan().tickets().get(1).title());
    Message told = model.requests().get(3).messages().get(model.requests().get(3).messages().size() - 1);
    assertTrue(told.text().contains("count needs its own test"), told.text());
  }

  @Test
  void planningGivesUpWhenTheReviewerStillAsksForChangesAfterTheLastRound() throws Exception {
    ScriptedModelClient reviewer = ScriptedModelClient.builder()
        .callTool("review_plan", "{\"verdict\":\"request_changes\",\"findings\":[\"split list\"]}")
        .respondText("changes").build();
    PlanOutcome outcome = planner(researchThenGood().build()).reviewer(reviewer, "reviewer-model")
        .allowSameVendorReview().reviewRounds(1).build().plan(tracker, PlanRequest.intent(INTENT));

    PlanOutcome.ReviewFailed failed = assertInstanceOf(PlanOutcome.ReviewFailed.class, outcome);
    assertEquals(List.of("split list"), failed.findings());
    assertEquals(0, tracker.readBatch().size());
  }

  @Test
  void researchAgentsRunInParallelUpToTheCap() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("research", "{\"questions\":[\"one\",\"two\",\"three\"]}")
        .callTool("propose_tickets", GOOD).respondText("done").build();
    Planner p = Planner.builder(model, "planner-model").repository(repo).planDirectory(dir.resolve("plans"))
        .researchConcurrency(2).researchers(i -> new Gate(inFlight, started, most, 3, i), "researcher").build();

    PlanOutcome outcome = p.plan(tracker, PlanRequest.intent(INTENT).dryRun());

    assertEquals(2, most.get(), "two agents at once, never three");
    assertEquals(List.of("answer 1", "answer 2", "answer 3"), outcome.plan().research().stream()
        .map(ResearchReport::answer).toList());
  }

  @Test
  void researchAgentsGetOnlyTheReadOnlyTools() throws Exception {
    ScriptedModelClient researcher = ScriptedModelClient.builder().respondText("answer").build();
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("research", "{\"questions\":[\"q\"]}")
        .callTool("propose_tickets", GOOD).respondText("done").build();
    Planner.builder(model, "planner-model").repository(repo).planDirectory(dir.resolve("plans"))
        .researchers(i -> researcher, "researcher").build().plan(tracker, PlanRequest.intent(INTENT).dryRun());

    assertEquals(List.of("read_file", "list_files", "search"), researcher.lastRequest().tools().stream()
        .map(ToolSpec::name).toList());
  }

  @Test
  void aResearchAgentWhoseModelFailsGivesAReportSayingSoAndThePlanGoesOn() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("research", "{\"questions\":[\"a\",\"b\"]}")
        .callTool("propose_tickets", GOOD).respondText("done").build();
    PlanOutcome outcome = Planner.builder(model, "planner-model").repository(repo).planDirectory(dir.resolve("plans"))
        .researchers(i -> i == 1 ? ScriptedModelClient.builder().fail(dev.loopkit.llm.ModelException.of(
            dev.loopkit.llm.ModelException.Kind.AUTHENTICATION, "key revoked")).build()
            : ScriptedModelClient.builder().respondText("b is fine").build(), "researcher")
        .build().plan(tracker, PlanRequest.intent(INTENT).dryRun());

    assertInstanceOf(PlanOutcome.Ready.class, outcome, outcome.describe());
    ResearchReport failed = outcome.plan().research().get(0);
    assertEquals(false, failed.answered());
    assertTrue(failed.answer().contains("key revoked"), failed.answer());
    assertEquals(true, outcome.plan().research().get(1).answered());
    assertTrue(Files.readString(outcome.directory().resolve("research/1.md")).contains("without an answer"));
  }

  @Test
  void moreQuestionsThanTheCapGoBackToThePlannerAsAnError() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("research", "{\"questions\":[\"a\",\"b\",\"c\"]}").callTool("propose_tickets", GOOD)
        .respondText("done").build();
    PlanOutcome outcome = planner(model).maxQuestions(2).build().plan(tracker, PlanRequest.intent(INTENT).dryRun());

    assertEquals(List.of(), outcome.plan().research());
    assertTrue(toolResult(model.requests().get(1)).contains("got 3 questions: expected at most 2"));
  }

  @Test
  void anExistingMasterGetsTheChildrenAndNoNewMasterIsFiled() throws Exception {
    Ticket before = tracker.create(NewTicket.builder("Set up kv").acceptanceCriteria(List.of("kv runs")).build());
    Ticket master = tracker.create(NewTicket.builder("kv lists and counts").body("List and count the keys.")
        .acceptanceCriteria(List.of("both commands work")).addDependency(Dependency.blockedBy(before.id())).build());
    PlanOutcome outcome = planner(researchThenGood().build()).build().plan(tracker, PlanRequest.master(master.id()));

    PlanOutcome.Ready ready = assertInstanceOf(PlanOutcome.Ready.class, outcome, outcome.describe());
    assertEquals(master.id(), ready.filed().get(Planner.MASTER));
    assertEquals(4, tracker.readBatch().size(), "the master's own edge to " + before.id() + " is no finding");
    assertEquals(List.of(master.id()), tracker.find(ready.filed().get("count")).orElseThrow()
        .dependencyTargets(DependencyType.PARENT_CHILD));
  }

  @Test
  void anUnknownMasterIsAnInputErrorNamingIt() {
    InputException e = assertThrows(InputException.class, () -> planner(researchThenGood().build()).build()
        .plan(tracker, PlanRequest.master("T-404")));
    assertTrue(e.getMessage().contains("T-404"), e.getMessage());
  }

  @Test
  void aPlannerThatNeverProposesStopsNamingWhy() throws Exception {
    PlanOutcome outcome = planner(ScriptedModelClient.builder().respondText("I would rather not").build()).build()
        .plan(tracker, PlanRequest.intent(INTENT));
    PlanOutcome.Stopped stopped = assertInstanceOf(PlanOutcome.Stopped.class, outcome);
    assertTrue(stopped.reason().contains("without an accepted proposal"), stopped.reason());
  }

  @Test
  void aReviewerOfThePlannersVendorIsRefusedUnlessAllowed() {
    InputException e = assertThrows(InputException.class, () -> planner(researchThenGood().build())
        .reviewer(approving(), "reviewer-model").build());
    assertTrue(e.getMessage().contains("both of vendor scripted"), e.getMessage());
  }

  @Test
  void badSettingsAreRefusedNamingTheValue() {
    ScriptedModelClient m = researchThenGood().build();
    assertTrue(assertThrows(InputException.class, () -> Planner.builder(m, "x").lintRounds(0)).getMessage()
        .contains("lint rounds 0"));
    assertTrue(assertThrows(InputException.class, () -> Planner.builder(m, "x").planDirectory(dir).build())
        .getMessage().contains("no repository"));
    assertTrue(assertThrows(InputException.class, () -> PlanRequest.intent(" ")).getMessage()
        .contains("blank intent"));
  }

  private static String toolResult(ModelRequest request) {
    Message last = request.messages().get(request.messages().size() - 1);
    StringBuilder text = new StringBuilder();
    for (ContentBlock b : last.content()) {
      if (b instanceof ContentBlock.ToolResult) {
        text.append(((ContentBlock.ToolResult) b).content());
      }
    }
    return text.toString();
  }

  /** A research model that waits (at most 5 s) for a second agent to be in flight, recording the most at once. */
  private static final class Gate implements ModelClient {
    private final AtomicInteger inFlight;
    private final AtomicInteger started;
    private final AtomicInteger most;
    private final int total;
    private final int index;

    Gate(AtomicInteger inFlight, AtomicInteger started, AtomicInteger most, int total, int index) {
      this.inFlight = inFlight;
      this.started = started;
      this.most = most;
      this.total = total;
      this.index = index;
    }

    @Override
    public ModelResponse send(ModelRequest request) {
      int now = inFlight.incrementAndGet();
      int number = started.incrementAndGet();
      most.accumulateAndGet(now, Math::max);
      try {
        long until = System.nanoTime() + 5_000_000_000L;
        while (inFlight.get() < 2 && number < total && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        most.accumulateAndGet(inFlight.get(), Math::max);
        return ScriptedModelClient.builder().respondText("answer " + index).build().send(request);
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public String vendor() {
      return "gate";
    }
  }
}

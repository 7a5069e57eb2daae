package dev.loopkit.llm.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.Budget;
import dev.loopkit.core.Cap;
import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.Finding;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspace;
import dev.loopkit.llm.ModelRequest;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.llm.ScriptedModelClient;
import dev.loopkit.llm.StopReason;
import dev.loopkit.llm.ToolSpec;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWorkerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path tmp;

  private Path ws;
  private Path runDir;
  private final List<NewTicket> filed = new ArrayList<>();
  private final List<Boolean> blocking = new ArrayList<>();
  private DiscoverySink sink;

  @BeforeEach
  void setUp() throws Exception {
    ws = Files.createDirectories(tmp.resolve("ws"));
    runDir = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(ws.resolve("AGENTS.md"), "Build with ./build.sh before you finish.");
    sink = (ticket, blocksCurrent) -> {
      filed.add(ticket);
      blocking.add(blocksCurrent);
      return ticket.toTicket("T-" + (10 + filed.size()), NOW);
    };
  }

  private Ticket ticket() {
    return Ticket.builder("T-1").title("Add a greeting").body("The app should greet.")
        .addAcceptanceCriterion("hello.txt holds 'hello'")
        .addComment(new Comment(NOW, "alice", "Please keep it short."))
        .build();
  }

  private Assignment assignment(int attempt, Budget budget) {
    return new Assignment("run-1", ticket(), new Workspace("T-1", ws, Map.of()), attempt,
        List.of(new Finding(1, "verify", "hello.txt was missing")), budget, sink, runDir);
  }

  private static Budget budget(int turns) {
    return new Budget(1_000_000, new BigDecimal("5"), NOW.plusSeconds(3600), turns);
  }

  private static ModelWorker worker(ScriptedModelClient model) {
    return ModelWorker.builder(model, "test-model").clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
  }

  @Test
  void aRefusedKeyIsAFatalFaultThatStopsTheRunInsteadOfAFailedAttempt() {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .fail(dev.loopkit.llm.ModelException.of(dev.loopkit.llm.ModelException.Kind.AUTHENTICATION,
            "invalid x-api-key"))
        .build();
    dev.loopkit.core.FatalAdapterException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.loopkit.core.FatalAdapterException.class, () -> worker(model).work(assignment(1, budget(10))));
    assertTrue(e.getMessage().startsWith("the worker's model refused the call (AUTHENTICATION): invalid x-api-key"),
        e.getMessage());
    assertFalse(e.isRetryable());
  }

  @Test
  void aFinishedAttemptClaimsCompletionWithTheModelsSummaryAndUsage() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .respond(ModelResponse.builder().content(List.of(ScriptedModelClient.Builder.toolUse("w", "write_file",
            "{\"path\":\"hello.txt\",\"content\":\"hello\"}"))).stopReason(StopReason.TOOL_USE)
            .usage(Usage.tokens(100, 20)).build())
        .respond(ModelResponse.builder().content(List.of(dev.loopkit.llm.ContentBlock.text("Wrote hello.txt.")))
            .usage(Usage.tokens(150, 10)).build())
        .build();
    WorkResult result = worker(model).work(assignment(2, budget(10)));
    WorkResult.Completed done = assertInstanceOf(WorkResult.Completed.class, result);
    assertEquals("Wrote hello.txt.", done.summary());
    assertEquals(Usage.tokens(250, 30), done.usage());
    assertEquals("hello", Files.readString(ws.resolve("hello.txt")));
  }

  @Test
  void thePromptHoldsTicketCriteriaFindingsCommentsAndNotesFiles() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("nothing to do").build();
    worker(model).work(assignment(2, budget(10)));
    ModelRequest first = model.requests().get(0);
    assertEquals(1, first.messages().size());
    String prompt = first.messages().get(0).text();
    for (String part : List.of("# Ticket T-1: Add a greeting", "The app should greet.", "- hello.txt holds 'hello'",
        "- attempt 1 (verify): hello.txt was missing", "alice: Please keep it short.", "### AGENTS.md",
        "Build with ./build.sh", "This is attempt 2")) {
      assertTrue(prompt.contains(part), "missing '" + part + "' in:\n" + prompt);
    }
    assertEquals(ModelWorker.DEFAULT_SYSTEM, first.system());
  }

  @Test
  void theWorkerGetsNoToolThatSetsAStatus() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("done").build();
    worker(model).work(assignment(1, budget(10)));
    List<String> names = model.requests().get(0).tools().stream().map(ToolSpec::name).toList();
    assertEquals(List.of("read_file", "write_file", "edit_file", "list_files", "search", "run_command",
        "file_ticket", "request_human"), names);
  }

  @Test
  void everyAttemptStartsAFreshConversation() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("list_files", "{}").respondText("one")
        .respondText("two").build();
    ModelWorker worker = worker(model);
    worker.work(assignment(1, budget(10)));
    worker.work(assignment(2, budget(10)));
    assertEquals(1, model.requests().get(2).messages().size());
    assertTrue(model.requests().get(2).messages().get(0).text().contains("This is attempt 2"));
  }

  @Test
  void theTranscriptIsWrittenPerTicketAndAttempt() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("list_files", "{}").respondText("done")
        .build();
    worker(model).work(assignment(3, budget(10)));
    Path file = runDir.resolve("transcripts/T-1-attempt-3.jsonl");
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(0).startsWith("{\"type\":\"start\",\"run_id\":\"run-1\",\"ticket\":\"T-1\",\"attempt\":3"),
        lines.get(0));
    assertTrue(lines.get(lines.size() - 1).startsWith("{\"type\":\"outcome\",\"outcome\":\"Finished\""));
    assertEquals(6, lines.size());
  }

  private static final String WALL = "echo 'psql: permission denied for database staging' >&2; exit 2";

  /** Step 1 runs the command that hits the wall (call id toolu_scripted_1_1); step 2 asks for a person. */
  private static ScriptedModelClient askingAfterTheWall(String evidenceItem) {
    return ScriptedModelClient.builder()
        .callTool("run_command", "{\"command\":\"" + WALL + "\"}")
        .expectLastMessageContains("exit 2")
        .callTool("request_human", "{\"reason\":\"no access to the staging database\",\"evidence\":["
            + evidenceItem + "]}")
        .build();
  }

  @Test
  void aHumanRequestCitingACallOfThisAttemptNeedsAHumanWithWhatTheHarnessRecorded() throws Exception {
    ScriptedModelClient model = askingAfterTheWall("{\"summary\":\"psql was refused\",\"tool_call_id\":"
        + "\"toolu_scripted_1_1\",\"command\":\"" + WALL + "\",\"exit_code\":2,\"output\":\"permission denied"
        + " for database staging\"}");
    WorkResult result = worker(model).work(assignment(1, budget(10)));
    WorkResult.NeedsHuman human = assertInstanceOf(WorkResult.NeedsHuman.class, result);
    assertEquals("no access to the staging database", human.reason());
    dev.loopkit.core.Evidence evidence = human.evidence().get(0);
    assertEquals("tool-call", evidence.kind());
    assertEquals("psql was refused", evidence.summary());
    String recorded = "exit 2\n--- stdout ---\n\n--- stderr ---\npsql: permission denied for database staging\n";
    assertEquals(Map.of("tool-call-id", "toolu_scripted_1_1", "tool", "run_command", "command", WALL,
        "status", "exit 2", "exit-code", "2", "output-sha256", ModelReviewer.sha256(recorded),
        "output", "permission denied for database staging"), evidence.attributes());
  }

  private WorkResult.Failed refused(String evidenceItem) throws Exception {
    WorkResult result = worker(askingAfterTheWall(evidenceItem)).work(assignment(1, budget(10)));
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class, result);
    assertTrue(failed.findings().get(0).startsWith("the worker's request for a human (no access to the staging"
        + " database) was refused: its evidence does not match the tool calls this attempt made"),
        failed.findings().toString());
    return failed;
  }

  @Test
  void aHumanRequestCitingNoCallFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"psql was refused\",\"command\":\"psql -h staging\","
        + "\"exit_code\":2}");
    assertEquals("evidence item 1 (\"psql was refused\") cites no tool call: every item must name, by"
        + " tool_call_id, a call of this attempt that shows the wall", failed.findings().get(1));
  }

  @Test
  void aHumanRequestCitingACallThatNeverHappenedFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"psql was refused\",\"tool_call_id\":\"toolu_made_up\"}");
    assertEquals("evidence item 1 (\"psql was refused\") cites tool call 'toolu_made_up', which this attempt"
        + " never ran", failed.findings().get(1));
  }

  @Test
  void aHumanRequestCitingItselfFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"I asked\",\"tool_call_id\":\"toolu_scripted_2_1\"}");
    assertTrue(failed.findings().get(1).contains("cites tool call 'toolu_scripted_2_1', which this attempt never"
        + " ran"), failed.findings().toString());
  }

  @Test
  void aHumanRequestWithAnotherExitCodeThanTheCallHadFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"psql was refused\",\"tool_call_id\":"
        + "\"toolu_scripted_1_1\",\"exit_code\":1}");
    assertEquals("evidence item 1 (\"psql was refused\") says call 'toolu_scripted_1_1' exited 1, but it exited 2",
        failed.findings().get(1));
  }

  @Test
  void aHumanRequestWithAnotherCommandThanTheCallRanFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"psql was refused\",\"tool_call_id\":"
        + "\"toolu_scripted_1_1\",\"command\":\"psql -h staging -U admin\",\"exit_code\":2}");
    assertEquals("evidence item 1 (\"psql was refused\") says call 'toolu_scripted_1_1' ran 'psql -h staging -U"
        + " admin', but it ran '" + WALL + "'", failed.findings().get(1));
    assertEquals(3, failed.findings().size(), failed.findings().toString()); // the exit code held; the transcript
  }

  @Test
  void aHumanRequestQuotingOutputTheCallNeverPrintedFailsTheAttempt() throws Exception {
    WorkResult.Failed failed = refused("{\"summary\":\"psql was refused\",\"tool_call_id\":"
        + "\"toolu_scripted_1_1\",\"output\":\"psql: permission denied for database staging\\nFATAL: the VPN is"
        + " down\"}");
    assertEquals("evidence item 1 (\"psql was refused\") quotes output that call 'toolu_scripted_1_1' never"
        + " printed: 'FATAL: the VPN is down'", failed.findings().get(1));
  }

  @Test
  void anExitCodeCitedForACallThatIsNotACommandFailsTheAttempt() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("read_file", "{\"path\":\"AGENTS.md\"}")
        .callTool("request_human", "{\"reason\":\"unclear\",\"evidence\":[{\"summary\":\"the notes say so\","
            + "\"tool_call_id\":\"toolu_scripted_1_1\",\"exit_code\":0}]}")
        .build();
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class, worker(model).work(assignment(1, budget(10))));
    assertEquals("evidence item 1 (\"the notes say so\") says call 'toolu_scripted_1_1' exited 0, but that call"
        + " was read_file, which has no exit code", failed.findings().get(1));
  }

  @Test
  void anEvidenceItemWithANonIntegerExitCodeIsAnErrorResultForTheModel() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("request_human", "{\"reason\":\"stuck\",\"evidence\":[{\"summary\":\"x\",\"tool_call_id\":"
            + "\"a\",\"exit_code\":\"two\"}]}")
        .expectLastMessageContains("'exit_code' of an evidence item of request_human is \"two\"")
        .respondText("I give up.")
        .build();
    assertInstanceOf(WorkResult.Failed.class, worker(model).work(assignment(1, budget(10))));
    assertEquals(0, model.remainingSteps());
  }

  @Test
  void aHumanRequestWithoutEvidenceIsRefusedAndStoppingThereFailsTheAttempt() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("request_human", "{\"reason\":\"stuck\",\"evidence\":[]}")
        .expectLastMessageContains("request_human needs evidence")
        .respondText("I give up.")
        .build();
    WorkResult result = worker(model).work(assignment(1, budget(10)));
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class, result);
    assertTrue(failed.findings().get(0).startsWith("the worker asked for a human without evidence"),
        failed.findings().toString());
  }

  @Test
  void discoveredWorkIsFiledWithItsEdges() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("file_ticket", "{\"title\":\"Fix the flaky clock test\",\"body\":\"It fails at midnight.\","
            + "\"acceptance_criteria\":[\"test passes at 00:00\"],\"priority\":1,\"blocked_by\":[\"T-5\"],"
            + "\"related\":[\"T-7\"]}")
        .expectLastMessageContains("filed ticket T-11")
        .respondText("done, and filed T-11")
        .build();
    assertInstanceOf(WorkResult.Completed.class, worker(model).work(assignment(1, budget(10))));
    NewTicket t = filed.get(0);
    assertEquals("Fix the flaky clock test", t.title());
    assertEquals(1, t.priority());
    assertEquals(List.of("test passes at 00:00"), t.acceptanceCriteria());
    assertEquals(List.of(Dependency.blockedBy("T-5"), Dependency.relatedTo("T-7")), t.dependencies());
    assertEquals(List.of(false), blocking);
  }

  @Test
  void discoveredWorkCarriesItsProposedFinishLineAsTheVerifiersMetadata() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("file_ticket", "{\"title\":\"Fix the clock\",\"body\":\"midnight\",\"acceptance_criteria\":"
            + "[\"ClockTest passes\"],\"verify\":\"mvn -q test -Dtest=ClockTest\",\"verify_expect\":"
            + "\"Tests run: [1-9][0-9]*, Failures: 0\",\"verify_file\":\"target/surefire-reports/ClockTest.txt\"}")
        .expectLastMessageContains("its finish line (verify: mvn -q test -Dtest=ClockTest) is frozen as filed")
        .respondText("filed")
        .build();
    assertInstanceOf(WorkResult.Completed.class, worker(model).work(assignment(1, budget(10))));
    assertEquals(Map.of("verify", "mvn -q test -Dtest=ClockTest", "verify-expect",
        "Tests run: [1-9][0-9]*, Failures: 0", "verify-file", "target/surefire-reports/ClockTest.txt"),
        filed.get(0).metadata());
    assertEquals(List.of("ClockTest passes"), filed.get(0).acceptanceCriteria());
  }

  private void refusedFiling(String arguments, String error) throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("file_ticket", arguments)
        .expectLastMessageContains(error)
        .respondText("ok")
        .build();
    worker(model).work(assignment(1, budget(10)));
    assertEquals(List.of(), filed, "a ticket was filed despite: " + error);
    assertEquals(0, model.remainingSteps());
  }

  @Test
  void aProposedVerifyCommandWithoutAnExpectationIsRefusedAndNothingIsFiled() throws Exception {
    refusedFiling("{\"title\":\"t\",\"body\":\"b\",\"verify\":\"make test\"}",
        "file_ticket's verify command 'make test' has no expectation");
  }

  @Test
  void aMalformedExpectationIsRefusedNamingTheProblem() throws Exception {
    refusedFiling("{\"title\":\"t\",\"body\":\"b\",\"verify\":\"make test\",\"verify_expect\":\"([a-z\"}",
        "argument 'verify_expect' of file_ticket is not a valid regular expression");
  }

  @Test
  void anExpectationWithoutACommandIsRefused() throws Exception {
    refusedFiling("{\"title\":\"t\",\"body\":\"b\",\"verify_expect\":\"ok\"}",
        "file_ticket got verify_expect without verify");
  }

  @Test
  void aVerifyFileOutsideTheWorkspaceIsRefused() throws Exception {
    refusedFiling("{\"title\":\"t\",\"body\":\"b\",\"verify\":\"make\",\"verify_file\":\"../../etc/passwd\"}",
        "argument 'verify_file' of file_ticket is '../../etc/passwd': expected a path relative to the workspace");
  }

  @Test
  void workThatBlocksTheCurrentTicketEndsTheAttempt() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("file_ticket", "{\"title\":\"Provision the queue\",\"body\":\"needed first\","
            + "\"blocks_current\":true}")
        .build();
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        worker(model).work(assignment(1, budget(10))));
    assertEquals("blocked by discovered ticket T-11 (Provision the queue)", failed.findings().get(0));
    assertEquals(List.of(true), blocking);
    assertEquals(0, model.remainingSteps());
  }

  @Test
  void theBudgetsTurnCapFailsTheAttemptNamingTheCap() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().callTool("list_files", "{}")
        .callTool("list_files", "{\"recursive\":true}").build();
    WorkResult.Failed failed = assertInstanceOf(WorkResult.Failed.class,
        worker(model).work(assignment(1, budget(1))));
    assertEquals("capped by " + Cap.TURNS + ": took 1 of 1 turns", failed.findings().get(0));
    assertTrue(failed.findings().get(1).endsWith("T-1-attempt-1.jsonl"));
  }

  @Test
  void aDiscoveredTicketsCapIsNotSwallowed() {
    sink = (ticket, blocksCurrent) -> {
      throw new CapReachedException(Cap.DISCOVERED_TICKETS, "discovered tickets cap 0 reached");
    };
    ScriptedModelClient model = ScriptedModelClient.builder()
        .callTool("file_ticket", "{\"title\":\"More\",\"body\":\"b\"}").respondText("x").build();
    CapReachedException e = assertThrows(CapReachedException.class,
        () -> worker(model).work(assignment(1, budget(10))));
    assertEquals(Cap.DISCOVERED_TICKETS, e.cap());
  }

  @Test
  void notesFilesThatLinkOutOfTheWorkspaceAreNotRead() throws Exception {
    Files.writeString(tmp.resolve("private.md"), "PRIVATE NOTES");
    Files.createSymbolicLink(ws.resolve("NOTES.md"), Path.of("../private.md"));
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("ok").build();
    worker(model).work(assignment(1, budget(10)));
    assertFalse(model.requests().get(0).messages().get(0).text().contains("PRIVATE NOTES"));
  }

  @Test
  void theWorkersTurnsStreamAndTheirProgressReachesItsListener() throws Exception {
    ScriptedModelClient model = ScriptedModelClient.builder().respondText("All done, nothing to change.").build();
    StringBuilder seen = new StringBuilder();
    ModelWorker.builder(model, "test-model").clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .progress(dev.loopkit.llm.StreamListener.onText(seen::append)).build().work(assignment(1, budget(10)));
    assertEquals("All done, nothing to change.", seen.toString());
    assertEquals(dev.loopkit.llm.agent.AgentLoop.DEFAULT_IDLE_TIMEOUT, model.lastRequest().idleTimeout().orElseThrow());
  }
}

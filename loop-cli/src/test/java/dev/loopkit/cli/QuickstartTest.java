package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled quickstart, offline, end to end: one run shared by the tests (a run takes a few seconds). */
class QuickstartTest {
  @TempDir
  static Path dir;

  static Path project;
  static Cli readyBefore;
  static Cli run;

  @BeforeAll
  static void runTheQuickstart() throws Exception {
    project = Cli.quickstart(dir);
    readyBefore = Cli.run("ready", "--json", project.toString());
    run = Cli.run("run", project.toString());
  }

  @Test
  void readyJsonListsTheQuickstartsStartingTicketsInOrder() throws Exception {
    assertEquals(0, readyBefore.exitCode, readyBefore.err);
    JsonNode array = new ObjectMapper().readTree(readyBefore.out);
    List<String> ids = new ArrayList<>();
    array.forEach(n -> ids.add(n.get("id").asText()));
    // critical path first: QS-1 leads the longest chain (QS-1 -> QS-2 -> QS-4 -> QS-7)
    assertEquals(List.of("QS-1", "QS-3", "QS-6", "QS-5"), ids);
    assertEquals(1, array.get(0).get("priority").asInt());
    assertEquals("infra-apply", array.get(3).get("resources").get(0).asText());
  }

  @Test
  void theRunEndsDoneAndPrintsWhereTheReportIs() {
    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("run ended DONE"), run.out);
    Path report = project.resolve(".loop/runs/run-001/report.html");
    assertTrue(run.out.contains("report: " + report), run.out);
    assertTrue(Files.isRegularFile(report));
  }

  @Test
  void everyTicketIsDoneIncludingTheOneAWorkerFiled() {
    var batch = ProjectEngine.tracker(ProjectConfig.read(project), Map.of()).readBatch();
    assertEquals(8, batch.size());
    assertEquals(8, batch.withStatus(Status.DONE).size());
    assertTrue(run.out.contains("QS-4  filed QS-8"), run.out);
    assertTrue(run.out.contains("QS-4  attempt 1 deferred: waits for QS-8"), run.out);
  }

  @Test
  void theCountTicketFailsVerificationOnceThenPassesWithTheFindings() {
    RunReport report = RunReport.of(project.resolve(".loop/runs/run-001"));
    RunReport.TicketReport count = report.tickets().stream().filter(t -> t.ticketId().equals("QS-3")).findFirst()
        .orElseThrow();
    assertEquals(2, count.attempts());
    assertEquals(1, count.failedAttempts());
    assertEquals(RunReport.TicketOutcome.DONE, count.outcome());
    assertTrue(count.findings().get(0).contains("attempt 1 verify"), count.findings().toString());
  }

  @Test
  void theInfraTicketsNeverOverlap() {
    // both need the infra-apply resource: whether one had to wait depends on timing, overlapping never may
    RunHistory history = RunDirectory.of(project.resolve(".loop/runs/run-001")).history();
    List<RunHistory.AttemptHistory> infra = new ArrayList<>();
    for (String id : List.of("QS-5", "QS-6")) {
      infra.addAll(history.ticket(id).orElseThrow().attemptLog());
    }
    assertEquals(2, infra.size(), infra.toString());
    RunHistory.AttemptHistory a = infra.get(0);
    RunHistory.AttemptHistory b = infra.get(1);
    boolean apart = !a.endedAt().orElseThrow().isAfter(b.startedAt())
        || !b.endedAt().orElseThrow().isAfter(a.startedAt());
    assertTrue(apart, "QS-5 and QS-6 ran at once: " + a.startedAt() + ".." + a.endedAt() + " and "
        + b.startedAt() + ".." + b.endedAt());
  }

  @Test
  void theWorkIsMergedIntoTheIntegrationBranchAndItsTestsPass() throws Exception {
    Path repo = project.resolve("work/repo");
    Process p = new ProcessBuilder("sh", "tests/run.sh").directory(repo.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("PASS 8 suite(s)"), out);
  }

  @Test
  void theReportIsSelfContainedWithTimelineGraphAndEvidence() throws Exception {
    String html = Files.readString(project.resolve(".loop/runs/run-001/report.html"));
    assertTrue(html.contains("<svg class=\"timeline\""), "timeline");
    assertTrue(html.contains("<svg class=\"graph\""), "dependency graph");
    assertTrue(html.contains("QS-8"), "discovered ticket");
    assertTrue(html.contains("output-sha256") || html.contains("exit"), "verification evidence");
    assertFalse(html.contains("src=\"http") || html.contains("href=\"http") || html.contains("@import"),
        "nothing fetched from the network");
  }

  @Test
  void aSecondRunStartsANewRunThatTheOracleEndsAtOnceAndTheTrendCoversBoth() {
    Cli again = Cli.run("run", project.toString());
    assertEquals(LoopCommand.DONE, again.exitCode, again.out + again.err);
    assertTrue(again.out.contains("run-002"), again.out);
    Cli report = Cli.run("report", project.toString(), "run-001");
    assertEquals(0, report.exitCode, report.err);
    Cli status = Cli.run("status", project.toString());
    assertTrue(status.out.contains("8 tickets") && status.out.contains("2 run(s)"), status.out);
  }
}

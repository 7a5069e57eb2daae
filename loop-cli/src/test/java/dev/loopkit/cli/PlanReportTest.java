package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch filed by {@code loop plan} gets a plan section in the report of the run that worked it. */
class PlanReportTest {
  @TempDir
  Path dir;

  @Test
  void twoSentencesArePlannedIntoABatchThatRunsOfflineToDoneWithTheMasterLastAndThePlanInTheReport()
      throws Exception {
    Path qs = Cli.quickstart(dir);
    try (Stream<Path> s = Files.list(qs.resolve("tickets"))) {
      for (Path f : s.filter(f -> f.getFileName().toString().startsWith("QS-")).toList()) {
        Files.delete(f);
      }
    }
    Cli plan = Cli.run("plan", qs.toString(), "--intent-file", qs.resolve("intent.md").toString());
    assertEquals(LoopCommand.DONE, plan.exitCode, plan.out + plan.err);
    String master = "plan-13eef20c29f4"; // the master is named after its plan (the Markdown tracker lets it)
    assertTrue(plan.out.contains("master -> " + master), plan.out);

    Cli run = Cli.run("run", qs.toString());

    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    List<String> dispatched = dev.loopkit.core.RunDirectory.of(qs.resolve(".loop/runs/run-001")).events().stream()
        .filter(dev.loopkit.core.LoopEvent.TicketDispatched.class::isInstance)
        .map(e -> ((dev.loopkit.core.LoopEvent.TicketDispatched) e).ticketId()).toList();
    assertEquals(master, dispatched.get(dispatched.size() - 1), "the master, an epic, starts after its children: "
        + dispatched);
    assertEquals(1, dispatched.stream().filter(master::equals).count(), "once: " + dispatched);
    assertTrue(Files.readString(qs.resolve("tickets/" + master + ".md")).contains("status: done"),
        "the master is done");

    Cli report = Cli.run("report", qs.toString());

    assertEquals(LoopCommand.DONE, report.exitCode, report.err);
    String html = Files.readString(Path.of(report.out.strip()));
    assertTrue(html.contains("<section id=\"plan\"><h2>Plan</h2>"), "a plan section");
    assertTrue(html.contains("<a href=\"#plan\">plan</a>"), "in the page's contents");
    assertTrue(html.contains("<b>Master</b> <a href=\"#ticket-" + master + "\">" + master + "</a>"),
        "the master, linked");
    assertTrue(html.contains("<h4>Research (3)</h4>"), "the research reports");
    assertTrue(html.contains("<h4>Readiness lint (2 rounds)</h4>") && html.contains("sent back"),
        "the lint sent the first proposal back");
    assertTrue(html.contains("approved</span> by "), "the review");
    assertTrue(html.contains("<td>docs</td><td><a href=\"#ticket-QS-7\">QS-7</a></td>"), "plan keys to ticket ids");
    assertTrue(html.contains("href=\"../../plans/"), "transcripts linked relative to the report");
  }

  @Test
  void aRunOnHandWrittenTicketsHasNoPlanSection() throws Exception {
    Path qs = Cli.quickstart(dir);
    Cli.run("plan", qs.toString(), "--intent-file", qs.resolve("intent.md").toString(), "--dry-run");
    Files.writeString(qs.resolve("loop.yaml"), Files.readString(qs.resolve("loop.yaml"))
        .replace("attempts-per-ticket: 3", "attempts-per-ticket: 1").replace("wall-clock: 15m", "wall-clock: 1s"));
    Cli.run("run", qs.toString());

    String html = Files.readString(qs.resolve(".loop/runs/run-001/report.html"));

    assertFalse(html.contains("<section id=\"plan\">"), "a dry run filed nothing, so no plan filed this batch");
  }
}

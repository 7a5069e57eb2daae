package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch filed by {@code loop plan} gets a plan section in the report of the run that worked it. */
class PlanReportTest {
  @TempDir
  Path dir;

  @Test
  void theReportOfARunOnAPlannedBatchShowsThePlanItsResearchLintRoundsAndReview() throws Exception {
    Path qs = Cli.quickstart(dir);
    try (Stream<Path> s = Files.list(qs.resolve("tickets"))) {
      for (Path f : s.filter(f -> f.getFileName().toString().startsWith("QS-")).toList()) {
        Files.delete(f);
      }
    }
    Cli plan = Cli.run("plan", qs.toString(), "--intent-file", qs.resolve("intent.md").toString());
    assertEquals(LoopCommand.DONE, plan.exitCode, plan.out + plan.err);
    // the recorded conversations belong to the hand-written tickets: one attempt each, whatever comes of it
    Files.writeString(qs.resolve("loop.yaml"), Files.readString(qs.resolve("loop.yaml"))
        .replace("attempts-per-ticket: 3", "attempts-per-ticket: 1"));
    Cli.run("run", qs.toString());

    Cli report = Cli.run("report", qs.toString());

    assertEquals(LoopCommand.DONE, report.exitCode, report.err);
    String html = Files.readString(Path.of(report.out.strip()));
    assertTrue(html.contains("<section id=\"plan\"><h2>Plan</h2>"), "a plan section");
    assertTrue(html.contains("<a href=\"#plan\">plan</a>"), "in the page's contents");
    assertTrue(html.contains("<b>Master</b> <a href=\"#ticket-QS-1\">QS-1</a>"), "the master, linked");
    assertTrue(html.contains("<h4>Research (3)</h4>"), "the research reports");
    assertTrue(html.contains("<h4>Readiness lint (2 rounds)</h4>") && html.contains("sent back"),
        "the lint sent the first proposal back");
    assertTrue(html.contains("approved</span> by "), "the review");
    assertTrue(html.contains("<td>docs</td><td><a href=\"#ticket-QS-8\">QS-8</a></td>"), "plan keys to ticket ids");
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

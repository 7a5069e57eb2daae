package dev.loopkit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.testing.InMemoryTracker;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  private static final String EVIL = "<script>alert('x')</script>&\"";

  @TempDir
  Path dir;

  /** A real engine run on an in-memory tracker: B fails verification once, every call costs money. */
  private RunResult run(InMemoryTracker tracker, Path runDir) throws Exception {
    AtomicInteger verifications = new AtomicInteger();
    return LoopEngine.builder().tracker(tracker)
        .worker(a -> WorkResult.completed("did " + a.ticket().id(), new Usage(1000, 200, 0, 0,
            new BigDecimal("0.0125"), 0)))
        .verifier(r -> r.ticket().id().equals("B") && verifications.incrementAndGet() == 1
            ? Verification.failed(List.of("exit 1: " + EVIL), List.of(Evidence.of("command", "exit 1")))
            : Verification.passed(Evidence.of("probe", "GET /api 200")))
        .workspaces(Workspaces.shared(dir.resolve("ws"))).runDirectory(runDir).build().run();
  }

  private static InMemoryTracker tracker() {
    return InMemoryTracker.of(Ticket.builder("A").title("Expose the endpoint").build(),
        Ticket.builder("B").title(EVIL).addDependency(Dependency.blockedBy("A")).build());
  }

  @Test
  void anyHostWritesTheReportOfARunItsEngineRanOnItsOwnTracker() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    Path report = HtmlReport.builder(result.runDirectory()).project("service").batch(tracker.readBatch()).build()
        .write();

    assertEquals(dir.resolve("runs/r1/report.html"), report);
    String html = Files.readString(report);
    assertTrue(html.contains("Expose the endpoint") && html.contains("GET /api 200"), html);
    assertTrue(html.contains("class=\"badge ending-done\""), "the ending badge");
    assertTrue(html.contains("<title>Loop report: service r1</title>"), html);
  }

  @Test
  void modelOutputIsEscapedEverywhereItAppears() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.builder(result.runDirectory()).project("p<b>").batch(tracker.readBatch()).build().html();

    String body = html.substring(0, html.lastIndexOf("<script>"));
    assertFalse(body.contains("<script"), "no script element from model output");
    assertFalse(html.contains("alert('x')"), "quotes escaped");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    assertTrue(html.contains("p&lt;b&gt;"));
  }

  @Test
  void theDatesOfTheRunAndOfEachAttemptAreShownInUtc() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.of(result.runDirectory()).html();

    Matcher started = Pattern.compile("started <time datetime=\"([^\"]+)\">(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC)"
        + "</time>").matcher(html);
    assertTrue(started.find(), html);
    assertEquals(Figures.time(java.time.Instant.parse(started.group(1))), started.group(2));
    assertEquals(3, count(html, "<summary><span class=\"dot\""), "A once, B twice");
    assertTrue(html.contains("attempt 1: failed at verify · <time"), html);
  }

  @Test
  void costIsChartedPerTicketWithOneSegmentPerAttempt() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.of(result.runDirectory()).html();

    String bars = html.substring(html.indexOf("<div class=\"bars\">"), html.indexOf("</section>",
        html.indexOf("<div class=\"bars\">")));
    // B cost two attempts, so it leads and fills the track; A's single attempt is half of it
    assertTrue(bars.indexOf(">B</a>") < bars.indexOf(">A</a>"), bars);
    assertEquals(3, count(bars, "class=\"seg\""), bars);
    assertTrue(bars.contains("style=\"width:50.0%;background:#d64545\" title=\"attempt 1: failed at verify, $0.0125\""),
        bars);
    assertTrue(bars.contains("<span class=\"barvalue\">$0.0250</span>"), bars);
  }

  @Test
  void theTicketsTableCarriesSortKeysAndAFilter() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.builder(result.runDirectory()).batch(tracker.readBatch()).build().html();

    assertTrue(html.contains("<table id=\"tickets-table\" class=\"sortable\">"), html);
    assertTrue(html.contains("<button type=\"button\" data-type=\"num\" data-key=\"cost\">cost</button>"), html);
    assertTrue(html.contains("<td data-v=\"0.0250\">$0.0250</td>"), html);
    assertTrue(html.contains("<input type=\"search\" id=\"ticket-filter\""), html);
    assertTrue(html.contains("<option>done</option>"), html);
  }

  @Test
  void anEdgeReadsTheWayTheTrackerMeansIt() {
    // on QS-2, blocks:QS-1 means QS-1 blocks QS-2
    assertEquals("QS-1 blocks QS-2 (QS-2 waits for QS-1)", DependencyGraph.describe("QS-2",
        Dependency.blockedBy("QS-1")));
    assertEquals("P is the parent of C", DependencyGraph.describe("C", Dependency.childOf("P")));
    assertEquals("QS-8 was discovered while working on QS-4", DependencyGraph.describe("QS-8",
        Dependency.discoveredFrom("QS-4")));
  }

  @Test
  void theGraphsTooltipsAndWordsNameTheBlockerFirst() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.builder(result.runDirectory()).batch(tracker.readBatch()).build().html();

    assertTrue(html.contains("marker-end=\"url(#arrow)\"><title>A blocks B (B waits for A)</title>"), html);
    assertTrue(html.contains("<li>A blocks B (B waits for A)</li>"), html);
    assertFalse(html.contains("B blocks A"), html);
  }

  @Test
  void aReportWithoutABatchSaysTheGraphNeedsOne() throws Exception {
    RunResult result = run(tracker(), dir.resolve("runs/r1"));

    String html = HtmlReport.of(result.runDirectory()).html();

    assertTrue(html.contains("No batch was given to the report: the graph needs the tracker's tickets."), html);
    assertTrue(html.contains("tickets done</div>") && html.contains("2 / 2"), html);
  }

  @Test
  void anEmptyRunIsMarkedInTheTrendAndLeftOutOfItsLines() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult first = run(tracker, dir.resolve("runs/r1"));
    RunResult second = run(tracker, dir.resolve("runs/r2")); // everything is done already: no attempt

    String html = HtmlReport.builder(second.runDirectory()).trend(List.of(first.runDirectory(),
        second.runDirectory())).build().html();

    assertTrue(html.contains("<tr class=\"emptyrun\"><td>2. r2</td>"), html);
    assertTrue(html.contains("empty: no attempt"), html);
    assertTrue(html.contains("1 empty run (no attempt started"), html);
    assertEquals(3, count(html, "class=\"emptyrun\"><title>r2: empty (no attempt)</title>"), "one mark per chart");
    assertEquals(3, count(html, "<title>r2: "), "no point for the empty run, only its marks");
    assertTrue(html.contains("<title>r1: attempts per ticket 1.50</title>"), html);
  }

  @Test
  void aHealThatWasRevertedSaysSoAndIsNotCountedAsAPersonsIntervention() throws Exception {
    InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("needs a fixed prompt").build());
    AtomicInteger patches = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> prompt = new java.util.concurrent.atomic.AtomicReference<>("");
    dev.loopkit.core.Healer healer = new dev.loopkit.core.Healer() {
      @Override
      public dev.loopkit.core.Heal heal(dev.loopkit.core.HealContext context) {
        prompt.set(patches.incrementAndGet() == 1 ? "wrong" : "fixed");
        return dev.loopkit.core.Heal.applied("prompt set to " + prompt.get(), "+" + prompt.get());
      }

      @Override
      public boolean revert(dev.loopkit.core.HealRevert request) {
        prompt.set("");
        return true;
      }
    };
    RunResult result = LoopEngine.builder().tracker(tracker)
        .worker(a -> WorkResult.completed("worked with '" + prompt.get() + "'", Usage.ZERO))
        .verifier(r -> prompt.get().equals("fixed") ? Verification.passed(Evidence.of("probe", "ok"))
            : Verification.failed(List.of("the prompt lacks the convention"), List.of()))
        .tripwire(() -> java.util.Map.of("verify", "sha")).healer(healer).healAfterConsecutiveFailures(1)
        .caps(dev.loopkit.core.Caps.builder().maxAttemptsPerTicket(10).allowUnmeteredUsage().build())
        .workspaces(Workspaces.shared(dir.resolve("ws"))).runDirectory(dir.resolve("runs/r1")).build().run();

    String html = HtmlReport.builder(result.runDirectory()).build().html();

    assertTrue(html.contains("<td>applied, reverted</td><td>prompt set to wrong"), html);
    assertTrue(html.contains("Reverted: no ticket done since it (1 attempts), and the run kept failing again"), html);
    assertTrue(html.contains("<p>None: no person had to act during this run.</p>"), html);
    assertTrue(TextSummary.of(result.report()).contains("interventions 0, heals 2 (1 reverted)"),
        TextSummary.of(result.report()));
  }

  @Test
  void interventionsAndHealsAreTwoLinesOfOneTrendWithAxes() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult first = run(tracker, dir.resolve("runs/r1"));

    String html = HtmlReport.builder(first.runDirectory()).trend(List.of(first.runDirectory())).build().html();

    int chart = html.indexOf("<figcaption>interventions and heals per run</figcaption>");
    assertTrue(chart > 0, html);
    String svg = html.substring(chart, html.indexOf("</figure>", chart));
    assertTrue(svg.contains("interventions (people)") && svg.contains("heals (the harness)"), svg);
    assertTrue(svg.contains("class=\"axis\">run</text>"), "the x axis is labelled");
    assertEquals(5, count(svg, "text-anchor=\"end\" class=\"axis\">"), "five labelled y ticks");
    for (String tick : List.of(">0</text>", ">1</text>", ">2</text>", ">3</text>", ">4</text>")) {
      assertTrue(svg.contains("class=\"axis\"" + tick), "whole-number ticks for counts: " + tick + " in " + svg);
    }
  }

  @Test
  void transcriptsAreLinkedRelativeToWhereTheReportIsWritten() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));
    Path transcripts = result.runDirectory().resolve("transcripts");
    Files.createDirectories(transcripts);
    Files.writeString(transcripts.resolve("A-attempt-1.jsonl"), "{}\n");

    String inRun = HtmlReport.of(result.runDirectory()).html();
    Path elsewhere = HtmlReport.of(result.runDirectory()).writeTo(dir.resolve("site/r1.html"));

    assertTrue(inRun.contains("<a class=\"transcript\" href=\"transcripts/A-attempt-1.jsonl\">"), inRun);
    assertTrue(Files.readString(elsewhere).contains("href=\"../runs/r1/transcripts/A-attempt-1.jsonl\""));
    assertFalse(inRun.contains("B-attempt-1.jsonl"), "no link to a transcript that was not written");
  }

  @Test
  void aDirectoryWithoutARunIsAnErrorNamingIt() {
    InputException e = assertThrows(InputException.class, () -> HtmlReport.of(dir.resolve("nothing")).write());
    assertTrue(e.getMessage().contains(dir.resolve("nothing").toString()) && e.getMessage().contains("holds no run"),
        e.getMessage());
  }

  @Test
  void nothingIsFetchedFromTheNetwork() throws Exception {
    RunResult result = run(tracker(), dir.resolve("runs/r1"));

    String html = HtmlReport.of(result.runDirectory()).html();

    assertFalse(html.contains("src=") || html.contains("href=\"http") || html.contains("@import")
        || html.contains("url(http"), "every resource is inline");
  }

  @Test
  void aPlanThatFiledTheBatchGetsASectionAndADamagedOneSaysWhatIsWrong() throws Exception {
    InMemoryTracker tracker = tracker();
    RunResult result = run(tracker, dir.resolve("runs/r1"));
    Path plans = dir.resolve("plans");
    // the layout loop plan journals (loop-llm's Planner): filed.json maps plan keys to the tickets it filed
    Path good = Files.createDirectories(plans.resolve("p-good"));
    Files.writeString(good.resolve("filed.json"), "{\"master\": \"M-1\", \"api\": \"A\"}");
    Files.writeString(good.resolve("plan.json"), "{\"id\":\"p-good\",\"intent\":\"Expose it. <script>x</script>\","
        + "\"master\":{\"title\":\"The API\",\"acceptance_criteria\":[\"it answers\"]},"
        + "\"tickets\":[{\"key\":\"api\",\"title\":\"Expose the endpoint\",\"blocked_by\":[],"
        + "\"verify\":\"sh tests/api.sh\",\"verify_expect\":\"ok\"}],"
        + "\"research\":[{\"index\":1,\"question\":\"Where does it land?\",\"answered\":true,"
        + "\"report\":\"research/1.md\"},{\"index\":2,\"question\":\"Escape?\",\"answered\":true,"
        + "\"report\":\"../../secret.txt\"}],"
        + "\"lint_rounds\":[{\"round\":1,\"passed\":false,\"findings\":[{\"ticket\":\"api\","
        + "\"field\":\"verify\",\"rule\":\"finish-line\",\"message\":\"no command\"}]},"
        + "{\"round\":2,\"passed\":true,\"findings\":[]}],"
        + "\"reviews\":[{\"round\":1,\"approved\":true,\"reviewer\":\"openai/gpt-5\",\"findings\":[]}]}");
    Files.createDirectories(good.resolve("research"));
    Files.writeString(good.resolve("research/1.md"), "# Where does it land?\n\nIn api/.\n");
    Files.writeString(dir.resolve("secret.txt"), "not for the report");
    Path bad = Files.createDirectories(plans.resolve("p-bad"));
    Files.writeString(bad.resolve("filed.json"), "{\"x\": \"B\"}");
    Files.writeString(bad.resolve("plan.json"), "[1, 2");
    Path other = Files.createDirectories(plans.resolve("p-other"));
    Files.writeString(other.resolve("filed.json"), "{\"x\": \"Z-9\"}");

    String html = HtmlReport.builder(result.runDirectory()).plans(plans).build().html();

    assertTrue(html.contains("<section id=\"plan\">"), html);
    assertTrue(html.contains("<td>api</td><td><a href=\"#ticket-A\">A</a></td>"), html);
    assertTrue(html.contains("In api/."), "the research report");
    assertFalse(html.contains("not for the report"), "a report path outside the plan is not read");
    assertTrue(html.contains("<h4>Readiness lint (2 rounds)</h4>") && html.contains("no command"), html);
    assertTrue(html.contains("approved</span> by openai/gpt-5"), html);
    assertTrue(html.contains("Expose it. &lt;script&gt;"), "escaped");
    assertTrue(html.contains(bad.resolve("plan.json") + " cannot be read: it is not valid JSON ("), html);
    assertFalse(html.contains("p-other"), "a plan that filed none of the run's tickets is left out");
  }

  static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}

package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  private static final String EVIL = "<script>alert('x')</script>&\"";

  private static HtmlReport.RunData run(List<LoopEvent> events) {
    RunHistory history = RunHistory.of(events);
    return new HtmlReport.RunData("run-001", RunReport.of(history), HtmlReport.AttemptRow.from(history),
        events.get(0).at(), events.get(events.size() - 1).at());
  }

  @Test
  void modelOutputIsEscapedEverywhereItAppears() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    List<LoopEvent> events = List.of(
        new LoopEvent.RunStarted(t, "run-001", 1, false, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(t.plusSeconds(1), "T-1", 1, 0),
        new LoopEvent.StageCompleted(t.plusSeconds(2), "T-1", 1, StageKind.WORK, "work", StageOutcome.PASSED, EVIL,
            List.of(), List.of(), Usage.tokens(10, 5), Map.of()),
        new LoopEvent.StageCompleted(t.plusSeconds(3), "T-1", 1, StageKind.REVIEW, "review", StageOutcome.FAILED, "",
            List.of(EVIL), List.of(), Usage.ZERO, Map.of("vendor", EVIL)),
        new LoopEvent.AttemptFailed(t.plusSeconds(3), "T-1", 1, StageKind.REVIEW, "review", List.of(EVIL)),
        new LoopEvent.RunEnded(t.plusSeconds(4), RunEnding.Kind.CAPPED, EVIL));
    Batch batch = Batch.of(Ticket.builder("T-1").title(EVIL).build());
    HtmlReport.RunData data = run(events);
    String html = HtmlReport.render("p<b>", data, List.of(data), batch, List.of());
    assertFalse(html.contains("<script"), "no script element from model output");
    assertFalse(html.contains("alert('x')"), "quotes escaped");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    assertTrue(html.contains("p&lt;b&gt;"));
  }

  @Test
  void eachAttemptIsABarInItsSlotColouredByOutcome() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    List<LoopEvent> events = List.of(
        new LoopEvent.RunStarted(t, "run-001", 2, false, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(t, "A", 1, 0),
        new LoopEvent.TicketDispatched(t, "B", 1, 1),
        new LoopEvent.AttemptFailed(t.plusSeconds(5), "A", 1, StageKind.VERIFY, "verify", List.of("exit 1")),
        new LoopEvent.TicketDone(t.plusSeconds(8), "B", 1, List.of(Evidence.of("command", "exit 0"))),
        new LoopEvent.RunEnded(t.plusSeconds(10), RunEnding.Kind.STALLED, ""));
    List<HtmlReport.AttemptRow> rows = HtmlReport.AttemptRow.from(RunHistory.of(events));
    assertEquals(2, rows.size());
    assertEquals("failed", rows.get(0).outcome);
    assertEquals(1, rows.get(1).slot);
    HtmlReport.RunData data = run(events);
    String html = HtmlReport.render("p", data, List.of(data), Batch.of(Ticket.builder("A").title("a").build(),
        Ticket.builder("B").title("b").build()), List.of());
    assertTrue(html.contains("slot 1"));
    assertTrue(html.contains("fill=\"#d64545\""), "a failed attempt is red");
    assertTrue(html.contains("fill=\"#2e9d57\""), "a done attempt is green");
  }

  @Test
  void anyHostWritesTheReportOfARunItsEngineRanOnItsOwnTracker(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    dev.loopkit.testing.InMemoryTracker tracker = dev.loopkit.testing.InMemoryTracker.of(
        Ticket.builder("API-1").title("Expose the endpoint").build());
    dev.loopkit.core.RunResult result = dev.loopkit.core.LoopEngine.builder().tracker(tracker)
        .worker(a -> dev.loopkit.core.WorkResult.completed("did it", Usage.ZERO))
        .verifier(r -> dev.loopkit.core.Verification.passed(Evidence.of("probe", "GET /api 200")))
        .workspaces(dev.loopkit.core.Workspaces.shared(dir)).runDirectory(dir.resolve("runs/r1")).build().run();
    dev.loopkit.core.RunDirectory run = dev.loopkit.core.RunDirectory.of(result.runDirectory());

    java.nio.file.Path report = HtmlReport.write("service", run, tracker, List.of(run));

    String html = assertDoesNotThrowRead(report);
    assertTrue(html.contains("Expose the endpoint") && html.contains("GET /api 200"), html);
    assertTrue(html.contains("ending-done"), "the ending badge");
    assertEquals(dir.resolve("runs/r1/report.html"), report);
  }

  private static String assertDoesNotThrowRead(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readString(file);
    } catch (java.io.IOException e) {
      throw new AssertionError("the report was not written: " + file, e);
    }
  }
}

package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final AtomicLong nanos = new AtomicLong();

  private String feed(boolean terminal) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Batch batch = Batch.of(Ticket.builder("A").title("a").build(), Ticket.builder("B").title("b").build());
    try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal, batch,
        nanos::get)) {
      p.onEvent(new LoopEvent.PassStarted(T, 1, List.of("A", "B"), 0));
      p.onEvent(new LoopEvent.TicketDispatched(T, "A", 1, 0));
      p.onEvent(new LoopEvent.StageCompleted(T, "A", 1, dev.loopkit.core.StageKind.WORK, "work",
          dev.loopkit.core.StageOutcome.PASSED, "did it", List.of(), List.of(),
          new Usage(1000, 200, 0, 0, new BigDecimal("0.25")), java.util.Map.of()));
      nanos.set(75_000_000_000L);
      p.onEvent(new LoopEvent.TicketDone(T, "A", 1, List.of(Evidence.of("command", "exit 0"))));
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void pipedOutputIsPlainLinesWithAStatusLineAfterATicketSettles() {
    String out = feed(false);
    assertFalse(out.contains("\033"), "no terminal control codes when piped");
    assertTrue(out.contains("A  attempt 1 started in slot 0\n"), out);
    assertTrue(out.contains("A  DONE\ndone 1/2 | in flight 0 | ready 1 | blocked 0 | 1,200 tokens | $0.2500 | 1m 15s\n"),
        out);
  }

  @Test
  void onATerminalTheStatusLineIsRedrawnInPlaceUnderTheEventLines() {
    String out = feed(true);
    assertTrue(out.contains("  A  DONE\n\r\033[2Kdone 1/2"), out);
    assertTrue(out.endsWith("| 1m 15s\n"), out);
  }

  @Test
  void aStreamingTurnShowsOnTheStatusLineUntilItGoesQuiet() {
    Batch batch = Batch.of(Ticket.builder("A").title("a").build());
    try (Progress p = new Progress(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false,
        batch, nanos::get)) {
      p.onEvent(new LoopEvent.TicketDispatched(T, "A", 1, 0));
      assertFalse(p.statusLine().contains("model:"), "no model activity yet: " + p.statusLine());

      p.onEvent(new dev.loopkit.llm.StreamEvent.TextDelta(0, "Reading"));
      p.onEvent(new dev.loopkit.llm.StreamEvent.TextDelta(0, " the tests"));
      assertTrue(p.statusLine().endsWith(" | model: writing, 17 chars"), p.statusLine());

      p.onEvent(new dev.loopkit.llm.StreamEvent.ToolUseStarted(1, "toolu_1", "run_command"));
      nanos.addAndGet(9_000_000_000L);
      assertTrue(p.statusLine().endsWith(" | model: calling run_command"), p.statusLine());

      nanos.addAndGet(2_000_000_000L);
      assertFalse(p.statusLine().contains("model:"), "quiet for 10 s: " + p.statusLine());
    }
  }
}

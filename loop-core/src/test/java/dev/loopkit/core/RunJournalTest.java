package dev.loopkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunJournalTest {
  @TempDir Path dir;

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static List<LoopEvent> sample() {
    return List.of(
        new LoopEvent.RunStarted(T0, "run-1", 2, false, Map.of("verify.sh", "abc"), Map.of("passes", "10")),
        new LoopEvent.TicketDispatched(T0.plusSeconds(1), "A", 1, 0),
        new LoopEvent.WorkerFinished(T0.plusSeconds(2), "A", 1, "completed", "wrote it",
            new Usage(10, 20, 3, 4, new BigDecimal("0.0123"))),
        new LoopEvent.VerificationCompleted(T0.plusSeconds(3), "A", 1, true, List.of(),
            List.of(new Evidence("command", "exit 0", Map.of("exit-code", "0")))),
        new LoopEvent.CapReached(T0.plusSeconds(4), Cap.MONEY, "spent $1 of $1"));
  }

  @Test
  void eventsRoundTripThroughTheFile() {
    try (RunJournal journal = RunJournal.open(dir)) {
      sample().forEach(journal::append);
    }
    assertEquals(sample(), RunJournal.read(dir.resolve(RunJournal.FILE_NAME)));
    try (RunJournal reopened = RunJournal.open(dir)) {
      assertEquals(sample(), reopened.events());
    }
  }

  @Test
  void eachEventIsOneJsonLineWithItsType() throws Exception {
    try (RunJournal journal = RunJournal.open(dir)) {
      sample().forEach(journal::append);
    }
    List<String> lines = Files.readAllLines(dir.resolve(RunJournal.FILE_NAME));
    assertEquals(5, lines.size());
    assertTrue(lines.get(0).startsWith("{\"type\":\"run-started\""), lines.get(0));
    assertTrue(lines.get(4).contains("\"cap\":\"MONEY\""), lines.get(4));
  }

  @Test
  void aTornLastLineIsIgnoredAndCutBeforeTheNextAppend() throws Exception {
    try (RunJournal journal = RunJournal.open(dir)) {
      sample().subList(0, 2).forEach(journal::append);
    }
    Path file = dir.resolve(RunJournal.FILE_NAME);
    Files.writeString(file, "{\"type\":\"worker-fini", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    assertEquals(sample().subList(0, 2), RunJournal.read(file));
    try (RunJournal journal = RunJournal.open(dir)) {
      assertEquals(2, journal.events().size());
      journal.append(sample().get(2));
    }
    assertEquals(sample().subList(0, 3), RunJournal.read(file));
  }

  @Test
  void aMalformedLineBeforeTheEndNamesTheFileAndLine() throws Exception {
    Path file = dir.resolve(RunJournal.FILE_NAME);
    String good = RunJournal.toJson(sample().get(0));
    Files.writeString(file, good + "\n{not json}\n" + good + "\n");

    InputException e = assertThrows(InputException.class, () -> RunJournal.read(file));
    assertTrue(e.getMessage().contains(file + ":2"), e.getMessage());
    assertThrows(InputException.class, () -> RunJournal.open(dir));
  }

  @Test
  void anUnknownEventTypeIsAnErrorNamingTheLine() throws Exception {
    Path file = dir.resolve(RunJournal.FILE_NAME);
    Files.writeString(file, "{\"type\":\"no-such-event\",\"at\":\"2026-01-01T00:00:00Z\"}\n");

    InputException e = assertThrows(InputException.class, () -> RunJournal.read(file));
    assertTrue(e.getMessage().contains(":1"), e.getMessage());
  }

  @Test
  void theReportCountsAttemptsUsageAndInterventionsFromEvents() {
    List<LoopEvent> events = List.of(
        new LoopEvent.RunStarted(T0, "run-1", 1, false, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(T0, "A", 1, 0),
        new LoopEvent.AttemptInterrupted(T0.plusSeconds(5), "A", 1, "the process running it ended"),
        new LoopEvent.RunStarted(T0.plusSeconds(60), "run-1", 1, true, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(T0.plusSeconds(61), "A", 2, 0),
        new LoopEvent.WorkerFinished(T0.plusSeconds(70), "A", 2, "completed", "", Usage.tokens(5, 5)),
        new LoopEvent.HumanGated(T0.plusSeconds(71), "A", 2, "needs credentials", List.of()),
        new LoopEvent.RunEnded(T0.plusSeconds(72), "DONE", "all settled"));

    RunReport report = RunReport.of(events);
    assertEquals(2, report.sessions());
    assertEquals(2, report.attempts());
    assertEquals(1, report.interruptedAttempts());
    assertEquals(10, report.usage().totalTokens());
    assertEquals(17, report.elapsed().toSeconds());
    assertEquals("human-gated", report.tickets().get(0).outcome());
    assertEquals(1, report.interventions().size());
  }
}

package dev.loopkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
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
        new LoopEvent.StageCompleted(T0.plusSeconds(2), "A", 1, StageKind.WORK, "work", StageOutcome.PASSED,
            "wrote it", List.of(), List.of(), new Usage(10, 20, 3, 4, new BigDecimal("0.0123")), Map.of()),
        new LoopEvent.StageCompleted(T0.plusSeconds(3), "A", 1, StageKind.VERIFY, "verify", StageOutcome.PASSED,
            "verified", List.of(), List.of(new Evidence("command", "exit 0", Map.of("exit-code", "0"))), Usage.ZERO,
            Map.of()),
        new LoopEvent.CapReached(T0.plusSeconds(4), Cap.MONEY, "spent $1 of $1"));
  }

  private void write(List<LoopEvent> events) {
    try (RunJournal journal = RunJournal.open(dir)) {
      events.forEach(journal::append);
    }
  }

  @Test
  void eventsRoundTripThroughTheFile() {
    write(sample());
    assertEquals(sample(), RunJournal.read(dir.resolve(RunJournal.FILE_NAME)));
    try (RunJournal reopened = RunJournal.open(dir)) {
      assertEquals(5, reopened.history().events());
      assertEquals(1, reopened.history().ticket("A").orElseThrow().attempts());
    }
  }

  @Test
  void eventsAppendedTogetherAreSyncedOnce() {
    try (RunJournal journal = RunJournal.open(dir)) {
      sample().forEach(journal::append);
      journal.sync();
      journal.sync();
      assertEquals(new JournalStats(5, journal.stats().bytes(), 1), journal.stats());
      assertEquals(Files.exists(journal.file()) ? journal.stats().bytes() : -1, journal.file().toFile().length());
    }
  }

  @Test
  void eachEventIsOneJsonLineWithItsTypeAndStableNames() throws Exception {
    write(sample());
    List<String> lines = Files.readAllLines(dir.resolve(RunJournal.FILE_NAME));
    assertEquals(7, lines.size()); // the header naming the key, five events, one seal
    assertTrue(lines.get(0).matches("\\{\"type\":\"journal\",\"format\":2,\"key\":\"[0-9a-f]{32}\"}"), lines.get(0));
    assertTrue(lines.get(1).startsWith("{\"type\":\"run-started\""), lines.get(1));
    assertTrue(lines.get(3).contains("\"kind\":\"work\"") && lines.get(3).contains("\"outcome\":\"passed\""),
        lines.get(3));
    assertTrue(lines.get(5).contains("\"cap\":\"MONEY\""), lines.get(5));
    assertTrue(lines.get(6).matches("\\{\"type\":\"seal\",\"mac\":\"[0-9a-f]{64}\"}"), lines.get(6));
  }

  @Test
  void aTornLastLineIsIgnoredAndCutBeforeTheNextAppend() throws Exception {
    write(sample().subList(0, 2));
    Path file = dir.resolve(RunJournal.FILE_NAME);
    Files.writeString(file, "{\"type\":\"stage-compl", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    assertEquals(sample().subList(0, 2), RunJournal.read(file));
    try (RunJournal journal = RunJournal.open(dir)) {
      assertEquals(2, journal.history().events());
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

  private static List<LoopEvent> manyTickets(int n) {
    List<LoopEvent> events = new ArrayList<>();
    events.add(new LoopEvent.RunStarted(T0, "run-1", n, false, Map.of(), Map.of()));
    for (int i = 0; i < n; i++) {
      String id = "T-" + i;
      events.add(new LoopEvent.TicketDispatched(T0.plusSeconds(i), id, 1, 0));
      events.add(new LoopEvent.StageCompleted(T0.plusSeconds(i), id, 1, StageKind.WORK, "work",
          StageOutcome.PASSED, "did " + id, List.of(), List.of(), Usage.tokens(3, 4), Map.of()));
      events.add(new LoopEvent.TicketDone(T0.plusSeconds(i + 1), id, 1, List.of(Evidence.of("bench", "ok"))));
    }
    return events;
  }

  @Test
  void aCheckpointResumesToTheSameHistoryAsAFullReplay() {
    List<LoopEvent> events = manyTickets(2000);
    try (RunJournal journal = RunJournal.open(dir)) {
      events.subList(0, 6001).forEach(e -> {
        journal.append(e);
        journal.history().apply(e);
      });
      journal.sync();
      journal.checkpoint(journal.history());
      events.subList(6001, events.size()).forEach(journal::append);
    }
    assertTrue(Files.exists(dir.resolve(RunJournal.CHECKPOINT)));
    RunHistory fromCheckpoint = RunJournal.history(dir);
    RunHistory replayed = RunHistory.of(events);
    assertEquals(RunReport.of(replayed).summary(), RunReport.of(fromCheckpoint).summary());
    assertEquals(replayed.events(), fromCheckpoint.events());
    assertEquals(2000, fromCheckpoint.tickets().size());
    assertEquals(RunReport.TicketOutcome.DONE, fromCheckpoint.ticket("T-1999").orElseThrow().outcome());
  }

  @Test
  void aCheckpointTheJournalNoLongerMatchesIsIgnored() throws Exception {
    List<LoopEvent> events = manyTickets(50);
    try (RunJournal journal = RunJournal.open(dir)) {
      events.forEach(e -> {
        journal.append(e);
        journal.history().apply(e);
      });
      journal.sync();
      journal.checkpoint(journal.history());
    }
    // the journal is replaced by a shorter one: the checkpoint describes events it does not hold
    Files.delete(dir.resolve(RunJournal.FILE_NAME));
    write(events.subList(0, 4));
    RunHistory h = RunJournal.history(dir);
    assertEquals(4, h.events());
    assertEquals(1, h.tickets().size());
  }

  @Test
  void aTornCheckpointIsIgnored() throws Exception {
    List<LoopEvent> events = manyTickets(20);
    write(events);
    Files.writeString(dir.resolve(RunJournal.CHECKPOINT), "{\"format\":1,\"journalOffset\":12,\"hist");
    RunHistory h = RunJournal.history(dir);
    assertEquals(events.size(), h.events());
  }

  private List<String> lines() throws Exception {
    return new ArrayList<>(Files.readAllLines(dir.resolve(RunJournal.FILE_NAME)));
  }

  private void rewrite(List<String> lines) throws Exception {
    Files.writeString(dir.resolve(RunJournal.FILE_NAME), String.join("\n", lines) + "\n");
  }

  @Test
  void aChangedLineBreaksTheChainAndTheResumeRefusesNamingTheLines() throws Exception {
    write(sample());
    List<String> lines = lines();
    lines.set(4, lines.get(4).replace("exit 0", "exit 0 (forged)"));
    rewrite(lines);

    InputException e = assertThrows(InputException.class, () -> RunJournal.open(dir));
    assertTrue(e.getMessage().contains("chain of seals breaks at line 7, which seals lines 1-6"), e.getMessage());
    assertEquals(5, RunJournal.read(dir.resolve(RunJournal.FILE_NAME)).size()); // a report still reads it
  }

  @Test
  void aLineInsertedWithAForgedSealIsRefused() throws Exception {
    write(sample());
    try (RunJournal journal = RunJournal.open(dir)) {
      journal.append(new LoopEvent.TicketDispatched(T0.plusSeconds(9), "B", 1, 0));
    }
    List<String> lines = lines();
    lines.add(RunJournal.toJson(new LoopEvent.TicketDone(T0.plusSeconds(10), "B", 1,
        List.of(Evidence.of("tests", "green")))));
    lines.add("{\"type\":\"seal\",\"mac\":\"" + "ab".repeat(32) + "\"}");
    rewrite(lines);

    InputException e = assertThrows(InputException.class, () -> RunJournal.open(dir));
    assertTrue(e.getMessage().contains("breaks at line 11"), e.getMessage());
  }

  @Test
  void linesAppendedWithoutASealAreNeverTrustedAndAreCut() throws Exception {
    write(sample());
    Path file = dir.resolve(RunJournal.FILE_NAME);
    long sealed = Files.size(file);
    Files.writeString(file, RunJournal.toJson(new LoopEvent.RunEnded(T0.plusSeconds(9), RunEnding.Kind.DONE, "forged"))
        + "\n", StandardOpenOption.APPEND);

    try (RunJournal journal = RunJournal.open(dir)) {
      assertEquals(5, journal.history().events());
      assertTrue(journal.history().ending().isEmpty());
    }
    assertEquals(sealed, Files.size(file));
  }

  @Test
  void aJournalWithoutItsKeyOrItsHeaderIsRefused() throws Exception {
    write(sample());
    try (var keys = Files.list(dir.resolveSibling(dir.getFileName() + "-keys"))) {
      // not where the keys are: the default location is the test's system property
      assertTrue(keys.findAny().isEmpty());
    } catch (java.nio.file.NoSuchFileException expected) {
      // fine: nothing there
    }
    InputException missing = assertThrows(InputException.class,
        () -> RunJournal.open(dir, new JournalKeys(dir.resolveSibling(dir.getFileName() + "-keys"))));
    assertTrue(missing.getMessage().contains("cannot be authenticated"), missing.getMessage());

    List<String> lines = lines();
    lines.remove(0);
    rewrite(lines);
    InputException headless = assertThrows(InputException.class, () -> RunJournal.open(dir));
    assertTrue(headless.getMessage().contains("is not Loop's journal header"), headless.getMessage());
  }

  @Test
  void anEditedCheckpointIsIgnoredAndTheSealedJournalReplayed() throws Exception {
    List<LoopEvent> events = manyTickets(30);
    try (RunJournal journal = RunJournal.open(dir)) {
      events.forEach(e -> {
        journal.append(e);
        journal.history().apply(e);
      });
      journal.sync();
      journal.checkpoint(journal.history());
    }
    Path checkpoint = dir.resolve(RunJournal.CHECKPOINT);
    Files.writeString(checkpoint, Files.readString(checkpoint).replace("\"T-3\"", "\"T-X\""));

    try (RunJournal journal = RunJournal.open(dir)) {
      assertTrue(journal.history().ticket("T-3").isPresent());
      assertTrue(journal.history().ticket("T-X").isEmpty());
    }
  }

  @Test
  void aResumeFromAValidCheckpointContinuesTheChain() {
    List<LoopEvent> events = manyTickets(30);
    try (RunJournal journal = RunJournal.open(dir)) {
      events.subList(0, 40).forEach(e -> {
        journal.append(e);
        journal.history().apply(e);
      });
      journal.sync();
      journal.checkpoint(journal.history());
    }
    try (RunJournal journal = RunJournal.open(dir)) {
      assertEquals(40, journal.history().events());
      events.subList(40, events.size()).forEach(journal::append);
    }
    try (RunJournal journal = RunJournal.open(dir)) {
      assertEquals(events.size(), journal.history().events());
    }
  }

  @Test
  void theReportCountsAttemptsUsageAndInterventionsFromEvents() {
    List<LoopEvent> events = List.of(
        new LoopEvent.RunStarted(T0, "run-1", 1, false, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(T0, "A", 1, 0),
        new LoopEvent.AttemptInterrupted(T0.plusSeconds(5), "A", 1, "the process running it ended"),
        new LoopEvent.RunStarted(T0.plusSeconds(60), "run-1", 1, true, Map.of(), Map.of()),
        new LoopEvent.TicketDispatched(T0.plusSeconds(61), "A", 2, 0),
        new LoopEvent.StageCompleted(T0.plusSeconds(70), "A", 2, StageKind.WORK, "work", StageOutcome.PASSED, "",
            List.of(), List.of(), Usage.tokens(5, 5), Map.of()),
        new LoopEvent.HumanGated(T0.plusSeconds(71), "A", 2, "needs credentials", List.of()),
        new LoopEvent.RunEnded(T0.plusSeconds(72), RunEnding.Kind.HUMAN_GATED, "1 ticket waits"));

    RunReport report = RunReport.of(events);
    assertEquals(2, report.sessions());
    assertEquals(2, report.attempts());
    assertEquals(1, report.interruptedAttempts());
    assertEquals(10, report.usage().totalTokens());
    assertEquals(17, report.elapsed().toSeconds());
    assertEquals(RunReport.TicketOutcome.HUMAN_GATED, report.tickets().get(0).outcome());
    assertEquals(1, report.interventions().size());
    assertEquals(RunEnding.Kind.HUMAN_GATED, report.ending().orElseThrow());
    assertFalse(report.summary().contains("RUNNING"), report.summary());
  }
}

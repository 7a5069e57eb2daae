package dev.loopkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.testing.InMemoryTracker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine benchmark's parts on small inputs; nothing here is timed. */
class EngineBenchmarkPartsTest {
  @TempDir
  Path tmp;

  private String usageError(String... args) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Bench.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
        StandardCharsets.UTF_8));
    assertEquals(2, code);
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSandboxRunCountThatIsNotPositiveIsAUsageErrorNamingIt() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int code = Bench.run(new String[] {"sandbox", "--runs", "0"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String err = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(2, code);
    assertTrue(err.contains("--runs '0': expected a positive whole number"), err);
  }

  @Test
  void aSizeThatIsNotANumberIsAUsageErrorNamingIt() throws Exception {
    assertTrue(usageError("engine", "--sizes", "1000,1k", "--ram", tmp.toString())
        .contains("--sizes value '1k' is not a whole number: expected 2 to 10000000"));
  }

  @Test
  void aSizeBelowTwoIsAUsageErrorNamingIt() throws Exception {
    assertTrue(usageError("engine", "--sizes", "1", "--ram", tmp.toString())
        .contains("--sizes value 1 is out of range: expected 2 to 10000000"));
  }

  @Test
  void aFlagWithoutItsValueIsAUsageError() throws Exception {
    assertTrue(usageError("engine", "--budget").contains("--budget needs a value: expected a number of seconds"));
  }

  @Test
  void anUnknownEngineArgumentIsAUsageErrorNamingIt() throws Exception {
    assertTrue(usageError("engine", "--size", "10").contains("unknown argument '--size': expected --sizes"));
  }

  @Test
  void aMissingRamDiskIsAUsageErrorNamingTheFolder() throws Exception {
    Path missing = tmp.resolve("no-such-ram-disk");
    assertTrue(usageError("engine", "--ram", missing.toString())
        .contains("--ram " + missing + " is not a directory: expected a folder on a RAM disk"));
  }

  @Test
  void quickRunsTheTwoSmallerSizesWithTheShortBudget() {
    EngineBenchmark.Options o = EngineBenchmark.parse(List.of("--quick", "--ram", tmp.toString()), tmp);
    assertEquals(List.of(1_000, 10_000), o.sizes());
    assertEquals(EngineBenchmark.QUICK_BUDGET_SECONDS, o.budgetSeconds());
    assertEquals(tmp.resolve("engine-runs"), o.disk());
  }

  @Test
  void theDefaultRunsEverySizeAndSizesAreSorted() {
    assertEquals(List.of(1_000, 10_000, 100_000), EngineBenchmark.parse(List.of("--ram", tmp.toString()), tmp).sizes());
    assertEquals(List.of(1_000, 10_000), EngineBenchmark.parse(List.of("--sizes", "10_000,1000", "--ram",
        tmp.toString()), tmp).sizes());
  }

  @Test
  void theNaiveLoopDoesEveryTicketAfterItsBlockers() {
    List<Ticket> dag = Dag.randomBlocking(300, 3, 40, 9).tickets();
    InMemoryTracker tracker = (InMemoryTracker) TrackerKind.IN_MEMORY.fill(dag, tmp);
    NaiveLoop.Outcome o = NaiveLoop.drain(tracker, dag.size(), Long.MAX_VALUE);
    assertTrue(o.finished());
    assertEquals(300, o.ticketsDone());
    List<String> order = new ArrayList<>();
    tracker.transitions().forEach(t -> order.add(t.ticketId()));
    assertEquals(300, order.size());
    for (Ticket t : dag) {
      for (Dependency d : t.dependencies()) {
        assertTrue(order.indexOf(d.target()) < order.indexOf(t.id()), d + " of " + t.id());
      }
    }
  }

  @Test
  void theNaiveLoopStopsAfterThePassThatOutlastsItsBudget() {
    List<Ticket> dag = Dag.randomBlocking(50, 3, 10, 2).tickets();
    NaiveLoop.Outcome o = NaiveLoop.drain(TrackerKind.IN_MEMORY.fill(dag, tmp), dag.size(), 0);
    assertFalse(o.finished());
    assertEquals(1, o.ticketsDone());
  }

  @Test
  void theMarkdownKindWritesOneFilePerTicketAndReopensTheSameFolder() {
    List<Ticket> dag = Dag.randomBlocking(20, 3, 10, 4).tickets();
    var tracker = TrackerKind.MARKDOWN.fill(dag, tmp.resolve("tickets"));
    tracker.transition(dag.get(0).id(), Status.DONE, "done");
    var again = TrackerKind.MARKDOWN.reopen(tracker);
    assertEquals(20, again.readBatch().size());
    assertEquals(Status.DONE, again.find(dag.get(0).id()).orElseThrow().status());
  }

  @Test
  void theCountingTrackerCountsEachCallByName() {
    CountingTracker tracker = new CountingTracker(InMemoryTracker.of(Ticket.builder("A-1").title("a").build()));
    tracker.readBatch();
    tracker.changesSince("");
    tracker.find("A-1");
    tracker.claim("A-1", "me");
    tracker.transition("A-1", Status.DONE, "ok");
    tracker.comment("A-1", "note");
    Ticket b = tracker.create(NewTicket.builder("b").build());
    tracker.addDependency(b.id(), Dependency.blockedBy("A-1"));
    assertEquals(Map.of("readBatch", 1L, "changesSince", 1L, "find", 1L, "transition", 1L, "claim", 1L,
        "create", 1L, "addDependency", 1L, "comment", 1L), tracker.counts());
  }

  @Test
  void aTrialPastItsBudgetIsStoppedAndSaysSo() {
    List<Ticket> dag = Dag.randomBlocking(20_000, 3, 1_000, 3).tickets();
    EngineTrial.Outcome o = EngineTrial.run(new EngineTrial.Plan(TrackerKind.IN_MEMORY.fill(dag, tmp), dag.size(),
        tmp.resolve("run"), tmp, 1, 0, false));
    assertEquals(EngineTrial.Stop.BUDGET, o.stop());
    assertTrue(o.ticketsDone() < dag.size(), "stopped before the end: " + o.ticketsDone());
  }

  @Test
  void aTrialAskedForHalfTheBatchStopsThere() {
    List<Ticket> dag = Dag.randomBlocking(100, 3, 20, 5).tickets();
    EngineTrial.Outcome o = EngineTrial.run(new EngineTrial.Plan(TrackerKind.IN_MEMORY.fill(dag, tmp), dag.size(),
        tmp.resolve("run"), tmp, Long.MAX_VALUE, 50, false));
    assertEquals(EngineTrial.Stop.HALF_DONE, o.stop());
    assertTrue(o.ticketsDone() >= 50 && o.ticketsDone() < 100, "done " + o.ticketsDone());
  }
}

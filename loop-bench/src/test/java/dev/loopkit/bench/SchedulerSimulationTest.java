package dev.loopkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyOrder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Smoke tests of the benchmark's parts; nothing here is timed. */
class SchedulerSimulationTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** A chain a -> b -> c (1, 2, 3 units) and a lone ticket d (6 units), d filed first. */
  private static Dag chainAndLone() {
    return new Dag("tiny", List.of(
        Ticket.builder("d").createdAt(T0).build(),
        Ticket.builder("a").createdAt(T0.plusSeconds(1)).build(),
        Ticket.builder("b").createdAt(T0.plusSeconds(2)).addDependency(Dependency.blockedBy("a")).build(),
        Ticket.builder("c").createdAt(T0.plusSeconds(3)).addDependency(Dependency.blockedBy("b")).build()),
        new double[] {6, 1, 2, 3});
  }

  @Test
  void lowerBoundIsTheLargerOfCriticalPathAndWorkPerSlot() {
    Dag dag = chainAndLone();
    assertEquals(6, dag.criticalPath());
    assertEquals(12, dag.totalWork());
    assertEquals(6, dag.lowerBound(2));
    assertEquals(12, dag.lowerBound(1));
  }

  @Test
  void twoSlotsFinishTheTinyDagAtItsLowerBound() {
    for (ReadyOrder order : ReadyOrder.values()) {
      assertEquals(6, Simulation.makespan(chainAndLone(), 2, order), order.name());
      assertEquals(1.0, Simulation.ratio(chainAndLone(), 2, order), 1e-9);
    }
  }

  @Test
  void oneSlotRunsTheWorkBackToBack() {
    assertEquals(12, Simulation.makespan(chainAndLone(), 1, ReadyOrder.FIFO));
  }

  @Test
  void criticalPathFirstBeatsFifoOnTheWideFanIn() {
    Dag dag = Dag.fanIn(new Random(3));
    double cp = Simulation.ratio(dag, 8, ReadyOrder.CRITICAL_PATH_FIRST);
    double fifo = Simulation.ratio(dag, 8, ReadyOrder.FIFO);
    assertTrue(cp >= 1.0 && cp < fifo, "cp " + cp + " fifo " + fifo);
  }

  @Test
  void everyDrainStartsEveryTicketOnceAndRespectsBlockers() {
    List<Ticket> batch = Dag.randomBlocking(500, 3, 50, 11).tickets();
    for (List<String> started : List.of(Drain.incremental(batch, 4, ReadyOrder.CRITICAL_PATH_FIRST),
        Drain.naive(batch, 4), Drain.snapshot(batch, 4))) {
      assertEquals(500, new HashSet<>(started).size());
      List<String> order = started;
      for (Ticket t : batch) {
        for (Dependency d : t.dependencies()) {
          assertTrue(order.indexOf(d.target()) < order.indexOf(t.id()), d + " of " + t.id());
        }
      }
    }
  }

  @Test
  void theSnapshotRescanAndTheLeanRescanStartTicketsInTheSameOrder() {
    // both read the same rule (blockers done, priority first, then filing order), one through core's ReadySet
    List<Ticket> batch = Dag.randomBlocking(300, 3, 40, 5).tickets();
    assertEquals(Drain.naive(batch, 3), Drain.snapshot(batch, 3));
  }

  @Test
  void aNaiveSizeRunsOnlyWhenItsQuadraticPredictionFitsTheLimit() {
    SchedulerBenchmark.Naive skipped = SchedulerBenchmark.Naive.skipped();
    assertTrue(SchedulerBenchmark.fits(skipped, 0, 1_000), "the first size always runs");
    long quarter = SchedulerBenchmark.NAIVE_RUN_LIMIT_NANOS / 4;
    assertTrue(SchedulerBenchmark.fits(new SchedulerBenchmark.Naive(1, quarter), 1_000, 2_000));
    assertFalse(SchedulerBenchmark.fits(new SchedulerBenchmark.Naive(1, quarter + 1), 1_000, 2_000));
    assertFalse(SchedulerBenchmark.fits(skipped, 1_000, 2_000), "a variant stays skipped once it was");
  }

  @Test
  void unknownSubcommandIsAUsageErrorNamingIt() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Bench.run(new String[] {"schedule"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown subcommand 'schedule': expected scheduler, engine, sandbox or temporal"));
  }
}

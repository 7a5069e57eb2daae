package dev.loopkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyOrder;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The scheduling benchmark of issue 3: scale of the incremental ready set against a naive rescanning one,
 * and schedule quality (makespan over its lower bound) of the stock orders.
 */
final class SchedulerBenchmark {
  static final int TICKETS = 100_000;
  static final int EDGES = 3;
  static final int WINDOW = 1_000;
  static final int SLOTS = 8;
  /** The naive drain grows quadratically; a size runs only if it is predicted to finish within this. */
  static final long NAIVE_RUN_LIMIT_NANOS = 60_000_000_000L;
  static final int[] SIM_SLOTS = {4, 8, 16};
  static final int LAYERED_PER_SLOTS = 30;
  static final int FAN_IN_PER_SLOTS = 10;
  static final ReadyOrder[] ORDERS = {ReadyOrder.CRITICAL_PATH_FIRST, ReadyOrder.PRIORITY, ReadyOrder.FIFO};

  private final PrintStream out;

  SchedulerBenchmark(PrintStream out) {
    this.out = out;
  }

  void run(Path json) throws IOException {
    long start = System.nanoTime();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("benchmark", "scheduler");
    figures.put("java", System.getProperty("java.version"));
    figures.put("cores", Runtime.getRuntime().availableProcessors());

    out.printf(Locale.ROOT, "Loop scheduler benchmark (java %s, %d cores)%n%n", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    scale(figures);
    quality(figures);
    figures.put("seconds", round((System.nanoTime() - start) / 1e9, 1));

    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    mapper.writeValue(json.toFile(), figures);
    out.printf(Locale.ROOT, "%nwrote %s (%.0f s)%n", json, (System.nanoTime() - start) / 1e9);
  }

  /** Sizes of the scale table: doubling from 1,000, then the full batch. */
  static final int[] SIZES = {1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, TICKETS};
  /** Our figure at a size is the mean of at least this many back-to-back runs ... */
  static final int OURS_MIN_RUNS = 5;
  /** ... spanning at least this long. */
  static final long OURS_MIN_NANOS = 1_000_000_000L;

  /** Our drain at one size: mean and best µs per ticket, runs timed, and the share of the span in GC pauses. */
  record Ours(double meanUs, double bestUs, int runs, double gcShare) {}

  /** A naive drain's figure at one size, or {@link #skipped()} where it was predicted to exceed the limit. */
  record Naive(double usPerTicket, long nanos) {
    static Naive skipped() {
      return new Naive(Double.NaN, 0);
    }

    boolean ran() {
      return !Double.isNaN(usPerTicket);
    }
  }

  private void scale(Map<String, Object> figures) {
    out.printf(Locale.ROOT, "1. Scale: random DAG, ~%d blocking edges per ticket, %d instant workers%n", EDGES, SLOTS);
    out.printf(Locale.ROOT, "   ours:     rebuild + drain through ReadyIndex; mean of >= %d back-to-back runs spanning >= %.0f s,%n"
        + "             after one untimed run at that size and a full GC; GC pauses included (GC%% = their share),%n"
        + "             best = fastest single run%n", OURS_MIN_RUNS, OURS_MIN_NANOS / 1e9);
    out.printf(Locale.ROOT, "   snapshot: issue 3's naive ready set, what a host without loop-scheduler gets: after each completion%n"
        + "             the batch is read again from an in-memory tracker and core's ReadySet.simple() rescans it%n");
    out.printf(Locale.ROOT, "   lean:     a lower bound for any rescan: the same rule over int arrays prepared once, no snapshot%n");
    out.printf(Locale.ROOT, "   a naive figure is the mean of back-to-back runs spanning >= %.0f s (one run at the larger sizes);%n"
        + "   a naive size runs only if predicted (quadratic growth from its last size) to take <= %.0f s%n",
        OURS_MIN_NANOS / 1e9, NAIVE_RUN_LIMIT_NANOS / 1e9);
    // warm the JIT on smaller batches so the measured runs see compiled code
    List<Ticket> warm = Dag.randomBlocking(20_000, EDGES, WINDOW, 7).tickets();
    for (int i = 0; i < 3; i++) {
      Drain.incremental(warm, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST);
      Drain.naive(warm.subList(0, 2_000), SLOTS);
      Drain.snapshot(warm.subList(0, 500), SLOTS);
    }
    // many short naive drains too, so each naive method is compiled whole, not only entered mid-loop (OSR):
    // without them the first naive size measured the interpreter as much as the rescans
    for (int i = 0; i < 30; i++) {
      Drain.naive(warm.subList(0, 300), SLOTS);
      Drain.snapshot(warm.subList(0, 150), SLOTS);
    }
    // and the measurement itself at a small size, whose many short runs otherwise still meet the JIT at work
    ours(warm.subList(0, 2_000));
    ours(warm.subList(0, 2_000));

    out.printf(Locale.ROOT, "   %9s %11s %10s %5s | %15s %7s | %12s %7s%n", "tickets", "ours mean", "ours best", "GC%",
        "snapshot naive", "ratio", "lean naive", "ratio");
    out.printf(Locale.ROOT, "   %9s %11s %10s %5s | %15s %7s | %12s %7s%n", "", "us/ticket", "us/ticket", "",
        "us/ticket", "", "us/ticket", "");
    List<Map<String, Object>> rows = new ArrayList<>();
    Naive lastSnapshot = Naive.skipped();
    Naive lastLean = Naive.skipped();
    int lastSnapshotSize = 0;
    int lastLeanSize = 0;
    @Nullable Ours oursAtFull = null;
    for (int size : SIZES) {
      List<Ticket> batch = Dag.randomBlocking(size, EDGES, WINDOW, 42 + size).tickets();
      // ours first at every size, so no naive run's heap state is left for it to pay for
      Ours ours = ours(batch);
      Naive lean = fits(lastLean, lastLeanSize, size) ? naive(batch, Drain::naive) : Naive.skipped();
      Naive snapshot = fits(lastSnapshot, lastSnapshotSize, size) ? naive(batch, Drain::snapshot) : Naive.skipped();
      if (lean.ran()) {
        lastLean = lean;
        lastLeanSize = size;
      }
      if (snapshot.ran()) {
        lastSnapshot = snapshot;
        lastSnapshotSize = size;
      }
      out.printf(Locale.ROOT, "   %,9d %11.2f %10.2f %4.0f%% | %15s %7s | %12s %7s%n", size, ours.meanUs(), ours.bestUs(),
          100 * ours.gcShare(), cell(snapshot.usPerTicket(), "%.1f"),
          cell(snapshot.usPerTicket() / ours.meanUs(), "%.0fx"), cell(lean.usPerTicket(), "%.1f"),
          cell(lean.usPerTicket() / ours.meanUs(), "%.0fx"));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("tickets", size);
      row.put("us_per_ticket", round(ours.meanUs(), 3));
      row.put("us_per_ticket_best", round(ours.bestUs(), 3));
      row.put("runs", ours.runs());
      row.put("gc_share", round(ours.gcShare(), 3));
      if (snapshot.ran()) {
        row.put("naive_us_per_ticket", round(snapshot.usPerTicket(), 3));
        row.put("naive_ratio", round(snapshot.usPerTicket() / ours.meanUs(), 1));
        figures.put("naive_size", size);
        figures.put("naive_ratio", round(snapshot.usPerTicket() / ours.meanUs(), 1));
      }
      if (lean.ran()) {
        row.put("naive_lean_us_per_ticket", round(lean.usPerTicket(), 3));
        row.put("naive_lean_ratio", round(lean.usPerTicket() / ours.meanUs(), 1));
        figures.put("naive_lean_size", size);
        figures.put("naive_lean_ratio", round(lean.usPerTicket() / ours.meanUs(), 1));
      }
      rows.add(row);
      if (size == TICKETS) {
        oursAtFull = ours;
      }
    }
    Ours full = Objects.requireNonNull(oursAtFull, "the sizes end with the full batch");
    figures.put("tickets", TICKETS);
    figures.put("edges_per_ticket", EDGES);
    figures.put("us_per_ticket", round(full.meanUs(), 3));
    figures.put("us_per_ticket_best", round(full.bestUs(), 3));
    figures.put("gc_share", round(full.gcShare(), 3));
    figures.put("us_per_ticket_method", "rebuild + drain through ReadyIndex with " + SLOTS + " instant workers; mean of "
        + full.runs() + " back-to-back runs after one untimed run and a full GC, GC pauses included");
    figures.put("naive_method", "after each completion a fresh batch read from an in-memory tracker, rescanned with "
        + "core's ReadySet.simple(); naive_ratio = its time / ours at naive_size, the largest size it ran");
    figures.put("naive_lean_method", "lower bound: the same rule rescanning int arrays prepared once; "
        + "naive_lean_ratio = its time / ours at naive_lean_size");
    figures.put("naive_run_limit_seconds", NAIVE_RUN_LIMIT_NANOS / 1e9);
    figures.put("scale_runs", rows);
    out.printf(Locale.ROOT, "   ours at %,d tickets: %.2f us per ticket (best run %.2f, GC %.0f%%)%n", TICKETS,
        full.meanUs(), full.bestUs(), 100 * full.gcShare());
    out.printf(Locale.ROOT, "   naive ratio (snapshot rescan / ours) at the largest size it ran (%,d): %.0fx%n",
        figures.get("naive_size"), figures.get("naive_ratio"));
    out.printf(Locale.ROOT, "   lean ratio (int-array rescan / ours) at the largest size it ran (%,d): %.0fx%n%n",
        figures.get("naive_lean_size"), figures.get("naive_lean_ratio"));
  }

  /** Whether a naive run at {@code size} is predicted to finish within the limit (the first size always runs). */
  static boolean fits(Naive last, int lastSize, int size) {
    if (!last.ran()) {
      return lastSize == 0;
    }
    double grow = (double) size / lastSize;
    return last.nanos() * grow * grow <= NAIVE_RUN_LIMIT_NANOS;
  }

  /** Our drain at one size; see the table header for the method. */
  static Ours ours(List<Ticket> batch) {
    System.gc(); // every size starts from the same heap state, with no garbage of earlier runs to collect
    check(Drain.incremental(batch, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST), batch);
    long best = Long.MAX_VALUE;
    int runs = 0;
    long gcBefore = gcPauseMillis();
    long t0 = System.nanoTime();
    long elapsed;
    do {
      long r0 = System.nanoTime();
      List<String> started = Drain.incremental(batch, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST);
      best = Math.min(best, System.nanoTime() - r0);
      check(started, batch);
      runs++;
      elapsed = System.nanoTime() - t0;
    } while (runs < OURS_MIN_RUNS || elapsed < OURS_MIN_NANOS);
    double gcShare = Math.min(1, (gcPauseMillis() - gcBefore) * 1e6 / elapsed);
    return new Ours(elapsed / 1e3 / runs / batch.size(), best / 1e3 / batch.size(), runs, gcShare);
  }

  /**
   * A naive drain timed from a full GC like ours: the mean of back-to-back runs spanning at least as long as
   * ours do (one run at the larger sizes, where a single run already takes longer).
   */
  private static Naive naive(List<Ticket> batch, BiFunction<List<Ticket>, Integer, List<String>> drain) {
    System.gc();
    int runs = 0;
    long t0 = System.nanoTime();
    long elapsed;
    do {
      check(drain.apply(batch, SLOTS), batch);
      runs++;
      elapsed = System.nanoTime() - t0;
    } while (elapsed < OURS_MIN_NANOS);
    return new Naive(elapsed / 1e3 / runs / batch.size(), elapsed / runs);
  }

  private static void check(List<String> started, List<Ticket> batch) {
    if (started.size() != batch.size()) {
      throw new IllegalStateException("drain started " + started.size() + " of " + batch.size() + " tickets");
    }
  }

  /** Milliseconds the JVM's collectors have spent in pauses (concurrent cycles of newer JVMs left out). */
  private static long gcPauseMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!gc.getName().contains("Concurrent") && !gc.getName().contains("Cycles")) {
        sum += Math.max(0, gc.getCollectionTime());
      }
    }
    return sum;
  }

  private static String cell(double value, String format) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
  }

  private void quality(Map<String, Object> figures) {
    out.printf(Locale.ROOT, "2. Quality: makespan / max(critical path, total work / slots), medians%n");
    out.printf(Locale.ROOT, "   %-10s %6s %14s %14s %10s%n", "shape", "slots", "critical-path", "priority", "fifo");
    Map<ReadyOrder, List<Double>> all = new LinkedHashMap<>();
    for (ReadyOrder o : ORDERS) {
      all.put(o, new ArrayList<>());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int slots : SIM_SLOTS) {
      for (String shape : List.of("layered", "fan-in")) {
        int count = shape.equals("layered") ? LAYERED_PER_SLOTS : FAN_IN_PER_SLOTS;
        Map<ReadyOrder, List<Double>> here = new LinkedHashMap<>();
        for (int s = 0; s < count; s++) {
          Random random = new Random(1_000L * slots + s + (shape.equals("layered") ? 0 : 500));
          Dag dag = shape.equals("layered") ? Dag.layered(random) : Dag.fanIn(random);
          for (ReadyOrder o : ORDERS) {
            double r = Simulation.ratio(dag, slots, o);
            here.computeIfAbsent(o, k -> new ArrayList<>()).add(r);
            all.get(o).add(r);
          }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("shape", shape);
        row.put("slots", slots);
        row.put("dags", count);
        for (ReadyOrder o : ORDERS) {
          row.put(key(o), round(median(here.get(o)), 4));
        }
        rows.add(row);
        out.printf(Locale.ROOT, "   %-10s %6d %14.3f %14.3f %10.3f%n", shape, slots,
            median(here.get(ReadyOrder.CRITICAL_PATH_FIRST)), median(here.get(ReadyOrder.PRIORITY)),
            median(here.get(ReadyOrder.FIFO)));
      }
    }
    out.printf(Locale.ROOT, "   %-10s %6s %14.3f %14.3f %10.3f%n", "all", "", median(all.get(ReadyOrder.CRITICAL_PATH_FIRST)),
        median(all.get(ReadyOrder.PRIORITY)), median(all.get(ReadyOrder.FIFO)));
    figures.put("makespan_ratio_cp", round(median(all.get(ReadyOrder.CRITICAL_PATH_FIRST)), 4));
    figures.put("makespan_ratio_priority", round(median(all.get(ReadyOrder.PRIORITY)), 4));
    figures.put("makespan_ratio_fifo", round(median(all.get(ReadyOrder.FIFO)), 4));
    figures.put("makespan_runs", rows);
  }

  private static String key(ReadyOrder o) {
    switch (o) {
      case CRITICAL_PATH_FIRST:
        return "cp";
      case PRIORITY:
        return "priority";
      default:
        return "fifo";
    }
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double round(double value, int places) {
    double scale = Math.pow(10, places);
    return Math.round(value * scale) / scale;
  }
}

package dev.loopkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopkit.core.Ticket;
import dev.loopkit.scheduler.ReadyOrder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

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

  private void scale(Map<String, Object> figures) {
    out.printf(Locale.ROOT, "1. Scale: random DAG, ~%d blocking edges per ticket, %d instant workers%n", EDGES, SLOTS);
    // warm the JIT on a smaller batch so the measured runs see compiled code
    List<Ticket> warm = Dag.randomBlocking(20_000, EDGES, WINDOW, 7).tickets();
    for (int i = 0; i < 3; i++) {
      Drain.incremental(warm, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST);
      Drain.naive(warm.subList(0, 2_000), SLOTS);
    }
    List<Ticket> big = Dag.randomBlocking(TICKETS, EDGES, WINDOW, 42).tickets();
    Drain.incremental(big, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST); // steady state: heap sized for 100k
    double usPerTicket = oursMicrosPerTicket(big);
    out.printf(Locale.ROOT, "   incremental ready set, %,d tickets: %.2f us per ticket (rebuild + drain, median of 5)%n",
        TICKETS, usPerTicket);
    figures.put("tickets", TICKETS);
    figures.put("edges_per_ticket", EDGES);
    figures.put("us_per_ticket", round(usPerTicket, 3));

    out.printf(Locale.ROOT, "   %10s %18s %18s %10s%n", "tickets", "naive us/ticket", "ours us/ticket", "ratio");
    List<Map<String, Object>> rows = new ArrayList<>();
    long lastNaive = 0;
    int lastSize = 1;
    double ratio = 0;
    int size = 1_000;
    while (size <= TICKETS && lastNaive * ((double) size / lastSize) * ((double) size / lastSize)
        <= NAIVE_RUN_LIMIT_NANOS) {
      List<Ticket> batch = size == TICKETS ? big : Dag.randomBlocking(size, EDGES, WINDOW, 42 + size).tickets();
      long t0 = System.nanoTime();
      List<String> started = Drain.naive(batch, SLOTS);
      lastNaive = System.nanoTime() - t0;
      lastSize = size;
      if (started.size() != size) {
        throw new IllegalStateException("naive drain started " + started.size() + " of " + size + " tickets");
      }
      double naiveUs = lastNaive / 1e3 / size;
      double oursUs = oursMicrosPerTicket(batch);
      ratio = naiveUs / oursUs;
      out.printf(Locale.ROOT, "   %,10d %18.2f %18.2f %9.0fx%n", size, naiveUs, oursUs, ratio);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("tickets", size);
      row.put("naive_us_per_ticket", round(naiveUs, 3));
      row.put("us_per_ticket", round(oursUs, 3));
      row.put("ratio", round(ratio, 1));
      rows.add(row);
      figures.put("naive_size", size);
      size = size * 2 > TICKETS && size < TICKETS ? TICKETS : size * 2;
    }
    figures.put("naive_ratio", round(ratio, 1));
    figures.put("naive_runs", rows);
    out.printf(Locale.ROOT, "   naive ratio at the largest size both ran (%,d): %.0fx%n%n", figures.get("naive_size"),
        ratio);
  }

  /** Median of five timed runs of rebuild + drain, in microseconds per ticket. */
  private static double oursMicrosPerTicket(List<Ticket> batch) {
    long[] runs = new long[5];
    for (int i = 0; i < runs.length; i++) {
      long t0 = System.nanoTime();
      List<String> started = Drain.incremental(batch, SLOTS, ReadyOrder.CRITICAL_PATH_FIRST);
      runs[i] = System.nanoTime() - t0;
      if (started.size() != batch.size()) {
        throw new IllegalStateException("drain started " + started.size() + " of " + batch.size() + " tickets");
      }
    }
    Arrays.sort(runs);
    return runs[2] / 1e3 / batch.size();
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

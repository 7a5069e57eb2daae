package dev.loopkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The whole-engine benchmark (issue 10): {@code LoopEngine} built as users build it, with the stock parts,
 * driving random DAGs to done with instant workers, beside a {@link NaiveLoop} over the same tracker kind and
 * the same DAG, in the same JVM. Each size and tracker runs with the run directory on a RAM disk (the
 * engine's own cost) and on the real disk (what fsync adds). Prints a table and writes {@code engine.json}.
 */
final class EngineBenchmark {
  static final int EDGES = 3;
  static final int WINDOW = 1_000;
  static final List<Integer> SIZES = List.of(1_000, 10_000, 100_000);
  static final List<Integer> QUICK_SIZES = List.of(1_000, 10_000);
  /** The Markdown tracker runs at the sizes up to this: a folder of 100k files is not what it is for. */
  static final int MARKDOWN_MAX = 10_000;
  static final int BUDGET_SECONDS = 30;
  static final int QUICK_BUDGET_SECONDS = 10;
  static final int WARM_UP_TICKETS = 500;

  /**
   * What to run.
   *
   * @param sizes batch sizes, ascending
   * @param budgetSeconds time budget of each engine run and each naive drain; the half-done run that
   *     prepares a resume gets half of it
   * @param out where {@code engine.json} goes
   * @param ram a folder on a RAM disk: run directories of the {@code ram} rows, ticket folders, the workspace
   * @param disk a folder on the real disk: run directories of the {@code disk} rows
   */
  record Options(List<Integer> sizes, int budgetSeconds, boolean quick, Path out, Path ram, Path disk) {}

  /** The two places a run directory lives. */
  private record Medium(String key, Path root) {}

  private final PrintStream out;
  private final Options options;
  private int folders;

  EngineBenchmark(PrintStream out, Options options) {
    this.out = out;
    this.options = options;
  }

  /**
   * Parses the arguments after {@code engine}.
   *
   * @throws IllegalArgumentException naming the argument that is wrong and what was expected
   */
  static Options parse(List<String> args, Path defaultOut) {
    List<Integer> sizes = null;
    Integer budget = null;
    boolean quick = false;
    Path out = defaultOut;
    Path ram = Path.of("/dev/shm");
    Path disk = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick":
          quick = true;
          break;
        case "--sizes":
          sizes = sizes(value(args, i++, "a comma-separated list of ticket counts such as 1000,10000"));
          break;
        case "--budget":
          budget = positive(value(args, i++, "a number of seconds"), "--budget", 1, 3_600);
          break;
        case "--out":
          out = Path.of(value(args, i++, "a directory"));
          break;
        case "--ram":
          ram = Path.of(value(args, i++, "a directory on a RAM disk (tmpfs)"));
          break;
        case "--disk":
          disk = Path.of(value(args, i++, "a directory on the real disk"));
          break;
        default:
          throw new IllegalArgumentException("unknown argument '" + a + "': expected --sizes N,N,..., --quick, --budget SECONDS, --out DIR, --ram DIR or --disk DIR");
      }
    }
    if (!Files.isDirectory(ram)) {
      throw new IllegalArgumentException("--ram " + ram + " is not a directory: expected a folder on a RAM disk"
          + " (tmpfs, such as /dev/shm); pass --ram DIR where there is one");
    }
    return new Options(sizes != null ? sizes : quick ? QUICK_SIZES : SIZES,
        budget != null ? budget : quick ? QUICK_BUDGET_SECONDS : BUDGET_SECONDS, quick, out, ram,
        disk != null ? disk : out.resolve("engine-runs"));
  }

  private static String value(List<String> args, int i, String expected) {
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(args.get(i) + " needs a value: expected " + expected);
    }
    return args.get(i + 1);
  }

  private static List<Integer> sizes(String list) {
    List<Integer> sizes = new ArrayList<>();
    for (String part : list.split(",", -1)) {
      sizes.add(positive(part.strip().replace("_", ""), "--sizes", 2, 10_000_000));
    }
    sizes.sort(Comparator.naturalOrder());
    return List.copyOf(sizes);
  }

  private static int positive(String value, String flag, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " value '" + value + "' is not a whole number: expected "
          + min + " to " + max);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(flag + " value " + n + " is out of range: expected " + min + " to " + max);
    }
    return n;
  }

  void run() throws IOException {
    long start = System.nanoTime();
    List<Double> loadBefore = Machine.loadAverage();
    Map<String, Object> machine = Machine.describe();
    Path ramRoot = Files.createDirectories(options.ram().resolve("loop-bench-" + ProcessHandle.current().pid()));
    Path diskRoot = Files.createDirectories(options.disk().resolve("loop-bench-" + ProcessHandle.current().pid()));
    List<Medium> media = List.of(new Medium("ram", ramRoot), new Medium("disk", diskRoot));
    machine.put("ram_dir", ramRoot.toString());
    machine.put("ram_fs", fileSystem(ramRoot));
    machine.put("disk_dir", diskRoot.toString());
    machine.put("disk_fs", fileSystem(diskRoot));
    long budget = options.budgetSeconds() * 1_000_000_000L;

    out.printf(Locale.ROOT, "Loop engine benchmark (%s, %d cores, max heap %d MB, load %s)%n",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, loadBefore);
    out.printf(Locale.ROOT, "  LoopEngine with DependencyReadySet, TrackerOracle, instant workers, a passing verifier, "
        + "concurrency %d;%n  random DAGs, ~%d blocking edges per ticket; budget %d s per run (a resume's half run: %.1f s)%n",
        EngineTrial.CONCURRENCY, EDGES, options.budgetSeconds(), options.budgetSeconds() / 2.0);
    out.printf(Locale.ROOT, "  journal on ram: %s (%s); on disk: %s (%s); ticket folders on ram%n%n", ramRoot,
        machine.get("ram_fs"), diskRoot, machine.get("disk_fs"));

    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try {
      warmUp(ramRoot, budget);
      for (int size : options.sizes()) {
        List<Ticket> dag = Dag.randomBlocking(size, EDGES, WINDOW, 42 + size).tickets();
        for (TrackerKind kind : TrackerKind.values()) {
          if (kind == TrackerKind.MARKDOWN && size > MARKDOWN_MAX) {
            skipped.add(kind.key() + " at " + size + " tickets (runs up to " + MARKDOWN_MAX + ")");
            continue;
          }
          List<Map<String, Object>> engineRows = new ArrayList<>();
          for (Medium medium : media) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("tickets", size);
            row.put("tracker", kind.key());
            row.put("journal_on", medium.key());
            row.put("load_1m_before", first(Machine.loadAverage()));
            row.put("engine", engine(kind, dag, medium, ramRoot, budget));
            row.put("resume", resume(kind, dag, medium, ramRoot, budget));
            engineRows.add(row);
            progress(row);
          }
          Map<String, Object> naive = naive(kind, dag, ramRoot, budget);
          for (Map<String, Object> row : engineRows) {
            row.put("naive", naive);
            ratio(row);
            rows.add(row);
          }
          out.printf(Locale.ROOT, "  %,9d %-10s naive: %s us/ticket over %,d tickets%s%n", size, kind.key(),
              fmt((Double) naive.get("us_per_ticket"), "%.1f"), naive.get("tickets_done"),
              Boolean.TRUE.equals(naive.get("finished")) ? "" : " (stopped at the budget: a lower bound)");
        }
      }
    } finally {
      deleteTree(ramRoot);
      deleteTree(diskRoot);
    }
    List<Double> loadAfter = Machine.loadAverage();
    machine.put("load_before", loadBefore);
    machine.put("load_after", loadAfter);

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("benchmark", "engine");
    figures.put("machine", machine);
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("sizes", options.sizes());
    settings.put("quick", options.quick());
    settings.put("concurrency", EngineTrial.CONCURRENCY);
    settings.put("edges_per_ticket", EDGES);
    settings.put("edge_window", WINDOW);
    settings.put("budget_seconds", options.budgetSeconds());
    settings.put("half_run_budget_seconds", options.budgetSeconds() / 2.0);
    settings.put("max_run_dir_bytes", EngineTrial.MAX_RUN_DIR_BYTES);
    settings.put("markdown_max_tickets", MARKDOWN_MAX);
    settings.put("heap_sample_millis", HeapProbe.SAMPLE_MILLIS);
    settings.put("warm_up_tickets", warmUpTickets(options.sizes()));
    figures.put("settings", settings);
    figures.put("methods", methods());
    figures.put("skipped", skipped);
    figures.put("rows", rows);
    figures.put("seconds", round((System.nanoTime() - start) / 1e9, 1));

    table(rows, loadBefore, loadAfter);
    Files.createDirectories(options.out());
    Path json = options.out().resolve("engine.json");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), figures);
    out.printf(Locale.ROOT, "%nwrote %s (%.0f s)%n", json, (System.nanoTime() - start) / 1e9);
  }

  /** {@link #WARM_UP_TICKETS}, or half the smallest size when that is smaller. */
  static int warmUpTickets(List<Integer> sizes) {
    return Math.max(2, Math.min(WARM_UP_TICKETS, sizes.get(0) / 2));
  }

  /** One small untimed pass over every kind of trial, so the measured ones meet compiled code. */
  private void warmUp(Path ramRoot, long budget) {
    int n = warmUpTickets(options.sizes());
    List<Ticket> dag = Dag.randomBlocking(n, EDGES, WINDOW, 7).tickets();
    Medium ram = new Medium("ram", ramRoot);
    out.printf(Locale.ROOT, "  warm-up: %d tickets in memory, %d in files (not reported)%n", n, Math.min(n, 200));
    engine(TrackerKind.IN_MEMORY, dag, ram, ramRoot, budget);
    resume(TrackerKind.IN_MEMORY, dag, ram, ramRoot, budget);
    naive(TrackerKind.IN_MEMORY, dag, ramRoot, budget);
    List<Ticket> small = dag.subList(0, Math.min(n, 200));
    engine(TrackerKind.MARKDOWN, small, ram, ramRoot, budget);
    naive(TrackerKind.MARKDOWN, small, ramRoot, budget);
  }

  /** A full engine run over a fresh tracker, to the oracle's DONE or the budget. */
  private Map<String, Object> engine(TrackerKind kind, List<Ticket> dag, Medium medium, Path ramRoot, long budget) {
    Path folder = ramRoot.resolve("tickets-" + ++folders);
    Path runDir = medium.root().resolve("run-" + folders);
    try {
      Tracker tracker = kind.fill(dag, folder);
      System.gc(); // each trial starts from the same heap, with no garbage of the one before to collect
      EngineTrial.Outcome o = EngineTrial.run(new EngineTrial.Plan(tracker, dag.size(), runDir,
          workspace(ramRoot), budget, 0, false));
      return engineFigures(o, dag.size(), runDir);
    } finally {
      deleteTree(runDir);
      deleteTree(folder);
    }
  }

  private static Map<String, Object> engineFigures(EngineTrial.Outcome o, int n, Path runDir) {
    Map<String, Object> e = new LinkedHashMap<>();
    int done = o.ticketsDone();
    boolean finished = o.stop() == EngineTrial.Stop.ENDING;
    e.put("finished", finished);
    e.put("stopped_by", o.stop().key);
    e.put("ending", o.ending());
    e.put("seconds", round(o.nanos() / 1e9, 3));
    e.put("tickets_done", done);
    e.put("us_per_ticket", perTicket(o.nanos() / 1e3, done, 2));
    if (finished && o.halfDoneNanos() > 0) {
      int half = (n + 1) / 2;
      e.put("us_per_ticket_first_half", perTicket(o.halfDoneNanos() / 1e3, half, 2));
      e.put("us_per_ticket_second_half", perTicket((o.nanos() - o.halfDoneNanos()) / 1e3, n - half, 2));
    }
    e.put("first_dispatch_ms", o.firstDispatchNanos() < 0 ? null : round(o.firstDispatchNanos() / 1e6, 2));
    e.put("passes", o.passes());
    e.put("journal_events", o.journal().events());
    e.put("journal_bytes", o.journal().bytes());
    e.put("fsyncs", o.journal().syncs());
    e.put("fsyncs_per_ticket", perTicket(o.journal().syncs(), done, 3));
    e.put("journal_bytes_per_ticket", perTicket(o.journal().bytes(), done, 1));
    e.put("run_dir_bytes", o.runDirBytes());
    e.put("run_dir_bytes_per_ticket", perTicket(o.runDirBytes(), done, 1));
    e.put("run_dir_files", files(runDir));
    e.put("tracker_calls", o.trackerCalls());
    Map<String, Object> perPass = new LinkedHashMap<>();
    o.trackerCalls().forEach((call, count) -> perPass.put(call, o.passes() > 0 ? round((double) count / o.passes(), 3) : null));
    e.put("tracker_calls_per_pass", perPass);
    e.put("oracle_calls", o.oracleCalls());
    e.put("oracle_seconds", round(o.oracleNanos() / 1e9, 3));
    e.put("oracle_share", o.nanos() > 0 ? round((double) o.oracleNanos() / o.nanos(), 4) : null);
    e.put("peak_heap_used_bytes", o.heap().peakUsedBytes());
    e.put("peak_heap_after_gc_bytes", o.heap().peakAfterGcBytes() < 0 ? null : o.heap().peakAfterGcBytes());
    e.put("gc_count", o.heap().collections());
    return e;
  }

  /**
   * A run stopped after half the batch was done (or at half the budget), then a fresh engine (fresh tracker
   * object, ready set and oracle) on the same run directory, timed from {@code run()} to its first dispatch.
   */
  private Map<String, Object> resume(TrackerKind kind, List<Ticket> dag, Medium medium, Path ramRoot, long budget) {
    Path folder = ramRoot.resolve("tickets-" + ++folders);
    Path runDir = medium.root().resolve("run-" + folders);
    try {
      Tracker tracker = kind.fill(dag, folder);
      System.gc();
      int half = (dag.size() + 1) / 2;
      EngineTrial.Outcome first = EngineTrial.run(new EngineTrial.Plan(tracker, dag.size(), runDir,
          workspace(ramRoot), budget / 2, half, false));
      long journalBytes = EngineTrial.size(runDir);
      System.gc();
      EngineTrial.Outcome second = EngineTrial.run(new EngineTrial.Plan(kind.reopen(tracker), dag.size(), runDir,
          workspace(ramRoot), budget, 0, true));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("half_run_stopped_by", first.stop().key);
      r.put("half_run_seconds", round(first.nanos() / 1e9, 3));
      r.put("done_before_resume", first.ticketsDone());
      r.put("run_dir_bytes_before_resume", journalBytes);
      r.put("reached_first_dispatch", second.firstDispatchNanos() >= 0);
      r.put("stopped_by", second.stop().key);
      r.put("ms_to_first_dispatch", second.firstDispatchNanos() < 0 ? null : round(second.firstDispatchNanos() / 1e6, 2));
      r.put("seconds", round(second.nanos() / 1e9, 3));
      r.put("peak_heap_used_bytes", second.heap().peakUsedBytes());
      r.put("peak_heap_after_gc_bytes", second.heap().peakAfterGcBytes() < 0 ? null : second.heap().peakAfterGcBytes());
      r.put("gc_count", second.heap().collections());
      return r;
    } finally {
      deleteTree(runDir);
      deleteTree(folder);
    }
  }

  private Map<String, Object> naive(TrackerKind kind, List<Ticket> dag, Path ramRoot, long budget) {
    Path folder = ramRoot.resolve("tickets-" + ++folders);
    try {
      Tracker tracker = kind.fill(dag, folder);
      System.gc();
      NaiveLoop.Outcome o = NaiveLoop.drain(tracker, dag.size(), budget);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("finished", o.finished());
      m.put("lower_bound", !o.finished());
      m.put("seconds", round(o.nanos() / 1e9, 3));
      m.put("tickets_done", o.ticketsDone());
      m.put("passes", o.ticketsDone() + (o.finished() ? 1 : 0));
      m.put("us_per_ticket", perTicket(o.nanos() / 1e3, o.ticketsDone(), 2));
      int half = (dag.size() + 1) / 2;
      if (o.halfDoneNanos() > 0) {
        m.put("us_per_ticket_first_half", perTicket(o.halfDoneNanos() / 1e3, half, 2));
      }
      return m;
    } finally {
      deleteTree(folder);
    }
  }

  @SuppressWarnings("unchecked")
  private static void ratio(Map<String, Object> row) {
    Map<String, Object> engine = (Map<String, Object>) row.get("engine");
    Map<String, Object> naive = (Map<String, Object>) row.get("naive");
    Double e = (Double) engine.get("us_per_ticket");
    Double n = (Double) naive.get("us_per_ticket");
    row.put("naive_ratio", e == null || n == null || e == 0 ? null : round(n / e, 2));
    row.put("naive_ratio_lower_bound", Boolean.FALSE.equals(naive.get("finished")));
    row.put("engine_partial", Boolean.FALSE.equals(engine.get("finished")));
  }

  private Path workspace(Path ramRoot) {
    try {
      return Files.createDirectories(ramRoot.resolve("workspace"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the shared workspace under " + ramRoot, e);
    }
  }

  @SuppressWarnings("unchecked")
  private void progress(Map<String, Object> row) {
    Map<String, Object> e = (Map<String, Object>) row.get("engine");
    Map<String, Object> r = (Map<String, Object>) row.get("resume");
    out.printf(Locale.ROOT, "  %,9d %-10s %-4s engine: %s us/ticket, %,d of %,d done in %.1f s (%s); resume: %s ms%n",
        row.get("tickets"), row.get("tracker"), row.get("journal_on"), fmt((Double) e.get("us_per_ticket"), "%.1f"),
        e.get("tickets_done"), row.get("tickets"), e.get("seconds"), e.get("stopped_by"),
        fmt((Double) r.get("ms_to_first_dispatch"), "%.0f"));
  }

  @SuppressWarnings("unchecked")
  private void table(List<Map<String, Object>> rows, List<Double> loadBefore, List<Double> loadAfter) {
    out.printf(Locale.ROOT, "%nSpeed (us per ticket; * = stopped at the budget: the naive figure is then a lower bound,"
        + " the engine's a rate over the tickets done)%n");
    out.printf(Locale.ROOT, "  %9s %-10s %-7s| %12s %12s %9s | %10s %10s | %10s %12s%n", "tickets", "tracker",
        "journal", "engine", "naive", "ratio", "1st half", "2nd half", "resume ms", "from done");
    for (Map<String, Object> row : rows) {
      Map<String, Object> e = (Map<String, Object>) row.get("engine");
      Map<String, Object> n = (Map<String, Object>) row.get("naive");
      Map<String, Object> r = (Map<String, Object>) row.get("resume");
      boolean eStar = Boolean.FALSE.equals(e.get("finished"));
      boolean nStar = Boolean.FALSE.equals(n.get("finished"));
      out.printf(Locale.ROOT, "  %,9d %-10s %-7s| %11s%s %11s%s %8s%s | %10s %10s | %10s %12s%n", row.get("tickets"),
          row.get("tracker"), row.get("journal_on"), fmt((Double) e.get("us_per_ticket"), "%.1f"), eStar ? "*" : " ",
          fmt((Double) n.get("us_per_ticket"), "%.1f"), nStar ? "*" : " ",
          fmt((Double) row.get("naive_ratio"), "%.2fx"), nStar ? "*" : " ",
          fmt((Double) e.get("us_per_ticket_first_half"), "%.1f"), fmt((Double) e.get("us_per_ticket_second_half"), "%.1f"),
          fmt((Double) r.get("ms_to_first_dispatch"), "%.0f"),
          String.format(Locale.ROOT, "%,d/%,d", r.get("done_before_resume"), row.get("tickets")));
    }
    out.printf(Locale.ROOT, "%nCosts per ticket and per pass (engine run; heap in MB: sampled peak used / peak after a GC)%n");
    out.printf(Locale.ROOT, "  %9s %-10s %-7s| %7s %11s %10s | %9s %8s %6s %8s %6s | %7s | %15s%n", "tickets", "tracker",
        "journal", "fsync/t", "journal B/t", "dir B/t", "readBatch", "changes", "find", "transit.", "claim", "oracle%",
        "heap MB");
    for (Map<String, Object> row : rows) {
      Map<String, Object> e = (Map<String, Object>) row.get("engine");
      Map<String, Object> p = (Map<String, Object>) e.get("tracker_calls_per_pass");
      Double share = (Double) e.get("oracle_share");
      Object afterGc = e.get("peak_heap_after_gc_bytes");
      out.printf(Locale.ROOT, "  %,9d %-10s %-7s| %7s %11s %10s | %9s %8s %6s %8s %6s | %7s | %7d / %5s%n",
          row.get("tickets"), row.get("tracker"), row.get("journal_on"), fmt((Double) e.get("fsyncs_per_ticket"), "%.2f"),
          fmt((Double) e.get("journal_bytes_per_ticket"), "%.0f"), fmt((Double) e.get("run_dir_bytes_per_ticket"), "%.0f"),
          fmt((Double) p.get("readBatch"), "%.2f"), fmt((Double) p.get("changesSince"), "%.2f"),
          fmt((Double) p.get("find"), "%.2f"), fmt((Double) p.get("transition"), "%.2f"),
          fmt((Double) p.get("claim"), "%.2f"), share == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * share),
          ((Long) e.get("peak_heap_used_bytes")) >> 20, afterGc == null ? "-" : Long.toString(((Long) afterGc) >> 20));
    }
    out.printf(Locale.ROOT, "%n  load average before %s, after %s (1, 5, 15 min)%n", loadBefore, loadAfter);
  }

  /** How each figure is measured, for the JSON (the README says the same at more length). */
  private static Map<String, String> methods() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("engine", "LoopEngine.builder() with the tracker (wrapped in a counting ForwardingTracker), "
        + "DependencyReadySet.create(), TrackerOracle.create() (wrapped in a timing Oracle lambda), "
        + "Workspaces.shared(one empty dir), a worker returning WorkResult.completed(\"ok\", Usage.ZERO), a verifier "
        + "returning Verification.passed(Evidence.of(\"bench\", \"ok\")), concurrency 8, the run directory on the row's "
        + "medium; timed from run() to its return on a fresh tracker; stopped by interrupting the engine thread at the "
        + "budget or when the run directory passes max_run_dir_bytes");
    m.put("us_per_ticket", "wall time of run() / TicketDone events received; a rate over the tickets done when stopped");
    m.put("us_per_ticket_first_half", "time to the ceil(n/2)-th TicketDone / ceil(n/2); second_half: the rest");
    m.put("fsyncs_per_ticket", "RunResult.journal().syncs() / tickets done");
    m.put("journal_bytes_per_ticket", "RunResult.journal().bytes() / tickets done");
    m.put("run_dir_bytes", "every file under the run directory after the run (journal and any checkpoint), by name in run_dir_files");
    m.put("tracker_calls_per_pass", "calls to the counting tracker (engine, oracle and ready set alike) / RunReport.passes()");
    m.put("oracle_share", "time inside TrackerOracle.judge / wall time of run()");
    m.put("peak_heap_used_bytes", "MemoryMXBean heap used sampled every 10 ms by a daemon thread during run(), after a "
        + "System.gc() before the trial: live objects plus garbage not yet collected, so it depends on -Xmx");
    m.put("peak_heap_after_gc_bytes", "largest heap left after a collection during run() (GC notifications); null if none ran");
    m.put("resume", "a run on a fresh tracker interrupted after ceil(n/2) TicketDone events (or at half the budget), then a "
        + "fresh engine (new tracker object on the same tickets, ready set, oracle) on the same run directory, timed from "
        + "run() until the first TicketDispatched event reaches a listener, which then interrupts it");
    m.put("naive", "the seed's loop over the same tracker kind and DAG: each pass readBatch(), judge (every ticket done?), "
        + "the ready set from scratch, one ticket transitioned to DONE; no journal; stopped after the pass that outlasts "
        + "the budget, when its rate over the tickets done is a lower bound (every pass reads and scans all n tickets)");
    m.put("naive_ratio", "naive us_per_ticket / engine us_per_ticket; naive_ratio_lower_bound when the naive loop was "
        + "stopped; engine_partial when the engine was");
    m.put("media", "journal_on ram: the run directory on a tmpfs RAM disk (the engine's own cost); disk: on the real "
        + "disk under loop-bench/target (what fsync adds); ticket folders and the workspace are on the RAM disk for both");
    return m;
  }

  private static Map<String, Long> files(Path runDir) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (!Files.isDirectory(runDir)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(runDir)) {
      files.filter(Files::isRegularFile).sorted().forEach(f -> out.put(runDir.relativize(f).toString(), f.toFile().length()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the run directory " + runDir, e);
    }
    return out;
  }

  private static String fileSystem(Path dir) {
    try {
      return Files.getFileStore(dir).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Deletes a folder this benchmark created, with everything in it. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static @Nullable Double perTicket(double total, int tickets, int places) {
    return tickets <= 0 ? null : round(total / tickets, places);
  }

  private static @Nullable Double first(List<Double> values) {
    return values.isEmpty() ? null : values.get(0);
  }

  static String fmt(@Nullable Double value, String format) {
    return value == null ? "-" : String.format(Locale.ROOT, format, value);
  }

  private static double round(double value, int places) {
    double scale = Math.pow(10, places);
    return Math.round(value * scale) / scale;
  }
}

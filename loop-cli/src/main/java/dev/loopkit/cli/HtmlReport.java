package dev.loopkit.cli;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunHistory;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.StageOutcome;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The HTML report of a run: one self-contained file (inline CSS and SVG, nothing fetched) with the timeline of
 * each worker slot, the dependency graph with statuses, every attempt of every ticket (duration, tokens, cost,
 * review verdict, verification evidence), the interventions of the run, and the trend of interventions,
 * attempts and cost per ticket across the project's runs. Built from the run journals alone
 * ({@link RunReport}) plus the tracker's current tickets for the graph. Every text is
 * HTML-escaped: it holds model output.
 */
public final class HtmlReport {
  /** The report's file name inside a run directory. */
  public static final String FILE_NAME = "report.html";

  private static final String[] OUTCOME_COLORS = {"done", "#2e9d57", "failed", "#d64545", "deferred", "#d9a43a",
      "interrupted", "#8a8f98", "human-gated", "#8c5bd6", "running", "#3b7dd8"};

  private HtmlReport() {}

  /** Writes the report of the newest run of {@code runs}; returns its path. */
  static Path write(ProjectConfig config, Runs runs, Tracker tracker) {
    Path latest = runs.latest().orElseThrow(() -> new dev.loopkit.core.InputException("no runs in " + runs.root()
        + ": expected at least one run"));
    return write(config, runs, latest, tracker);
  }

  /** Writes {@code <run dir>/report.html} for one run, with the trend across every run of the project. */
  static Path write(ProjectConfig config, Runs runs, Path runDirectory, Tracker tracker) {
    List<RunDirectory> all = new ArrayList<>();
    runs.all().forEach(dir -> all.add(RunDirectory.of(dir)));
    return write(config.project().getFileName() + "", RunDirectory.of(runDirectory), tracker, all);
  }

  /**
   * Writes the self-contained HTML report of one run, for any tracker and any engine (a service embedding the
   * loop, a Temporal host): the run's history from its journal, the batch as {@code tracker} holds it now (for the
   * dependency graph and the titles) and {@code runs}, the runs to show in the trends (usually every run of the
   * project, this one included). Writes {@code report.html} in the run's directory atomically and returns it.
   * Reads one batch from the tracker; every text from the run is escaped.
   *
   * @throws dev.loopkit.core.InputException if a journal is damaged beyond a torn last line, naming it
   * @throws UncheckedIOException if the report cannot be written
   */
  public static Path write(String project, RunDirectory run, Tracker tracker, List<RunDirectory> runs) {
    Batch batch = tracker.readBatch();
    List<RunData> all = new ArrayList<>();
    for (RunDirectory dir : runs) {
      all.add(RunData.read(dir.path()));
    }
    List<dev.loopkit.core.LoopEvent.HealAttempted> heals = new ArrayList<>();
    if (run.exists()) {
      for (dev.loopkit.core.LoopEvent e : run.events()) {
        if (e instanceof dev.loopkit.core.LoopEvent.HealAttempted h) {
          heals.add(h);
        }
      }
    }
    String html = render(project, RunData.read(run.path()), all, batch, RunSessions.of(run), heals);
    Path file = run.path().resolve(FILE_NAME);
    Path tmp = run.path().resolve("." + FILE_NAME + ".tmp");
    try {
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report " + file, e);
    }
    return file;
  }


  /** One run, as its history tells it. */
  record RunData(String name, RunReport report, List<AttemptRow> attempts, Instant first, Instant last) {
    static RunData read(Path dir) {
      RunHistory history = RunDirectory.of(dir).history();
      Instant first = history.startedAt().orElse(Instant.EPOCH);
      return new RunData(dir.getFileName().toString(), RunReport.of(history), AttemptRow.from(history), first,
          history.lastEventAt().orElse(first));
    }

    /** The ending's name for badges: the kind, or RUNNING while the journal has no end. */
    String ending() {
      return report.ending().map(Enum::name).orElse("RUNNING");
    }
  }

  /** One attempt on one ticket, drawn from the run's history. */
  static final class AttemptRow {
    final String ticket;
    final int attempt;
    final int slot;
    final Instant start;
    final @Nullable Instant end;
    final String outcome;
    final String stage;
    final String worker;
    final String review;
    final String integration;
    final List<String> findings;
    final List<Evidence> evidence;
    final dev.loopkit.core.Usage usage;

    private AttemptRow(String ticket, RunHistory.AttemptHistory a) {
      this.ticket = ticket;
      this.attempt = a.number();
      this.slot = a.slot();
      this.start = a.startedAt();
      this.end = a.endedAt().orElse(null);
      String result = a.result().isEmpty() ? "running" : a.result();
      this.outcome = result.startsWith("failed at ") ? "failed" : result;
      this.stage = result.startsWith("failed at ") ? result.substring("failed at ".length()) : "";
      this.worker = a.stage(StageKind.WORK).map(w -> w.outcome().wireName() + ": "
          + (w.findings().isEmpty() ? w.summary() : String.join("; ", w.findings()))).orElse("");
      this.review = a.stage(StageKind.REVIEW).map(r -> (r.outcome() == StageOutcome.PASSED ? "approved"
          : "changes requested") + (r.findings().isEmpty() ? "" : ": " + String.join("; ", r.findings()))
          + (r.attributes().containsKey("vendor") ? " (" + r.attributes().get("vendor") + "/"
              + r.attributes().getOrDefault("model", "") + ")" : "")).orElse("");
      this.integration = a.stage(StageKind.INTEGRATE).map(i -> i.outcome() == StageOutcome.PASSED ? i.summary()
          : "not integrated: " + String.join("; ", i.findings())).orElse("");
      this.findings = a.findings();
      this.evidence = a.evidence();
      this.usage = a.usage();
    }

    static List<AttemptRow> from(RunHistory history) {
      List<AttemptRow> rows = new ArrayList<>();
      for (RunHistory.TicketHistory t : history.tickets()) {
        for (RunHistory.AttemptHistory a : t.attemptLog()) {
          rows.add(new AttemptRow(t.id(), a));
        }
      }
      rows.sort(java.util.Comparator.comparing((AttemptRow r) -> r.start));
      return rows;
    }

    Duration duration(Instant runEnd) {
      Instant stop = end != null ? end : runEnd;
      return stop.isAfter(start) ? Duration.between(start, stop) : Duration.ZERO;
    }
  }

  /**
   * The page of {@code run}; {@code sessions} are its journal's session starts, for the sandbox each session ran
   * tickets' processes in (an unsandboxed session is flagged at the top).
   */
  static String render(String project, RunData run, List<RunData> all, Batch batch,
      List<dev.loopkit.core.LoopEvent.RunStarted> sessions) {
    return render(project, run, all, batch, sessions, List.of());
  }

  /** The report, with the run's heals (each heal's reason, outcome, summary and diff, oldest first). */
  static String render(String project, RunData run, List<RunData> all, Batch batch,
      List<dev.loopkit.core.LoopEvent.RunStarted> sessions, List<dev.loopkit.core.LoopEvent.HealAttempted> heals) {
    RunReport r = run.report();
    StringBuilder h = new StringBuilder(64_000);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>Loop report: ").append(esc(project)).append(' ').append(esc(run.name())).append("</title>")
        .append("<style>").append(CSS).append("</style></head><body>\n");
    h.append("<header><h1>").append(esc(project)).append(" <span class=\"muted\">").append(esc(run.name()))
        .append("</span></h1><p><span class=\"badge ending-").append(esc(run.ending().toLowerCase(Locale.ROOT)))
        .append("\">").append(esc(run.ending())).append("</span> ").append(esc(r.endingDetail())).append("</p>");
    String sandbox = RunSessions.sandboxLine(sessions);
    if (!sandbox.isEmpty()) {
      boolean unsandboxed = sessions.stream().anyMatch(dev.loopkit.core.LoopEvent.RunStarted::unsandboxed);
      h.append("<p class=\"").append(unsandboxed ? "unsandboxed" : "sandbox").append("\">").append(esc(sandbox))
          .append("</p>");
    }
    long done = r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count();
    h.append("<div class=\"cards\">");
    card(h, "tickets done", done + " / " + batch.size());
    card(h, "attempts", Integer.toString(r.attempts()));
    card(h, "interventions", Integer.toString(r.interventions().size()));
    card(h, "tokens", String.format(Locale.ROOT, "%,d", r.usage().totalTokens()));
    card(h, "cost", money(r.usage().costUsd()));
    card(h, "elapsed", duration(r.elapsed()));
    card(h, "passes", Integer.toString(r.passes()));
    card(h, "sessions", Integer.toString(r.sessions()));
    h.append("</div></header>\n");

    h.append("<section><h2>Timeline of the worker slots</h2>");
    timeline(h, run);
    h.append("</section>\n<section><h2>Dependency graph</h2>");
    graph(h, batch);
    h.append("</section>\n<section><h2>Tickets</h2>");
    tickets(h, run, batch);
    h.append("</section>\n<section><h2>Interventions</h2>");
    if (r.interventions().isEmpty()) {
      h.append("<p>None: no person had to act during this run.</p>");
    } else {
      h.append("<table><tr><th>kind</th><th>ticket</th><th>detail</th></tr>");
      for (RunReport.Intervention i : r.interventions()) {
        h.append("<tr><td>").append(esc(i.kind().wireName())).append("</td><td>").append(esc(Objects.toString(i.ticketId(), "")))
            .append("</td><td>").append(esc(i.detail())).append("</td></tr>");
      }
      h.append("</table>");
    }
    if (!r.lockWaitMillis().isEmpty()) {
      h.append("<h3>Resource waits</h3><table><tr><th>resource</th><th>total wait</th></tr>");
      new TreeMap<>(r.lockWaitMillis()).forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
          .append(esc(duration(Duration.ofMillis(v)))).append("</td></tr>"));
      h.append("</table>");
    }
    if (!heals.isEmpty()) {
      h.append("</section>\n<section><h2>Heals</h2><table><tr><th>#</th><th>at</th><th>why</th><th>outcome</th>")
          .append("<th>summary</th></tr>");
      int n = 0;
      for (dev.loopkit.core.LoopEvent.HealAttempted heal : heals) {
        n++;
        h.append("<tr><td>").append(n).append("</td><td>").append(esc(heal.at().toString())).append("</td><td>")
            .append(esc(heal.reason().wireName())).append("</td><td>").append(esc(heal.outcome().wireName()))
            .append("</td><td>").append(esc(heal.summary()));
        if (!heal.diff().isBlank()) {
          h.append("<details><summary>diff</summary><pre>").append(esc(heal.diff())).append("</pre></details>");
        }
        h.append("</td></tr>");
      }
      h.append("</table>");
    }
    h.append("</section>\n<section><h2>Across the project's runs</h2>");
    trend(h, all);
    h.append("</section>\n<footer>Written by loop from the run journals; self-contained, no network needed.</footer>")
        .append("</body></html>\n");
    return h.toString();
  }

  private static void card(StringBuilder h, String label, String value) {
    h.append("<div class=\"card\"><div class=\"value\">").append(esc(value)).append("</div><div class=\"label\">")
        .append(esc(label)).append("</div></div>");
  }

  private static String color(String outcome) {
    for (int i = 0; i < OUTCOME_COLORS.length; i += 2) {
      if (OUTCOME_COLORS[i].equals(outcome)) {
        return OUTCOME_COLORS[i + 1];
      }
    }
    return "#3b7dd8";
  }

  private static void timeline(StringBuilder h, RunData run) {
    List<AttemptRow> rows = run.attempts();
    if (rows.isEmpty()) {
      h.append("<p>No attempt was started.</p>");
      return;
    }
    Instant first = run.first();
    Instant last = run.last();
    double total = Math.max(1, Duration.between(first, last).toMillis());
    int slots = rows.stream().mapToInt(a -> a.slot).max().orElse(0) + 1;
    int left = 70;
    int width = 900;
    int lane = 34;
    int height = slots * lane + 30;
    h.append("<svg class=\"timeline\" viewBox=\"0 0 ").append(left + width + 10).append(' ').append(height)
        .append("\" role=\"img\" aria-label=\"timeline of the worker slots\">");
    for (int s = 0; s < slots; s++) {
      int y = s * lane;
      h.append("<text x=\"4\" y=\"").append(y + 21).append("\" class=\"lane\">slot ").append(s).append("</text>")
          .append("<line x1=\"").append(left).append("\" x2=\"").append(left + width).append("\" y1=\"")
          .append(y + lane).append("\" y2=\"").append(y + lane).append("\" class=\"grid\"/>");
    }
    for (AttemptRow a : rows) {
      double x = left + width * Duration.between(first, a.start).toMillis() / total;
      double w = Math.max(3, width * a.duration(last).toMillis() / total);
      int y = a.slot * lane + 5;
      h.append("<g><title>").append(esc(a.ticket + " attempt " + a.attempt + ": " + a.outcome
          + (a.stage.isEmpty() ? "" : " at " + a.stage) + ", " + duration(a.duration(last))))
          .append("</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(y).append("\" width=\"")
          .append(fmt(w)).append("\" height=\"24\" rx=\"4\" fill=\"").append(color(a.outcome)).append("\"/>")
          .append("<text x=\"").append(fmt(x + 4)).append("\" y=\"").append(y + 16).append("\" class=\"bar\">")
          .append(esc(a.ticket + (a.attempt > 1 ? " #" + a.attempt : ""))).append("</text></g>");
    }
    h.append("<text x=\"").append(left).append("\" y=\"").append(height - 6).append("\" class=\"axis\">0s</text>")
        .append("<text x=\"").append(left + width).append("\" y=\"").append(height - 6)
        .append("\" text-anchor=\"end\" class=\"axis\">").append(esc(duration(Duration.ofMillis((long) total))))
        .append("</text></svg><p class=\"legend\">");
    for (int i = 0; i < OUTCOME_COLORS.length; i += 2) {
      h.append("<span><i style=\"background:").append(OUTCOME_COLORS[i + 1]).append("\"></i>")
          .append(OUTCOME_COLORS[i]).append("</span>");
    }
    h.append("</p>");
  }

  /** A layered drawing: a ticket sits one column right of the furthest ticket it waits for. */
  private static void graph(StringBuilder h, Batch batch) {
    List<Ticket> tickets = batch.tickets();
    if (tickets.isEmpty()) {
      h.append("<p>The batch is empty.</p>");
      return;
    }
    Map<String, Integer> layer = new LinkedHashMap<>();
    for (Ticket t : tickets) {
      layer(t.id(), batch, layer, new java.util.HashSet<>());
    }
    Map<Integer, List<Ticket>> columns = new TreeMap<>();
    for (Ticket t : tickets) {
      columns.computeIfAbsent(layer.get(t.id()), k -> new ArrayList<>()).add(t);
    }
    int colWidth = 200;
    int rowHeight = 64;
    int boxW = 160;
    int boxH = 44;
    int rows = columns.values().stream().mapToInt(List::size).max().orElse(1);
    Map<String, int[]> at = new HashMap<>();
    columns.forEach((c, list) -> {
      for (int i = 0; i < list.size(); i++) {
        at.put(list.get(i).id(), new int[] {10 + c * colWidth, 10 + i * rowHeight});
      }
    });
    int svgW = 20 + columns.size() * colWidth;
    int svgH = 20 + rows * rowHeight;
    h.append("<svg class=\"graph\" viewBox=\"0 0 ").append(svgW).append(' ').append(svgH)
        .append("\" role=\"img\" aria-label=\"dependency graph\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\"")
        .append(" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">")
        .append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#777\"/></marker></defs>");
    for (Ticket t : tickets) {
      int[] to = at.get(t.id());
      for (Dependency d : t.dependencies()) {
        int[] from = at.get(d.target());
        if (from == null) {
          continue;
        }
        boolean waits = d.type() == DependencyType.BLOCKS || d.type() == DependencyType.PARENT_CHILD;
        double x1 = from[0] + boxW;
        double y1 = from[1] + boxH / 2.0;
        double x2 = to[0];
        double y2 = to[1] + boxH / 2.0;
        if (x2 <= x1) {
          x1 = from[0] + boxW / 2.0;
          y1 = from[1] + boxH;
          x2 = to[0] + boxW / 2.0;
          y2 = to[1];
        }
        double mid = (x1 + x2) / 2;
        h.append("<path d=\"M ").append(fmt(x1)).append(' ').append(fmt(y1)).append(" C ").append(fmt(mid))
            .append(' ').append(fmt(y1)).append(", ").append(fmt(mid)).append(' ').append(fmt(y2)).append(", ")
            .append(fmt(x2)).append(' ').append(fmt(y2)).append("\" class=\"edge").append(waits ? "" : " soft")
            .append("\" marker-end=\"url(#arrow)\"><title>").append(esc(t.id() + " " + d.type().wireName() + " "
                + d.target())).append("</title></path>");
      }
    }
    for (Ticket t : tickets) {
      int[] p = at.get(t.id());
      String status = t.status().wireName();
      h.append("<g class=\"node status-").append(esc(status)).append("\"><title>").append(esc(t.id() + ": "
          + t.title() + " (" + status + ")" + (t.resources().isEmpty() ? "" : ", needs "
          + String.join(", ", t.resources())))).append("</title><rect x=\"").append(p[0]).append("\" y=\"")
          .append(p[1]).append("\" width=\"").append(boxW).append("\" height=\"").append(boxH)
          .append("\" rx=\"6\"/><text x=\"").append(p[0] + 8).append("\" y=\"").append(p[1] + 18)
          .append("\" class=\"id\">").append(esc(t.id())).append(" · ").append(esc(status)).append("</text><text x=\"")
          .append(p[0] + 8).append("\" y=\"").append(p[1] + 35).append("\" class=\"title\">")
          .append(esc(shorten(t.title(), 24))).append("</text></g>");
    }
    h.append("</svg><p class=\"legend\">Arrows point from a ticket to the tickets waiting on it; dashed arrows"
        + " (related, discovered-from) never block.</p>");
  }

  private static int layer(String id, Batch batch, Map<String, Integer> layer, java.util.Set<String> visiting) {
    Integer known = layer.get(id);
    if (known != null) {
      return known;
    }
    if (!visiting.add(id)) {
      return 0;
    }
    int l = 0;
    Ticket t = batch.find(id).orElse(null);
    if (t != null) {
      for (Dependency d : t.dependencies()) {
        if (batch.contains(d.target()) && (d.type() == DependencyType.BLOCKS || d.type() == DependencyType.PARENT_CHILD
            || d.type() == DependencyType.DISCOVERED_FROM)) {
          l = Math.max(l, layer(d.target(), batch, layer, visiting) + 1);
        }
      }
    }
    visiting.remove(id);
    layer.put(id, l);
    return l;
  }

  private static void tickets(StringBuilder h, RunData run, Batch batch) {
    Instant last = run.last();
    Map<String, List<AttemptRow>> byTicket = new LinkedHashMap<>();
    for (AttemptRow a : run.attempts()) {
      byTicket.computeIfAbsent(a.ticket, k -> new ArrayList<>()).add(a);
    }
    h.append("<table class=\"tickets\"><tr><th>ticket</th><th>outcome</th><th>attempts</th><th>work time</th>")
        .append("<th>tokens</th><th>cost</th></tr>");
    for (RunReport.TicketReport t : run.report().tickets()) {
      String title = batch.find(t.ticketId()).map(Ticket::title).orElse("");
      h.append("<tr class=\"ticket\"><td><b>").append(esc(t.ticketId())).append("</b> ").append(esc(title))
          .append("</td><td><span class=\"pill\" style=\"background:").append(color(t.outcome().wireName())).append("\">")
          .append(esc(t.outcome().wireName())).append("</span></td><td>").append(t.attempts())
          .append(t.failedAttempts() > 0 ? " (" + t.failedAttempts() + " failed)" : "")
          .append(t.deferredAttempts() > 0 ? " (" + t.deferredAttempts() + " deferred)" : "")
          .append(t.interruptedAttempts() > 0 ? " (" + t.interruptedAttempts() + " interrupted)" : "")
          .append("</td><td>").append(esc(duration(t.workTime()))).append("</td><td>")
          .append(String.format(Locale.ROOT, "%,d", t.usage().totalTokens())).append("</td><td>")
          .append(esc(money(t.usage().costUsd()))).append("</td></tr>");
      h.append("<tr><td colspan=\"6\" class=\"attempts\">");
      for (AttemptRow a : byTicket.getOrDefault(t.ticketId(), List.of())) {
        h.append("<details").append(a.outcome.equals("done") ? "" : " open").append("><summary><span class=\"dot\"")
            .append(" style=\"background:").append(color(a.outcome)).append("\"></span>attempt ").append(a.attempt)
            .append(": ").append(esc(a.outcome)).append(a.stage.isEmpty() ? "" : " at " + esc(a.stage))
            .append(" · ").append(esc(duration(a.duration(last)))).append(" · ")
            .append(String.format(Locale.ROOT, "%,d", a.usage.totalTokens())).append(" tokens · ")
            .append(esc(money(a.usage.costUsd()))).append("</summary><dl>");
        row(h, "worker", a.worker);
        row(h, "review", a.review);
        row(h, "merge", a.integration);
        if (!a.findings.isEmpty()) {
          h.append("<dt>findings</dt><dd><ul>");
          a.findings.forEach(f -> h.append("<li><pre>").append(esc(f)).append("</pre></li>"));
          h.append("</ul></dd>");
        }
        if (!a.evidence.isEmpty()) {
          h.append("<dt>evidence</dt><dd>");
          for (Evidence e : a.evidence) {
            h.append("<div class=\"evidence\"><b>").append(esc(e.kind())).append("</b> ").append(esc(e.summary()));
            if (!e.attributes().isEmpty()) {
              h.append("<table class=\"attrs\">");
              new TreeMap<>(e.attributes()).forEach((k, v) -> h.append("<tr><th>").append(esc(k))
                  .append("</th><td><pre>").append(esc(v)).append("</pre></td></tr>"));
              h.append("</table>");
            }
            h.append("</div>");
          }
          h.append("</dd>");
        }
        h.append("</dl></details>");
      }
      h.append("</td></tr>");
    }
    h.append("</table>");
  }

  private static void row(StringBuilder h, String label, String value) {
    if (!value.isBlank()) {
      h.append("<dt>").append(esc(label)).append("</dt><dd><pre>").append(esc(value.strip())).append("</pre></dd>");
    }
  }

  private static void trend(StringBuilder h, List<RunData> all) {
    if (all.isEmpty()) {
      h.append("<p>No runs yet.</p>");
      return;
    }
    List<double[]> points = new ArrayList<>();
    h.append("<table><tr><th>run</th><th>ending</th><th>tickets</th><th>interventions</th>")
        .append("<th>attempts per ticket</th><th>cost per ticket</th><th>tokens</th><th>elapsed</th></tr>");
    for (RunData d : all) {
      RunReport r = d.report();
      int n = Math.max(1, r.tickets().size());
      double attempts = (double) r.attempts() / n;
      BigDecimal cost = r.usage().costUsd().divide(BigDecimal.valueOf(n), 4, RoundingMode.HALF_UP);
      points.add(new double[] {r.interventions().size(), attempts, cost.doubleValue()});
      h.append("<tr><td>").append(esc(d.name())).append("</td><td><span class=\"badge ending-")
          .append(esc(d.ending().toLowerCase(Locale.ROOT))).append("\">").append(esc(d.ending()))
          .append("</span></td><td>").append(r.tickets().size()).append("</td><td>")
          .append(r.interventions().size()).append("</td><td>").append(String.format(Locale.ROOT, "%.2f", attempts))
          .append("</td><td>").append(esc(money(cost))).append("</td><td>")
          .append(String.format(Locale.ROOT, "%,d", r.usage().totalTokens())).append("</td><td>")
          .append(esc(duration(r.elapsed()))).append("</td></tr>");
    }
    h.append("</table><div class=\"sparks\">");
    String[] names = {"interventions per run", "attempts per ticket", "cost per ticket (USD)"};
    for (int k = 0; k < names.length; k++) {
      spark(h, names[k], points, k);
    }
    h.append("</div>");
  }

  private static void spark(StringBuilder h, String name, List<double[]> points, int k) {
    int w = 260;
    int ht = 70;
    double max = points.stream().mapToDouble(p -> p[k]).max().orElse(0);
    double scale = max <= 0 ? 0 : (ht - 20) / max;
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < points.size(); i++) {
      double x = points.size() == 1 ? w / 2.0 : 10 + (w - 20) * i / (double) (points.size() - 1);
      double y = ht - 10 - points.get(i)[k] * scale;
      path.append(i == 0 ? "M " : " L ").append(fmt(x)).append(' ').append(fmt(y));
    }
    h.append("<figure><svg viewBox=\"0 0 ").append(w).append(' ').append(ht).append("\" role=\"img\" aria-label=\"")
        .append(esc(name)).append("\"><path d=\"").append(path).append("\" class=\"spark\"/>");
    for (int i = 0; i < points.size(); i++) {
      double x = points.size() == 1 ? w / 2.0 : 10 + (w - 20) * i / (double) (points.size() - 1);
      double y = ht - 10 - points.get(i)[k] * scale;
      h.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"3\"><title>run ")
          .append(i + 1).append(": ").append(fmt(points.get(i)[k])).append("</title></circle>");
    }
    h.append("</svg><figcaption>").append(esc(name)).append("</figcaption></figure>");
  }

  /** Escapes text for HTML element content and attribute values. */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&':
          out.append("&amp;");
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '"':
          out.append("&quot;");
          break;
        case '\'':
          out.append("&#39;");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }

  static String money(BigDecimal usd) {
    return "$" + usd.setScale(usd.compareTo(BigDecimal.ONE) < 0 ? 4 : 2, RoundingMode.HALF_UP).toPlainString();
  }

  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = d.toSeconds();
    return s < 60 ? String.format(Locale.ROOT, "%.1fs", ms / 1000.0) : (s / 60) + "m " + (s % 60) + "s";
  }

  private static final String CSS = String.join("",
      ":root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6ea;--bg:#fafbfc}",
      "body{font:14px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,sans-serif;color:var(--fg);",
      "background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}",
      "h1{margin:0 0 4px;font-size:24px}h2{margin:28px 0 10px;font-size:18px;border-bottom:1px solid var(--line);",
      "padding-bottom:4px}.muted{color:var(--muted);font-weight:400}",
      ".badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;background:#555}",
      ".ending-done{background:#2e9d57}.ending-capped{background:#d9a43a}.ending-stalled{background:#8c5bd6}",
      ".ending-tampered{background:#d64545}.ending-failed{background:#d64545}.ending-running{background:#3b7dd8}",
      ".ending-human_gated{background:#8c5bd6}",
      ".sandbox{color:var(--muted);font-size:12px;margin:4px 0}.unsandboxed{background:#fdecec;color:#a32121;",
      "border:1px solid #d64545;border-radius:6px;padding:6px 10px;font-weight:600}",
      ".cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}.card{background:#fff;border:1px solid var(--line);",
      "border-radius:8px;padding:10px 14px;min-width:110px}.card .value{font-size:20px;font-weight:600}",
      ".card .label{color:var(--muted);font-size:12px}",
      "svg{width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:8px}",
      ".lane,.axis{font-size:11px;fill:var(--muted)}.grid{stroke:var(--line)}.bar{font-size:11px;fill:#fff;",
      "font-weight:600}.legend span{margin-right:14px;color:var(--muted);font-size:12px}",
      ".legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}",
      ".edge{fill:none;stroke:#777;stroke-width:1.4}.edge.soft{stroke-dasharray:4 3;stroke:#aaa}",
      ".node rect{fill:#fff;stroke:#999;stroke-width:1.5}.node .id{font-size:12px;font-weight:600}",
      ".node .title{font-size:11px;fill:var(--muted)}.status-done rect{fill:#e3f4ea;stroke:#2e9d57}",
      ".status-in-progress rect{fill:#e4eefb;stroke:#3b7dd8}.status-human-gated rect{fill:#efe6fb;stroke:#8c5bd6}",
      ".status-cancelled rect{fill:#f1f1f1;stroke:#8a8f98}",
      "table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 8px;",
      "border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--muted)}",
      ".pill{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px}.attempts{padding-left:24px}",
      ".dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}",
      "details{margin:2px 0}summary{cursor:pointer}dl{margin:6px 0 10px 16px}dt{font-weight:600;margin-top:4px}",
      "dd{margin-left:12px}pre{white-space:pre-wrap;word-break:break-word;margin:0;font:12px/1.4 ui-monospace,",
      "SFMono-Regular,Menlo,monospace}.evidence{margin:4px 0}.attrs th{width:140px}",
      ".sparks{display:flex;gap:12px;flex-wrap:wrap;margin-top:12px}figure{margin:0;width:280px}",
      "figcaption{font-size:12px;color:var(--muted);text-align:center}",
      ".spark{fill:none;stroke:#3b7dd8;stroke-width:2}circle{fill:#3b7dd8}",
      "footer{margin-top:30px;color:var(--muted);font-size:12px}");
}

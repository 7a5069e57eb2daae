package dev.loopkit.report;

import static dev.loopkit.report.Html.esc;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The HTML report of one run, for any run directory, any tracker and any engine: one self-contained file
 * (inline CSS, JavaScript and SVG; nothing is fetched, it works offline) with the run's ending and dates, the
 * timeline of the worker slots, cost per ticket and per attempt, a sortable and filterable tickets table, every
 * attempt (start time, duration, tokens, cost, review, verification evidence, a link to its transcript), the
 * dependency graph with its edges in words, the interventions of people apart from the harness's heals, the plan
 * that filed the batch, and trends across runs with axes. Built from the run's journal; the host adds what the
 * journal does not hold: the tracker's batch (titles and the graph), the runs of the trend and the plans folder.
 *
 * <pre>{@code
 * HtmlReport.builder(runDirectory)
 *     .project("billing-service")
 *     .batch(tracker.readBatch())           // optional: titles, statuses and the dependency graph
 *     .trend(List.of(run1, run2, runDirectory)) // optional: the runs the trend covers, oldest first
 *     .plans(Path.of(".loop/plans"))        // optional: where loop plan journaled its plans
 *     .build()
 *     .write();                             // <runDirectory>/report.html
 * }</pre>
 *
 * <p>Every text from the run is HTML-escaped: it holds model output. The page has a small script (sorting,
 * filtering) that runs only on the page's own data. The URL fragment chooses the table's order and filter:
 * {@code report.html#sort=cost-desc&filter=QS-1}. Instances are immutable; {@link #html} and {@link #writeTo}
 * read the run directory again each time, so a report of a run still going shows its latest state.
 */
public final class HtmlReport {
  /** The report's file name inside a run directory. */
  public static final String FILE_NAME = "report.html";

  private static final String CSS = resource("report.css");
  private static final String JS = resource("report.js");

  private final RunDirectory run;
  private final String project;
  private final @Nullable Batch batch;
  private final List<RunDirectory> trend;
  private final @Nullable Path plans;

  private HtmlReport(Builder b) {
    this.run = b.run;
    this.project = b.project != null ? b.project : defaultProject(b.run.path());
    this.batch = b.batch;
    this.trend = List.copyOf(b.trend);
    this.plans = b.plans;
  }

  /**
   * The report of the run in {@code runDirectory} with nothing added: the journal alone, this run's trend.
   *
   * @param runDirectory the directory the engine ran in (its journal is there)
   * @return the report, not yet rendered
   */
  public static HtmlReport of(Path runDirectory) {
    return builder(runDirectory).build();
  }

  /**
   * A builder for the report of the run in {@code runDirectory}.
   *
   * @param runDirectory the directory the engine ran in (its journal is there)
   * @return a builder
   */
  public static Builder builder(Path runDirectory) {
    return new Builder(RunDirectory.of(runDirectory));
  }

  /**
   * Writes the report as {@code <run directory>/report.html} (atomically: written aside, then moved) and
   * returns that path.
   *
   * @return the file written
   * @throws dev.loopkit.core.InputException if the directory holds no run, or a journal is damaged beyond a torn
   *     last line, naming it
   * @throws UncheckedIOException if the file cannot be written
   */
  public Path write() {
    return writeTo(run.path().resolve(FILE_NAME));
  }

  /**
   * Writes the report to {@code file} (atomically), with its links to transcripts relative to the file's folder,
   * and returns {@code file}.
   *
   * @param file where to write the report (its folder is created)
   * @return {@code file}, absolute
   * @throws dev.loopkit.core.InputException if the directory holds no run, or a journal is damaged, naming it
   * @throws UncheckedIOException if the file cannot be written
   */
  public Path writeTo(Path file) {
    Path target = file.toAbsolutePath().normalize();
    Path folder = Objects.requireNonNull(target.getParent(), "file has no folder");
    String html = render(folder);
    Path tmp = folder.resolve("." + target.getFileName() + ".tmp");
    try {
      Files.createDirectories(folder);
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report " + target + ": " + e.getMessage(), e);
    }
    return target;
  }

  /**
   * The page, with links relative to the run directory (as {@link #write} places it).
   *
   * @return the whole page
   * @throws dev.loopkit.core.InputException if the directory holds no run, or a journal is damaged, naming it
   */
  public String html() {
    return render(run.path().toAbsolutePath().normalize());
  }

  private String render(Path folder) {
    if (!run.exists()) {
      throw new dev.loopkit.core.InputException("run directory " + run.path() + " holds no run (no "
          + run.journal().getFileName() + "): expected the directory a Loop engine ran in");
    }
    RunData data = RunData.read(run);
    List<RunData> runs = new ArrayList<>();
    for (RunDirectory d : trend) {
      runs.add(d.path().toAbsolutePath().normalize().equals(run.path().toAbsolutePath().normalize()) ? data
          : RunData.read(d));
    }
    if (runs.isEmpty()) {
      runs.add(data);
    }
    List<LoopEvent.HealAttempted> heals = new ArrayList<>();
    Map<Integer, LoopEvent.HealReverted> reverts = new HashMap<>();
    for (LoopEvent e : run.events()) {
      if (e instanceof LoopEvent.HealAttempted h) {
        heals.add(h);
      } else if (e instanceof LoopEvent.HealReverted r) {
        reverts.put(r.heal(), r);
      }
    }
    Set<String> ids = new LinkedHashSet<>();
    data.report.tickets().forEach(t -> ids.add(t.ticketId()));
    if (batch != null) {
      batch.tickets().forEach(t -> ids.add(t.id()));
    }
    List<PlanRecord> planRecords = plans == null ? List.of() : PlanRecord.filing(plans, ids);
    Path base = folder;
    Function<Path, String> link = p -> relative(base, p);
    return new Page(data, runs, batch, SessionSandboxes.of(run), heals, reverts, planRecords, link).render();
  }

  private static String relative(Path folder, Path target) {
    Path abs = target.toAbsolutePath().normalize();
    String rel;
    try {
      rel = folder.relativize(abs).toString();
    } catch (IllegalArgumentException e) {
      rel = abs.toUri().toString();
    }
    return rel.replace(java.io.File.separatorChar, '/');
  }

  private static String defaultProject(Path runDirectory) {
    Path abs = runDirectory.toAbsolutePath().normalize();
    // <project>/.loop/runs/<run>: the project's folder name; otherwise the folder holding the run
    Path parent = abs.getParent();
    if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("runs")
        && parent.getParent() != null && parent.getParent().getFileName() != null
        && parent.getParent().getFileName().toString().equals(".loop") && parent.getParent().getParent() != null
        && parent.getParent().getParent().getFileName() != null) {
      return parent.getParent().getParent().getFileName().toString();
    }
    return parent != null && parent.getFileName() != null ? parent.getFileName().toString() : "loop";
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the report's " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the report's " + name, e);
    }
  }

  /** Builds a {@link HtmlReport}; not thread-safe. */
  public static final class Builder {
    private final RunDirectory run;
    private @Nullable String project;
    private @Nullable Batch batch;
    private final List<RunDirectory> trend = new ArrayList<>();
    private @Nullable Path plans;

    private Builder(RunDirectory run) {
      this.run = run;
    }

    /**
     * The project's name in the title (default: the folder holding {@code .loop/runs}, else the run's parent).
     *
     * @param name the project's name
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder project(String name) {
      if (name.isBlank()) {
        throw new IllegalArgumentException("project name is blank: expected the name to show in the report");
      }
      this.project = name.strip();
      return this;
    }

    /**
     * The batch as the tracker holds it now (one {@code tracker.readBatch()}): titles, statuses and edges for
     * the tickets table and the dependency graph. Without it the report shows what the journal holds (ids, no
     * titles, no graph).
     *
     * @param batch the tracker's batch
     * @return this builder
     */
    public Builder batch(Batch batch) {
      this.batch = Objects.requireNonNull(batch, "batch");
      return this;
    }

    /**
     * The run directories the trend across runs covers, oldest first, this run usually among them (default:
     * this run alone). Each is read from its journal when the report is rendered.
     *
     * @param runDirectories the runs, oldest first
     * @return this builder
     */
    public Builder trend(List<Path> runDirectories) {
      trend.clear();
      for (Path p : runDirectories) {
        trend.add(RunDirectory.of(Objects.requireNonNull(p, "a run directory of the trend")));
      }
      return this;
    }

    /**
     * The folder where {@code loop plan} journals its plans ({@code <project>/.loop/plans}): a plan that filed
     * any ticket of this run gets a section (intent, master, planned tickets, research, lint rounds, review).
     *
     * @param plansDirectory the folder holding one folder per plan id
     * @return this builder
     */
    public Builder plans(Path plansDirectory) {
      this.plans = Objects.requireNonNull(plansDirectory, "plansDirectory");
      return this;
    }

    /**
     * The report; nothing is read until it is rendered.
     *
     * @return the report
     */
    public HtmlReport build() {
      return new HtmlReport(this);
    }
  }

  /** One rendering of the page. */
  private final class Page {
    private final RunData data;
    private final List<RunData> runs;
    private final @Nullable Batch batch;
    private final List<LoopEvent.RunStarted> sessions;
    private final List<LoopEvent.HealAttempted> heals;
    private final Map<Integer, LoopEvent.HealReverted> reverts;
    private final List<PlanRecord> planRecords;
    private final Function<Path, String> link;
    private final StringBuilder h = new StringBuilder(64_000);

    Page(RunData data, List<RunData> runs, @Nullable Batch batch, List<LoopEvent.RunStarted> sessions,
        List<LoopEvent.HealAttempted> heals, Map<Integer, LoopEvent.HealReverted> reverts,
        List<PlanRecord> planRecords, Function<Path, String> link) {
      this.data = data;
      this.runs = runs;
      this.batch = batch;
      this.sessions = sessions;
      this.heals = heals;
      this.reverts = reverts;
      this.planRecords = planRecords;
      this.link = link;
    }

    String render() {
      RunReport r = data.report;
      h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
          .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .append("<title>Loop report: ").append(esc(project)).append(' ').append(esc(data.name)).append("</title>")
          .append("<style>").append(CSS).append("</style></head><body>\n");
      header(r);
      h.append("<nav class=\"toc\"><a href=\"#timeline\">timeline</a><a href=\"#cost\">cost</a>")
          .append("<a href=\"#tickets\">tickets</a><a href=\"#graph\">graph</a><a href=\"#interventions\">")
          .append("interventions</a><a href=\"#heals\">heals</a>")
          .append(planRecords.isEmpty() ? "" : "<a href=\"#plan\">plan</a>")
          .append("<a href=\"#trends\">trends</a></nav>\n");
      h.append("<section id=\"timeline\"><h2>Timeline of the worker slots</h2>");
      Charts.timeline(h, data);
      h.append("</section>\n<section id=\"cost\"><h2>Cost per ticket and attempt</h2>");
      Charts.cost(h, data);
      h.append("</section>\n<section id=\"tickets\"><h2>Tickets</h2>");
      tickets();
      h.append("</section>\n<section id=\"graph\"><h2>Dependency graph</h2>");
      if (batch == null) {
        h.append("<p class=\"empty\">No batch was given to the report: the graph needs the tracker's tickets.</p>");
      } else {
        DependencyGraph.render(h, batch);
      }
      h.append("</section>\n<section id=\"attempts\"><h2>Attempts</h2>");
      attempts();
      h.append("</section>\n<section id=\"interventions\"><h2>Interventions</h2>");
      interventions(r);
      h.append("</section>\n<section id=\"heals\"><h2>Heals</h2>");
      heals();
      h.append("</section>\n");
      if (!planRecords.isEmpty()) {
        h.append("<section id=\"plan\"><h2>Plan</h2><p class=\"muted\">The batch was filed by <code>loop plan</code>.")
            .append("</p>");
        planRecords.forEach(p -> p.render(h, link));
        h.append("</section>\n");
      }
      h.append("<section id=\"trends\"><h2>Across runs</h2>");
      trends();
      h.append("</section>\n<footer>Written by Loop from the run journals at ")
          .append(esc(Figures.time(java.time.Instant.now()))).append("; self-contained, no network needed.</footer>")
          .append("<script>").append(JS).append("</script></body></html>\n");
      return h.toString();
    }

    private void header(RunReport r) {
      h.append("<header><h1>").append(esc(project)).append(" <span class=\"muted\">").append(esc(data.name))
          .append("</span></h1><p><span class=\"badge ending-").append(esc(data.ending().toLowerCase(Locale.ROOT)))
          .append("\" id=\"ending\">").append(esc(data.ending())).append("</span> ").append(esc(r.endingDetail()))
          .append("</p><p class=\"dates\">");
      if (data.started != null) {
        h.append("started <time datetime=\"").append(esc(data.started.toString())).append("\">")
            .append(esc(Figures.time(data.started))).append("</time> · last event <time datetime=\"")
            .append(esc(data.last.toString())).append("\">").append(esc(Figures.time(data.last))).append("</time>");
      } else {
        h.append("not started");
      }
      h.append("</p>");
      String sandbox = SessionSandboxes.line(sessions);
      if (!sandbox.isEmpty()) {
        h.append("<p class=\"").append(SessionSandboxes.anyUnsandboxed(sessions) ? "unsandboxed" : "sandbox")
            .append("\">").append(esc(sandbox)).append("</p>");
      }
      long done = r.tickets().stream().filter(t -> t.outcome() == RunReport.TicketOutcome.DONE).count()
          + r.doneBeforeTheRun();
      int size = batch != null ? Math.max(batch.size(), r.batchSize()) : r.batchSize();
      h.append("<div class=\"cards\">");
      card("tickets done", done + " / " + size);
      card("attempts", Integer.toString(r.attempts()));
      card("interventions", Long.toString(data.peopleInterventions()));
      card("heals", Long.toString(data.heals()));
      card("tokens", Figures.tokens(r.usage().totalTokens()));
      card("cost", Figures.money(r.usage().costUsd()) + (r.usage().isMetered() ? "" : "+"));
      card("elapsed", Figures.duration(r.elapsed()));
      card("passes", Integer.toString(r.passes()));
      card("sessions", Integer.toString(r.sessions()));
      h.append("</div>");
      r.finalGate().ifPresent(g -> h.append("<p class=\"muted\">final gate: ").append(esc(g)).append("</p>"));
      h.append("</header>\n");
    }

    private void card(String label, String value) {
      h.append("<div class=\"card\"><div class=\"value\">").append(esc(value)).append("</div><div class=\"label\">")
          .append(esc(label)).append("</div></div>");
    }

    private Map<String, List<RunData.AttemptRow>> byTicket() {
      Map<String, List<RunData.AttemptRow>> by = new LinkedHashMap<>();
      for (RunData.AttemptRow a : data.attempts) {
        by.computeIfAbsent(a.ticket, k -> new ArrayList<>()).add(a);
      }
      return by;
    }

    private String title(String id) {
      return batch == null ? "" : batch.find(id).map(Ticket::title).orElse("");
    }

    /** The sortable, filterable table: each cell carries its sort key in data-v. */
    private void tickets() {
      List<RunReport.TicketReport> tickets = data.report.tickets();
      if (tickets.isEmpty()) {
        h.append("<p class=\"empty\">No ticket was worked in this run.</p>");
        return;
      }
      Map<String, List<RunData.AttemptRow>> by = byTicket();
      Set<String> outcomes = new java.util.TreeSet<>();
      tickets.forEach(t -> outcomes.add(t.outcome().wireName()));
      h.append("<div class=\"filters\"><input type=\"search\" id=\"ticket-filter\" placeholder=\"filter by id or")
          .append(" title\" aria-label=\"filter tickets\"><select id=\"outcome-filter\" aria-label=\"outcome\">")
          .append("<option value=\"\">every outcome</option>");
      outcomes.forEach(o -> h.append("<option>").append(esc(o)).append("</option>"));
      h.append("</select><span id=\"ticket-count\" class=\"muted\">").append(tickets.size()).append(" of ")
          .append(tickets.size()).append(" tickets</span></div>");
      h.append("<div class=\"scroll\"><table id=\"tickets-table\" class=\"sortable\"><thead><tr>");
      String[][] cols = {{"ticket", "text"}, {"outcome", "text"}, {"attempts", "num"}, {"started", "text"},
          {"work time", "num"}, {"tokens", "num"}, {"cost", "num"}};
      for (String[] c : cols) {
        h.append("<th><button type=\"button\" data-type=\"").append(c[1]).append("\" data-key=\"")
            .append(c[0].replace(' ', '-')).append("\">").append(c[0]).append("</button></th>");
      }
      h.append("</tr></thead><tbody>");
      for (RunReport.TicketReport t : tickets) {
        List<RunData.AttemptRow> attempts = by.getOrDefault(t.ticketId(), List.of());
        java.time.Instant started = attempts.isEmpty() ? null : attempts.get(0).start;
        String title = title(t.ticketId());
        h.append("<tr data-outcome=\"").append(esc(t.outcome().wireName())).append("\"><td data-v=\"")
            .append(esc(t.ticketId())).append("\"><a href=\"#").append(Html.ticketAnchor(t.ticketId())).append("\"><b>")
            .append(esc(t.ticketId())).append("</b></a> <span class=\"title\">").append(esc(title))
            .append("</span></td><td data-v=\"").append(esc(t.outcome().wireName())).append("\"><span class=\"pill\"")
            .append(" style=\"background:").append(Charts.color(t.outcome().wireName())).append("\">")
            .append(esc(t.outcome().wireName())).append("</span></td><td data-v=\"").append(t.attempts())
            .append("\">").append(t.attempts()).append(t.failedAttempts() > 0 ? " (" + t.failedAttempts()
                + " failed)" : "").append(t.interruptedAttempts() > 0 ? " (" + t.interruptedAttempts()
                + " interrupted)" : "").append("</td><td data-v=\"")
            .append(started == null ? "" : esc(started.toString())).append("\">")
            .append(started == null ? "" : "<time datetime=\"" + esc(started.toString()) + "\" title=\""
                + esc(Figures.time(started)) + "\">" + esc(Figures.time(started).substring(11, 19)) + "</time>")
            .append("</td><td data-v=\"").append(t.workTime().toMillis()).append("\">")
            .append(esc(Figures.duration(t.workTime()))).append("</td><td data-v=\"")
            .append(t.usage().totalTokens()).append("\">").append(Figures.tokens(t.usage().totalTokens()))
            .append("</td><td data-v=\"").append(t.usage().costUsd().toPlainString()).append("\">")
            .append(esc(Figures.money(t.usage().costUsd()))).append("</td></tr>");
      }
      h.append("</tbody></table></div>");
    }

    /** Every attempt of every ticket, with the transcript, findings and evidence. */
    private void attempts() {
      Map<String, List<RunData.AttemptRow>> by = byTicket();
      if (by.isEmpty()) {
        h.append("<p class=\"empty\">No attempt was started.</p>");
        return;
      }
      for (RunReport.TicketReport t : data.report.tickets()) {
        h.append("<article class=\"ticket\" id=\"").append(Html.ticketAnchor(t.ticketId())).append("\"><h3>")
            .append(esc(t.ticketId())).append(" <span class=\"muted\">").append(esc(title(t.ticketId())))
            .append("</span></h3>");
        for (RunData.AttemptRow a : by.getOrDefault(t.ticketId(), List.of())) {
          h.append("<details").append(a.outcome.equals("done") ? "" : " open").append("><summary><span class=\"dot\"")
              .append(" style=\"background:").append(Charts.color(a.outcome)).append("\"></span>attempt ")
              .append(a.attempt).append(": ").append(esc(a.label())).append(" · <time datetime=\"")
              .append(esc(a.start.toString())).append("\">").append(esc(Figures.time(a.start))).append("</time> · ")
              .append(esc(Figures.duration(a.duration(data.last)))).append(" · ")
              .append(Figures.tokens(a.usage.totalTokens())).append(" tokens · ")
              .append(esc(Figures.money(a.usage.costUsd()))).append("</summary><dl>");
          if (a.transcript != null) {
            h.append("<dt>transcript</dt><dd><a class=\"transcript\" href=\"")
                .append(esc(link.apply(data.directory.path().resolve(a.transcript)))).append("\">")
                .append(esc(a.transcript)).append("</a></dd>");
          }
          row("worker", a.worker);
          row("review", a.review);
          row("merge", a.integration);
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
        h.append("</article>");
      }
    }

    private void row(String label, String value) {
      if (!value.isBlank()) {
        h.append("<dt>").append(esc(label)).append("</dt><dd><pre>").append(esc(value.strip())).append("</pre></dd>");
      }
    }

    private void interventions(RunReport r) {
      List<RunReport.Intervention> people = r.interventions().stream()
          .filter(i -> !i.kind().isHeal()).toList();
      if (people.isEmpty()) {
        h.append("<p>None: no person had to act during this run.</p>");
      } else {
        h.append("<div class=\"scroll\"><table><thead><tr><th>kind</th><th>ticket</th><th>detail</th></tr></thead>")
            .append("<tbody>");
        for (RunReport.Intervention i : people) {
          h.append("<tr><td>").append(esc(i.kind().wireName())).append("</td><td>")
              .append(esc(Objects.toString(i.ticketId(), ""))).append("</td><td>").append(esc(i.detail()))
              .append("</td></tr>");
        }
        h.append("</tbody></table></div>");
      }
      if (!r.lockWaitMillis().isEmpty()) {
        h.append("<h3>Resource waits</h3><table><thead><tr><th>resource</th><th>total wait</th></tr></thead><tbody>");
        new TreeMap<>(r.lockWaitMillis()).forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
            .append(esc(Figures.duration(Duration.ofMillis(v)))).append("</td></tr>"));
        h.append("</tbody></table>");
      }
    }

    private void heals() {
      if (heals.isEmpty()) {
        h.append("<p>None: the harness needed no repair during this run.</p>");
        return;
      }
      h.append("<div class=\"scroll\"><table class=\"heals\"><thead><tr><th>#</th><th>at</th><th>why</th>")
          .append("<th>outcome</th><th>summary</th></tr></thead><tbody>");
      int n = 0;
      for (LoopEvent.HealAttempted heal : heals) {
        n++;
        int id = heal.heal() > 0 ? heal.heal() : n;
        h.append("<tr><td>").append(id).append("</td><td><time datetime=\"").append(esc(heal.at().toString()))
            .append("\">").append(esc(Figures.time(heal.at()))).append("</time></td><td>")
            .append(esc(heal.reason().wireName())).append("</td><td>").append(esc(heal.outcome().wireName()));
        LoopEvent.HealReverted revert = reverts.get(id);
        if (revert != null) {
          h.append(revert.reverted() ? ", reverted" : ", not revertible");
        }
        h.append("</td><td>").append(esc(heal.summary()));
        if (revert != null) {
          h.append("<p class=\"revert\">").append(revert.reverted() ? "Reverted: " : "Judged without progress: ")
              .append(esc(revert.reason())).append("</p>");
        }
        Path transcript = data.directory.path().resolve("transcripts").resolve("heal-" + id + ".jsonl");
        if (Files.isRegularFile(transcript)) {
          h.append(" <a class=\"transcript\" href=\"").append(esc(link.apply(transcript))).append("\">transcript</a>");
        }
        if (!heal.diff().isBlank()) {
          h.append("<details><summary>diff</summary><pre>").append(esc(heal.diff())).append("</pre></details>");
        }
        h.append("</td></tr>");
      }
      h.append("</tbody></table></div>");
    }

    private void trends() {
      h.append("<div class=\"scroll\"><table class=\"runs\"><thead><tr><th>run</th><th>started</th><th>ending</th>")
          .append("<th>tickets</th><th>interventions</th><th>heals</th><th>attempts per ticket</th>")
          .append("<th>cost per ticket</th><th>tokens</th><th>elapsed</th></tr></thead><tbody>");
      int n = runs.size();
      double[] people = new double[n];
      double[] healed = new double[n];
      double[] attempts = new double[n];
      double[] cost = new double[n];
      for (int i = 0; i < n; i++) {
        RunData d = runs.get(i);
        RunReport r = d.report;
        int worked = r.tickets().size();
        boolean empty = d.empty();
        people[i] = empty ? Double.NaN : d.peopleInterventions();
        healed[i] = empty ? Double.NaN : d.heals();
        attempts[i] = empty ? Double.NaN : (double) r.attempts() / worked;
        BigDecimal perTicket = empty ? BigDecimal.ZERO
            : r.usage().costUsd().divide(BigDecimal.valueOf(worked), 6, RoundingMode.HALF_UP);
        cost[i] = empty ? Double.NaN : perTicket.doubleValue();
        h.append("<tr").append(empty ? " class=\"emptyrun\"" : "").append("><td>").append(i + 1).append(". ")
            .append(esc(d.name)).append("</td><td>").append(d.started == null ? "" : esc(Figures.time(d.started)))
            .append("</td><td><span class=\"badge ending-").append(esc(d.ending().toLowerCase(Locale.ROOT)))
            .append("\">").append(esc(d.ending())).append("</span></td><td>")
            .append(empty ? "empty: no attempt" : Integer.toString(worked)).append("</td><td>")
            .append(empty ? "" : Long.toString(d.peopleInterventions())).append("</td><td>")
            .append(empty ? "" : Long.toString(d.heals())).append("</td><td>")
            .append(empty ? "" : Figures.ratio(attempts[i])).append("</td><td>")
            .append(empty ? "" : esc(Figures.money(perTicket))).append("</td><td>")
            .append(Figures.tokens(r.usage().totalTokens())).append("</td><td>")
            .append(esc(Figures.duration(r.elapsed()))).append("</td></tr>");
      }
      h.append("</tbody></table></div>");
      long emptyRuns = runs.stream().filter(RunData::empty).count();
      if (emptyRuns > 0) {
        h.append("<p class=\"muted\">").append(emptyRuns).append(" empty run").append(emptyRuns == 1 ? "" : "s")
            .append(" (no attempt started, e.g. the batch was already done) are marked in the charts and left out"
                + " of their lines: an empty run is not an improvement.</p>");
      }
      h.append("<div class=\"trends\">");
      Charts.trend(h, "interventions and heals per run", runs, List.of(
          new Charts.Series("interventions (people)", "#d64545", people),
          new Charts.Series("heals (the harness)", "#3b7dd8", healed)), v -> trimmed(v), true);
      Charts.trend(h, "attempts per ticket", runs, List.of(new Charts.Series("attempts per ticket", "#8c5bd6",
          attempts)), Figures::ratio, false);
      Charts.trend(h, "cost per ticket (USD)", runs, List.of(new Charts.Series("cost per ticket", "#2e9d57", cost)),
          v -> Figures.money(BigDecimal.valueOf(v)), false);
      h.append("</div>");
    }
  }

  private static String trimmed(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Figures.ratio(v);
  }
}

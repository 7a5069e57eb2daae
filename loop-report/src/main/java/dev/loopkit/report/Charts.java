package dev.loopkit.report;

import static dev.loopkit.report.Html.esc;
import static dev.loopkit.report.Html.fmt;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/** The report's charts: the worker slots' timeline, cost per ticket and attempt, and the trends across runs. */
final class Charts {
  static final String[] OUTCOME_COLORS = {"done", "#2e9d57", "failed", "#d64545", "deferred", "#d9a43a",
      "interrupted", "#8a8f98", "human-gated", "#8c5bd6", "running", "#3b7dd8"};

  private Charts() {}

  static String color(String outcome) {
    for (int i = 0; i < OUTCOME_COLORS.length; i += 2) {
      if (OUTCOME_COLORS[i].equals(outcome)) {
        return OUTCOME_COLORS[i + 1];
      }
    }
    return "#3b7dd8";
  }

  static void legend(StringBuilder h) {
    h.append("<p class=\"legend\">");
    for (int i = 0; i < OUTCOME_COLORS.length; i += 2) {
      h.append("<span><i style=\"background:").append(OUTCOME_COLORS[i + 1]).append("\"></i>")
          .append(OUTCOME_COLORS[i]).append("</span>");
    }
    h.append("</p>");
  }

  /** Each attempt as a bar in its worker slot, on a time axis from the run's first event (wide: it scrolls). */
  static void timeline(StringBuilder h, RunData run) {
    List<RunData.AttemptRow> rows = run.attempts;
    if (rows.isEmpty()) {
      h.append("<p class=\"empty\">No attempt was started.</p>");
      return;
    }
    Instant first = run.first;
    Instant last = run.last;
    long total = Math.max(1, Duration.between(first, last).toMillis());
    int slots = rows.stream().mapToInt(a -> a.slot).max().orElse(0) + 1;
    int left = 56;
    int width = 860;
    int lane = 30;
    int top = 6;
    int height = top + slots * lane + 46;
    h.append("<div class=\"scroll\"><svg class=\"timeline\" viewBox=\"0 0 ").append(left + width + 24).append(' ')
        .append(height).append("\" role=\"img\" aria-label=\"timeline of the worker slots\">");
    for (int s = 0; s < slots; s++) {
      int y = top + s * lane;
      h.append("<text x=\"4\" y=\"").append(y + 19).append("\" class=\"lane\">slot ").append(s).append("</text>");
    }
    int axisY = top + slots * lane + 4;
    h.append("<line x1=\"").append(left).append("\" x2=\"").append(left + width).append("\" y1=\"").append(axisY)
        .append("\" y2=\"").append(axisY).append("\" class=\"axisline\"/>");
    for (int i = 0; i <= 4; i++) {
      double x = left + width * i / 4.0;
      long at = total * i / 4;
      h.append("<line x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(top)
          .append("\" y2=\"").append(axisY + 4).append("\" class=\"grid\"/><text x=\"").append(fmt(x))
          .append("\" y=\"").append(axisY + 17).append("\" text-anchor=\"").append(i == 0 ? "start" : i == 4 ? "end"
              : "middle").append("\" class=\"axis\">").append(i == 0 ? esc(Figures.time(first).substring(11))
              : "+" + esc(Figures.duration(Duration.ofMillis(at)))).append("</text>");
    }
    h.append("<text x=\"").append(left + width / 2).append("\" y=\"").append(height - 2)
        .append("\" text-anchor=\"middle\" class=\"axis\">time since the run started</text>");
    for (RunData.AttemptRow a : rows) {
      double x = left + width * (double) Duration.between(first, a.start).toMillis() / total;
      double w = Math.max(3, width * (double) a.duration(last).toMillis() / total);
      int y = top + a.slot * lane + 3;
      h.append("<a href=\"#").append(Html.ticketAnchor(a.ticket)).append("\"><g><title>")
          .append(esc(a.ticket + " attempt " + a.attempt + ": " + a.label() + ", started "
              + Figures.time(a.start) + ", " + Figures.duration(a.duration(last))))
          .append("</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(y).append("\" width=\"")
          .append(fmt(w)).append("\" height=\"22\" rx=\"4\" fill=\"").append(color(a.outcome)).append("\"/>")
          .append("<text x=\"").append(fmt(x + 4)).append("\" y=\"").append(y + 15).append("\" class=\"bar\">")
          .append(esc(a.ticket + (a.attempt > 1 ? " #" + a.attempt : ""))).append("</text></g></a>");
    }
    h.append("</svg></div>");
    legend(h);
  }

  /**
   * Cost per ticket as horizontal bars, one segment per attempt coloured by its outcome (HTML, so it reads at any
   * width). When no call was priced, the bars measure tokens instead, and the heading says so.
   */
  static void cost(StringBuilder h, RunData run) {
    Map<String, List<RunData.AttemptRow>> byTicket = new LinkedHashMap<>();
    for (RunData.AttemptRow a : run.attempts) {
      byTicket.computeIfAbsent(a.ticket, k -> new ArrayList<>()).add(a);
    }
    if (byTicket.isEmpty()) {
      h.append("<p class=\"empty\">No attempt was started, so nothing was spent.</p>");
      return;
    }
    boolean priced = run.attempts.stream().anyMatch(a -> a.usage.costUsd().signum() > 0);
    DoubleFunction<String> label = priced ? v -> Figures.money(BigDecimal.valueOf(v))
        : v -> Figures.tokens((long) v) + " tokens";
    List<Map.Entry<String, Double>> totals = new ArrayList<>();
    for (var e : byTicket.entrySet()) {
      totals.add(Map.entry(e.getKey(), e.getValue().stream().mapToDouble(a -> measure(a, priced)).sum()));
    }
    totals.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
    double max = Math.max(1e-12, totals.get(0).getValue());
    h.append("<p class=\"muted\">").append(priced ? "Cost" : "No call was priced: tokens")
        .append(" per ticket, one segment per attempt, most expensive first.</p><div class=\"bars\">");
    for (var t : totals) {
      h.append("<div class=\"barrow\"><a class=\"barlabel\" href=\"#").append(Html.ticketAnchor(t.getKey()))
          .append("\">").append(esc(t.getKey())).append("</a><div class=\"track\">");
      for (RunData.AttemptRow a : byTicket.get(t.getKey())) {
        double v = measure(a, priced);
        h.append("<span class=\"seg\" style=\"width:").append(fmt(100 * v / max)).append("%;background:")
            .append(color(a.outcome)).append("\" title=\"").append(esc("attempt " + a.attempt + ": " + a.label()
                + ", " + label.apply(v))).append("\"></span>");
      }
      h.append("</div><span class=\"barvalue\">").append(esc(label.apply(t.getValue()))).append("</span></div>");
    }
    h.append("</div>");
  }

  private static double measure(RunData.AttemptRow a, boolean priced) {
    return priced ? a.usage.costUsd().doubleValue() : a.usage.totalTokens();
  }

  /** One line of a trend: a value per run, {@code NaN} where the run was empty. */
  record Series(String name, String color, double[] values) {}

  /**
   * A line chart with axes: runs along x (empty runs marked and left out of the line, never plotted as zero),
   * the value along y from zero with four labelled grid lines.
   */
  static void trend(StringBuilder h, String title, List<RunData> runs, List<Series> series,
      DoubleFunction<String> format, boolean counts) {
    int w = 360;
    int ht = 210;
    int left = 48;
    int right = 12;
    int top = 14;
    int bottom = 40;
    int plotW = w - left - right;
    int plotH = ht - top - bottom;
    double max = 0;
    for (Series s : series) {
      for (double v : s.values()) {
        if (!Double.isNaN(v)) {
          max = Math.max(max, v);
        }
      }
    }
    // counts (interventions, heals) get whole-number ticks: four grid steps of at least one
    double niceMax = counts ? 4 * Math.max(1, Math.ceil(max / 4)) : nice(max);
    int n = runs.size();
    h.append("<figure class=\"trend\"><figcaption>").append(esc(title)).append("</figcaption><svg viewBox=\"0 0 ")
        .append(w).append(' ').append(ht).append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">");
    for (int i = 0; i <= 4; i++) {
      double y = top + plotH - plotH * i / 4.0;
      h.append("<line x1=\"").append(left).append("\" x2=\"").append(left + plotW).append("\" y1=\"").append(fmt(y))
          .append("\" y2=\"").append(fmt(y)).append("\" class=\"").append(i == 0 ? "axisline" : "grid")
          .append("\"/><text x=\"").append(left - 6).append("\" y=\"").append(fmt(y + 4))
          .append("\" text-anchor=\"end\" class=\"axis\">").append(esc(format.apply(niceMax * i / 4))).append("</text>");
    }
    h.append("<line x1=\"").append(left).append("\" x2=\"").append(left).append("\" y1=\"").append(top)
        .append("\" y2=\"").append(top + plotH).append("\" class=\"axisline\"/>");
    int labelEvery = Math.max(1, (int) Math.ceil(n / 8.0));
    for (int i = 0; i < n; i++) {
      double x = x(i, n, left, plotW);
      RunData run = runs.get(i);
      if (run.empty()) {
        h.append("<rect x=\"").append(fmt(x - 7)).append("\" y=\"").append(top).append("\" width=\"14\" height=\"")
            .append(plotH).append("\" class=\"emptyrun\"><title>").append(esc(run.name + ": empty (no attempt)"))
            .append("</title></rect><text x=\"").append(fmt(x)).append("\" y=\"").append(top + plotH / 2)
            .append("\" text-anchor=\"middle\" class=\"emptylabel\" transform=\"rotate(-90 ").append(fmt(x))
            .append(' ').append(top + plotH / 2).append(")\">empty</text>");
      }
      if (i % labelEvery == 0 || i == n - 1) {
        h.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(top + plotH + 15)
            .append("\" text-anchor=\"middle\" class=\"axis\">").append(i + 1).append("</text>");
      }
    }
    h.append("<text x=\"").append(left + plotW / 2).append("\" y=\"").append(ht - 6)
        .append("\" text-anchor=\"middle\" class=\"axis\">run</text>");
    for (Series s : series) {
      StringBuilder path = new StringBuilder();
      boolean pen = false;
      for (int i = 0; i < n; i++) {
        double v = s.values()[i];
        if (Double.isNaN(v)) {
          pen = false;
          continue;
        }
        double y = top + plotH - (niceMax <= 0 ? 0 : plotH * v / niceMax);
        path.append(pen ? " L " : " M ").append(fmt(x(i, n, left, plotW))).append(' ').append(fmt(y));
        pen = true;
      }
      if (path.length() > 0) {
        h.append("<path d=\"").append(path.toString().strip()).append("\" class=\"line\" stroke=\"")
            .append(s.color()).append("\"/>");
      }
      for (int i = 0; i < n; i++) {
        double v = s.values()[i];
        if (Double.isNaN(v)) {
          continue;
        }
        double y = top + plotH - (niceMax <= 0 ? 0 : plotH * v / niceMax);
        h.append("<circle cx=\"").append(fmt(x(i, n, left, plotW))).append("\" cy=\"").append(fmt(y))
            .append("\" r=\"3.5\" fill=\"").append(s.color()).append("\"><title>").append(esc(runs.get(i).name
                + ": " + s.name() + " " + format.apply(v))).append("</title></circle>");
      }
    }
    h.append("</svg>");
    if (series.size() > 1) {
      h.append("<p class=\"legend\">");
      for (Series s : series) {
        h.append("<span><i style=\"background:").append(s.color()).append("\"></i>").append(esc(s.name()))
            .append("</span>");
      }
      h.append("</p>");
    }
    h.append("</figure>");
  }

  private static double x(int i, int n, int left, int plotW) {
    return n == 1 ? left + plotW / 2.0 : left + 14 + (plotW - 28) * i / (double) (n - 1);
  }

  /** The smallest of 1, 2, 2.5, 5 times a power of ten at or above {@code max} (1 for nothing to show). */
  static double nice(double max) {
    if (max <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= max - 1e-12) {
        return m * p;
      }
    }
    return 10 * p;
  }
}

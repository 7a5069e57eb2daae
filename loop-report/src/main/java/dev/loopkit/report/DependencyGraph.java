package dev.loopkit.report;

import static dev.loopkit.report.Html.esc;
import static dev.loopkit.report.Html.fmt;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Ticket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The batch's dependency graph: a layered drawing (a ticket one column right of the furthest ticket it waits
 * for), arrows from a ticket to the tickets waiting on it, and the edges in words, read the way the tracker
 * means them ({@link Dependency}: on ticket A, {@code blocks:B} means B blocks A).
 */
final class DependencyGraph {
  private DependencyGraph() {}

  /**
   * The edge {@code d} held by {@code holder}, in words: {@code blocks:B} on A reads "B blocks A",
   * {@code parent-child:P} reads "P is the parent of A", {@code related:B} "A is related to B" and
   * {@code discovered-from:B} "A was discovered while working on B".
   */
  static String describe(String holder, Dependency d) {
    switch (d.type()) {
      case BLOCKS:
        return d.target() + " blocks " + holder + " (" + holder + " waits for " + d.target() + ")";
      case PARENT_CHILD:
        return d.target() + " is the parent of " + holder;
      case RELATED:
        return holder + " is related to " + d.target();
      case DISCOVERED_FROM:
        return holder + " was discovered while working on " + d.target();
      default:
        return holder + " " + d.type().wireName() + " " + d.target();
    }
  }

  static void render(StringBuilder h, Batch batch) {
    List<Ticket> tickets = batch.tickets();
    if (tickets.isEmpty()) {
      h.append("<p class=\"empty\">The batch is empty.</p>");
      return;
    }
    Map<String, Integer> layer = new LinkedHashMap<>();
    for (Ticket t : tickets) {
      layer(t.id(), batch, layer, new HashSet<>());
    }
    Map<Integer, List<Ticket>> columns = new TreeMap<>();
    for (Ticket t : tickets) {
      columns.computeIfAbsent(layer.get(t.id()), k -> new ArrayList<>()).add(t);
    }
    int colWidth = 200;
    int rowHeight = 60;
    int boxW = 160;
    int boxH = 44;
    int rows = columns.values().stream().mapToInt(List::size).max().orElse(1);
    Map<String, int[]> at = new HashMap<>();
    columns.forEach((c, list) -> {
      for (int i = 0; i < list.size(); i++) {
        at.put(list.get(i).id(), new int[] {10 + c * colWidth, 10 + i * rowHeight});
      }
    });
    int svgW = 20 + columns.size() * colWidth - (colWidth - boxW);
    int svgH = 20 + rows * rowHeight - (rowHeight - boxH);
    h.append("<div class=\"scroll\"><svg class=\"graph\" width=\"").append(svgW).append("\" viewBox=\"0 0 ")
        .append(svgW).append(' ').append(svgH).append("\" role=\"img\" aria-label=\"dependency graph\">")
        .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\"")
        .append(" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"")
        .append(" fill=\"#777\"/></marker></defs>");
    List<String> sentences = new ArrayList<>();
    for (Ticket t : tickets) {
      int[] to = at.get(t.id());
      for (Dependency d : t.dependencies()) {
        sentences.add(describe(t.id(), d));
        int[] from = at.get(d.target());
        if (from == null) {
          continue;
        }
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
            .append(fmt(x2)).append(' ').append(fmt(y2)).append("\" class=\"edge")
            .append(d.type().affectsReadiness() ? "" : " soft").append("\" marker-end=\"url(#arrow)\"><title>")
            .append(esc(describe(t.id(), d))).append("</title></path>");
      }
    }
    for (Ticket t : tickets) {
      int[] p = at.get(t.id());
      String status = t.status().wireName();
      h.append("<a href=\"#").append(Html.ticketAnchor(t.id())).append("\"><g class=\"node status-")
          .append(esc(status)).append("\"><title>").append(esc(t.id() + ": " + t.title() + " (" + status + ")"
              + (t.resources().isEmpty() ? "" : ", needs " + String.join(", ", t.resources()))))
          .append("</title><rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"")
          .append(boxW).append("\" height=\"").append(boxH).append("\" rx=\"6\"/><text x=\"").append(p[0] + 8)
          .append("\" y=\"").append(p[1] + 18).append("\" class=\"id\">").append(esc(t.id())).append(" · ")
          .append(esc(status)).append("</text><text x=\"").append(p[0] + 8).append("\" y=\"").append(p[1] + 35)
          .append("\" class=\"title\">").append(esc(Html.shorten(t.title(), 24))).append("</text></g></a>");
    }
    h.append("</svg></div><p class=\"legend\">Arrows point from a ticket to the tickets waiting on it; dashed"
        + " arrows (related, discovered-from) never block.</p>");
    if (!sentences.isEmpty()) {
      h.append("<details class=\"edges\"><summary>").append(sentences.size()).append(" edge")
          .append(sentences.size() == 1 ? "" : "s").append(" in words</summary><ul>");
      sentences.forEach(s -> h.append("<li>").append(esc(s)).append("</li>"));
      h.append("</ul></details>");
    }
  }

  private static int layer(String id, Batch batch, Map<String, Integer> layer, Set<String> visiting) {
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
        if (batch.contains(d.target()) && (d.type().affectsReadiness()
            || d.type() == DependencyType.DISCOVERED_FROM)) {
          l = Math.max(l, layer(d.target(), batch, layer, visiting) + 1);
        }
      }
    }
    visiting.remove(id);
    layer.put(id, l);
    return l;
  }
}

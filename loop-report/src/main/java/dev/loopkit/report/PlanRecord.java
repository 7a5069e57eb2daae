package dev.loopkit.report;

import static dev.loopkit.report.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A plan as {@code loop plan} (the Planner of loop-llm) journals it in its own directory: {@code plan.json}
 * (intent, master, tickets, research index, lint rounds, reviews), {@code research/<n>.md}, {@code filed.json}
 * (plan key to ticket id) and {@code transcripts/}. Read as plain JSON, so this module needs only loop-core. A
 * plan belongs to a run when a ticket it filed is among the run's tickets.
 */
final class PlanRecord {
  private static final ObjectMapper JSON = new ObjectMapper();

  final String id;
  final Path directory;
  final @Nullable JsonNode plan;
  final Map<String, String> filed;
  /** Why plan.json could not be read, or null. */
  final @Nullable String problem;

  private PlanRecord(String id, Path directory, @Nullable JsonNode plan, Map<String, String> filed,
      @Nullable String problem) {
    this.id = id;
    this.directory = directory;
    this.plan = plan;
    this.filed = filed;
    this.problem = problem;
  }

  /**
   * The plans under {@code plansDirectory} (one folder per plan id) that filed at least one of {@code tickets};
   * empty when the folder does not exist.
   *
   * @throws UncheckedIOException if the folder exists but cannot be listed
   */
  static List<PlanRecord> filing(Path plansDirectory, Collection<String> tickets) {
    if (!Files.isDirectory(plansDirectory)) {
      return List.of();
    }
    List<PlanRecord> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(plansDirectory)) {
      for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
        Map<String, String> filed = filed(dir.resolve("filed.json"));
        if (filed.values().stream().noneMatch(tickets::contains)) {
          continue;
        }
        JsonNode plan = null;
        String problem = null;
        Path file = dir.resolve("plan.json");
        try {
          plan = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
          if (plan == null || !plan.isObject()) {
            problem = file + " is not a JSON object: expected the plan the planner journaled";
            plan = null;
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          problem = file + " cannot be read: it is not valid JSON (" + e.getOriginalMessage()
              + (e.getLocation() == null ? "" : ", line " + e.getLocation().getLineNr() + " column "
                  + e.getLocation().getColumnNr()) + "): expected the plan the planner journaled";
        } catch (IOException e) {
          problem = file + " cannot be read: " + e.getMessage();
        }
        out.add(new PlanRecord(dir.getFileName().toString(), dir, plan, filed, problem));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the plans in " + plansDirectory, e);
    }
    return out;
  }

  private static Map<String, String> filed(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    try {
      JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (n != null && n.isObject()) {
        n.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
      }
    } catch (IOException e) {
      // a plan whose filing record is damaged cannot be matched to the run: it is left out, not guessed
    }
    return out;
  }

  /** The plan section: intent, master, the planned tickets with their ids, research, lint rounds and reviews. */
  void render(StringBuilder h, Function<Path, String> link) {
    h.append("<article class=\"plan\" id=\"plan-").append(esc(id)).append("\"><h3>Plan <code>")
        .append(esc(Html.shorten(id, 16))).append("</code></h3>");
    if (plan == null) {
      h.append("<p class=\"problem\">").append(esc(String.valueOf(problem))).append("</p></article>");
      return;
    }
    h.append("<p class=\"intent\">").append(esc(plan.path("intent").asText(""))).append("</p>");
    String master = filed.getOrDefault("master", plan.path("existing_master").asText(""));
    JsonNode m = plan.path("master");
    h.append("<p><b>Master</b> ").append(master.isEmpty() ? "" : "<a href=\"#" + Html.ticketAnchor(master) + "\">"
        + esc(master) + "</a> ").append(esc(m.path("title").asText(""))).append("</p>");
    list(h, "acceptance", m.path("acceptance_criteria"));

    h.append("<h4>Planned tickets</h4><div class=\"scroll\"><table class=\"plan-tickets\"><thead><tr><th>key</th>")
        .append("<th>ticket</th><th>title</th><th>blocked by</th><th>finish line</th></tr></thead><tbody>");
    for (JsonNode t : plan.path("tickets")) {
      String key = t.path("key").asText("");
      String ticket = filed.getOrDefault(key, "");
      List<String> blockers = new ArrayList<>();
      t.path("blocked_by").forEach(b -> blockers.add(filed.getOrDefault(b.asText(), b.asText())));
      h.append("<tr><td>").append(esc(key)).append("</td><td>").append(ticket.isEmpty() ? "not filed"
          : "<a href=\"#" + Html.ticketAnchor(ticket) + "\">" + esc(ticket) + "</a>").append("</td><td>")
          .append(esc(t.path("title").asText(""))).append("</td><td>").append(esc(String.join(", ", blockers)))
          .append("</td><td><code>").append(esc(t.path("verify").asText(""))).append("</code>")
          .append(t.path("verify_expect").asText("").isEmpty() ? "" : " expecting <code>/"
              + esc(t.path("verify_expect").asText()) + "/</code>").append("</td></tr>");
    }
    h.append("</tbody></table></div>");

    JsonNode research = plan.path("research");
    h.append("<h4>Research (").append(research.size()).append(")</h4>");
    if (research.isEmpty()) {
      h.append("<p>No research pass.</p>");
    }
    for (JsonNode r : research) {
      String file = r.path("report").asText("");
      String answer = "";
      Path path = file.isEmpty() ? null : directory.resolve(file).normalize();
      if (path != null && path.startsWith(directory) && Files.isRegularFile(path)) {
        try {
          answer = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
          answer = "cannot read " + path + ": " + e.getMessage();
        }
      }
      h.append("<details><summary>").append(r.path("index").asInt()).append(". ")
          .append(esc(r.path("question").asText(""))).append(r.path("answered").asBoolean(true) ? ""
              : " <span class=\"warn\">(no answer)</span>").append("</summary><pre>").append(esc(answer.strip()))
          .append("</pre>");
      if (path != null && Files.isRegularFile(path)) {
        h.append("<p><a href=\"").append(esc(link.apply(path))).append("\">").append(esc(file)).append("</a></p>");
      }
      h.append("</details>");
    }

    JsonNode lint = plan.path("lint_rounds");
    h.append("<h4>Readiness lint (").append(lint.size()).append(" round").append(lint.size() == 1 ? "" : "s")
        .append(")</h4><ol class=\"rounds\">");
    for (JsonNode r : lint) {
      boolean passed = r.path("passed").asBoolean();
      h.append("<li><span class=\"pill ").append(passed ? "ok" : "bad").append("\">")
          .append(passed ? "passed" : "sent back").append("</span>");
      if (r.path("findings").size() > 0) {
        h.append("<ul>");
        for (JsonNode f : r.path("findings")) {
          h.append("<li><b>").append(esc(f.path("ticket").asText(""))).append("</b> ")
              .append(esc(f.path("field").asText(""))).append(": ").append(esc(f.path("message").asText("")))
              .append(" <span class=\"muted\">(").append(esc(f.path("rule").asText(""))).append(")</span></li>");
        }
        h.append("</ul>");
      }
      h.append("</li>");
    }
    h.append("</ol>");

    JsonNode reviews = plan.path("reviews");
    h.append("<h4>Review (").append(reviews.size()).append(" round").append(reviews.size() == 1 ? "" : "s")
        .append(")</h4>");
    if (reviews.isEmpty()) {
      h.append("<p>No reviewer was configured.</p>");
    } else {
      h.append("<ol class=\"rounds\">");
      for (JsonNode r : reviews) {
        boolean approved = r.path("approved").asBoolean();
        h.append("<li><span class=\"pill ").append(approved ? "ok" : "bad").append("\">")
            .append(approved ? "approved" : "changes requested").append("</span> by ")
            .append(esc(r.path("reviewer").asText("")));
        list(h, null, r.path("findings"));
        h.append("</li>");
      }
      h.append("</ol>");
    }
    Path transcripts = directory.resolve("transcripts");
    if (Files.isDirectory(transcripts)) {
      try (Stream<Path> s = Files.list(transcripts)) {
        List<Path> files = s.filter(Files::isRegularFile).sorted().toList();
        if (!files.isEmpty()) {
          h.append("<p class=\"transcripts\">Transcripts: ");
          for (Path f : files) {
            h.append("<a href=\"").append(esc(link.apply(f))).append("\">").append(esc(f.getFileName().toString()))
                .append("</a> ");
          }
          h.append("</p>");
        }
      } catch (IOException e) {
        h.append("<p class=\"problem\">cannot list ").append(esc(transcripts.toString())).append("</p>");
      }
    }
    h.append("</article>");
  }

  private static void list(StringBuilder h, @Nullable String label, JsonNode items) {
    if (items.isEmpty()) {
      return;
    }
    if (label != null) {
      h.append("<p class=\"muted\">").append(esc(label)).append("</p>");
    }
    h.append("<ul>");
    items.forEach(i -> h.append("<li>").append(esc(i.asText(""))).append("</li>"));
    h.append("</ul>");
  }
}

package dev.loopkit.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The issue-body format: what Loop writes into the issues it files and what it reads from any issue.
 *
 * <pre>
 * the description, as the draft gave it
 *
 * &lt;!-- loop:fields --&gt;
 * ## Acceptance criteria
 *
 * - mvn -B verify passes
 *
 * Blocked by #12
 * Parent: #3
 * Related to #5
 * Discovered from #7
 *
 * &lt;!-- loop:key "run-1/discovered" --&gt;
 * &lt;!-- loop:metadata {"origin":"worker"} --&gt;
 * </pre>
 *
 * <p>Reading is tolerant of issues people wrote: an {@code ## Acceptance criteria} heading (any level) followed
 * by bullet or numbered items gives the criteria, and lines {@code Blocked by #12} (or {@code Depends on #12}),
 * {@code Parent: #3}, {@code Related to #5} and {@code Discovered from #7} anywhere give edges. The description
 * is the text before the {@code loop:fields} marker, or the whole body when there is none.
 */
final class IssueBody {
  static final String FIELDS = "<!-- loop:fields -->";
  private static final String CRITERIA_HEADING = "## Acceptance criteria";
  private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern ITEM = Pattern.compile("^\\s*(?:[-*+]|\\d+[.)])\\s+(?:\\[[ xX]\\]\\s+)?(.*\\S)\\s*$");
  private static final Pattern EDGE = Pattern.compile(
      "^\\s*(?:[-*+]\\s+)?(blocked\\s+by|depends\\s+on|parent\\s*:?|related\\s+to|discovered\\s+from)\\s*:?\\s*"
          + "(#\\d+(?:\\s*,\\s*#\\d+)*)\\s*\\.?\\s*$",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern KEY = Pattern.compile("<!--\\s*loop:key\\s+(\"(?:[^\"\\\\]|\\\\.)*\")\\s*-->");
  private static final Pattern METADATA = Pattern.compile("<!--\\s*loop:metadata\\s+(\\{.*?\\})\\s*-->",
      Pattern.DOTALL);
  private static final Pattern HIDDEN = Pattern.compile("<!--\\s*loop:(?:key|metadata)\\s");

  /** What a body says. {@code key} is empty when the issue carries no idempotency marker. */
  record Parsed(String description, List<String> criteria, List<Dependency> dependencies, String key,
      Map<String, String> metadata) {}

  private IssueBody() {}

  /** The body of a new issue for {@code draft}, edges included as lines. */
  static String render(NewTicket draft, ObjectMapper json) {
    StringBuilder b = new StringBuilder();
    if (!draft.body().isEmpty()) {
      b.append(draft.body()).append("\n\n");
    }
    b.append(FIELDS).append('\n');
    if (!draft.acceptanceCriteria().isEmpty()) {
      b.append(CRITERIA_HEADING).append("\n\n");
      for (String c : draft.acceptanceCriteria()) {
        b.append("- ").append(c.replaceAll("\\s*\\R\\s*", " ").strip()).append('\n');
      }
    }
    String text = b.toString();
    for (Dependency d : draft.dependencies()) {
      text = appendEdge(text, edgeLine(d));
    }
    b = new StringBuilder(text.stripTrailing()).append("\n\n");
    if (!draft.idempotencyKey().isEmpty()) {
      b.append("<!-- loop:key ").append(hiddenJson(draft.idempotencyKey(), json)).append(" -->\n");
    }
    if (!draft.metadata().isEmpty()) {
      b.append("<!-- loop:metadata ").append(hiddenJson(new TreeMap<>(draft.metadata()), json)).append(" -->\n");
    }
    return b.toString().stripTrailing() + "\n";
  }

  /** The body with one more edge line in its fields block (created when missing). */
  static String withEdge(String body, Dependency dependency) {
    String b = normalize(body);
    String line = edgeLine(dependency);
    int marker = b.indexOf(FIELDS);
    if (marker < 0) {
      String head = b.stripTrailing();
      return (head.isEmpty() ? "" : head + "\n\n") + FIELDS + "\n" + line + "\n";
    }
    Matcher hidden = HIDDEN.matcher(b);
    if (!hidden.find(marker)) {
      return appendEdge(b, line).stripTrailing() + "\n";
    }
    return appendEdge(b.substring(0, hidden.start()), line).stripTrailing() + "\n\n" + b.substring(hidden.start());
  }

  /** Appends an edge line, after a blank line unless the text already ends with an edge line. */
  private static String appendEdge(String text, String line) {
    String head = text.stripTrailing();
    int lastBreak = head.lastIndexOf('\n');
    String last = head.substring(lastBreak + 1);
    return head + (EDGE.matcher(last).matches() ? "\n" : "\n\n") + line + "\n";
  }

  static String edgeLine(Dependency d) {
    String n = "#" + d.target();
    switch (d.type()) {
      case BLOCKS:
        return "Blocked by " + n;
      case PARENT_CHILD:
        return "Parent: " + n;
      case RELATED:
        return "Related to " + n;
      case DISCOVERED_FROM:
        return "Discovered from " + n;
      default:
        throw new IllegalStateException("unhandled dependency type " + d.type());
    }
  }

  /**
   * Reads a body.
   *
   * @throws InputException naming {@code where} when a hidden marker is damaged
   */
  static Parsed parse(String body, ObjectMapper json, String where) {
    String b = normalize(body);
    int marker = b.indexOf("\n\n" + FIELDS);
    String description = marker >= 0 ? b.substring(0, marker) : b.startsWith(FIELDS) ? "" : b;
    List<String> criteria = new ArrayList<>();
    List<Dependency> edges = new ArrayList<>();
    boolean inCriteria = false;
    boolean inFence = false;
    for (String line : b.split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (inFence) {
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        inCriteria = heading.group(1).replaceAll(":$", "").trim().equalsIgnoreCase("acceptance criteria");
        continue;
      }
      Matcher edge = EDGE.matcher(line);
      if (edge.matches()) {
        DependencyType type = edgeType(edge.group(1));
        for (String ref : edge.group(2).split(",")) {
          Dependency d = new Dependency(type, ref.trim().substring(1));
          if (!edges.contains(d)) {
            edges.add(d);
          }
        }
        continue;
      }
      if (line.contains("<!--")) {
        inCriteria = false;
        continue;
      }
      if (inCriteria) {
        Matcher item = ITEM.matcher(line);
        if (item.matches()) {
          criteria.add(item.group(1));
        }
      }
    }
    return new Parsed(description, criteria, edges, key(b, json, where), metadata(b, json, where));
  }

  /** The idempotency key a body carries, or empty. */
  static String key(String body, ObjectMapper json, String where) {
    Matcher m = KEY.matcher(body);
    if (!m.find()) {
      return "";
    }
    try {
      return json.readValue(m.group(1), String.class);
    } catch (JsonProcessingException e) {
      throw new InputException("the loop:key marker of " + where + " is damaged ('" + m.group() + "'): expected"
          + " <!-- loop:key \"...\" --> as Loop wrote it", e);
    }
  }

  private static Map<String, String> metadata(String body, ObjectMapper json, String where) {
    Matcher m = METADATA.matcher(body);
    if (!m.find()) {
      return Map.of();
    }
    try {
      return new LinkedHashMap<>(json.readValue(m.group(1), new TypeReference<Map<String, String>>() {}));
    } catch (JsonProcessingException e) {
      throw new InputException("the loop:metadata marker of " + where + " is damaged: expected a JSON object of"
          + " strings as Loop wrote it, found '" + m.group(1) + "'", e);
    }
  }

  private static DependencyType edgeType(String word) {
    String w = word.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replace(":", "").trim();
    switch (w) {
      case "blocked by":
      case "depends on":
        return DependencyType.BLOCKS;
      case "parent":
        return DependencyType.PARENT_CHILD;
      case "related to":
        return DependencyType.RELATED;
      default:
        return DependencyType.DISCOVERED_FROM;
    }
  }

  /** JSON for a hidden comment: {@code <} and {@code >} escaped so the value can never close the comment. */
  private static String hiddenJson(Object value, ObjectMapper json) {
    try {
      return json.writeValueAsString(value).replace("<", "\\u003c").replace(">", "\\u003e");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("strings always serialize", e);
    }
  }

  private static String normalize(String body) {
    return body.replace("\r\n", "\n");
  }
}

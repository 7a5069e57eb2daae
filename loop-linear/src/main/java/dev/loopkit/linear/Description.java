package dev.loopkit.linear;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The issue-description format: the fields Linear has no place for, written as plain Markdown at the end of the
 * description (Linear keeps descriptions as Markdown but has no hidden comments, so nothing here is hidden).
 *
 * <pre>
 * the description, as the draft gave it
 *
 * ## Acceptance criteria
 *
 * - mvn -B verify passes
 *
 * ## Loop
 *
 * Discovered from ENG-7
 * Metadata: `{"origin":"worker"}`
 * </pre>
 *
 * <p>Reading is tolerant of issues people wrote: the description is the text before the first heading (any
 * level) named "Acceptance criteria" or "Loop"; the criteria are the bullet or numbered items under the first,
 * the discovered-from lines and the metadata line are read under the second. Code fences are skipped.
 */
final class Description {
  private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern ITEM = Pattern.compile("^\\s*(?:[-*+]|\\d+[.)])\\s+(?:\\[[ xX]\\]\\s+)?(.*\\S)\\s*$");
  private static final Pattern DISCOVERED = Pattern.compile(
      "^\\s*(?:[-*+]\\s+)?discovered\\s+from\\s*:?\\s*([A-Za-z0-9]+-[0-9]+)\\s*\\.?\\s*$", Pattern.CASE_INSENSITIVE);
  private static final Pattern METADATA = Pattern.compile("^\\s*metadata\\s*:\\s*`(\\{.*\\})`\\s*$",
      Pattern.CASE_INSENSITIVE);

  /** What a description says. */
  record Parsed(String description, List<String> criteria, List<Dependency> discoveredFrom,
      Map<String, String> metadata) {}

  private Description() {}

  /** The description of a new issue. */
  static String render(String body, List<String> criteria, List<String> discoveredFrom, Map<String, String> metadata,
      ObjectMapper json) {
    if (criteria.isEmpty() && discoveredFrom.isEmpty() && metadata.isEmpty()) {
      return body;
    }
    // the body is kept exactly, then one blank line: parse() takes that separator off again
    StringBuilder b = new StringBuilder(body.isEmpty() ? "" : body + "\n\n");
    if (!criteria.isEmpty()) {
      b.append("## Acceptance criteria\n\n");
      for (String c : criteria) {
        b.append("- ").append(c.replaceAll("\\s*\\R\\s*", " ").strip()).append('\n');
      }
    }
    if (!discoveredFrom.isEmpty() || !metadata.isEmpty()) {
      b.append(criteria.isEmpty() ? "" : "\n").append("## Loop\n\n");
      for (String origin : discoveredFrom) {
        b.append("Discovered from ").append(origin).append('\n');
      }
      if (!metadata.isEmpty()) {
        b.append("Metadata: `").append(inlineJson(new TreeMap<>(metadata), json)).append("`\n");
      }
    }
    return b.toString().stripTrailing();
  }

  /** The description with one more discovered-from line in its Loop section (created when missing). */
  static String withDiscoveredFrom(String description, String origin) {
    String d = description.replace("\r\n", "\n").stripTrailing();
    String line = "Discovered from " + origin;
    List<String> lines = new ArrayList<>(List.of(d.split("\n", -1)));
    int loop = -1;
    boolean fence = false;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.strip().startsWith("```")) {
        fence = !fence;
      }
      Matcher h = HEADING.matcher(l);
      if (!fence && h.matches() && name(h.group(1)).equals("loop")) {
        loop = i;
      }
    }
    if (loop < 0) {
      return (d.isEmpty() ? "" : d + "\n\n") + "## Loop\n\n" + line;
    }
    int insert = loop + 1;
    while (insert < lines.size() && lines.get(insert).isBlank()) {
      insert++;
    }
    lines.add(insert, line);
    if (insert == loop + 1) {
      lines.add(insert, "");
    }
    return String.join("\n", lines).stripTrailing();
  }

  /**
   * Reads a description.
   *
   * @throws InputException naming {@code where} when the metadata line is damaged
   */
  static Parsed parse(String text, ObjectMapper json, String where) {
    String d = text.replace("\r\n", "\n");
    String[] lines = d.split("\n", -1);
    int fieldsStart = -1;
    String section = "";
    boolean fence = false;
    List<String> criteria = new ArrayList<>();
    List<Dependency> discovered = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    int offset = 0;
    for (String line : lines) {
      int lineStart = offset;
      offset += line.length() + 1;
      if (line.strip().startsWith("```")) {
        fence = !fence;
        continue;
      }
      if (fence) {
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String name = name(heading.group(1));
        if (name.equals("acceptance criteria") || name.equals("loop")) {
          if (fieldsStart < 0) {
            fieldsStart = lineStart;
          }
          section = name;
        } else if (fieldsStart >= 0) {
          section = "";
        }
        continue;
      }
      if (section.equals("acceptance criteria")) {
        Matcher item = ITEM.matcher(line);
        if (item.matches()) {
          criteria.add(item.group(1));
        }
      } else if (section.equals("loop")) {
        Matcher m = DISCOVERED.matcher(line);
        if (m.matches()) {
          Dependency dep = Dependency.discoveredFrom(m.group(1));
          if (!discovered.contains(dep)) {
            discovered.add(dep);
          }
        }
        Matcher meta = METADATA.matcher(line);
        if (meta.matches()) {
          metadata.putAll(metadata(meta.group(1), json, where));
        }
      }
    }
    String description = d;
    if (fieldsStart >= 0) {
      description = d.substring(0, fieldsStart);
      description = description.endsWith("\n\n") ? description.substring(0, description.length() - 2)
          : description.stripTrailing();
    }
    return new Parsed(description, criteria, discovered, metadata);
  }

  private static String name(String heading) {
    return heading.replaceAll(":$", "").trim().toLowerCase(java.util.Locale.ROOT);
  }

  private static Map<String, String> metadata(String text, ObjectMapper json, String where) {
    try {
      return json.readValue(text, new TypeReference<Map<String, String>>() {});
    } catch (JsonProcessingException e) {
      throw new InputException("the Metadata line of " + where + " is damaged: expected a JSON object of strings"
          + " in backticks as Loop wrote it, found '" + text + "'", e);
    }
  }

  /** JSON safe inside a Markdown code span: a backtick would end the span, so it is escaped. */
  private static String inlineJson(Object value, ObjectMapper json) {
    try {
      return json.writeValueAsString(value).replace("`", "\\u0060");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("strings always serialize", e);
    }
  }
}

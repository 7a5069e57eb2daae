package dev.loopkit.core.markdown;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes one ticket file. The format is described in {@code loop-core/MARKDOWN-TRACKER.md}:
 *
 * <pre>
 * ---
 * (YAML front matter: the ticket's fields)
 * ---
 *
 * (Markdown body: the description)
 *
 * ## Log
 *
 * - 2026-01-01T10:00:00Z loop
 *   a comment, every line indented by two spaces
 * </pre>
 *
 * <p>Scalars are read as the text written in the file (YAML's implicit typing is ignored), so {@code 0x1F} or
 * {@code yes} stay what a person typed. Text blocks (the body and each comment) are normalized the same way on
 * writing and reading: line breaks become {@code \n}, leading blank lines and trailing whitespace are dropped.
 * So writing a ticket and reading it back gives an equal ticket. Thread-safe and stateless.
 */
final class TicketFileFormat {
  static final String IDEMPOTENCY_KEY = "idempotency-key";
  static final String LOG_HEADING = "## Log";
  private static final String FENCE = "---";
  private static final List<String> FIELDS = List.of("id", "title", "status", "priority", "created", "labels",
      "resources", "depends_on", "acceptance", "metadata");
  private static final Pattern ENTRY = Pattern.compile("- (\\S+)(?: +(.*))?");
  private static final String ENTRY_FORM =
      "expected '- <ISO-8601 instant> <author>' starting an entry, or a line of the entry indented by two spaces";

  private final YAMLFactory yaml = YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .build();

  /** A front matter value ({@code String}, {@code List}, {@code Map} or null) and the file line it starts on. */
  private record Field(@Nullable Object value, int line) {}

  /**
   * Parses a ticket file. Does not compare the id with the file name (the folder does, so that a duplicate id
   * is reported as such) and does not check that dependency targets exist.
   *
   * @throws InputException naming the file, the field, its line and what was expected
   */
  Ticket parse(Path file, String content) {
    String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
    List<String> lines = Arrays.asList(text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1));
    if (!lines.get(0).strip().equals(FENCE)) {
      throw new InputException(file + ": no YAML front matter: expected the first line to be '---', then the"
          + " ticket's fields (id, title, ...), then a line '---'");
    }
    int close = -1;
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).stripTrailing().equals(FENCE)) {
        close = i;
        break;
      }
    }
    if (close < 0) {
      throw new InputException(file + ": the front matter opened by '---' on line 1 is never closed: expected a"
          + " line '---' after the fields");
    }
    Map<String, Field> fields = readFrontMatter(file, String.join("\n", lines.subList(1, close)));
    for (Map.Entry<String, Field> f : fields.entrySet()) {
      if (!FIELDS.contains(f.getKey())) {
        throw fieldError(file, f.getKey(), f.getValue().line(), "unknown field: expected one of "
            + String.join(", ", FIELDS) + " (put other values under metadata)");
      }
    }
    String id = requiredText(file, fields, "id", "the ticket's id, e.g. id: T-1");
    Ticket.Builder b;
    try {
      b = Ticket.builder(id);
    } catch (InputException e) {
      throw fieldError(file, "id", fields.get("id").line(), e.getMessage(), e);
    }
    String title = requiredText(file, fields, "title", "a one-line summary");
    if (title.isBlank()) {
      throw fieldError(file, "title", fields.get("title").line(), "blank: expected a one-line summary");
    }
    b.title(title);
    Field status = fields.get("status");
    String statusText = optionalText(file, "status", status);
    if (statusText != null) {
      try {
        b.status(Status.parse(statusText));
      } catch (InputException e) {
        throw fieldError(file, "status", status.line(), e.getMessage(), e);
      }
    }
    Field priority = fields.get("priority");
    String priorityText = optionalText(file, "priority", priority);
    if (priorityText != null) {
      if (!priorityText.strip().matches("[0-4]")) {
        throw fieldError(file, "priority", priority.line(),
            "'" + priorityText + "' is not a priority: expected a whole number from 0 (highest) to 4");
      }
      b.priority(Integer.parseInt(priorityText.strip()));
    }
    Field created = fields.get("created");
    String createdText = optionalText(file, "created", created);
    if (createdText != null) {
      try {
        b.createdAt(Instant.parse(createdText.strip()));
      } catch (DateTimeParseException e) {
        throw fieldError(file, "created", created.line(),
            "'" + createdText + "' is not an instant: expected ISO-8601 such as 2026-01-01T10:00:00Z", e);
      }
    }
    b.labels(textList(file, fields, "labels"));
    for (String resource : textList(file, fields, "resources")) {
      try {
        b.addResource(resource);
      } catch (InputException e) {
        throw fieldError(file, "resources", fields.get("resources").line(), e.getMessage(), e);
      }
    }
    for (Dependency d : dependencies(file, fields)) {
      try {
        b.addDependency(d);
      } catch (InputException e) {
        throw fieldError(file, "depends_on", fields.get("depends_on").line(), e.getMessage(), e);
      }
    }
    b.acceptanceCriteria(textList(file, fields, "acceptance"));
    b.metadata(metadata(file, fields));

    int log = -1;
    for (int i = lines.size() - 1; i > close; i--) {
      if (lines.get(i).stripTrailing().equals(LOG_HEADING)) {
        log = i;
        break;
      }
    }
    b.body(normalizeBlock(String.join("\n", lines.subList(close + 1, log < 0 ? lines.size() : log))));
    if (log >= 0) {
      b.comments(parseLog(file, lines, log + 1));
    }
    return b.build();
  }

  /**
   * The file text for a ticket: front matter with fields in a fixed order (empty lists, empty metadata and an
   * unknown creation time omitted; resources and metadata keys sorted), the body, and the log.
   *
   * @throws InputException if a comment author spans lines, which the log cannot hold
   */
  String render(Ticket t) {
    StringWriter yamlText = new StringWriter();
    try (JsonGenerator g = yaml.createGenerator(yamlText)) {
      g.writeStartObject();
      g.writeStringField("id", t.id());
      g.writeStringField("title", t.title());
      g.writeStringField("status", t.status().wireName());
      g.writeNumberField("priority", t.priority());
      if (!t.createdAt().equals(Instant.EPOCH)) {
        g.writeStringField("created", t.createdAt().toString());
      }
      writeList(g, "labels", t.labels());
      writeList(g, "resources", new ArrayList<>(new TreeSet<>(t.resources())));
      List<String> deps = new ArrayList<>();
      t.dependencies().forEach(d -> deps.add(d.toString()));
      writeList(g, "depends_on", deps);
      writeList(g, "acceptance", t.acceptanceCriteria());
      if (!t.metadata().isEmpty()) {
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> e : new TreeMap<>(t.metadata()).entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new AdapterException("cannot render the front matter of ticket " + t.id() + ": " + e, e);
    }
    StringBuilder out = new StringBuilder();
    out.append(FENCE).append('\n').append(yamlText);
    if (out.charAt(out.length() - 1) != '\n') {
      out.append('\n');
    }
    out.append(FENCE).append("\n\n");
    String body = normalizeBlock(t.body());
    if (!body.isEmpty()) {
      out.append(body).append("\n\n");
    }
    out.append(LOG_HEADING).append('\n');
    for (Comment c : t.comments()) {
      String author = c.author().strip();
      if (author.contains("\n") || author.contains("\r")) {
        throw new InputException("comment author '" + c.author() + "' on ticket " + t.id()
            + ": expected a single line");
      }
      out.append("\n- ").append(c.at()).append(author.isEmpty() ? "" : " " + author).append('\n');
      String commentBody = normalizeBlock(c.body());
      if (!commentBody.isEmpty()) {
        for (String line : commentBody.split("\n", -1)) {
          out.append(line.isEmpty() ? "" : "  " + line).append('\n');
        }
      }
    }
    return out.toString();
  }

  /** The form in which a text block is stored: {@code \n} line breaks, no leading blank lines, no trailing whitespace. */
  static String normalizeBlock(String text) {
    String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) {
      first++;
    }
    return String.join("\n", Arrays.asList(lines).subList(first, lines.length)).stripTrailing();
  }

  private static void writeList(JsonGenerator g, String name, List<String> values) throws IOException {
    if (values.isEmpty()) {
      return;
    }
    g.writeArrayFieldStart(name);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  private Map<String, Field> readFrontMatter(Path file, String yamlText) {
    Map<String, Field> fields = new LinkedHashMap<>();
    try (JsonParser p = yaml.createParser(yamlText)) {
      JsonToken token = p.nextToken();
      if (token == null) {
        return fields;
      }
      if (token != JsonToken.START_OBJECT) {
        throw new InputException(file + ": the front matter (line 2) is not a mapping: expected 'field: value'"
            + " lines such as 'id: T-1'");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int line = fileLine(p.currentTokenLocation());
        p.nextToken();
        Object value = readValue(p);
        if (fields.put(name, new Field(value, line)) != null) {
          throw fieldError(file, name, line, "appears twice: expected each field once");
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new InputException(file + ": invalid YAML in the front matter"
          + (where == null ? "" : " at line " + fileLine(where)) + ": " + e.getOriginalMessage()
          + ": expected 'field: value' lines", e);
    } catch (IOException e) {
      throw new AdapterException("cannot parse the front matter of " + file + ": " + e, e);
    }
    return fields;
  }

  /** Front matter starts on line 2 of the file. */
  private static int fileLine(JsonLocation location) {
    return location.getLineNr() + 1;
  }

  /** The current value as a String (the source text of a scalar), a List, a Map or null. */
  private static @Nullable Object readValue(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.START_OBJECT) {
      Map<String, @Nullable Object> map = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        map.put(name, readValue(p));
      }
      return map;
    }
    if (token == JsonToken.START_ARRAY) {
      List<@Nullable Object> list = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        list.add(readValue(p));
      }
      return list;
    }
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    return p.getText();
  }

  private static String requiredText(Path file, Map<String, Field> fields, String name, String expected) {
    Field f = fields.get(name);
    String text = optionalText(file, name, f);
    if (text == null) {
      throw new InputException(file + ": missing field '" + name + "': expected " + expected);
    }
    return text;
  }

  private static @Nullable String optionalText(Path file, String name, @Nullable Field f) {
    if (f == null || f.value() == null) {
      return null;
    }
    if (!(f.value() instanceof String)) {
      throw fieldError(file, name, f.line(), "is a " + kind(f.value()) + ": expected a single value");
    }
    return (String) f.value();
  }

  /** A list of text, a single text as a one-item list, or nothing. */
  private static List<String> textList(Path file, Map<String, Field> fields, String name) {
    List<String> out = new ArrayList<>();
    for (Object item : items(file, fields, name)) {
      if (!(item instanceof String)) {
        throw fieldError(file, name, fields.get(name).line(),
            "an item is " + kind(item) + ": expected a list of text items");
      }
      out.add((String) item);
    }
    return out;
  }

  private static List<@Nullable Object> items(Path file, Map<String, Field> fields, String name) {
    Field f = fields.get(name);
    if (f == null || f.value() == null) {
      return List.of();
    }
    if (f.value() instanceof String) {
      return List.of(f.value());
    }
    if (f.value() instanceof List) {
      @SuppressWarnings("unchecked")
      List<@Nullable Object> list = (List<@Nullable Object>) f.value();
      return list;
    }
    throw fieldError(file, name, f.line(), "is a mapping: expected a list");
  }

  private static List<Dependency> dependencies(Path file, Map<String, Field> fields) {
    List<Dependency> out = new ArrayList<>();
    for (Object item : items(file, fields, "depends_on")) {
      int line = fields.get("depends_on").line();
      try {
        if (item instanceof String) {
          out.add(Dependency.parse((String) item));
        } else if (item instanceof Map) {
          out.add(dependency((Map<?, ?>) item));
        } else {
          throw new InputException("an item is " + kind(item)
              + ": expected 'type:id' (e.g. blocks:T-2), a bare id, or {id: T-2, type: blocks}");
        }
      } catch (InputException e) {
        throw fieldError(file, "depends_on", line, e.getMessage(), e);
      }
    }
    return out;
  }

  private static Dependency dependency(Map<?, ?> map) {
    for (Object key : map.keySet()) {
      if (!key.equals("id") && !key.equals("type")) {
        throw new InputException("unknown key '" + key + "' in " + map + ": expected only id and type");
      }
    }
    Object id = map.get("id");
    Object type = map.get("type");
    if (!(id instanceof String)) {
      throw new InputException(map + " has no id: expected {id: T-2, type: blocks}");
    }
    if (type != null && !(type instanceof String)) {
      throw new InputException("type in " + map + " is " + kind(type) + ": expected a dependency type");
    }
    DependencyType kind = type == null ? DependencyType.BLOCKS : DependencyType.parse((String) type);
    return new Dependency(kind, ((String) id).strip());
  }

  private static Map<String, String> metadata(Path file, Map<String, Field> fields) {
    Field f = fields.get("metadata");
    Map<String, String> out = new LinkedHashMap<>();
    if (f == null || f.value() == null) {
      return out;
    }
    if (!(f.value() instanceof Map)) {
      throw fieldError(file, "metadata", f.line(), "is " + kind(f.value()) + ": expected a mapping of key: value");
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) f.value()).entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw fieldError(file, "metadata", f.line(), "the value of '" + e.getKey() + "' is "
            + kind(e.getValue()) + ": expected text");
      }
      out.put((String) e.getKey(), (String) e.getValue());
    }
    return out;
  }

  private static List<Comment> parseLog(Path file, List<String> lines, int from) {
    List<Comment> out = new ArrayList<>();
    Instant at = null;
    String author = "";
    List<String> body = null;
    for (int i = from; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("- ")) {
        if (body != null) {
          out.add(new Comment(at, author, normalizeBlock(String.join("\n", body))));
        }
        Matcher m = ENTRY.matcher(line.stripTrailing());
        if (!m.matches()) {
          throw logError(file, i, "'" + line + "': " + ENTRY_FORM);
        }
        try {
          at = Instant.parse(m.group(1));
        } catch (DateTimeParseException e) {
          throw logError(file, i, "'" + m.group(1) + "' is not an instant: " + ENTRY_FORM + ", e.g. '- "
              + "2026-01-01T10:00:00Z loop'");
        }
        author = m.group(2) == null ? "" : m.group(2).strip();
        body = new ArrayList<>();
      } else if (body != null && line.startsWith("  ")) {
        body.add(line.substring(2));
      } else if (line.isBlank()) {
        if (body != null) {
          body.add("");
        }
      } else {
        throw logError(file, i, "'" + line + "': " + ENTRY_FORM);
      }
    }
    if (body != null) {
      out.add(new Comment(at, author, normalizeBlock(String.join("\n", body))));
    }
    return out;
  }

  private static InputException logError(Path file, int index, String detail) {
    return new InputException(file + ": section '" + LOG_HEADING + "' (line " + (index + 1) + "): " + detail);
  }

  private static String kind(@Nullable Object value) {
    if (value == null) {
      return "empty";
    }
    if (value instanceof Map) {
      return "a mapping";
    }
    if (value instanceof List) {
      return "a list";
    }
    return "text";
  }

  static InputException fieldError(Path file, String field, int line, String detail) {
    return new InputException(file + ": field '" + field + "' (line " + line + "): " + detail);
  }

  static InputException fieldError(Path file, String field, int line, String detail, Throwable cause) {
    return new InputException(file + ": field '" + field + "' (line " + line + "): " + detail, cause);
  }
}

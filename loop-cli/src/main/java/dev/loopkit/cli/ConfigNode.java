package dev.loopkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.InputException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One mapping of a configuration file with its dotted key path, so every error names the file, the key and
 * what was expected. Unknown keys are errors (a misspelt key silently ignored would change a run).
 */
final class ConfigNode {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Path file;
  private final String path;
  private final JsonNode node;

  ConfigNode(Path file, String path, JsonNode node) {
    this.file = file;
    this.path = path;
    this.node = node;
  }

  String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  InputException error(String name, String problem) {
    return new InputException(file + ": key '" + key(name) + "' " + problem);
  }

  /** Rejects keys other than {@code allowed}, naming the first unknown one and the keys allowed. */
  ConfigNode only(Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw new InputException(file + ": unknown key '" + key(name) + "': expected one of "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return this;
  }

  List<String> fieldNames() {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  /** Whether {@code name} holds a mapping (rather than a text, a number or a list). */
  boolean holdsMapping(String name) {
    return has(name) && node.get(name).isObject();
  }

  Optional<ConfigNode> section(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    if (!v.isObject()) {
      throw error(name, "is " + describe(v) + ": expected a mapping of keys");
    }
    return Optional.of(new ConfigNode(file, key(name), v));
  }

  ConfigNode requireSection(String name) {
    return section(name).orElseThrow(() -> error(name, "is missing: expected a mapping of keys"));
  }

  Optional<String> text(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    if (!v.isValueNode() || v.asText().isBlank()) {
      throw error(name, "is " + describe(v) + ": expected a non-blank text");
    }
    return Optional.of(v.asText().strip());
  }

  String requireText(String name, String example) {
    return text(name).orElseThrow(() -> error(name, "is missing: expected a text such as " + example));
  }

  /** One of {@code choices}, compared ignoring case. */
  Optional<String> choice(String name, List<String> choices) {
    Optional<String> v = text(name).map(s -> s.toLowerCase(Locale.ROOT));
    if (v.isPresent() && !choices.contains(v.get())) {
      throw error(name, "is '" + v.get() + "': expected one of " + String.join(", ", choices));
    }
    return v;
  }

  Optional<Integer> integer(String name, int min) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw error(name, "is " + describe(v) + ": expected a whole number of at least " + min);
    }
    if (v.intValue() < min) {
      throw error(name, "is " + v.intValue() + ": expected a whole number of at least " + min);
    }
    return Optional.of(v.intValue());
  }

  Optional<Long> longValue(String name, long min) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min) {
      throw error(name, "is " + describe(v) + ": expected a whole number of at least " + min);
    }
    return Optional.of(v.longValue());
  }

  Optional<BigDecimal> money(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    try {
      BigDecimal d = new BigDecimal(v.asText().strip());
      if (!v.isValueNode() || d.signum() <= 0) {
        throw error(name, "is " + describe(v) + ": expected a positive amount of US dollars such as 2.50");
      }
      return Optional.of(d);
    } catch (NumberFormatException e) {
      throw error(name, "is " + describe(v) + ": expected a positive amount of US dollars such as 2.50");
    }
  }

  /** {@code 500ms}, {@code 90s}, {@code 5m}, {@code 2h} or an ISO-8601 duration such as {@code PT5M}. */
  Optional<Duration> duration(String name) {
    Optional<String> text = text(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String s = text.get();
    Duration d = parseDuration(s);
    if (d == null || d.isZero() || d.isNegative()) {
      throw error(name, "is '" + s + "': expected a positive duration such as 90s, 5m, 2h or PT5M");
    }
    return Optional.of(d);
  }

  private static @Nullable Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        default:
          return Duration.ofHours(n);
      }
    }
    try {
      return Duration.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  Optional<Boolean> bool(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode v = node.get(name);
    String s = v.asText().toLowerCase(Locale.ROOT);
    if (v.isBoolean() || s.equals("true") || s.equals("false")) {
      return Optional.of(v.isBoolean() ? v.booleanValue() : Boolean.parseBoolean(s));
    }
    throw error(name, "is " + describe(v) + ": expected true or false");
  }

  /** A list of texts; one text is a list of one. */
  List<String> texts(String name) {
    if (!has(name)) {
      return List.of();
    }
    JsonNode v = node.get(name);
    List<String> out = new ArrayList<>();
    if (v.isValueNode()) {
      out.add(v.asText());
    } else if (v.isArray()) {
      for (JsonNode item : v) {
        if (!item.isValueNode() || item.asText().isBlank()) {
          throw error(name, "holds " + describe(item) + ": expected a list of non-blank texts");
        }
        out.add(item.asText());
      }
    } else {
      throw error(name, "is " + describe(v) + ": expected a list of texts");
    }
    return out;
  }

  static String describe(JsonNode v) {
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    if (v.isTextual()) {
      return "'" + v.asText() + "'";
    }
    return v.toString();
  }
}

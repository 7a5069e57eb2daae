package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One call of a tool, as the model made it: the call id, the tool name, the JSON arguments, and how much of
 * the caller's wall-clock budget is left (tools that wait, like {@code run_command}, stop within it). The
 * typed accessors throw a {@link ToolException} naming the argument, so malformed arguments go back to the
 * model as error results.
 */
public final class ToolCall {
  private final String id;
  private final String name;
  private final JsonNode arguments;
  private final Duration timeLeft;

  private ToolCall(String id, String name, JsonNode arguments, Duration timeLeft) {
    this.id = Objects.requireNonNull(id, "id");
    this.name = Objects.requireNonNull(name, "name");
    this.arguments = Objects.requireNonNull(arguments, "arguments");
    this.timeLeft = Objects.requireNonNull(timeLeft, "timeLeft");
  }

  /**
   * A call with {@code arguments} (must be a JSON object, or the call is refused with a ToolException) and
   * {@code timeLeft} of wall clock.
   */
  public static ToolCall of(String id, String name, JsonNode arguments, Duration timeLeft) {
    if (!arguments.isObject()) {
      throw new ToolException("arguments of " + name + " are " + arguments.getNodeType().name().toLowerCase(
          java.util.Locale.ROOT) + ": expected a JSON object matching the tool's input schema");
    }
    return new ToolCall(id, name, arguments, timeLeft.isNegative() ? Duration.ZERO : timeLeft);
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  public JsonNode arguments() {
    return arguments;
  }

  public Duration timeLeft() {
    return timeLeft;
  }

  /** A required string argument. */
  public String string(String field) {
    JsonNode node = arguments.get(field);
    if (node == null || node.isNull()) {
      throw new ToolException(name + " needs the argument '" + field + "' (a string)");
    }
    if (!node.isTextual()) {
      throw new ToolException("argument '" + field + "' of " + name + " is " + describe(node)
          + ": expected a string");
    }
    return node.textValue();
  }

  /** A required string argument that must not be blank. */
  public String nonBlank(String field) {
    String value = string(field);
    if (value.isBlank()) {
      throw new ToolException("argument '" + field + "' of " + name + " is blank: expected a non-blank string");
    }
    return value;
  }

  public Optional<String> optionalString(String field) {
    JsonNode node = arguments.get(field);
    return node == null || node.isNull() ? Optional.empty() : Optional.of(string(field));
  }

  /** An optional integer argument within {@code [min, max]}. */
  public Optional<Integer> optionalInt(String field, int min, int max) {
    JsonNode node = arguments.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw new ToolException("argument '" + field + "' of " + name + " is " + describe(node)
          + ": expected an integer from " + min + " to " + max);
    }
    int value = node.intValue();
    if (value < min || value > max) {
      throw new ToolException("argument '" + field + "' of " + name + " is " + value + ": expected an integer from "
          + min + " to " + max);
    }
    return Optional.of(value);
  }

  public boolean flag(String field, boolean fallback) {
    JsonNode node = arguments.get(field);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw new ToolException("argument '" + field + "' of " + name + " is " + describe(node)
          + ": expected true or false");
    }
    return node.booleanValue();
  }

  /** An optional array of strings; empty when absent. */
  public List<String> strings(String field) {
    JsonNode node = arguments.get(field);
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      throw new ToolException("argument '" + field + "' of " + name + " is " + describe(node)
          + ": expected an array of strings");
    }
    for (JsonNode item : node) {
      if (!item.isTextual()) {
        throw new ToolException("an item of argument '" + field + "' of " + name + " is " + describe(item)
            + ": expected a string");
      }
      out.add(item.textValue());
    }
    return out;
  }

  private static String describe(JsonNode node) {
    String text = node.toString();
    return (text.length() > 60 ? text.substring(0, 60) + "..." : text) + " ("
        + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  @Override
  public String toString() {
    return name + "#" + id;
  }
}

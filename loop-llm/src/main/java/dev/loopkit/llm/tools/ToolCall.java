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
   *
   * @param id the model's call id
   * @param name the tool's name
   * @param arguments the call's arguments
   * @param timeLeft the wall clock left for this call; a negative one is taken as zero
   * @return the call
   * @throws ToolException when {@code arguments} is not a JSON object
   */
  public static ToolCall of(String id, String name, JsonNode arguments, Duration timeLeft) {
    if (!arguments.isObject()) {
      throw new ToolException("arguments of " + name + " are " + arguments.getNodeType().name().toLowerCase(
          java.util.Locale.ROOT) + ": expected a JSON object matching the tool's input schema");
    }
    return new ToolCall(id, name, arguments, timeLeft.isNegative() ? Duration.ZERO : timeLeft);
  }

  /**
   * The model's id of this call, echoed by its result.
   *
   * @return the call id
   */
  public String id() {
    return id;
  }

  /**
   * The name of the tool called.
   *
   * @return the tool's name
   */
  public String name() {
    return name;
  }

  /**
   * The call's arguments.
   *
   * @return a JSON object
   */
  public JsonNode arguments() {
    return arguments;
  }

  /**
   * The wall clock left for this call; a tool that waits should bound its wait by it.
   *
   * @return the time left
   */
  public Duration timeLeft() {
    return timeLeft;
  }

  /**
   * A required string argument.
   *
   * @param field the argument's name
   * @return the argument's value
   * @throws ToolException when the argument is missing, null or not a string
   */
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

  /**
   * A required string argument that must not be blank.
   *
   * @param field the argument's name
   * @return the argument's value, not blank
   * @throws ToolException when the argument is missing, not a string or blank
   */
  public String nonBlank(String field) {
    String value = string(field);
    if (value.isBlank()) {
      throw new ToolException("argument '" + field + "' of " + name + " is blank: expected a non-blank string");
    }
    return value;
  }

  /**
   * An optional string argument.
   *
   * @param field the argument's name
   * @return the value, or empty when the argument is absent or null
   * @throws ToolException when the argument is present but not a string
   */
  public Optional<String> optionalString(String field) {
    JsonNode node = arguments.get(field);
    return node == null || node.isNull() ? Optional.empty() : Optional.of(string(field));
  }

  /**
   * An optional integer argument within {@code [min, max]}.
   *
   * @param field the argument's name
   * @param min the smallest value allowed
   * @param max the largest value allowed
   * @return the value, or empty when the argument is absent or null
   * @throws ToolException when the argument is not an integer in range
   */
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

  /**
   * An optional boolean argument.
   *
   * @param field the argument's name
   * @param fallback the value when the argument is absent or null
   * @return the value, or {@code fallback}
   * @throws ToolException when the argument is present but not a boolean
   */
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

  /**
   * An optional array of strings; empty when absent.
   *
   * @param field the argument's name
   * @return a new list of the strings, in order
   * @throws ToolException when the argument is present but not an array of strings
   */
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

package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tool the model may call.
 *
 * @param name 1 to 64 letters, digits, {@code _} or {@code -} (the rule both vendors share)
 * @param description what the tool does and when to use it; the model reads it
 * @param inputSchema a JSON Schema object whose {@code type} is {@code "object"}
 */
public record ToolSpec(String name, String description, JsonNode inputSchema) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  /**
   * Checks the name and the schema.
   *
   * @param name 1 to 64 letters, digits, {@code _} or {@code -} (the rule both vendors share)
   * @param description what the tool does and when to use it; the model reads it
   * @param inputSchema a JSON Schema object whose {@code type} is {@code "object"}
   * @throws IllegalArgumentException for a malformed name or a schema that is not an object schema
   */
  public ToolSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(inputSchema, "inputSchema");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name '" + name
          + "' is invalid: expected 1 to 64 characters of letters, digits, '_' or '-'");
    }
    if (!inputSchema.isObject() || !"object".equals(inputSchema.path("type").asText())) {
      throw new IllegalArgumentException("input schema of tool '" + name
          + "' must be a JSON Schema object with \"type\": \"object\", got " + abbreviate(inputSchema));
    }
  }

  private static String abbreviate(JsonNode node) {
    String s = node.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}

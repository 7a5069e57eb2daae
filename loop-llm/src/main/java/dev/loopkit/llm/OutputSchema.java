package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The JSON shape a model's answer must have (structured output), set with
 * {@link ModelRequest.Builder#outputSchema}. Each client uses its vendor's documented mechanism: Chat Completions
 * {@code response_format: {"type":"json_schema", ...}}, the Responses API {@code text.format}, and for Anthropic a
 * tool of this name and schema the model is made to call (the way Anthropic documents for JSON output), whose
 * input the client returns as the answer's text. In every case {@link ModelResponse#text()} holds the JSON; a
 * server that ignores the schema can still answer otherwise, so callers parse and check it as before.
 *
 * @param name 1 to 64 letters, digits, {@code _} or {@code -}, naming the shape (and Anthropic's tool)
 * @param schema a JSON Schema object with {@code "type": "object"}; with {@code strict}, every property must
 *     be required and {@code additionalProperties} false, as OpenAI's strict mode demands
 * @param strict whether OpenAI should enforce the schema exactly ({@code "strict": true})
 */
public record OutputSchema(String name, JsonNode schema, boolean strict) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  /**
   * Checks the name and the schema, and copies the schema.
   *
   * @param name the shape's name
   * @param schema a JSON Schema object
   * @param strict whether OpenAI enforces the schema exactly
   * @throws IllegalArgumentException for a malformed name or a schema that is not an object schema
   */
  public OutputSchema {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schema, "schema");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("output schema name '" + name
          + "' is invalid: expected 1 to 64 characters of letters, digits, '_' or '-'");
    }
    if (!schema.isObject() || !"object".equals(schema.path("type").asText())) {
      throw new IllegalArgumentException("output schema '" + name + "' must be a JSON Schema object with"
          + " \"type\": \"object\", got " + schema);
    }
    schema = schema.deepCopy();
  }

  /**
   * A strict schema: OpenAI enforces it exactly.
   *
   * @param name the shape's name
   * @param schema a JSON Schema object, following the rules of OpenAI's strict mode
   * @return the schema value
   * @throws IllegalArgumentException for a malformed name or a schema that is not an object schema
   */
  public static OutputSchema strict(String name, JsonNode schema) {
    return new OutputSchema(name, schema, true);
  }

  /**
   * The schema (a copy: this value stays unchanged).
   *
   * @return a deep copy of the schema
   */
  @Override
  public JsonNode schema() {
    return schema.deepCopy();
  }
}

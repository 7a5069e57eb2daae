package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds the JSON Schema of a tool's arguments: an object with typed, described properties. */
final class ObjectSchema {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ObjectNode schema = JSON.objectNode();
  private final ObjectNode properties = JSON.objectNode();
  private final ArrayNode required = JSON.arrayNode();

  private ObjectSchema() {
    schema.put("type", "object");
  }

  static ObjectSchema create() {
    return new ObjectSchema();
  }

  ObjectSchema string(String name, String description, boolean mandatory) {
    return property(name, JSON.objectNode().put("type", "string").put("description", description), mandatory);
  }

  ObjectSchema integer(String name, String description, int min, int max) {
    return property(name, JSON.objectNode().put("type", "integer").put("description", description)
        .put("minimum", min).put("maximum", max), false);
  }

  ObjectSchema bool(String name, String description) {
    return property(name, JSON.objectNode().put("type", "boolean").put("description", description), false);
  }

  ObjectSchema strings(String name, String description, boolean mandatory) {
    ObjectNode node = JSON.objectNode().put("type", "array").put("description", description);
    node.putObject("items").put("type", "string");
    return property(name, node, mandatory);
  }

  ObjectSchema property(String name, JsonNode node, boolean mandatory) {
    properties.set(name, node);
    if (mandatory) {
      required.add(name);
    }
    return this;
  }

  JsonNode build() {
    ObjectNode out = schema.deepCopy();
    out.set("properties", properties.deepCopy());
    if (!required.isEmpty()) {
      out.set("required", required.deepCopy());
    }
    out.put("additionalProperties", false);
    return out;
  }
}

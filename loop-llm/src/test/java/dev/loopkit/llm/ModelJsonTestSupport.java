package dev.loopkit.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/** Parses JSON literals in tests. */
final class ModelJsonTestSupport {
  private ModelJsonTestSupport() {}

  static JsonNode json(String text) {
    try {
      return ModelJson.mapper().readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}

package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.Evidence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code request_human}: asks for a person, with evidence of the wall hit (commands tried, exit codes,
 * output). A request without evidence is an error result; the worker counts an attempt that ends on such a
 * request as failed. A request with evidence halts the loop.
 */
final class RequestHumanTool implements WorkspaceTool {
  static final String NAME = "request_human";
  private static final int MAX_OUTPUT = 4000;
  private static final JsonNode SCHEMA = schema();

  private static JsonNode schema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode item = json.objectNode().put("type", "object");
    ObjectNode props = item.putObject("properties");
    props.putObject("summary").put("type", "string").put("description", "What you tried and what happened.");
    props.putObject("command").put("type", "string").put("description", "The command you ran, if any.");
    props.putObject("exit_code").put("type", "integer").put("description", "Its exit status.");
    props.putObject("output").put("type", "string").put("description", "The relevant output excerpt.");
    item.putArray("required").add("summary");
    ObjectNode evidence = json.objectNode().put("type", "array").put("minItems", 1)
        .put("description", "Evidence of the wall: at least one item.");
    evidence.set("items", item);
    return ObjectSchema.create()
        .string("reason", "The wall only a person can move (missing access, a decision, broken infrastructure).",
            true)
        .property("evidence", evidence, true)
        .build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Ask a person for help when you hit a wall you cannot move yourself. Requires evidence: the commands"
        + " you tried, their exit codes and output. A request without evidence is refused and, if you stop"
        + " there, your attempt counts as failed. Do not use it for work you could do.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) {
    String reason = call.nonBlank("reason");
    JsonNode items = call.arguments().get("evidence");
    if (items == null || !items.isArray() || items.isEmpty()) {
      throw new ToolException("request_human needs evidence: an array 'evidence' with at least one item"
          + " {summary, command, exit_code, output} showing what you tried and what failed; no request was made");
    }
    List<Evidence> evidence = new ArrayList<>();
    for (JsonNode item : items) {
      JsonNode summary = item.get("summary");
      if (summary == null || !summary.isTextual() || summary.textValue().isBlank()) {
        throw new ToolException("an evidence item of request_human has no 'summary': every item must say what"
            + " you tried and what happened; no request was made");
      }
      Map<String, String> attributes = new LinkedHashMap<>();
      copy(item, "command", attributes);
      copy(item, "exit_code", attributes);
      copy(item, "output", attributes);
      evidence.add(new Evidence("worker-report", summary.textValue(), attributes));
    }
    return ToolOutput.halt("request recorded; stop now and wait for a person",
        new Halt.HumanRequested(reason, evidence));
  }

  private static void copy(JsonNode item, String field, Map<String, String> into) {
    JsonNode node = item.get(field);
    if (node != null && !node.isNull()) {
      String text = node.isTextual() ? node.textValue() : node.toString();
      into.put(field, text.length() > MAX_OUTPUT ? text.substring(0, MAX_OUTPUT) + "..." : text);
    }
  }
}

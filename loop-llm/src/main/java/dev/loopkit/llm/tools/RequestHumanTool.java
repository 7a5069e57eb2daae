package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code request_human}: asks for a person, with evidence of the wall hit. Every evidence item cites a tool call
 * of this attempt by its id ({@code tool_call_id}) and may repeat what that call ran, its exit code and an
 * output excerpt. The tool checks only the shape (a request without evidence is an error result); the worker
 * running the loop checks each citation against the transcript it recorded, and a citation that does not hold
 * (none, an unknown call, a different command or exit code, output the call never printed) fails the attempt.
 * A well-formed request halts the loop.
 */
final class RequestHumanTool implements WorkspaceTool {
  static final String NAME = "request_human";
  private static final int MAX_TEXT = 4000;
  private static final JsonNode SCHEMA = schema();

  private static JsonNode schema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode item = json.objectNode().put("type", "object");
    ObjectNode props = item.putObject("properties");
    props.putObject("summary").put("type", "string").put("description", "What you tried and what happened.");
    props.putObject("tool_call_id").put("type", "string").put("description", "The id of the tool call of this"
        + " attempt that shows it (for example the run_command call that failed). Required: the harness checks it"
        + " against what it recorded.");
    props.putObject("command").put("type", "string").put("description", "The command that call ran, exactly.");
    props.putObject("exit_code").put("type", "integer").put("description", "Its exit status, as reported.");
    props.putObject("output").put("type", "string").put("description", "Lines copied verbatim from its output.");
    item.putArray("required").add("summary").add("tool_call_id");
    ObjectNode evidence = json.objectNode().put("type", "array").put("minItems", 1)
        .put("description", "Evidence of the wall: at least one item, each citing a tool call you made.");
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
    return "Ask a person for help when you hit a wall you cannot move yourself. Requires evidence: each item"
        + " cites, by tool_call_id, a tool call you made in this attempt (the commands you tried), with its"
        + " command, exit code and output copied exactly. Citations are checked against the harness's record;"
        + " a request without evidence, or with evidence that does not match, fails your attempt. Do not use it"
        + " for work you could do.";
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
          + " {summary, tool_call_id, command, exit_code, output} citing a tool call of this attempt that shows"
          + " what you tried and what failed; no request was made");
    }
    List<Halt.Citation> citations = new ArrayList<>();
    for (JsonNode item : items) {
      JsonNode summary = item.get("summary");
      if (summary == null || !summary.isTextual() || summary.textValue().isBlank()) {
        throw new ToolException("an evidence item of request_human has no 'summary': every item must say what"
            + " you tried and what happened; no request was made");
      }
      JsonNode exit = item.get("exit_code");
      if (exit != null && !exit.isNull() && !(exit.isIntegralNumber() && exit.canConvertToInt())) {
        throw new ToolException("'exit_code' of an evidence item of request_human is " + exit + ": expected the"
            + " integer exit status the cited call reported; no request was made");
      }
      citations.add(new Halt.Citation(capped(summary.textValue()), text(item, "tool_call_id"),
          text(item, "command"), exit == null || exit.isNull() ? null : exit.intValue(), text(item, "output")));
    }
    return ToolOutput.halt("request recorded; stop now and wait for a person",
        new Halt.HumanRequested(reason, citations));
  }

  private static @Nullable String text(JsonNode item, String field) {
    JsonNode node = item.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    return node.isTextual() ? node.textValue() : node.toString(); // checked whole, capped when recorded
  }

  private static String capped(String text) {
    return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text;
  }
}

package dev.loopkit.llm.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolException;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.WorkspaceTool;
import java.util.List;
import java.util.Optional;

/** {@code review_plan}: the reviewer's verdict on a plan, approve or request changes with findings. */
final class ReviewPlanTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = PlanJson.schema("""
      {"type":"object","additionalProperties":false,"required":["verdict"],"properties":{
        "verdict":{"type":"string","enum":["approve","request_changes"]},
        "findings":{"type":"array","items":{"type":"string"},
          "description":"What must change, one finding per item (required to request changes)."}}}
      """);

  record Verdict(boolean approved, List<String> findings) {}

  private @org.jspecify.annotations.Nullable Verdict verdict;

  @Override
  public String name() {
    return "review_plan";
  }

  @Override
  public String description() {
    return "Give your verdict on the plan: approve, or request_changes with findings the planner must address.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) {
    String v = call.nonBlank("verdict");
    List<String> findings = call.strings("findings").stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    if (v.equals("approve")) {
      verdict = new Verdict(true, List.of());
      return ToolOutput.ok("recorded: approved. End your turn.");
    }
    if (!v.equals("request_changes")) {
      throw new ToolException("verdict '" + v + "': expected approve or request_changes");
    }
    if (findings.isEmpty()) {
      throw new ToolException("request_changes needs findings: expected at least one thing the planner must change");
    }
    verdict = new Verdict(false, findings);
    return ToolOutput.ok("recorded: " + findings.size() + " findings. End your turn.");
  }

  Optional<Verdict> verdict() {
    return Optional.ofNullable(verdict);
  }
}

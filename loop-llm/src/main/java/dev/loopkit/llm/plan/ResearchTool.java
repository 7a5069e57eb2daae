package dev.loopkit.llm.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolException;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.WorkspaceTool;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code research}: the planner asks up to N questions once; fresh read-only agents answer them in parallel and
 * the reports come back as the result.
 */
final class ResearchTool implements WorkspaceTool {
  /** Answers questions; blocks until every report is in. */
  interface Pass {
    List<ResearchReport> answer(List<String> questions) throws InterruptedException;
  }

  private static final JsonNode SCHEMA = PlanJson.schema("""
      {"type":"object","additionalProperties":false,"required":["questions"],"properties":{
        "questions":{"type":"array","items":{"type":"string"},
          "description":"One question per research agent, each answerable by reading the repository."}}}
      """);

  private final Pass pass;
  private final int maxQuestions;
  private final List<ResearchReport> reports = new ArrayList<>();
  private boolean done;

  ResearchTool(Pass pass, int maxQuestions) {
    this.pass = pass;
    this.maxQuestions = maxQuestions;
  }

  @Override
  public String name() {
    return "research";
  }

  @Override
  public String description() {
    return "Ask up to " + maxQuestions + " questions about the repository (what exists, where a change lands,"
        + " what could block it). Each goes to a fresh agent with read-only tools; their reports come back here."
        + " Call it once, before propose_tickets.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws InterruptedException {
    if (done) {
      throw new ToolException("research was already done (" + reports.size() + " reports above): propose the"
          + " tickets now");
    }
    List<String> questions = call.strings("questions").stream().map(String::strip).toList();
    if (questions.isEmpty() || questions.stream().anyMatch(String::isEmpty)) {
      throw new ToolException("research got " + questions.size() + " questions" + (questions.isEmpty() ? ""
          : ", some blank") + ": expected 1 to " + maxQuestions + " non-blank questions");
    }
    if (questions.size() > maxQuestions) {
      throw new ToolException("research got " + questions.size() + " questions: expected at most " + maxQuestions
          + " (the research cap); ask the most important ones");
    }
    done = true;
    reports.addAll(pass.answer(questions));
    StringBuilder out = new StringBuilder();
    for (ResearchReport r : reports) {
      out.append("## Report ").append(r.index()).append(": ").append(r.question()).append("\n")
          .append(r.answer().strip()).append("\n\n");
    }
    return ToolOutput.ok(out.toString().strip());
  }

  List<ResearchReport> reports() {
    return List.copyOf(reports);
  }
}

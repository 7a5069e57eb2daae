package dev.loopkit.llm.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The plan's JSON: tool schemas, and plan.json and the round files of the plan directory. */
final class PlanJson {
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PlanJson() {}

  static JsonNode schema(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tool schema of the planner does not parse", e);
    }
  }

  static ObjectNode plan(Plan plan) {
    ObjectNode n = MAPPER.createObjectNode().put("id", plan.id()).put("intent", plan.intent());
    n.put("existing_master", plan.existingMaster());
    n.putObject("master").put("title", plan.masterTitle()).set("acceptance_criteria", strings(plan.masterAcceptance()));
    ArrayNode tickets = n.putArray("tickets");
    for (PlannedTicket t : plan.tickets()) {
      tickets.add(ticket(t));
    }
    ArrayNode research = n.putArray("research");
    for (ResearchReport r : plan.research()) {
      research.addObject().put("index", r.index()).put("question", r.question()).put("answered", r.answered())
          .put("report", "research/" + r.index() + ".md");
    }
    ArrayNode lint = n.putArray("lint_rounds");
    plan.lintRounds().forEach(r -> lint.add(lintRound(r)));
    ArrayNode reviews = n.putArray("reviews");
    plan.reviews().forEach(r -> reviews.add(review(r)));
    return n;
  }

  static ObjectNode ticket(PlannedTicket t) {
    ObjectNode n = MAPPER.createObjectNode().put("key", t.key()).put("title", t.title()).put("scope", t.scope());
    n.set("acceptance_criteria", strings(t.acceptance()));
    n.set("files", strings(t.files()));
    n.set("blocked_by", strings(t.blockedBy()));
    n.set("related", strings(t.related()));
    n.set("resources", strings(t.resources()));
    n.put("test_plan", t.testPlan()).put("verify", t.verify()).put("verify_expect", t.verifyExpect())
        .put("priority", t.priority());
    return n;
  }

  static ObjectNode lintRound(LintRound r) {
    ObjectNode n = MAPPER.createObjectNode().put("round", r.round()).put("passed", r.passed());
    ArrayNode f = n.putArray("findings");
    for (LintFinding x : r.findings()) {
      f.addObject().put("ticket", x.ticketId()).put("field", x.field()).put("rule", x.rule())
          .put("message", x.message());
    }
    return n;
  }

  static ObjectNode review(ReviewRound r) {
    ObjectNode n = MAPPER.createObjectNode().put("round", r.round()).put("approved", r.approved())
        .put("reviewer", r.reviewer());
    n.set("findings", strings(r.findings()));
    return n;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = MAPPER.createArrayNode();
    values.forEach(a::add);
    return a;
  }
}

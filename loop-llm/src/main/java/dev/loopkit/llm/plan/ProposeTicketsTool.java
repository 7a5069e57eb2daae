package dev.loopkit.llm.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.llm.tools.ToolCall;
import dev.loopkit.llm.tools.ToolException;
import dev.loopkit.llm.tools.ToolOutput;
import dev.loopkit.llm.tools.WorkspaceTool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code propose_tickets}: the decomposition, as structured data. Each call is one round: the proposal is
 * checked for structure, then by the {@link ReadinessLint} (as draft tickets under the master); findings go back
 * to the model as an error result. After {@code maxRounds} failed rounds in one cycle the tool gives up and
 * answers every later call with that. Not thread-safe: one agent loop calls it.
 */
final class ProposeTicketsTool implements WorkspaceTool {
  private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  private static final JsonNode SCHEMA = PlanJson.schema("""
      {"type":"object","additionalProperties":false,"required":["tickets"],"properties":{
        "master":{"type":"object","additionalProperties":false,"description":"The master ticket: the requirement\
       in plain language (required unless the master is an existing ticket).","properties":{
          "title":{"type":"string"},"acceptance_criteria":{"type":"array","items":{"type":"string"}}}},
        "tickets":{"type":"array","description":"The sub-tickets, each a child of the master.","items":{
          "type":"object","additionalProperties":false,
          "required":["key","title","scope","acceptance_criteria","verify","verify_expect"],"properties":{
            "key":{"type":"string","description":"Plan-local key edges name: lowercase letters, digits, -."},
            "title":{"type":"string"},
            "scope":{"type":"string","description":"What to do and why, decided (no open questions)."},
            "acceptance_criteria":{"type":"array","items":{"type":"string"}},
            "files":{"type":"array","items":{"type":"string"},"description":"Where the change lands."},
            "blocked_by":{"type":"array","items":{"type":"string"},"description":"Keys (or existing ticket ids)\
       that must be done first."},
            "related":{"type":"array","items":{"type":"string"}},
            "resources":{"type":"array","items":{"type":"string"},"description":"Exclusive resources, e.g.\
       infra-apply for infrastructure work."},
            "test_plan":{"type":"string"},
            "verify":{"type":"string","description":"The finish line: a command run in the ticket's workspace."},
            "verify_expect":{"type":"string","description":"A regular expression its output must contain."},
            "priority":{"type":"integer","minimum":0,"maximum":4}}}}}}
      """);

  /** One accepted proposal. */
  record Proposal(String masterTitle, List<String> masterAcceptance, List<PlannedTicket> tickets) {}

  private final ReadinessLint lint;
  private final @Nullable Ticket existingMaster;
  private final String intent;
  private final Function<String, Optional<Ticket>> tracker;
  private final int maxTickets;
  private final int maxRounds;
  private final Consumer<LintRound> journal;
  private final List<LintRound> rounds = new ArrayList<>();
  private @Nullable Proposal accepted;
  private @Nullable Proposal last;
  private int failedThisCycle;
  private boolean gaveUp;

  ProposeTicketsTool(ReadinessLint lint, @Nullable Ticket existingMaster, String intent,
      Function<String, Optional<Ticket>> tracker, int maxTickets, int maxRounds, Consumer<LintRound> journal) {
    this.lint = lint;
    this.existingMaster = existingMaster;
    this.intent = intent;
    this.tracker = tracker;
    this.maxTickets = maxTickets;
    this.maxRounds = maxRounds;
    this.journal = journal;
  }

  @Override
  public String name() {
    return "propose_tickets";
  }

  @Override
  public String description() {
    return "Propose the decomposition: the master ticket and its sub-tickets, each with scope, acceptance"
        + " criteria, files, edges, resources, a test plan and a machine-checkable finish line (verify command and"
        + " verify_expect). It is checked by the readiness lint; findings come back to fix (" + maxRounds
        + " rounds). Propose the whole plan each time.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  /** Starts a new cycle (after a review asked for changes): no proposal accepted, the round budget full. */
  void newCycle() {
    accepted = null;
    failedThisCycle = 0;
    gaveUp = false;
  }

  @Override
  public ToolOutput execute(ToolCall call) {
    if (gaveUp) {
      throw new ToolException("no lint rounds are left (" + maxRounds + " used): end your turn");
    }
    if (accepted != null) {
      throw new ToolException("the plan was accepted already: end your turn with a short summary");
    }
    List<LintFinding> findings = new ArrayList<>();
    Proposal proposal = parse(call, findings);
    if (findings.isEmpty()) {
      findings.addAll(lint(proposal));
    }
    LintRound round = new LintRound(rounds.size() + 1, findings);
    rounds.add(round);
    journal.accept(round);
    last = proposal;
    if (findings.isEmpty()) {
      accepted = proposal;
      return ToolOutput.ok("accepted: " + proposal.tickets().size() + " tickets pass the readiness lint. End your"
          + " turn with a one-paragraph summary of the plan.");
    }
    failedThisCycle++;
    StringBuilder text = new StringBuilder("the proposal has " + findings.size() + " findings:\n");
    findings.forEach(f -> text.append("- ").append(f).append('\n'));
    if (failedThisCycle >= maxRounds) {
      gaveUp = true;
      text.append("No lint rounds are left (").append(maxRounds).append(" used): end your turn.");
    } else {
      text.append("Fix them and propose the whole plan again (").append(maxRounds - failedThisCycle)
          .append(" rounds left).");
    }
    return ToolOutput.error(text.toString());
  }

  private Proposal parse(ToolCall call, List<LintFinding> findings) {
    String masterTitle = existingMaster != null ? existingMaster.title() : "";
    List<String> masterAcceptance = existingMaster != null ? existingMaster.acceptanceCriteria() : List.of();
    JsonNode master = call.arguments().path("master");
    if (existingMaster == null) {
      masterTitle = master.path("title").asText("").strip();
      if (masterTitle.isEmpty()) {
        findings.add(new LintFinding(Planner.MASTER, "title", "proposal", "is missing: expected master.title, the"
            + " requirement in one line"));
      }
      List<String> criteria = new ArrayList<>();
      master.path("acceptance_criteria").forEach(c -> criteria.add(c.asText("")));
      masterAcceptance = criteria;
    }
    JsonNode items = call.arguments().path("tickets");
    List<PlannedTicket> tickets = new ArrayList<>();
    if (!items.isArray() || items.isEmpty()) {
      findings.add(new LintFinding(Planner.MASTER, "tickets", "proposal", "is " + (items.isArray() ? "empty"
          : "missing") + ": expected at least one sub-ticket"));
      return new Proposal(masterTitle, masterAcceptance, tickets);
    }
    if (items.size() > maxTickets) {
      findings.add(new LintFinding(Planner.MASTER, "tickets", "proposal", "has " + items.size() + " tickets:"
          + " expected at most " + maxTickets + " (the plan's size budget)"));
    }
    Set<String> keys = new HashSet<>();
    Set<String> titles = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode t = items.get(i);
      String key = t.path("key").asText("").strip();
      String where = key.isEmpty() ? "tickets[" + i + "]" : key;
      if (!KEY.matcher(key).matches() || key.equals(Planner.MASTER)) {
        findings.add(new LintFinding(where, "key", "proposal", "'" + key + "' is not a usable key: expected 1-40"
            + " lowercase letters, digits or '-', not 'master'"));
      } else if (!keys.add(key)) {
        findings.add(new LintFinding(where, "key", "proposal", "is used twice: expected unique keys"));
      }
      String title = t.path("title").asText("").strip();
      if (title.isEmpty()) {
        findings.add(new LintFinding(where, "title", "proposal", "is missing: expected a one-line summary"));
      } else if (!titles.add(title)) {
        findings.add(new LintFinding(where, "title", "proposal", "'" + title + "' is used twice: expected unique"
            + " titles (a ticket's plan key is made from its title)"));
      }
      int priority = t.path("priority").asInt(2);
      if (priority < 0 || priority > 4) {
        findings.add(new LintFinding(where, "priority", "proposal", priority + ": expected 0 to 4"));
        priority = 2;
      }
      tickets.add(new PlannedTicket(key.isEmpty() ? "t" + i : key, title.isEmpty() ? "(untitled)" : title,
          t.path("scope").asText(""), texts(t, "acceptance_criteria"), texts(t, "files"), texts(t, "blocked_by"),
          texts(t, "related"), texts(t, "resources"), t.path("test_plan").asText(""),
          t.path("verify").asText("").strip(), t.path("verify_expect").asText(""), priority));
    }
    for (PlannedTicket t : tickets) {
      for (String target : concat(t.blockedBy(), t.related())) {
        if (!keys.contains(target) && !target.equals(Planner.MASTER)
            && (!Ticket.isValidId(target) || tracker.apply(target).isEmpty())) {
          findings.add(new LintFinding(t.key(), "blocked_by", "proposal", "names '" + target + "', which is"
              + " neither a key of this plan nor a ticket of the tracker: expected one of " + keys));
        }
        if (target.equals(Planner.MASTER)) {
          findings.add(new LintFinding(t.key(), "blocked_by", "proposal", "names the master: every ticket is the"
              + " master's child already; a child blocked by its parent could never start"));
        }
      }
    }
    return new Proposal(masterTitle, masterAcceptance, tickets);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static List<String> texts(JsonNode t, String field) {
    List<String> out = new ArrayList<>();
    t.path(field).forEach(n -> out.add(n.asText("").strip()));
    return out;
  }

  /** The proposal as draft tickets under the master, linted. */
  private List<LintFinding> lint(Proposal p) {
    String masterId = existingMaster != null ? existingMaster.id() : Planner.MASTER;
    Instant now = Instant.EPOCH;
    List<Ticket> drafts = new ArrayList<>();
    drafts.add(existingMaster != null ? existingMaster : Ticket.builder(Planner.MASTER).title(p.masterTitle())
        .body(intent).acceptanceCriteria(p.masterAcceptance()).status(Status.OPEN).createdAt(now).build());
    Set<String> known = new LinkedHashSet<>();
    if (existingMaster != null) {
      // the master's own edges are the tracker's business, not this proposal's: never a finding to fix here
      existingMaster.dependencies().forEach(d -> known.add(d.target()));
    }
    for (PlannedTicket t : p.tickets()) {
      Ticket.Builder b = Ticket.builder(t.key()).title(t.title()).body(t.body()).acceptanceCriteria(t.acceptance())
          .priority(t.priority()).resources(new LinkedHashSet<>(t.resources())).status(Status.OPEN).createdAt(now)
          .addDependency(Dependency.childOf(masterId));
      t.blockedBy().forEach(id -> b.addDependency(Dependency.blockedBy(id)));
      if (!t.verify().isEmpty()) {
        b.putMetadata("verify", t.verify());
      }
      if (!t.verifyExpect().isEmpty()) {
        b.putMetadata("verify-expect", t.verifyExpect());
      }
      drafts.add(b.build());
      t.blockedBy().stream().filter(id -> p.tickets().stream().noneMatch(x -> x.key().equals(id))).forEach(known::add);
    }
    return lint.check(drafts, masterId, known);
  }

  List<LintRound> rounds() {
    return List.copyOf(rounds);
  }

  Optional<Proposal> accepted() {
    return Optional.ofNullable(accepted);
  }

  Optional<Proposal> last() {
    return Optional.ofNullable(last);
  }

  boolean gaveUp() {
    return gaveUp;
  }
}

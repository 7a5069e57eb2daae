package dev.loopkit.linear;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A small Linear GraphQL server held in memory and served on loopback by MockWebServer. It parses and executes
 * the documents it receives ({@link GraphQlDocument}) against one workspace: teams with workflow states, issues
 * with labels, parents, relations and comments, projects and cycles. Answers carry only the fields the query
 * selected, in Linear's shapes; a field Linear's schema does not have on that type is a validation error
 * (HTTP 400), an unknown id is Linear's "Entity not found" error (HTTP 200, {@code data: null} by GraphQL's
 * null propagation), a wrong key is an authentication error, and every answer carries Linear's rate-limit
 * headers with the query's complexity computed by the cited scoring (0.1 a property, 1 an object, connections
 * multiplied by {@code first}). Scripted answers can be queued in front of it to play rate limits and faults.
 */
final class FakeLinear extends Dispatcher implements AutoCloseable {
  static final String TEAM_ID = "5f0c9a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f";
  static final String OTHER_TEAM_ID = "6a1d0b4f-3c2e-4d8b-8f90-1b2c3d4e5f60";
  static final String PROJECT_ID = "7b2e1c50-4d3f-4e9c-9a01-2c3d4e5f6071";
  static final String CYCLE_ID = "8c3f2d61-5e40-4fad-8b12-3d4e5f607182";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-05T17:58:00Z"), ZoneOffset.UTC);

  /** One request as the fake saw it. */
  record Seen(String operation, String query, JsonNode variables, String authorization, int status,
      GraphQlDocument document) {}

  record State(String id, String name, String type, double position, String teamId) {}

  record Team(String id, String key, String name) {}

  record Label(String id, String name, String teamId) {}

  record CommentRow(String id, String issueId, String body, Instant createdAt, String user) {}

  record Relation(String id, String type, String issueId, String relatedIssueId) {}

  final class Issue {
    final String id;
    final String identifier;
    final int number;
    final String teamId;
    String title;
    String description = "";
    int priority;
    String stateId;
    final List<String> labelIds = new ArrayList<>();
    String parentId;
    String projectId;
    String cycleId;
    final Instant createdAt;
    Instant updatedAt;

    Issue(String id, String teamKey, int number, String teamId, String title, String stateId) {
      this.id = id;
      this.identifier = teamKey + "-" + number;
      this.number = number;
      this.teamId = teamId;
      this.title = title;
      this.stateId = stateId;
      this.createdAt = tick();
      this.updatedAt = createdAt;
    }

    State state() {
      return states.get(stateId);
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final MockWebServer server = new MockWebServer();
  private final String authorization;
  final Map<String, Team> teams = new LinkedHashMap<>();
  final Map<String, State> states = new LinkedHashMap<>();
  final Map<String, Label> labels = new LinkedHashMap<>();
  final Map<String, Issue> issues = new LinkedHashMap<>();
  final List<CommentRow> comments = new ArrayList<>();
  final List<Relation> relations = new ArrayList<>();
  private final List<Seen> seen = new ArrayList<>();
  private final Deque<Scripted> scripted = new ArrayDeque<>();
  private final Map<String, Integer> numbers = new LinkedHashMap<>();
  private Instant now = Instant.parse("2026-01-05T17:00:00Z");
  private long requestsRemaining = 5000;
  private long complexityRemaining = 250_000;
  final long resetMillis = Instant.parse("2026-01-05T18:00:00Z").toEpochMilli();
  /** When true, the next issueRelationCreate is refused (as Linear refuses, say, a relation that would cycle). */
  boolean refuseNextRelation;
  /** When true, comments do not move their issue's updatedAt (Linear does not document whether they do). */
  boolean commentsKeepUpdatedAt = true;

  private record Scripted(Predicate<Seen> when, MockResponse answer, boolean applyFirst) {}

  FakeLinear(String authorization) throws IOException {
    this.authorization = authorization;
    team(TEAM_ID, "ENG", "Engineering");
    team(OTHER_TEAM_ID, "OPS", "Operations");
    server.setDispatcher(this);
    server.start();
  }

  private void team(String id, String key, String name) {
    teams.put(id, new Team(id, key, name));
    String[][] defaults = {{"Backlog", "backlog"}, {"Todo", "unstarted"}, {"In Progress", "started"},
        {"In Review", "started"}, {"Done", "completed"}, {"Canceled", "canceled"}, {"Duplicate", "duplicate"}};
    for (int i = 0; i < defaults.length; i++) {
      String sid = UUID.nameUUIDFromBytes((id + defaults[i][0]).getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .toString();
      states.put(sid, new State(sid, defaults[i][0], defaults[i][1], i, id));
    }
  }

  String endpoint() {
    return server.url("/graphql").toString();
  }

  /** Every wait a tracker built by {@link #tracker(String)} asked for; none is slept for real. */
  final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  /** A tracker builder pointed at this server: team ENG, the batch label, the key in LINEAR_API_KEY. */
  LinearTracker.Builder tracker(String key) {
    return LinearTracker.builder().team("ENG").label("loop:batch-1").endpoint(endpoint())
        .environment(Map.of("LINEAR_API_KEY", key)).clock(CLOCK).sleeper(sleeps::add);
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }

  // ---- seeding and inspection ----

  synchronized Instant tick() {
    now = now.plusSeconds(1);
    return now;
  }

  synchronized void advance(Duration d) {
    now = now.plus(d);
  }

  synchronized Instant now() {
    return now;
  }

  synchronized State state(String teamId, String name) {
    for (State s : states.values()) {
      if (s.teamId().equals(teamId) && s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no state " + name);
  }

  synchronized void addState(String teamId, String name, String type, double position) {
    String sid = UUID.randomUUID().toString();
    states.put(sid, new State(sid, name, type, position, teamId));
  }

  synchronized Label label(String name) {
    for (Label l : labels.values()) {
      if (l.name().equalsIgnoreCase(name)) {
        return l;
      }
    }
    Label l = new Label(UUID.randomUUID().toString(), name, TEAM_ID);
    labels.put(l.id(), l);
    return l;
  }

  /** Files an issue as a person would, in team ENG. */
  synchronized Issue seed(String title, String stateName, String... labelNames) {
    Issue i = newIssue(UUID.randomUUID().toString(), TEAM_ID, title, state(TEAM_ID, stateName).id());
    for (String l : labelNames) {
      i.labelIds.add(label(l).id());
    }
    return i;
  }

  /** Files an issue as a person would, in another team. */
  synchronized Issue seedInTeam(String teamId, String title, String stateName) {
    return newIssue(UUID.randomUUID().toString(), teamId, title, state(teamId, stateName).id());
  }

  private Issue newIssue(String id, String teamId, String title, String stateId) {
    Team t = teams.get(teamId);
    int n = numbers.merge(teamId, 1, Integer::sum);
    Issue i = new Issue(id, t.key(), n, teamId, title, stateId);
    issues.put(id, i);
    return i;
  }

  synchronized Issue issue(String identifierOrId) {
    for (Issue i : issues.values()) {
      if (i.id.equals(identifierOrId) || i.identifier.equalsIgnoreCase(identifierOrId)) {
        return i;
      }
    }
    return null;
  }

  synchronized void relate(Issue from, String type, Issue to) {
    relations.add(new Relation(UUID.randomUUID().toString(), type, from.id, to.id));
    from.updatedAt = tick();
    to.updatedAt = from.updatedAt;
  }

  synchronized void addComment(Issue issue, String body, String user) {
    comments.add(new CommentRow(UUID.randomUUID().toString(), issue.id, body, tick(), user));
  }

  synchronized List<CommentRow> commentsOf(Issue issue) {
    List<CommentRow> out = new ArrayList<>();
    for (CommentRow c : comments) {
      if (c.issueId().equals(issue.id)) {
        out.add(c);
      }
    }
    return out;
  }

  synchronized List<String> labelNames(Issue issue) {
    List<String> out = new ArrayList<>();
    issue.labelIds.forEach(id -> out.add(labels.get(id).name()));
    return out;
  }

  synchronized List<Seen> seen() {
    return new ArrayList<>(seen);
  }

  synchronized List<Seen> seen(String operation) {
    List<Seen> out = new ArrayList<>();
    for (Seen s : seen) {
      if (s.operation().equals(operation)) {
        out.add(s);
      }
    }
    return out;
  }

  synchronized void clearSeen() {
    seen.clear();
  }

  synchronized long requestsRemaining() {
    return requestsRemaining;
  }

  /** Answers the next request matching {@code when} with {@code answer} instead of serving it. */
  synchronized void answerNext(Predicate<Seen> when, MockResponse answer) {
    scripted.addLast(new Scripted(when, answer, false));
  }

  /** Serves the next request matching {@code when}, then drops the connection: the client never hears back. */
  synchronized void applyThenDisconnect(Predicate<Seen> when) {
    scripted.addLast(new Scripted(when, new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST),
        true));
  }

  static Predicate<Seen> operation(String name) {
    return s -> s.operation().equals(name);
  }

  /** Rate-limit headers as Linear sends them (resets in epoch milliseconds). */
  MockResponse withBudget(MockResponse r, long requestsLeft, long complexityLeft, long complexity) {
    return r.setHeader("X-RateLimit-Requests-Limit", "5000")
        .setHeader("X-RateLimit-Requests-Remaining", Long.toString(requestsLeft))
        .setHeader("X-RateLimit-Requests-Reset", Long.toString(resetMillis))
        .setHeader("X-RateLimit-Complexity-Limit", "250000")
        .setHeader("X-RateLimit-Complexity-Remaining", Long.toString(complexityLeft))
        .setHeader("X-RateLimit-Complexity-Reset", Long.toString(resetMillis))
        .setHeader("X-Complexity", Long.toString(complexity))
        .setHeader("Content-Type", "application/json; charset=utf-8");
  }

  /** A GraphQL error answer, e.g. {@code RATELIMITED} with HTTP 400, or {@code AUTHENTICATION_ERROR}. */
  MockResponse error(int status, String code, String type, String message, long requestsLeft, long complexityLeft) {
    ObjectNode body = json.createObjectNode();
    ObjectNode e = body.putArray("errors").addObject().put("message", message);
    e.putObject("extensions").put("code", code).put("type", type).put("userError", false)
        .put("userPresentableMessage", message);
    body.putNull("data");
    return withBudget(new MockResponse().setResponseCode(status), requestsLeft, complexityLeft, 0)
        .setBody(body.toString());
  }

  // ---- serving ----

  private static final class GraphQlError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;
    final String type;
    final boolean validation;

    GraphQlError(String message, String code, String type, boolean validation) {
      super(message);
      this.code = code;
      this.type = type;
      this.validation = validation;
    }
  }

  private static GraphQlError notFound(String what) {
    return new GraphQlError("Entity not found: " + what, "INVALID_INPUT", "invalid input", false);
  }

  private static GraphQlError invalid(String message) {
    return new GraphQlError(message, "INVALID_INPUT", "invalid input", false);
  }

  private static GraphQlError unknownField(String field, String type) {
    return new GraphQlError("Cannot query field \"" + field + "\" on type \"" + type + "\".",
        "GRAPHQL_VALIDATION_FAILED", "graphql error", true);
  }

  @Override
  public synchronized MockResponse dispatch(RecordedRequest request) {
    String raw = request.getBody().readUtf8();
    JsonNode body;
    GraphQlDocument doc;
    try {
      body = json.readTree(raw);
      doc = GraphQlDocument.parse(body.path("query").asText(), body.path("variables"));
    } catch (IOException | RuntimeException e) {
      return withBudget(new MockResponse().setResponseCode(400), requestsRemaining, complexityRemaining, 0)
          .setBody("{\"errors\":[{\"message\":\"Syntax Error: " + e.getMessage().replace("\"", "'") + "\"}]}");
    }
    String auth = request.getHeader("Authorization") == null ? "" : request.getHeader("Authorization");
    Seen s = new Seen(body.path("operationName").asText(""), body.path("query").asText(), body.path("variables"),
        auth, 0, doc);
    Scripted script = null;
    for (Scripted sc : scripted) {
      if (sc.when().test(s)) {
        script = sc;
        break;
      }
    }
    MockResponse response;
    if (script != null) {
      scripted.remove(script);
      if (script.applyFirst()) {
        serve(doc, auth);
      }
      response = script.answer();
    } else {
      response = serve(doc, auth);
    }
    int status = script != null && script.applyFirst() ? -1 : Integer.parseInt(response.getStatus().split(" ")[1]);
    seen.add(new Seen(s.operation(), s.query(), s.variables(), auth, status, doc));
    return response;
  }

  private MockResponse serve(GraphQlDocument doc, String auth) {
    if (!auth.equals(authorization)) {
      ObjectNode b = json.createObjectNode();
      ObjectNode e = b.putArray("errors").addObject()
          .put("message", "Authentication required, not authenticated");
      e.putObject("extensions").put("code", "AUTHENTICATION_ERROR").put("type", "authentication error")
          .put("userError", true).put("userPresentableMessage", "You need to authenticate to access this"
              + " operation.");
      return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json").setBody(
          b.toString());
    }
    for (String declared : doc.declaredVariables) {
      if (!doc.usedVariables.contains(declared)) {
        return validationFailure("Variable \"$" + declared + "\" is never used in operation \""
            + doc.operationName + "\".", 0);
      }
    }
    long complexity = Math.round(Math.ceil(cost(doc.fields)));
    requestsRemaining--;
    complexityRemaining -= complexity;
    ObjectNode answer = json.createObjectNode();
    ObjectNode data = json.createObjectNode();
    ArrayNode errors = json.createArrayNode();
    boolean nulled = false;
    for (GraphQlDocument.Field f : doc.fields) {
      try {
        Object value = doc.operationType.equals("query") ? query(f) : mutation(f);
        data.set(f.alias(), render(value, f, rootType(f.name())));
      } catch (GraphQlError e) {
        if (e.validation) {
          return validationFailure(e.getMessage(), complexity);
        }
        ObjectNode err = errors.addObject().put("message", e.getMessage());
        err.putArray("path").add(f.alias());
        err.putObject("extensions").put("code", e.code).put("type", e.type).put("userError", true)
            .put("userPresentableMessage", e.getMessage());
        nulled = true; // every root field the tracker uses is non-null: the error nulls data
      }
    }
    if (errors.size() > 0) {
      answer.set("errors", errors);
    }
    answer.set("data", nulled ? NullNode.getInstance() : data);
    return withBudget(new MockResponse().setResponseCode(200), requestsRemaining, complexityRemaining, complexity)
        .setBody(answer.toString());
  }

  private MockResponse validationFailure(String message, long complexity) {
    ObjectNode b = json.createObjectNode();
    ObjectNode e = b.putArray("errors").addObject().put("message", message);
    e.putObject("extensions").put("code", "GRAPHQL_VALIDATION_FAILED").put("type", "graphql error");
    return withBudget(new MockResponse().setResponseCode(400), requestsRemaining, complexityRemaining, complexity)
        .setBody(b.toString());
  }

  /** Complexity as third parties describe Linear's scoring: 0.1 a property, 1 an object, connections x first. */
  static double cost(List<GraphQlDocument.Field> fields) {
    double total = 0;
    for (GraphQlDocument.Field f : fields) {
      if (f.selection().isEmpty()) {
        total += 0.1;
      } else if (f.args().containsKey("first") || f.name().equals("nodes")) {
        double n = f.args().containsKey("first") ? f.args().get("first").asDouble(50) : 1;
        total += f.name().equals("nodes") ? cost(f.selection()) + 1 : n * cost(f.selection());
      } else {
        total += 1 + cost(f.selection());
      }
    }
    return total;
  }

  private static String rootType(String field) {
    switch (field) {
      case "issues":
      case "teams":
      case "projects":
      case "cycles":
      case "issueLabels":
        return "Connection";
      case "issue":
        return "Issue";
      case "team":
        return "Team";
      case "comment":
        return "Comment";
      case "issueRelation":
        return "IssueRelation";
      case "issueLabel":
        return "IssueLabel";
      default:
        return "Payload";
    }
  }

  // ---- resolvers ----

  private Object query(GraphQlDocument.Field f) {
    Map<String, JsonNode> a = f.args();
    switch (f.name()) {
      case "teams": {
        List<Object> out = new ArrayList<>();
        for (Team t : teams.values()) {
          if (matchesString(a.get("filter").path("key"), t.key())) {
            out.add(t);
          }
        }
        return page(out, a);
      }
      case "team": {
        String id = a.get("id").asText();
        for (Team t : teams.values()) {
          if (t.id().equals(id) || t.key().equals(id)) {
            return t;
          }
        }
        throw notFound("Team");
      }
      case "projects": {
        List<Object> out = new ArrayList<>();
        JsonNode or = a.get("filter").path("or");
        for (JsonNode alt : or) {
          if ((alt.has("slugId") && matchesString(alt.path("slugId"), "checkout-8f3a2b1c9d0e"))
              || (alt.has("name") && matchesString(alt.path("name"), "Checkout revamp"))) {
            out.add("project");
            break;
          }
        }
        return page(out, a);
      }
      case "cycles": {
        JsonNode filter = a.get("filter");
        boolean match = matchesString(filter.path("team").path("key"), "ENG")
            && filter.path("number").path("eq").asInt() == 12;
        return page(match ? List.of("cycle") : List.of(), a);
      }
      case "issue": {
        Issue i = issue(a.get("id").asText());
        if (i == null) {
          throw notFound("Issue");
        }
        return i;
      }
      case "issues": {
        List<Issue> all = new ArrayList<>(issues.values());
        all.sort(Comparator.comparing((Issue i) -> i.createdAt));
        List<Object> out = new ArrayList<>();
        for (Issue i : all) {
          if (matches(i, a.get("filter"))) {
            out.add(i);
          }
        }
        return page(out, a);
      }
      case "comment": {
        for (CommentRow c : comments) {
          if (c.id().equals(a.get("id").asText())) {
            return c;
          }
        }
        throw notFound("Comment");
      }
      case "issueRelation": {
        for (Relation r : relations) {
          if (r.id().equals(a.get("id").asText())) {
            return r;
          }
        }
        throw notFound("IssueRelation");
      }
      case "issueLabel": {
        Label l = labels.get(a.get("id").asText());
        if (l == null) {
          throw notFound("IssueLabel");
        }
        return l;
      }
      case "issueLabels": {
        List<Object> out = new ArrayList<>();
        for (Label l : labels.values()) {
          for (JsonNode alt : a.get("filter").path("or")) {
            if (matchesString(alt.path("name"), l.name())) {
              out.add(l);
              break;
            }
          }
        }
        return page(out, a);
      }
      default:
        throw unknownField(f.name(), "Query");
    }
  }

  private record Page(List<Object> nodes, boolean hasNext, String endCursor) {}

  private Page page(List<Object> all, Map<String, JsonNode> a) {
    int first = a.containsKey("first") && !a.get("first").isNull() ? a.get("first").asInt() : 50;
    int start = 0;
    JsonNode after = a.get("after");
    if (after != null && !after.isNull()) {
      start = Integer.parseInt(after.asText().substring("cursor-".length())) + 1;
    }
    int end = Math.min(all.size(), start + first);
    List<Object> nodes = start >= all.size() ? List.of() : all.subList(start, end);
    return new Page(new ArrayList<>(nodes), end < all.size(), nodes.isEmpty() ? null : "cursor-" + (end - 1));
  }

  private boolean matches(Issue i, JsonNode filter) {
    for (Map.Entry<String, JsonNode> e : filter.properties()) {
      JsonNode v = e.getValue();
      boolean ok;
      switch (e.getKey()) {
        case "and":
          ok = true;
          for (JsonNode sub : v) {
            ok &= matches(i, sub);
          }
          break;
        case "or":
          ok = false;
          for (JsonNode sub : v) {
            ok |= matches(i, sub);
          }
          break;
        case "team":
          ok = (!v.has("id") || matchesString(v.get("id"), i.teamId))
              && (!v.has("key") || matchesString(v.get("key"), teams.get(i.teamId).key()));
          break;
        case "labels":
          ok = false;
          for (String lid : i.labelIds) {
            ok |= matchesString(v.path("some").path("name"), labels.get(lid).name());
          }
          break;
        case "project":
          ok = i.projectId != null && matchesString(v.path("id"), i.projectId);
          break;
        case "cycle":
          ok = i.cycleId != null && matchesString(v.path("id"), i.cycleId);
          break;
        case "updatedAt":
          ok = !i.updatedAt.isBefore(Instant.parse(v.path("gte").asText()));
          break;
        case "id":
          ok = matchesString(v, i.id);
          break;
        default:
          throw invalid("the fake does not know IssueFilter." + e.getKey());
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean matchesString(JsonNode comparator, String value) {
    if (comparator.has("eq")) {
      return comparator.get("eq").asText().equals(value);
    }
    if (comparator.has("eqIgnoreCase")) {
      return comparator.get("eqIgnoreCase").asText().equalsIgnoreCase(value);
    }
    if (comparator.has("in")) {
      for (JsonNode n : comparator.get("in")) {
        if (n.asText().equals(value)) {
          return true;
        }
      }
      return false;
    }
    throw invalid("the fake does not know comparator " + comparator);
  }

  private record Payload(String type, Object entity) {}

  private Object mutation(GraphQlDocument.Field f) {
    JsonNode input = f.args().get("input");
    switch (f.name()) {
      case "issueCreate": {
        String id = input.path("id").asText(UUID.randomUUID().toString());
        if (issues.containsKey(id)) {
          throw invalid("Argument Validation Error - id: an issue with this id already exists");
        }
        String teamId = input.path("teamId").asText();
        if (!teams.containsKey(teamId)) {
          throw notFound("Team");
        }
        if (input.path("title").asText("").isBlank()) {
          throw invalid("Argument Validation Error - title should not be empty");
        }
        String stateId = input.path("stateId").asText("");
        if (!stateId.isEmpty() && (!states.containsKey(stateId) || !states.get(stateId).teamId().equals(teamId))) {
          throw notFound("WorkflowState");
        }
        if (stateId.isEmpty()) {
          stateId = state(teamId, "Backlog").id();
        }
        for (JsonNode l : input.path("labelIds")) {
          if (!labels.containsKey(l.asText())) {
            throw notFound("IssueLabel");
          }
        }
        String parent = input.path("parentId").asText("");
        if (!parent.isEmpty() && issue(parent) == null) {
          throw notFound("Issue");
        }
        Issue i = newIssue(id, teamId, input.path("title").asText(), stateId);
        i.description = input.path("description").asText("");
        i.priority = input.path("priority").asInt(0);
        input.path("labelIds").forEach(l -> i.labelIds.add(l.asText()));
        i.parentId = parent.isEmpty() ? null : issue(parent).id;
        i.projectId = input.path("projectId").asText(null);
        i.cycleId = input.path("cycleId").asText(null);
        return new Payload("issue", i);
      }
      case "issueUpdate": {
        Issue i = issue(f.args().get("id").asText());
        if (i == null) {
          throw notFound("Issue");
        }
        if (input.has("stateId")) {
          State st = states.get(input.get("stateId").asText());
          if (st == null || !st.teamId().equals(i.teamId)) {
            throw notFound("WorkflowState");
          }
          i.stateId = st.id();
        }
        for (JsonNode l : input.path("addedLabelIds")) {
          if (!labels.containsKey(l.asText())) {
            throw notFound("IssueLabel");
          }
          if (!i.labelIds.contains(l.asText())) {
            i.labelIds.add(l.asText());
          }
        }
        input.path("removedLabelIds").forEach(l -> i.labelIds.remove(l.asText()));
        if (input.has("parentId")) {
          Issue p = issue(input.get("parentId").asText());
          if (p == null) {
            throw notFound("Issue");
          }
          i.parentId = p.id;
        }
        if (input.has("description")) {
          i.description = input.get("description").asText();
        }
        i.updatedAt = tick();
        return new Payload("issue", i);
      }
      case "commentCreate": {
        Issue i = issue(input.path("issueId").asText());
        if (i == null) {
          throw notFound("Issue");
        }
        String id = input.path("id").asText(UUID.randomUUID().toString());
        for (CommentRow c : comments) {
          if (c.id().equals(id)) {
            throw invalid("Argument Validation Error - id: a comment with this id already exists");
          }
        }
        CommentRow c = new CommentRow(id, i.id, input.path("body").asText(), tick(), "Loop Bot");
        comments.add(c);
        if (!commentsKeepUpdatedAt) {
          i.updatedAt = c.createdAt();
        }
        return new Payload("comment", c);
      }
      case "issueRelationCreate": {
        Issue from = issue(input.path("issueId").asText());
        Issue to = issue(input.path("relatedIssueId").asText());
        if (from == null || to == null) {
          throw notFound("Issue");
        }
        if (refuseNextRelation) {
          refuseNextRelation = false;
          throw invalid("Argument Validation Error - relatedIssueId: the relation would create a cycle");
        }
        String type = input.path("type").asText();
        if (!List.of("blocks", "duplicate", "related", "similar").contains(type)) {
          throw new GraphQlError("Value \"" + type + "\" does not exist in \"IssueRelationType\" enum.",
              "GRAPHQL_VALIDATION_FAILED", "graphql error", true);
        }
        Relation r = new Relation(input.path("id").asText(UUID.randomUUID().toString()), type, from.id, to.id);
        relations.add(r);
        from.updatedAt = tick();
        to.updatedAt = from.updatedAt;
        return new Payload("issueRelation", r);
      }
      case "issueLabelCreate": {
        String name = input.path("name").asText();
        for (Label l : labels.values()) {
          if (l.name().equalsIgnoreCase(name)) {
            throw invalid("Argument Validation Error - name: a label with this name already exists");
          }
        }
        Label l = new Label(input.path("id").asText(UUID.randomUUID().toString()), name,
            input.path("teamId").asText(null));
        labels.put(l.id(), l);
        return new Payload("issueLabel", l);
      }
      default:
        throw unknownField(f.name(), "Mutation");
    }
  }

  // ---- rendering: only what was selected, only fields the type has ----

  private JsonNode render(Object value, GraphQlDocument.Field f, String type) {
    JsonNodeFactory n = JsonNodeFactory.instance;
    if (value == null) {
      return n.nullNode();
    }
    if (f.selection().isEmpty()) {
      throw new GraphQlError("Field \"" + f.name() + "\" of type \"" + type + "\" must have a selection of"
          + " subfields.", "GRAPHQL_VALIDATION_FAILED", "graphql error", true);
    }
    ObjectNode out = n.objectNode();
    for (GraphQlDocument.Field sub : f.selection()) {
      out.set(sub.alias(), field(value, sub, type));
    }
    return out;
  }

  private JsonNode field(Object v, GraphQlDocument.Field f, String type) {
    JsonNodeFactory n = JsonNodeFactory.instance;
    String name = f.name();
    if (v instanceof Page) {
      Page p = (Page) v;
      if (name.equals("nodes")) {
        ArrayNode a = n.arrayNode();
        for (Object o : p.nodes()) {
          a.add(render(o, f, typeOf(o)));
        }
        return a;
      }
      if (name.equals("pageInfo")) {
        ObjectNode info = n.objectNode();
        for (GraphQlDocument.Field s : f.selection()) {
          switch (s.name()) {
            case "hasNextPage":
              info.put(s.alias(), p.hasNext());
              break;
            case "endCursor":
              if (p.endCursor() == null) {
                info.putNull(s.alias());
              } else {
                info.put(s.alias(), p.endCursor());
              }
              break;
            case "hasPreviousPage":
              info.put(s.alias(), false);
              break;
            default:
              throw unknownField(s.name(), "PageInfo");
          }
        }
        return info;
      }
      throw unknownField(name, "Connection");
    }
    if (v instanceof Payload) {
      Payload p = (Payload) v;
      switch (name) {
        case "success":
          return n.booleanNode(true);
        case "lastSyncId":
          return n.numberNode(1234.0);
        default:
          if (name.equals(p.type())) {
            return render(p.entity(), f, typeOf(p.entity()));
          }
          throw unknownField(name, "Payload");
      }
    }
    if (v instanceof Issue) {
      Issue i = (Issue) v;
      switch (name) {
        case "id":
          return n.textNode(i.id);
        case "identifier":
          return n.textNode(i.identifier);
        case "number":
          return n.numberNode((double) i.number);
        case "title":
          return n.textNode(i.title);
        case "description":
          return i.description == null ? n.nullNode() : n.textNode(i.description);
        case "priority":
          return n.numberNode((double) i.priority);
        case "createdAt":
          return n.textNode(i.createdAt.toString());
        case "updatedAt":
          return n.textNode(i.updatedAt.toString());
        case "url":
          return n.textNode("https://linear.app/acme/issue/" + i.identifier.toLowerCase(Locale.ROOT));
        case "state":
          return render(i.state(), f, "WorkflowState");
        case "team":
          return render(teams.get(i.teamId), f, "Team");
        case "parent":
          return i.parentId == null ? n.nullNode() : render(issues.get(i.parentId), f, "Issue");
        case "labels": {
          List<Object> ls = new ArrayList<>();
          i.labelIds.forEach(id -> ls.add(labels.get(id)));
          return render(page(ls, f.args()), f, "Connection");
        }
        case "relations":
        case "inverseRelations": {
          List<Object> rs = new ArrayList<>();
          for (Relation r : relations) {
            if (name.equals("relations") ? r.issueId().equals(i.id) : r.relatedIssueId().equals(i.id)) {
              rs.add(r);
            }
          }
          return render(page(rs, f.args()), f, "Connection");
        }
        case "comments": {
          List<Object> cs = new ArrayList<>();
          for (CommentRow c : comments) {
            if (c.issueId().equals(i.id)) {
              cs.add(c);
            }
          }
          return render(page(cs, f.args()), f, "Connection");
        }
        default:
          throw unknownField(name, "Issue");
      }
    }
    if (v instanceof State) {
      State s = (State) v;
      switch (name) {
        case "id":
          return n.textNode(s.id());
        case "name":
          return n.textNode(s.name());
        case "type":
          return n.textNode(s.type());
        case "position":
          return n.numberNode(s.position());
        default:
          throw unknownField(name, "WorkflowState");
      }
    }
    if (v instanceof Team) {
      Team t = (Team) v;
      switch (name) {
        case "id":
          return n.textNode(t.id());
        case "key":
          return n.textNode(t.key());
        case "name":
          return n.textNode(t.name());
        case "states": {
          List<Object> ss = new ArrayList<>();
          for (State s : states.values()) {
            if (s.teamId().equals(t.id())) {
              ss.add(s);
            }
          }
          return render(page(ss, f.args()), f, "Connection");
        }
        default:
          throw unknownField(name, "Team");
      }
    }
    if (v instanceof Label) {
      Label l = (Label) v;
      switch (name) {
        case "id":
          return n.textNode(l.id());
        case "name":
          return n.textNode(l.name());
        case "team":
          return l.teamId() == null ? n.nullNode() : render(teams.get(l.teamId()), f, "Team");
        default:
          throw unknownField(name, "IssueLabel");
      }
    }
    if (v instanceof CommentRow) {
      CommentRow c = (CommentRow) v;
      switch (name) {
        case "id":
          return n.textNode(c.id());
        case "body":
          return n.textNode(c.body());
        case "createdAt":
          return n.textNode(c.createdAt().toString());
        case "user": {
          ObjectNode u = n.objectNode();
          for (GraphQlDocument.Field s : f.selection()) {
            if (!s.name().equals("name") && !s.name().equals("id")) {
              throw unknownField(s.name(), "User");
            }
            u.put(s.alias(), s.name().equals("name") ? c.user() : "u-" + c.user().hashCode());
          }
          return u;
        }
        default:
          throw unknownField(name, "Comment");
      }
    }
    if (v instanceof Relation) {
      Relation r = (Relation) v;
      switch (name) {
        case "id":
          return n.textNode(r.id());
        case "type":
          return n.textNode(r.type());
        case "issue":
          return render(issues.get(r.issueId()), f, "Issue");
        case "relatedIssue":
          return render(issues.get(r.relatedIssueId()), f, "Issue");
        default:
          throw unknownField(name, "IssueRelation");
      }
    }
    if ("project".equals(v)) {
      switch (name) {
        case "id":
          return n.textNode(PROJECT_ID);
        case "name":
          return n.textNode("Checkout revamp");
        case "slugId":
          return n.textNode("checkout-8f3a2b1c9d0e");
        default:
          throw unknownField(name, "Project");
      }
    }
    if ("cycle".equals(v)) {
      switch (name) {
        case "id":
          return n.textNode(CYCLE_ID);
        case "number":
          return n.numberNode(12.0);
        default:
          throw unknownField(name, "Cycle");
      }
    }
    throw unknownField(name, type);
  }

  private static String typeOf(Object o) {
    return o instanceof Issue ? "Issue" : o instanceof Label ? "IssueLabel" : o instanceof State ? "WorkflowState"
        : o instanceof Team ? "Team" : o instanceof CommentRow ? "Comment" : o instanceof Relation
        ? "IssueRelation" : String.valueOf(o);
  }
}

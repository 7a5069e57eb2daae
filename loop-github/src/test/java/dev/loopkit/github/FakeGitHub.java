package dev.loopkit.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A small GitHub REST server for one repository, held in memory and served on loopback by MockWebServer:
 * issues (and pull requests in listings), labels, comments, issue dependencies and sub-issues, with
 * GitHub-shaped JSON, {@code Link} pagination pointing at {@code /repositories/{id}/...}, weak ETags and 304s,
 * rate-limit headers on every answer (a 304 costs nothing), 401 for a wrong token, 404 for other repositories
 * and 422 validation errors. Scripted answers can be queued in front of it to play rate limits and faults.
 */
final class FakeGitHub extends Dispatcher implements AutoCloseable {
  static final String OWNER = "acme";
  static final String REPO = "widgets";
  static final long REPO_ID = 1300192;

  /** One request as the fake saw it, with the status it answered. */
  record Seen(String method, String path, HttpUrl url, int status, String ifNoneMatch, String body) {
    boolean isList() {
      return method.equals("GET") && (path.equals("/repos/acme/widgets/issues")
          || path.equals("/repositories/" + REPO_ID + "/issues"));
    }
  }

  final class Issue {
    final long number;
    final long id;
    String title;
    String body;
    String state = "open";
    String stateReason;
    final List<String> labels = new ArrayList<>();
    Integer milestone;
    final List<ObjectNode> comments = new ArrayList<>();
    final List<Long> blockedBy = new ArrayList<>();
    Long parent;
    final boolean pullRequest;
    final Instant createdAt;
    Instant updatedAt;
    Instant closedAt;

    Issue(long number, String title, String body, boolean pullRequest) {
      this.number = number;
      this.id = 3_187_654_000L + number;
      this.title = title;
      this.body = body;
      this.pullRequest = pullRequest;
      this.createdAt = tick();
      this.updatedAt = createdAt;
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final MockWebServer server = new MockWebServer();
  private final String token;
  private final Map<Long, Issue> issues = new TreeMap<>();
  private final Map<String, String[]> labels = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final List<Seen> seen = new ArrayList<>();
  private final Deque<Scripted> scripted = new ArrayDeque<>();
  private Instant now = Instant.parse("2026-01-05T17:00:00Z");
  private long nextNumber = 1;
  private long nextCommentId = 1_700_000_000L;
  private long remaining = 5000;
  private final long reset = Instant.parse("2026-01-05T18:00:00Z").getEpochSecond();
  private boolean dependencies = true;

  private record Scripted(Predicate<RecordedRequest> when, MockResponse answer, boolean applyFirst) {}

  FakeGitHub(String token) throws IOException {
    this.token = token;
    server.setDispatcher(this);
    server.start();
  }

  String baseUrl() {
    return server.url("/").toString();
  }

  /** The test clock: two minutes before the fake's rate-limit window resets. */
  static final java.time.Clock CLOCK = java.time.Clock.fixed(Instant.parse("2026-01-05T17:58:00Z"),
      java.time.ZoneOffset.UTC);

  /** Every wait a tracker built by {@link #tracker()} asked for; none is slept for real. */
  final List<java.time.Duration> sleeps = java.util.Collections.synchronizedList(new ArrayList<>());

  /** A tracker builder pointed at this server, batch label {@code loop:batch-1}, sleeping into {@link #sleeps}. */
  GitHubTracker.Builder tracker() {
    return GitHubTracker.builder().repository(OWNER + "/" + REPO).label("loop:batch-1").token(token)
        .baseUrl(baseUrl()).clock(CLOCK).sleeper(sleeps::add);
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }

  // ---- seeding and inspection ----

  synchronized Issue seedIssue(String title, String body, String... labelNames) {
    Issue issue = new Issue(nextNumber++, title, body, false);
    for (String l : labelNames) {
      addLabelIfMissing(l);
      issue.labels.add(l);
    }
    issues.put(issue.number, issue);
    return issue;
  }

  synchronized Issue seedPullRequest(String title, String... labelNames) {
    Issue pr = new Issue(nextNumber++, title, "", true);
    for (String l : labelNames) {
      addLabelIfMissing(l);
      pr.labels.add(l);
    }
    issues.put(pr.number, pr);
    return pr;
  }

  /** A person's change to an issue on github.com: applied, and the issue's {@code updated_at} moves on. */
  synchronized void edit(long number, java.util.function.Consumer<Issue> change) {
    Issue i = issues.get(number);
    change.accept(i);
    i.updatedAt = tick();
  }

  /** A person deletes the issue: it leaves every listing, and reading it answers 404. */
  synchronized void delete(long number) {
    issues.remove(number);
  }

  /** The fake's clock, which moves one second per change. */
  synchronized Instant now() {
    return now;
  }

  synchronized void seedLabel(String name) {
    addLabelIfMissing(name);
  }

  synchronized Issue issue(long number) {
    return issues.get(number);
  }

  synchronized List<Issue> issues() {
    return new ArrayList<>(issues.values());
  }

  synchronized List<Seen> seen() {
    return new ArrayList<>(seen);
  }

  synchronized List<Seen> seen(String method, String pathRegex) {
    List<Seen> out = new ArrayList<>();
    for (Seen s : seen) {
      if (s.method().equals(method) && s.path().matches(pathRegex)) {
        out.add(s);
      }
    }
    return out;
  }

  synchronized void clearSeen() {
    seen.clear();
  }

  synchronized long remaining() {
    return remaining;
  }

  /** A server without issue dependencies (GitHub Enterprise Server before 3.19). */
  synchronized void withoutDependencies() {
    dependencies = false;
  }

  /** Answers the next request matching {@code when} with {@code answer} instead of serving it. */
  synchronized void answerNext(Predicate<RecordedRequest> when, MockResponse answer) {
    scripted.addLast(new Scripted(when, answer, false));
  }

  /** Serves the next request matching {@code when}, then drops the connection: the client never hears back. */
  synchronized void applyThenDisconnect(Predicate<RecordedRequest> when) {
    scripted.addLast(new Scripted(when, new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST),
        true));
  }

  static Predicate<RecordedRequest> request(String method, String pathRegex) {
    return r -> method.equals(r.getMethod()) && r.getRequestUrl() != null
        && r.getRequestUrl().encodedPath().matches(pathRegex);
  }

  /** A GitHub error answer with rate-limit headers. */
  MockResponse error(int code, String message, long remainingNow) {
    ObjectNode body = json.createObjectNode().put("message", message)
        .put("documentation_url", "https://docs.github.com/rest").put("status", Integer.toString(code));
    return withRateHeaders(new MockResponse().setResponseCode(code), remainingNow)
        .setHeader("Content-Type", "application/json; charset=utf-8").setBody(body.toString());
  }

  private MockResponse withRateHeaders(MockResponse r, long remainingNow) {
    return r.setHeader("x-ratelimit-limit", "5000").setHeader("x-ratelimit-remaining", Long.toString(remainingNow))
        .setHeader("x-ratelimit-used", Long.toString(5000 - remainingNow))
        .setHeader("x-ratelimit-reset", Long.toString(reset)).setHeader("x-ratelimit-resource", "core");
  }

  long resetEpochSecond() {
    return reset;
  }

  // ---- serving ----

  @Override
  public synchronized MockResponse dispatch(RecordedRequest request) {
    HttpUrl url = request.getRequestUrl();
    String body = request.getBody().readUtf8();
    String path = url == null ? "" : url.encodedPath();
    MockResponse response;
    Scripted script = null;
    for (Scripted s : scripted) {
      if (s.when().test(request)) {
        script = s;
        break;
      }
    }
    if (script != null) {
      scripted.remove(script);
      if (script.applyFirst()) {
        serve(request, url, body);
      }
      response = script.answer();
    } else {
      response = serve(request, url, body);
    }
    int status = script != null && script.applyFirst() ? -1 : statusOf(response);
    seen.add(new Seen(request.getMethod(), path, url, status, nullToEmpty(request.getHeader("If-None-Match")),
        body));
    return response;
  }

  private static int statusOf(MockResponse r) {
    String[] parts = r.getStatus().split(" ");
    return Integer.parseInt(parts[1]);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private MockResponse serve(RecordedRequest request, HttpUrl url, String body) {
    if (!("Bearer " + token).equals(request.getHeader("Authorization"))) {
      return error(401, "Bad credentials", remaining);
    }
    if (request.getHeader("User-Agent") == null || !"application/vnd.github+json".equals(request.getHeader("Accept"))
        || request.getHeader("X-GitHub-Api-Version") == null) {
      return error(400, "Request forbidden by administrative rules. Please make sure your request has a User-Agent"
          + " header", remaining);
    }
    List<String> seg = new ArrayList<>(url.pathSegments());
    if (seg.size() >= 2 && seg.get(0).equals("repositories") && seg.get(1).equals(Long.toString(REPO_ID))) {
      seg.remove(0);
      seg.set(0, REPO);
      seg.add(0, OWNER);
      seg.add(0, "repos");
    }
    if (seg.size() < 3 || !seg.get(0).equals("repos") || !seg.get(1).equalsIgnoreCase(OWNER)
        || !seg.get(2).equalsIgnoreCase(REPO)) {
      return error(404, "Not Found", --remaining);
    }
    List<String> rest = seg.subList(3, seg.size());
    String method = request.getMethod();
    try {
      JsonNode in = body.isEmpty() ? json.createObjectNode() : json.readTree(body);
      return route(method, rest, url, in, request.getHeader("If-None-Match"));
    } catch (IOException e) {
      return error(400, "Problems parsing JSON", --remaining);
    }
  }

  private MockResponse route(String method, List<String> rest, HttpUrl url, JsonNode in, String ifNoneMatch) {
    if (rest.isEmpty() && method.equals("GET")) {
      return ok(200, repoJson(), null, ifNoneMatch);
    }
    String head = rest.get(0);
    if (head.equals("labels") && rest.size() == 1) {
      return method.equals("GET") ? page(labelArray(), url, ifNoneMatch) : createLabel(in);
    }
    if (!head.equals("issues")) {
      return error(404, "Not Found", --remaining);
    }
    if (rest.size() == 1) {
      return method.equals("GET") ? page(listIssues(url), url, ifNoneMatch) : createIssue(in);
    }
    if (rest.get(1).equals("comments") && rest.size() == 2 && method.equals("GET")) {
      return page(repoComments(url), url, ifNoneMatch);
    }
    Issue issue;
    try {
      issue = issues.get(Long.parseLong(rest.get(1)));
    } catch (NumberFormatException e) {
      issue = null;
    }
    if (issue == null) {
      return error(404, "Not Found", --remaining);
    }
    if (rest.size() == 2) {
      return method.equals("GET") ? ok(200, issueJson(issue), null, ifNoneMatch) : updateIssue(issue, in);
    }
    String sub = String.join("/", rest.subList(2, rest.size()));
    switch (method + " " + sub) {
      case "GET comments":
        return page(arrayOf(issue.comments), url, ifNoneMatch);
      case "POST comments":
        return addComment(issue, in);
      case "GET dependencies/blocked_by":
        if (!dependencies) {
          return error(404, "Not Found", --remaining);
        }
        return page(blockers(issue), url, ifNoneMatch);
      case "POST dependencies/blocked_by":
        if (!dependencies) {
          return error(404, "Not Found", --remaining);
        }
        return addBlocker(issue, in);
      case "POST sub_issues":
        return addSubIssue(issue, in);
      default:
        return error(404, "Not Found", --remaining);
    }
  }

  // ---- resources ----

  private Instant tick() {
    now = now.plusSeconds(1);
    return now;
  }

  private String api() {
    return server.url("/").toString();
  }

  private ObjectNode repoJson() {
    ObjectNode r = json.createObjectNode().put("id", REPO_ID).put("name", REPO).put("full_name", OWNER + "/" + REPO)
        .put("private", false).put("has_issues", true);
    r.putObject("owner").put("login", OWNER).put("id", 9001).put("type", "Organization");
    return r;
  }

  private ObjectNode labelJson(String name) {
    String[] l = labels.get(name);
    return json.createObjectNode().put("id", 500 + new ArrayList<>(labels.keySet()).indexOf(name))
        .put("node_id", "LA_kwDO" + name.hashCode()).put("url", api() + "repos/acme/widgets/labels/" + name)
        .put("name", l[0]).put("color", l[1]).put("default", false).put("description", l[2]);
  }

  private ArrayNode labelArray() {
    ArrayNode a = json.createArrayNode();
    labels.keySet().forEach(n -> a.add(labelJson(n)));
    return a;
  }

  private void addLabelIfMissing(String name) {
    labels.putIfAbsent(name, new String[] {name, "ededed", ""});
  }

  private MockResponse createLabel(JsonNode in) {
    String name = in.path("name").asText("");
    if (name.isEmpty()) {
      return validation("Label", "name", "missing_field");
    }
    if (labels.containsKey(name)) {
      return validation("Label", "name", "already_exists");
    }
    labels.put(name, new String[] {name, in.path("color").asText("ededed"), in.path("description").asText("")});
    return ok(201, labelJson(name), null, null);
  }

  private ObjectNode issueJson(Issue i) {
    String base = api() + "repos/acme/widgets/issues/" + i.number;
    ObjectNode o = json.createObjectNode().put("id", i.id).put("node_id", "I_kwDOB7xYzs" + i.number)
        .put("number", i.number).put("url", base).put("repository_url", api() + "repos/acme/widgets")
        .put("labels_url", base + "/labels{/name}").put("comments_url", base + "/comments")
        .put("html_url", "https://github.com/acme/widgets/" + (i.pullRequest ? "pull/" : "issues/") + i.number)
        .put("title", i.title).put("body", i.body).put("state", i.state);
    if (i.stateReason == null) {
      o.putNull("state_reason");
    } else {
      o.put("state_reason", i.stateReason);
    }
    o.putObject("user").put("login", "octo").put("id", 1001).put("type", "User");
    ArrayNode ls = o.putArray("labels");
    i.labels.forEach(l -> ls.add(labelJson(l)));
    o.putNull("assignee");
    o.putArray("assignees");
    if (i.milestone == null) {
      o.putNull("milestone");
    } else {
      o.putObject("milestone").put("number", i.milestone).put("title", "Milestone " + i.milestone)
          .put("state", "open");
    }
    o.put("locked", false).put("comments", i.comments.size()).put("created_at", i.createdAt.toString())
        .put("updated_at", i.updatedAt.toString());
    if (i.closedAt == null) {
      o.putNull("closed_at");
    } else {
      o.put("closed_at", i.closedAt.toString());
    }
    o.put("author_association", "MEMBER").putNull("type");
    if (i.pullRequest) {
      o.putObject("pull_request").put("url", api() + "repos/acme/widgets/pulls/" + i.number)
          .put("html_url", "https://github.com/acme/widgets/pull/" + i.number)
          .put("diff_url", "https://github.com/acme/widgets/pull/" + i.number + ".diff")
          .put("patch_url", "https://github.com/acme/widgets/pull/" + i.number + ".patch").putNull("merged_at");
      return o;
    }
    long children = issues.values().stream().filter(c -> Long.valueOf(i.number).equals(c.parent)).count();
    long done = issues.values().stream().filter(c -> Long.valueOf(i.number).equals(c.parent))
        .filter(c -> c.state.equals("closed")).count();
    o.putObject("sub_issues_summary").put("total", children).put("completed", done)
        .put("percent_completed", children == 0 ? 0 : (int) (100 * done / children));
    if (i.parent != null) {
      o.put("parent_issue_url", api() + "repos/acme/widgets/issues/" + i.parent);
    }
    if (dependencies) {
      long open = i.blockedBy.stream().filter(b -> issues.get(b).state.equals("open")).count();
      long blocking = issues.values().stream().filter(x -> x.blockedBy.contains(i.number)).count();
      o.putObject("issue_dependencies_summary").put("blocked_by", open).put("total_blocked_by", i.blockedBy.size())
          .put("blocking", blocking).put("total_blocking", blocking);
    }
    o.putObject("reactions").put("total_count", 0).put("+1", 0).put("-1", 0);
    return o;
  }

  private ArrayNode listIssues(HttpUrl url) {
    String state = nullTo(url.queryParameter("state"), "open");
    String labelFilter = url.queryParameter("labels");
    String milestone = url.queryParameter("milestone");
    String since = url.queryParameter("since");
    ArrayNode a = json.createArrayNode();
    List<Issue> all = new ArrayList<>(issues.values());
    if ("updated".equals(url.queryParameter("sort"))) {
      all.sort(java.util.Comparator.comparing((Issue i) -> i.updatedAt).thenComparing(i -> i.number));
    }
    if ("desc".equals(nullTo(url.queryParameter("direction"), "desc"))) {
      java.util.Collections.reverse(all);
    }
    for (Issue i : all) {
      if (!state.equals("all") && !i.state.equals(state)) {
        continue;
      }
      // GitHub: "only show results that were last updated after the given time", inclusive of it
      if (since != null && i.updatedAt.isBefore(Instant.parse(since))) {
        continue;
      }
      if (labelFilter != null) {
        boolean every = true;
        for (String l : labelFilter.split(",")) {
          every &= i.labels.stream().anyMatch(x -> x.equalsIgnoreCase(l.trim()));
        }
        if (!every) {
          continue;
        }
      }
      if (milestone != null && !milestone.equals("*") && !milestone.equals(String.valueOf(i.milestone))) {
        continue;
      }
      a.add(issueJson(i));
    }
    return a;
  }

  private static String nullTo(String s, String dflt) {
    return s == null ? dflt : s;
  }

  private MockResponse createIssue(JsonNode in) {
    if (!in.hasNonNull("title") || in.path("title").asText().isBlank()) {
      return validation("Issue", "title", "missing_field");
    }
    Issue i = new Issue(nextNumber++, in.path("title").asText(), in.path("body").asText(""), false);
    for (JsonNode l : in.path("labels")) {
      String name = l.isTextual() ? l.asText() : l.path("name").asText();
      addLabelIfMissing(name);
      i.labels.add(labels.get(name)[0]);
    }
    if (in.has("milestone") && !in.get("milestone").isNull()) {
      if (!in.get("milestone").canConvertToInt()) {
        return validation("Issue", "milestone", "invalid");
      }
      if (in.get("milestone").asInt() != 1) {
        nextNumber--;
        ObjectNode body = json.createObjectNode().put("message", "Validation Failed");
        body.putArray("errors").addObject().put("value", in.get("milestone").asInt()).put("resource", "Issue")
            .put("field", "milestone").put("code", "invalid");
        body.put("documentation_url", "https://docs.github.com/rest/issues/issues#create-an-issue")
            .put("status", "422");
        return withRateHeaders(new MockResponse().setResponseCode(422), --remaining)
            .setHeader("Content-Type", "application/json; charset=utf-8").setBody(body.toString());
      }
      i.milestone = in.get("milestone").asInt();
    }
    issues.put(i.number, i);
    return ok(201, issueJson(i), null, null)
        .setHeader("Location", api() + "repos/acme/widgets/issues/" + i.number);
  }

  private MockResponse updateIssue(Issue i, JsonNode in) {
    if (in.has("state")) {
      String state = in.get("state").asText();
      if (!state.equals("open") && !state.equals("closed")) {
        return validation("Issue", "state", "invalid");
      }
      if (!state.equals(i.state)) {
        i.state = state;
        String reason = in.path("state_reason").asText(state.equals("closed") ? "completed" : "reopened");
        if (!List.of("completed", "not_planned", "duplicate", "reopened").contains(reason)) {
          return validation("Issue", "state_reason", "invalid");
        }
        i.stateReason = reason;
        i.closedAt = state.equals("closed") ? now : null;
      }
    }
    if (in.has("labels")) {
      i.labels.clear();
      for (JsonNode l : in.get("labels")) {
        String name = l.isTextual() ? l.asText() : l.path("name").asText();
        addLabelIfMissing(name);
        i.labels.add(labels.get(name)[0]);
      }
    }
    if (in.has("title")) {
      i.title = in.get("title").asText();
    }
    if (in.has("body")) {
      i.body = in.get("body").asText();
    }
    i.updatedAt = tick();
    return ok(200, issueJson(i), null, null);
  }

  private MockResponse addComment(Issue i, JsonNode in) {
    if (!in.hasNonNull("body")) {
      return validation("IssueComment", "body", "missing_field");
    }
    long id = nextCommentId++;
    Instant at = tick();
    ObjectNode c = json.createObjectNode().put("id", id).put("node_id", "IC_kwDO" + id)
        .put("url", api() + "repos/acme/widgets/issues/comments/" + id)
        .put("html_url", "https://github.com/acme/widgets/issues/" + i.number + "#issuecomment-" + id)
        .put("issue_url", api() + "repos/acme/widgets/issues/" + i.number).put("body", in.get("body").asText());
    c.putObject("user").put("login", "loop-bot").put("id", 1002).put("type", "Bot");
    c.put("created_at", at.toString()).put("updated_at", at.toString()).put("author_association", "MEMBER");
    i.comments.add(c);
    i.updatedAt = at;
    return ok(201, c, null, null);
  }

  private ArrayNode repoComments(HttpUrl url) {
    String since = url.queryParameter("since");
    List<ObjectNode> all = new ArrayList<>();
    issues.values().forEach(i -> all.addAll(i.comments));
    all.sort((a, b) -> a.path("created_at").asText().compareTo(b.path("created_at").asText()));
    ArrayNode a = json.createArrayNode();
    for (ObjectNode c : all) {
      if (since == null || !Instant.parse(c.path("updated_at").asText()).isBefore(Instant.parse(since))) {
        a.add(c);
      }
    }
    return a;
  }

  private ArrayNode blockers(Issue i) {
    ArrayNode a = json.createArrayNode();
    i.blockedBy.forEach(b -> a.add(issueJson(issues.get(b))));
    return a;
  }

  private Issue byId(JsonNode id) {
    for (Issue i : issues.values()) {
      if (i.id == id.asLong()) {
        return i;
      }
    }
    return null;
  }

  private MockResponse addBlocker(Issue blocked, JsonNode in) {
    JsonNode id = in.path("issue_id");
    if (!id.isIntegralNumber()) {
      return validation("IssueDependency", "issue_id", "invalid");
    }
    Issue blocker = byId(id);
    if (blocker == null) {
      return error(404, "Not Found", --remaining);
    }
    if (blocked.blockedBy.contains(blocker.number)) {
      return validation("IssueDependency", "issue_id", "already_exists");
    }
    blocked.blockedBy.add(blocker.number);
    blocked.updatedAt = tick();
    return ok(201, issueJson(blocked), null, null);
  }

  private MockResponse addSubIssue(Issue parent, JsonNode in) {
    JsonNode id = in.path("sub_issue_id");
    if (!id.isIntegralNumber()) {
      return validation("SubIssue", "sub_issue_id", "invalid");
    }
    Issue child = byId(id);
    if (child == null) {
      return error(404, "Not Found", --remaining);
    }
    if (child.parent != null && !in.path("replace_parent").asBoolean(false)) {
      return validation("SubIssue", "sub_issue_id", "already_exists");
    }
    child.parent = parent.number;
    child.updatedAt = tick();
    parent.updatedAt = child.updatedAt;
    return ok(201, issueJson(child), null, null);
  }

  private ArrayNode arrayOf(List<ObjectNode> nodes) {
    ArrayNode a = json.createArrayNode();
    nodes.forEach(a::add);
    return a;
  }

  private MockResponse validation(String resource, String field, String code) {
    ObjectNode body = json.createObjectNode().put("message", "Validation Failed");
    body.putArray("errors").addObject().put("resource", resource).put("field", field).put("code", code);
    body.put("documentation_url", "https://docs.github.com/rest").put("status", "422");
    return withRateHeaders(new MockResponse().setResponseCode(422), --remaining)
        .setHeader("Content-Type", "application/json; charset=utf-8").setBody(body.toString());
  }

  /** One page of a list: {@code per_page} (default 30, at most 100) and {@code page}, with a Link header. */
  private MockResponse page(ArrayNode all, HttpUrl url, String ifNoneMatch) {
    int perPage = Math.min(100, Integer.parseInt(nullTo(url.queryParameter("per_page"), "30")));
    int pageNo = Integer.parseInt(nullTo(url.queryParameter("page"), "1"));
    int pages = Math.max(1, (all.size() + perPage - 1) / perPage);
    ArrayNode slice = json.createArrayNode();
    for (int k = (pageNo - 1) * perPage; k < Math.min(all.size(), pageNo * perPage); k++) {
      slice.add(all.get(k));
    }
    String link = null;
    if (pages > 1) {
      List<String> rels = new ArrayList<>();
      // the documented shape: any order, URLs on /repositories/{id}/..., per_page carried along
      if (pageNo > 1) {
        rels.add("<" + pageUrl(url, pageNo - 1) + ">; rel=\"prev\"");
      }
      rels.add("<" + pageUrl(url, pages) + ">; rel=\"last\"");
      if (pageNo < pages) {
        rels.add("<" + pageUrl(url, pageNo + 1) + ">; rel=\"next\"");
      }
      rels.add("<" + pageUrl(url, 1) + ">; rel=\"first\"");
      link = String.join(", ", rels);
    }
    return ok(200, slice, link, ifNoneMatch);
  }

  private String pageUrl(HttpUrl url, int page) {
    List<String> seg = url.pathSegments();
    HttpUrl.Builder b = url.newBuilder().encodedPath("/repositories/" + REPO_ID);
    int from = seg.get(0).equals("repos") ? 3 : 2;
    for (String s : seg.subList(from, seg.size())) {
      b.addPathSegment(s);
    }
    return b.setQueryParameter("page", Integer.toString(page)).build().toString();
  }

  private MockResponse ok(int code, JsonNode body, String link, String ifNoneMatch) {
    String text = body.toString();
    String etag = "W/\"" + sha(text + (link == null ? "" : link)) + "\"";
    if (etag.equals(ifNoneMatch)) {
      // a 304 does not count against the primary limit
      return withRateHeaders(new MockResponse().setResponseCode(304), remaining).setHeader("ETag", etag);
    }
    MockResponse r = withRateHeaders(new MockResponse().setResponseCode(code), --remaining)
        .setHeader("Content-Type", "application/json; charset=utf-8").setHeader("ETag", etag).setBody(text);
    if (link != null) {
      r.setHeader("Link", link);
    }
    return r;
  }

  private static String sha(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The labels as GitHub holds them, for assertions. */
  synchronized Map<String, String> labelColors() {
    Map<String, String> out = new LinkedHashMap<>();
    labels.forEach((k, v) -> out.put(v[0].toLowerCase(Locale.ROOT), v[1]));
    return out;
  }
}

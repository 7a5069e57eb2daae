package dev.loopkit.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A small Jira Cloud REST v3 server held in memory and served on loopback by MockWebServer: one project
 * ({@code ENG}), issues with Jira-shaped JSON (ADF descriptions and comments, status objects with categories,
 * issue links seen from both ends, parents, issue properties), {@code POST /search/jql} with token pagination
 * and a JQL evaluator for the queries the tracker sends (anything else is Jira's 400), a workflow with global
 * transitions, basic-auth checking, and Jira's error bodies. Scripted answers can be queued in front of it to
 * play rate limits, malformed bodies and lost answers. The search index can lag, as Jira's does.
 */
final class FakeJira extends Dispatcher implements AutoCloseable {
  static final String EMAIL = "loop-bot@acme.com";
  static final String TOKEN = "ATATT3xFfGF0contractTokenNeverPrinted0123456789";
  static final String PROJECT = "ENG";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
      .withZone(ZoneOffset.UTC);

  /** One request as the fake saw it, with the status it answered. */
  record Seen(String method, String path, HttpUrl url, int status, String body, String authorization) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body.isEmpty() ? "{}" : body);
      } catch (IOException e) {
        throw new AssertionError("request body is not JSON: " + body, e);
      }
    }
  }

  record State(String id, String name, String category) {}

  static final State TO_DO = new State("10000", "To Do", "new");
  static final State IN_PROGRESS = new State("3", "In Progress", "indeterminate");
  static final State BLOCKED = new State("10001", "Blocked", "indeterminate");
  static final State DONE = new State("10002", "Done", "done");
  static final State CANCELLED = new State("10003", "Cancelled", "done");
  /** Global transitions: id, name (not the status name, so the tracker must match on {@code to.name}), target. */
  private static final List<Object[]> TRANSITIONS = List.of(new Object[] {"11", "Back to do", TO_DO},
      new Object[] {"21", "Start work", IN_PROGRESS}, new Object[] {"31", "Finish", DONE},
      new Object[] {"41", "Wait for a person", BLOCKED}, new Object[] {"51", "Drop", CANCELLED});

  final class Issue {
    final long id;
    final String key;
    String summary;
    JsonNode description;
    State status = TO_DO;
    String priorityId;
    final List<String> labels = new ArrayList<>();
    String type;
    String parent;
    final List<ObjectNode> comments = new ArrayList<>();
    final Map<String, JsonNode> properties = new LinkedHashMap<>();
    final Instant created;
    Instant updated;
    boolean indexed;

    Issue(long id, String key, String summary, String type) {
      this.id = id;
      this.key = key;
      this.summary = summary;
      this.type = type;
      this.created = clock.instant();
      this.updated = created;
    }
  }

  record Link(long id, String type, String inward, String outward) {}

  private final ObjectMapper json = new ObjectMapper();
  private final MockWebServer server = new MockWebServer();
  final ManualClock clock;
  private final String authorization;
  private final Map<String, Issue> issues = new TreeMap<>(Comparator.comparingLong(FakeJira::number));
  private final List<Link> links = new ArrayList<>();
  private final List<Seen> seen = new ArrayList<>();
  private final Deque<Scripted> scripted = new ArrayDeque<>();
  private final Map<String, Integer> pageTokens = new LinkedHashMap<>();
  private long nextNumber = 1;
  private long nextId = 10001;
  private long nextCommentId = 20001;
  private long nextLinkId = 30001;
  private int embeddedComments = 20;
  private boolean indexLag;
  private boolean captcha;
  private int searchPageLimit = 100;

  private record Scripted(Predicate<RecordedRequest> when, MockResponse answer, boolean applyFirst,
      Runnable sideEffect) {
    Scripted(Predicate<RecordedRequest> when, MockResponse answer, boolean applyFirst) {
      this(when, answer, applyFirst, () -> {});
    }
  }

  FakeJira(ManualClock clock) throws IOException {
    this.clock = clock;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((EMAIL + ":" + TOKEN)
        .getBytes(StandardCharsets.UTF_8));
    server.setDispatcher(this);
    server.start();
  }

  String site() {
    return server.url("/").toString();
  }

  /** Every wait a tracker built by {@link #tracker()} asked for; none is slept for real. */
  final List<Duration> sleeps = java.util.Collections.synchronizedList(new ArrayList<>());

  /** A tracker builder pointed at this server: project ENG, label loop-batch-1, token from a fake environment. */
  JiraTracker.Builder tracker() {
    return JiraTracker.builder().site(site()).auth(JiraAuth.basic(EMAIL, "JIRA_API_TOKEN"))
        .environment(Map.of("JIRA_API_TOKEN", TOKEN)).project(PROJECT).label("loop-batch-1").clock(clock)
        .sleeper(sleeps::add);
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }

  private static long number(String key) {
    return Long.parseLong(key.substring(key.indexOf('-') + 1));
  }

  // ---- seeding and inspection ----

  /** An issue made by a person in the UI: no properties, indexed at once. */
  synchronized Issue seed(String summary, String... labelNames) {
    Issue issue = newIssue(summary, "Task");
    issue.labels.addAll(List.of(labelNames));
    issue.indexed = true;
    return issue;
  }

  synchronized void seedLink(String type, String inward, String outward) {
    links.add(new Link(nextLinkId++, type, inward, outward));
  }

  synchronized Issue issue(String key) {
    return issues.get(key);
  }

  synchronized List<Issue> issues() {
    return new ArrayList<>(issues.values());
  }

  synchronized List<Link> links() {
    return new ArrayList<>(links);
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

  /** How many comments an issue embeds in search and GET answers (the rest via GET .../comment). */
  synchronized void embedComments(int n) {
    embeddedComments = n;
  }

  /** Newly filed issues stay out of search results until reconciled or {@link #index()}ed, as Jira's can. */
  synchronized void lagIndex() {
    indexLag = true;
  }

  synchronized void index() {
    issues.values().forEach(i -> i.indexed = true);
  }

  /** Every request is refused as a CAPTCHA-locked login. */
  synchronized void requireCaptcha() {
    captcha = true;
  }

  /** The most issues one search page holds, whatever maxResults asks. */
  synchronized void searchPageLimit(int n) {
    searchPageLimit = n;
  }

  synchronized void answerNext(Predicate<RecordedRequest> when, MockResponse answer) {
    scripted.addLast(new Scripted(when, answer, false));
  }

  /** Runs {@code meanwhile} (someone else's change), then answers the next request matching {@code when}. */
  synchronized void answerNext(Predicate<RecordedRequest> when, Runnable meanwhile, MockResponse answer) {
    scripted.addLast(new Scripted(when, answer, false, meanwhile));
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

  static MockResponse jiraError(int code, String message) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json;charset=UTF-8")
        .setBody("{\"errorMessages\":[\"" + message + "\"],\"errors\":{}}");
  }

  // ---- the dispatcher ----

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String body = request.getBody().readUtf8();
    MockResponse answer;
    synchronized (this) {
      Scripted script = null;
      for (Scripted s : scripted) {
        if (s.when().test(request)) {
          script = s;
          break;
        }
      }
      if (script != null) {
        scripted.remove(script);
        script.sideEffect().run();
        if (script.applyFirst()) {
          serve(request, body);
        }
        answer = script.answer();
      } else {
        answer = serve(request, body);
      }
      HttpUrl url = request.getRequestUrl();
      String status = answer.getStatus();
      int code = status.startsWith("HTTP/1.1 ") ? Integer.parseInt(status.substring(9, 12)) : 0;
      seen.add(new Seen(request.getMethod(), url.encodedPath(), url, code, body,
          String.valueOf(request.getHeader("Authorization"))));
    }
    return answer;
  }

  private MockResponse serve(RecordedRequest request, String body) {
    if (captcha) {
      return new MockResponse().setResponseCode(403).setHeader("X-Seraph-LoginReason", "AUTHENTICATION_DENIED")
          .setHeader("Content-Type", "text/html;charset=UTF-8").setBody("<html><body>CAPTCHA required</body></html>");
    }
    if (!authorization.equals(request.getHeader("Authorization"))) {
      return new MockResponse().setResponseCode(401).setHeader("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
          .setHeader("Content-Type", "text/plain;charset=UTF-8").setBody("Basic authentication with passwords is"
              + " deprecated or the credentials are invalid.");
    }
    HttpUrl url = request.getRequestUrl();
    String path = url.encodedPath();
    String method = request.getMethod();
    JsonNode in;
    try {
      in = body.isEmpty() ? json.createObjectNode() : json.readTree(body);
    } catch (IOException e) {
      return jiraError(400, "Unexpected character in the request body.");
    }
    Matcher m;
    if (method.equals("POST") && path.equals("/rest/api/3/search/jql")) {
      return search(in);
    }
    if (method.equals("POST") && path.equals("/rest/api/3/issue")) {
      return create(in);
    }
    if (method.equals("POST") && path.equals("/rest/api/3/issueLink")) {
      return link(in);
    }
    if ((m = Pattern.compile("/rest/api/3/issue/([A-Z]+-[0-9]+)(/.*)?").matcher(path)).matches()) {
      Issue issue = issues.get(m.group(1));
      if (issue == null) {
        return jiraError(404, "Issue does not exist or you do not have permission to see it.");
      }
      String rest = m.group(2) == null ? "" : m.group(2);
      if (rest.isEmpty() && method.equals("GET")) {
        return ok(200, render(issue, fieldsOf(url.queryParameter("fields")), propsOf(url.queryParameter("properties"))));
      }
      if (rest.isEmpty() && method.equals("PUT")) {
        return edit(issue, in);
      }
      if (rest.equals("/transitions") && method.equals("GET")) {
        ObjectNode out = json.createObjectNode().put("expand", "transitions");
        ArrayNode list = out.putArray("transitions");
        for (Object[] t : TRANSITIONS) {
          State to = (State) t[2];
          if (to == issue.status) {
            continue;
          }
          ObjectNode tr = list.addObject().put("id", (String) t[0]).put("name", (String) t[1]);
          tr.set("to", status(to));
          tr.put("hasScreen", false).put("isGlobal", true).put("isInitial", false).put("isAvailable", true)
              .put("isConditional", false).put("isLooped", false);
        }
        return ok(200, out);
      }
      if (rest.equals("/transitions") && method.equals("POST")) {
        String id = in.path("transition").path("id").asText();
        for (Object[] t : TRANSITIONS) {
          if (t[0].equals(id) && t[2] != issue.status) {
            issue.status = (State) t[2];
            touch(issue);
            return new MockResponse().setResponseCode(204);
          }
        }
        return jiraError(400, "Transition id '" + id + "' is not valid for this issue.");
      }
      if (rest.equals("/comment") && method.equals("POST")) {
        if (!in.path("body").path("type").asText().equals("doc")) {
          return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
              .setBody("{\"errorMessages\":[],\"errors\":{\"comment\":\"Comment body is not valid!\"}}");
        }
        ObjectNode c = comment(in.path("body"));
        issue.comments.add(c);
        touch(issue);
        return ok(201, c);
      }
      if (rest.equals("/comment") && method.equals("GET")) {
        int startAt = Integer.parseInt(String.valueOf(url.queryParameter("startAt") == null ? "0"
            : url.queryParameter("startAt")));
        int max = Integer.parseInt(String.valueOf(url.queryParameter("maxResults") == null ? "50"
            : url.queryParameter("maxResults")));
        ObjectNode out = json.createObjectNode().put("startAt", startAt).put("maxResults", max)
            .put("total", issue.comments.size());
        ArrayNode list = out.putArray("comments");
        issue.comments.stream().skip(startAt).limit(max).forEach(list::add);
        return ok(200, out);
      }
      if ((m = Pattern.compile("/properties/([A-Za-z0-9._-]+)").matcher(rest)).matches() && method.equals("PUT")) {
        boolean existed = issue.properties.containsKey(m.group(1));
        issue.properties.put(m.group(1), in);
        touch(issue);
        return new MockResponse().setResponseCode(existed ? 200 : 201);
      }
    }
    return jiraError(404, "No API at " + method + " " + path);
  }

  private void touch(Issue issue) {
    issue.updated = clock.instant();
  }

  private MockResponse ok(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json;charset=UTF-8")
        .setBody(body.toString());
  }

  private Issue newIssue(String summary, String type) {
    Issue issue = new Issue(nextId++, PROJECT + "-" + nextNumber++, summary, type);
    issue.priorityId = "3";
    issues.put(issue.key, issue);
    return issue;
  }

  private ObjectNode comment(JsonNode adf) {
    ObjectNode c = json.createObjectNode();
    String id = Long.toString(nextCommentId++);
    c.put("self", site() + "rest/api/3/issue/comment/" + id).put("id", id);
    c.set("author", user());
    c.set("body", adf);
    c.set("updateAuthor", user());
    String now = TIME.format(clock.instant());
    c.put("created", now).put("updated", now).put("jsdPublic", true);
    return c;
  }

  private ObjectNode user() {
    ObjectNode u = json.createObjectNode().put("self", site() + "rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5")
        .put("accountId", "5b10ac8d82e05b22cc7d4ef5").put("displayName", "Loop Bot").put("active", true)
        .put("timeZone", "Europe/Berlin").put("accountType", "atlassian");
    u.putObject("avatarUrls").put("48x48", "https://avatar.example/48.png");
    return u;
  }

  private MockResponse create(JsonNode in) {
    JsonNode f = in.path("fields");
    ObjectNode errors = json.createObjectNode();
    if (!f.path("project").path("key").asText().equals(PROJECT)) {
      errors.put("project", "Specify a valid project ID or key");
    }
    if (f.path("summary").asText("").isBlank()) {
      errors.put("summary", "You must specify a summary of the issue.");
    }
    String type = f.path("issuetype").path("name").asText("");
    if (!List.of("Task", "Subtask", "Epic").contains(type)) {
      errors.put("issuetype", "Specify an issue type");
    }
    String parent = f.path("parent").path("key").asText(null);
    if (parent != null && !issues.containsKey(parent)) {
      errors.put("parent", "Could not find issue by id or key.");
    }
    if (type.equals("Subtask") && parent == null) {
      errors.put("parent", "Given parent work item does not belong to appropriate hierarchy.");
    }
    if (parent != null && issues.containsKey(parent) && type.equals("Subtask")
        && !issues.get(parent).type.equals("Task")) {
      errors.put("parent", "Given parent work item does not belong to appropriate hierarchy.");
    }
    if (parent != null && type.equals("Task") && issues.containsKey(parent) && !issues.get(parent).type.equals("Epic")) {
      errors.put("parent", "Given parent work item does not belong to appropriate hierarchy.");
    }
    String priority = f.path("priority").path("id").asText("3");
    if (!Set.of("1", "2", "3", "4", "5").contains(priority)) {
      errors.put("priority", "The priority selected is invalid.");
    }
    for (JsonNode l : f.path("labels")) {
      if (l.asText().contains(" ")) {
        errors.put("labels", "The label '" + l.asText() + "' contains spaces which is invalid.");
      }
    }
    if (f.has("description") && !f.path("description").path("type").asText().equals("doc")) {
      errors.put("description", "Operation value must be an Atlassian Document (see the Atlassian Document"
          + " Format)");
    }
    if (errors.size() > 0) {
      ObjectNode out = json.createObjectNode();
      out.putArray("errorMessages");
      out.set("errors", errors);
      return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
          .setBody(out.toString());
    }
    Issue issue = newIssue(f.path("summary").asText(), type);
    issue.description = f.has("description") ? f.get("description") : null;
    issue.priorityId = priority;
    f.path("labels").forEach(l -> issue.labels.add(l.asText()));
    issue.parent = parent;
    for (JsonNode p : in.path("properties")) {
      issue.properties.put(p.path("key").asText(), p.path("value"));
    }
    issue.indexed = !indexLag;
    return ok(201, json.createObjectNode().put("id", Long.toString(issue.id)).put("key", issue.key)
        .put("self", site() + "rest/api/3/issue/" + issue.id));
  }

  private MockResponse edit(Issue issue, JsonNode in) {
    JsonNode parent = in.path("fields").path("parent");
    if (parent.isObject()) {
      String key = parent.path("key").asText();
      if (!issues.containsKey(key)) {
        return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
            .setBody("{\"errorMessages\":[],\"errors\":{\"parentId\":\"Could not find issue by id or key.\"}}");
      }
      issue.parent = key;
    }
    touch(issue);
    return new MockResponse().setResponseCode(204);
  }

  private MockResponse link(JsonNode in) {
    String type = in.path("type").path("name").asText();
    if (!List.of("Blocks", "Relates", "Cloners", "Duplicate").contains(type)) {
      return jiraError(404, "No issue link type with name '" + type + "' found.");
    }
    String inward = in.path("inwardIssue").path("key").asText();
    String outward = in.path("outwardIssue").path("key").asText();
    if (!issues.containsKey(inward) || !issues.containsKey(outward)) {
      return jiraError(404, "Issue does not exist or you do not have permission to see it.");
    }
    links.add(new Link(nextLinkId++, type, inward, outward));
    touch(issues.get(inward));
    touch(issues.get(outward));
    return new MockResponse().setResponseCode(201);
  }

  // ---- search ----

  private MockResponse search(JsonNode in) {
    String jql = in.path("jql").asText("");
    Set<Long> reconcile = new HashSet<>();
    in.path("reconcileIssues").forEach(n -> reconcile.add(n.asLong()));
    Predicate<Issue> filter;
    List<Comparator<Issue>> order = new ArrayList<>();
    try {
      String query = jql;
      Matcher ob = Pattern.compile("(?i)\\s+ORDER BY\\s+(.*)$").matcher(query);
      if (ob.find()) {
        for (String part : ob.group(1).split(",")) {
          String[] words = part.trim().split("\\s+");
          Comparator<Issue> c = switch (words[0].toLowerCase(Locale.ROOT)) {
            case "created" -> Comparator.comparing(i -> i.created);
            case "updated" -> Comparator.comparing(i -> i.updated);
            case "key" -> Comparator.comparingLong(i -> number(i.key));
            default -> throw new IllegalArgumentException("Not able to sort using field '" + words[0] + "'.");
          };
          order.add(words.length > 1 && words[1].equalsIgnoreCase("DESC") ? c.reversed() : c);
        }
        query = query.substring(0, ob.start());
      }
      filter = new Jql(query).parse();
    } catch (IllegalArgumentException e) {
      return jiraError(400, "Error in the JQL Query: " + e.getMessage());
    }
    List<Issue> found = new ArrayList<>();
    for (Issue i : issues.values()) {
      if ((i.indexed || reconcile.contains(i.id)) && filter.test(i)) {
        found.add(i);
      }
    }
    Comparator<Issue> sort = Comparator.comparingLong(i -> number(i.key));
    for (int k = order.size() - 1; k >= 0; k--) {
      sort = order.get(k).thenComparing(sort);
    }
    found.sort(sort);
    int start = 0;
    if (in.hasNonNull("nextPageToken")) {
      Integer at = pageTokens.get(in.get("nextPageToken").asText());
      if (at == null) {
        return jiraError(400, "The provided next page token is invalid or expired.");
      }
      start = at;
    }
    int max = Math.min(in.path("maxResults").asInt(50), searchPageLimit);
    Set<String> fields = new HashSet<>();
    in.path("fields").forEach(n -> fields.add(n.asText()));
    Set<String> props = new HashSet<>();
    in.path("properties").forEach(n -> props.add(n.asText()));
    ObjectNode out = json.createObjectNode();
    ArrayNode list = out.putArray("issues");
    int end = Math.min(found.size(), start + max);
    for (Issue i : found.subList(start, end)) {
      list.add(render(i, fields, props));
    }
    if (end < found.size()) {
      String token = "Ch0jU3RyaW5nJlJVNUg=" + Base64.getEncoder().encodeToString(("page@" + end + "#" + jql.hashCode())
          .getBytes(StandardCharsets.UTF_8));
      pageTokens.put(token, end);
      out.put("nextPageToken", token);
      out.put("isLast", false);
    } else {
      out.put("isLast", true);
    }
    return ok(200, out);
  }

  private static Set<String> fieldsOf(String csv) {
    return csv == null ? Set.of("*navigable") : Set.of(csv.split(","));
  }

  private static Set<String> propsOf(String csv) {
    return csv == null ? Set.of() : Set.of(csv.split(","));
  }

  /** The issue as Jira renders it, with only the fields asked for (none asked: only the id and key). */
  private ObjectNode render(Issue i, Set<String> wanted, Set<String> props) {
    ObjectNode out = json.createObjectNode().put("expand", "renderedFields,names,schema,operations,editmeta,"
        + "changelog,versionedRepresentations").put("id", Long.toString(i.id))
        .put("self", site() + "rest/api/3/issue/" + i.id).put("key", i.key);
    ObjectNode f = out.putObject("fields");
    boolean all = wanted.contains("*all") || wanted.contains("*navigable");
    if (all || wanted.contains("summary")) {
      f.put("summary", i.summary);
    }
    if (all || wanted.contains("status")) {
      f.set("status", status(i.status));
    }
    if (all || wanted.contains("priority")) {
      String[] names = {"", "Highest", "High", "Medium", "Low", "Lowest"};
      f.putObject("priority").put("self", site() + "rest/api/3/priority/" + i.priorityId)
          .put("iconUrl", site() + "images/icons/priorities/medium_new.svg")
          .put("name", names[Integer.parseInt(i.priorityId)]).put("id", i.priorityId);
    }
    if (all || wanted.contains("labels")) {
      ArrayNode labels = f.putArray("labels");
      i.labels.forEach(labels::add);
    }
    if (all || wanted.contains("issuetype")) {
      f.set("issuetype", issueType(i.type));
    }
    if ((all || wanted.contains("parent")) && i.parent != null) {
      f.set("parent", linked(issues.get(i.parent)));
    }
    if (all || wanted.contains("issuelinks")) {
      ArrayNode list = f.putArray("issuelinks");
      for (Link l : links) {
        if (!l.inward().equals(i.key) && !l.outward().equals(i.key)) {
          continue;
        }
        ObjectNode entry = list.addObject().put("id", Long.toString(l.id()))
            .put("self", site() + "rest/api/3/issueLink/" + l.id());
        entry.set("type", linkType(l.type()));
        // each end sees the other: the outward end's view names the inward issue, and the other way round
        if (l.outward().equals(i.key)) {
          entry.set("inwardIssue", linked(issues.get(l.inward())));
        } else {
          entry.set("outwardIssue", linked(issues.get(l.outward())));
        }
      }
    }
    if (all || wanted.contains("created")) {
      f.put("created", TIME.format(i.created));
    }
    if (all || wanted.contains("updated")) {
      f.put("updated", TIME.format(i.updated));
    }
    if (all || wanted.contains("description")) {
      f.set("description", i.description == null ? json.nullNode() : i.description);
    }
    if (all || wanted.contains("project")) {
      f.putObject("project").put("self", site() + "rest/api/3/project/10000").put("id", "10000").put("key", PROJECT)
          .put("name", "Engineering").put("projectTypeKey", "software").put("simplified", false);
    }
    if (wanted.contains("comment") || wanted.contains("*all")) {
      ObjectNode c = f.putObject("comment");
      ArrayNode list = c.putArray("comments");
      i.comments.stream().limit(embeddedComments).forEach(list::add);
      c.put("self", site() + "rest/api/3/issue/" + i.id + "/comment").put("maxResults", embeddedComments)
          .put("total", i.comments.size()).put("startAt", 0);
    }
    if (!props.isEmpty()) {
      ObjectNode p = out.putObject("properties");
      for (String key : props) {
        if (i.properties.containsKey(key)) {
          p.set(key, i.properties.get(key));
        }
      }
    }
    return out;
  }

  private ObjectNode linked(Issue other) {
    ObjectNode o = json.createObjectNode().put("id", Long.toString(other.id)).put("key", other.key)
        .put("self", site() + "rest/api/3/issue/" + other.id);
    ObjectNode f = o.putObject("fields").put("summary", other.summary);
    f.set("status", status(other.status));
    f.putObject("priority").put("id", other.priorityId);
    f.set("issuetype", issueType(other.type));
    return o;
  }

  private ObjectNode linkType(String name) {
    ObjectNode t = json.createObjectNode();
    switch (name) {
      case "Blocks" -> t.put("id", "10000").put("name", "Blocks").put("inward", "is blocked by").put("outward", "blocks");
      case "Relates" -> t.put("id", "10003").put("name", "Relates").put("inward", "relates to")
          .put("outward", "relates to");
      default -> t.put("id", "10001").put("name", name).put("inward", "is " + name.toLowerCase(Locale.ROOT) + " by")
          .put("outward", name.toLowerCase(Locale.ROOT));
    }
    return t.put("self", site() + "rest/api/3/issueLinkType/" + t.path("id").asText());
  }

  private ObjectNode issueType(String name) {
    ObjectNode t = json.createObjectNode();
    int level = name.equals("Epic") ? 1 : name.equals("Subtask") ? -1 : 0;
    String id = name.equals("Epic") ? "10000" : name.equals("Subtask") ? "10003" : "10001";
    return t.put("self", site() + "rest/api/3/issuetype/" + id).put("id", id).put("description", name)
        .put("iconUrl", site() + "images/icons/" + id + ".svg").put("name", name).put("subtask", level < 0)
        .put("avatarId", 10318).put("hierarchyLevel", level);
  }

  private ObjectNode status(State s) {
    ObjectNode o = json.createObjectNode().put("self", site() + "rest/api/3/status/" + s.id()).put("description", "")
        .put("iconUrl", site()).put("name", s.name()).put("id", s.id());
    ObjectNode c = o.putObject("statusCategory");
    switch (s.category()) {
      case "new" -> c.put("self", site() + "rest/api/3/statuscategory/2").put("id", 2).put("key", "new")
          .put("colorName", "blue-gray").put("name", "To Do");
      case "indeterminate" -> c.put("self", site() + "rest/api/3/statuscategory/4").put("id", 4)
          .put("key", "indeterminate").put("colorName", "yellow").put("name", "In Progress");
      case "undefined" -> c.put("self", site() + "rest/api/3/statuscategory/1").put("id", 1).put("key", "undefined")
          .put("colorName", "medium-gray").put("name", "No Category");
      default -> c.put("self", site() + "rest/api/3/statuscategory/3").put("id", 3).put("key", "done")
          .put("colorName", "green").put("name", "Done");
    }
    return o;
  }

  /**
   * The JQL the tracker sends: clauses joined by AND, parentheses, {@code field = "v"}, {@code field != "v"},
   * {@code field in (a, b)}, {@code updated >= "-Nm"}. Fields: project, labels, key, status, updated.
   */
  private final class Jql {
    private final List<String> tokens = new ArrayList<>();
    private int at;

    Jql(String text) {
      Matcher m = Pattern.compile("\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|>=|!=|=|\\(|\\)|,|[^\\s=!>(),\"]+)").matcher(text);
      int end = 0;
      while (m.find() && m.start() == end) {
        tokens.add(m.group(1));
        end = m.end();
      }
      if (!text.substring(end).isBlank()) {
        throw new IllegalArgumentException("the JQL could not be parsed at '" + text.substring(end) + "'.");
      }
    }

    Predicate<Issue> parse() {
      Predicate<Issue> p = expr();
      if (at != tokens.size()) {
        throw new IllegalArgumentException("Expecting either 'OR' or 'AND' but got '" + tokens.get(at) + "'.");
      }
      return p;
    }

    private Predicate<Issue> expr() {
      Predicate<Issue> p = term();
      while (at < tokens.size() && tokens.get(at).equalsIgnoreCase("AND")) {
        at++;
        p = p.and(term());
      }
      return p;
    }

    private String next() {
      if (at >= tokens.size()) {
        throw new IllegalArgumentException("the query ended early.");
      }
      return tokens.get(at++);
    }

    private Predicate<Issue> term() {
      String t = next();
      if (t.equals("(")) {
        Predicate<Issue> p = expr();
        if (!next().equals(")")) {
          throw new IllegalArgumentException("Expecting ')'.");
        }
        return p;
      }
      String field = t.toLowerCase(Locale.ROOT);
      if (!Set.of("project", "labels", "key", "issuekey", "status", "updated").contains(field)) {
        throw new IllegalArgumentException("Field '" + t + "' does not exist or you do not have permission to"
            + " view it.");
      }
      String op = next().toLowerCase(Locale.ROOT);
      if (op.equals("in")) {
        if (!next().equals("(")) {
          throw new IllegalArgumentException("Expecting '(' after IN.");
        }
        List<String> values = new ArrayList<>();
        for (String v = next(); !v.equals(")"); v = next()) {
          if (!v.equals(",")) {
            values.add(unquote(v));
          }
        }
        return i -> values.stream().anyMatch(v -> matches(i, field, v));
      }
      String value = unquote(next());
      return switch (op) {
        case "=" -> i -> matches(i, field, value);
        case "!=" -> i -> !matches(i, field, value);
        case ">=" -> {
          if (!field.equals("updated")) {
            throw new IllegalArgumentException("The operator '>=' is not supported by the '" + field + "' field.");
          }
          Matcher rel = Pattern.compile("-(\\d+)m").matcher(value);
          if (!rel.matches()) {
            throw new IllegalArgumentException("Date value '" + value + "' for field 'updated' is invalid.");
          }
          long minutes = Long.parseLong(rel.group(1));
          yield i -> !i.updated.isBefore(clock.instant().minus(Duration.ofMinutes(minutes)));
        }
        default -> throw new IllegalArgumentException("The operator '" + op + "' is not supported.");
      };
    }

    private boolean matches(Issue i, String field, String value) {
      return switch (field) {
        case "project" -> PROJECT.equalsIgnoreCase(value);
        case "labels" -> i.labels.contains(value);
        case "key", "issuekey" -> i.key.equals(value);
        case "status" -> i.status.name().equalsIgnoreCase(value);
        default -> throw new IllegalArgumentException("Field '" + field + "' does not exist or you do not have"
            + " permission to view it.");
      };
    }

    private String unquote(String v) {
      return v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"") : v;
    }
  }
}

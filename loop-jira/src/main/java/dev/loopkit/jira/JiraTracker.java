package dev.loopkit.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Tracker} on Jira Cloud (REST v3). The batch is the issues a JQL query finds, or the issues of one
 * project carrying one label; a ticket's id is its issue key ({@code ENG-42}).
 *
 * <pre>{@code
 * Tracker tracker = JiraTracker.builder()
 *     .site("https://acme.atlassian.net")
 *     .auth(JiraAuth.basic("loop-bot@acme.com", "JIRA_API_TOKEN"))  // the NAME of the variable
 *     .project("ENG")
 *     .label("loop-batch-7")                                         // or .jql("...") with .project(...)
 *     .build();
 * }</pre>
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li>Status: a status whose name is configured for a Loop status ({@link Builder#statusNames}, compared
 *       without letter case) has that Loop status; any other status maps by its category
 *       ({@link Builder#statusCategory}; by default {@code new} and {@code undefined} to OPEN,
 *       {@code indeterminate} to IN_PROGRESS, {@code done} to DONE). A transition is the workflow transition
 *       whose {@code to.name} is the first configured name offered, else one whose target's category is mapped
 *       to the Loop status (and whose name is not mapped to another).</li>
 *   <li>{@code blocks}: links of the blocking type ("Blocks" by default) where this issue is the outward end
 *       (Jira shows the blocker as {@code inwardIssue}, "is blocked by"); {@code related}: "Relates" links where
 *       this issue is the inward end; {@code parent-child}: the {@code parent} field (sub-task or child of an
 *       epic); {@code discovered-from}: kept in the issue property {@value #PROPERTY}.</li>
 *   <li>Priority: by priority id, Loop 0..4 to the five configured ids (Jira's defaults 1..5, Highest to
 *       Lowest); an unmapped id reads as 2. Labels {@code resource:NAME} give resources; the batch label and
 *       the idempotency label are not among a ticket's labels.</li>
 *   <li>Descriptions and comments are ADF: written one paragraph per line (the acceptance criteria as a
 *       bullet list under an "Acceptance criteria" heading), flattened to text on read.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * {@link #readBatch()} is one paginated {@code POST /rest/api/3/search/jql} (100 issues a page, every field
 * requested by name, comments included), plus one paginated comment read for an issue with more comments than
 * Jira embeds. {@link #changesSince} adds {@code updated >= "-Nm"} to the query, so an unchanged batch costs
 * one search answering no issues; every {@link Builder#fullReadEvery} passes it reads the whole batch to see
 * tickets that left it. Searches name the ids of this tracker's recent writes in {@code reconcileIssues}, so
 * Jira's eventually consistent search shows them.
 *
 * <p>Thread-safe. Creation is serialized within this instance, and the writes to one issue are serialized on
 * that issue. Jira offers no compare-and-set on a status, so {@link #claim} is atomic among the callers of
 * this instance and, across processes, only as far as the workflow makes it: Jira refuses (400) a transition
 * that is no longer valid from the issue's current status, and a claim that meets that refusal re-reads the
 * issue and reports a loss; a workflow with a global "any status to In Progress" transition lets two processes
 * both win.
 */
public final class JiraTracker implements Tracker {
  /** The issue property holding what Jira has no field for: idempotency key, metadata, discovered-from edges. */
  public static final String PROPERTY = "loopkit";
  /** The prefix of the label that marks an issue filed under an idempotency key. */
  public static final String KEY_LABEL = "loop-key-";

  private static final Pattern KEY = Pattern.compile("[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}");
  private static final String RESOURCE = "resource:";
  private static final List<String> FIELDS = List.of("summary", "status", "priority", "labels", "issuetype",
      "parent", "issuelinks", "created", "updated", "description", "project", "comment");
  private static final DateTimeFormatter JIRA_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
  private static final int RECONCILE_MAX = 50;
  private static final Duration OVERLAP = Duration.ofMinutes(1);
  private static final Duration LONGEST_WINDOW = Duration.ofDays(1);

  /**
   * A wait the tracker is about to make because Jira answered 429 or 503, told to the listener before it sleeps.
   *
   * @param at when the limit was met (the tracker's clock)
   * @param status 429 or 503
   * @param reason Jira's {@code RateLimit-Reason} (e.g. {@code jira-burst-based}, {@code jira-per-issue-on-write}),
   *     {@code unnamed} when it sent none, {@code unavailable} for a 503 without one
   * @param delay how long the tracker waits ({@code Retry-After}, else {@code X-RateLimit-Reset}, else backoff)
   * @param attempt the attempt that was limited, from 1
   * @param request the method and path, e.g. {@code POST /rest/api/3/search/jql}
   */
  public record RateLimitWait(Instant at, int status, String reason, Duration delay, int attempt, String request) {}

  private final JiraApi api;
  private final ObjectMapper json = new ObjectMapper();
  private final String batchJql;
  private final String project;
  private final @Nullable String label;
  private final String issueType;
  private final String subtaskType;
  private final String blocksLink;
  private final String relatesLink;
  private final Map<Status, List<String>> statusNames;
  private final Map<String, Status> categories;
  private final List<String> priorityIds;
  private final int pageSize;
  private final int fullReadEvery;
  private final Clock clock;
  private final String description;
  private final Object createLock = new Object();
  private final Map<String, Object> issueLocks = new ConcurrentHashMap<>();
  private final Map<String, String> keysByIdempotencyKey = new ConcurrentHashMap<>();
  private final Deque<Long> recentWrites = new ArrayDeque<>();

  private JiraTracker(Builder b, JiraApi api, String batchJql) {
    this.api = api;
    this.batchJql = batchJql;
    this.project = Objects.requireNonNull(b.project);
    this.label = b.label;
    this.issueType = b.issueType;
    this.subtaskType = b.subtaskType;
    this.blocksLink = b.blocksLink;
    this.relatesLink = b.relatesLink;
    this.statusNames = new EnumMap<>(b.statusNames);
    this.categories = Map.copyOf(b.categories);
    this.priorityIds = List.copyOf(b.priorityIds);
    this.pageSize = b.pageSize;
    this.fullReadEvery = b.fullReadEvery;
    this.clock = b.clock;
    this.description = "JiraTracker{" + api.site() + ", " + batchJql + "}";
  }

  /**
   * Starts a tracker; {@link Builder#site}, {@link Builder#auth}, {@link Builder#project} and a batch
   * ({@link Builder#label} or {@link Builder#jql}) are required.
   *
   * @return a new builder with Jira's default status names, link types and priority ids
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Requests sent to Jira by this tracker, retries included.
   *
   * @return the count since the tracker was built, 0 or more
   */
  public long requestsSent() {
    return api.requestsSent();
  }

  /**
   * The JQL that selects the batch, e.g. {@code project = "ENG" AND labels = "loop-batch-7"}.
   *
   * @return the query the tracker narrows with its own clauses and ordering
   */
  public String batchJql() {
    return batchJql;
  }

  // ---- reading ----

  @Override
  public Batch readBatch() {
    return Batch.of(toTickets(search(batchJql + " ORDER BY created ASC, key ASC", "reading the batch")));
  }

  /**
   * The tickets updated since the previous read's start, one search with {@code updated >= "-Nm"} (N the
   * minutes since then, rounded up, plus one of overlap: JQL compares to the minute, and a ticket listed twice
   * is harmless). The first read, an unknown cursor, a window longer than a day and every
   * {@link Builder#fullReadEvery}-th read are full reads, which also show tickets that left the batch.
   */
  @Override
  public BatchChanges changesSince(String cursor) {
    Objects.requireNonNull(cursor, "cursor");
    Instant start = clock.instant();
    Cursor previous = Cursor.parse(cursor, batchJql);
    if (previous == null || previous.reads() + 1 >= fullReadEvery
        || Duration.between(previous.start(), start).compareTo(LONGEST_WINDOW) > 0) {
      return BatchChanges.full(readBatch(), new Cursor(start, 0).format(batchJql));
    }
    Duration window = Duration.between(previous.start(), start).plus(OVERLAP);
    long minutes = Math.max(1, (window.toSeconds() + 59) / 60);
    List<JsonNode> changed = search(batchJql + " AND updated >= \"-" + minutes + "m\" ORDER BY updated ASC,"
        + " key ASC", "reading the batch's changes of the last " + minutes + " minutes");
    return BatchChanges.since(toTickets(changed), Set.of(), new Cursor(start, previous.reads() + 1)
        .format(batchJql));
  }

  /** Where the previous read started and how many incremental reads followed the last full one. */
  private record Cursor(Instant start, int reads) {
    String format(String jql) {
      return "jira1:" + Integer.toHexString(jql.hashCode()) + ":" + start.toEpochMilli() + ":" + reads;
    }

    static @Nullable Cursor parse(String text, String jql) {
      String[] parts = text.split(":");
      if (parts.length != 4 || !parts[0].equals("jira1") || !parts[1].equals(Integer.toHexString(jql.hashCode()))) {
        return null;
      }
      try {
        return new Cursor(Instant.ofEpochMilli(Long.parseLong(parts[2])), Integer.parseInt(parts[3]));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  @Override
  public Optional<Ticket> find(String id) {
    Objects.requireNonNull(id, "id");
    if (!KEY.matcher(id).matches()) {
      return Optional.empty();
    }
    return getIssue(id, "reading issue " + id).map(issue -> toTicket(issue, "issue " + id));
  }

  private Optional<JsonNode> getIssue(String key, String what) {
    HttpUrl url = api.url("issue", key).addQueryParameter("fields", String.join(",", FIELDS))
        .addQueryParameter("properties", PROPERTY).build();
    Optional<JsonNode> issue = api.find("GET", url, null, what, true);
    issue.ifPresent(i -> requireObject(i, "", "GET " + url.encodedPath()));
    return issue;
  }

  /** Every issue a JQL query finds: {@code POST /search/jql}, following {@code nextPageToken} to {@code isLast}. */
  private List<JsonNode> search(String jql, String what) {
    List<JsonNode> issues = new ArrayList<>();
    HttpUrl url = api.url("search", "jql").build();
    String token = null;
    Set<String> tokens = new LinkedHashSet<>();
    for (int page = 1; ; page++) {
      ObjectNode body = json.createObjectNode().put("jql", jql).put("maxResults", pageSize);
      ArrayNode fields = body.putArray("fields");
      FIELDS.forEach(fields::add);
      body.putArray("properties").add(PROPERTY);
      if (token != null) {
        body.put("nextPageToken", token);
      }
      List<Long> reconcile = recentWrites();
      if (!reconcile.isEmpty()) {
        ArrayNode ids = body.putArray("reconcileIssues");
        reconcile.forEach(ids::add);
      }
      // a search changes nothing, so a lost answer or a 5xx may be repeated
      JsonNode answer = api.send("POST", url, body, what + " (JQL '" + jql + "', page " + page + ")", true);
      String where = "the answer to " + what + " (POST " + url.encodedPath() + ", page " + page + ")";
      requireObject(answer, "", where);
      JsonNode list = answer.path("issues");
      if (!list.isArray()) {
        throw malformed(where, "issues", "an array of issues", list);
      }
      for (int i = 0; i < list.size(); i++) {
        requireObject(list.get(i), "issues[" + i + "]", where);
        issues.add(list.get(i));
      }
      JsonNode isLast = answer.path("isLast");
      JsonNode next = answer.path("nextPageToken");
      if (!isLast.isMissingNode() && !isLast.isBoolean()) {
        throw malformed(where, "isLast", "true or false", isLast);
      }
      boolean hasToken = next.isTextual() && !next.asText().isEmpty();
      if (isLast.asBoolean(false) || (isLast.isMissingNode() && !hasToken)) {
        return issues;
      }
      if (!hasToken) {
        throw malformed(where, "nextPageToken", "a token for the next page, since isLast is false", next);
      }
      token = next.asText();
      if (!tokens.add(token)) {
        throw malformed(where, "nextPageToken", "a token not seen on an earlier page of this search", next);
      }
    }
  }

  private List<Ticket> toTickets(List<JsonNode> issues) {
    List<Ticket> tickets = new ArrayList<>();
    for (int i = 0; i < issues.size(); i++) {
      tickets.add(toTicket(issues.get(i), "issues[" + i + "]"));
    }
    return tickets;
  }

  private Ticket toTicket(JsonNode issue, String where) {
    String key = requireText(issue, "key", where);
    if (!KEY.matcher(key).matches()) {
      throw malformed(where, "key", "an issue key such as ENG-42", issue.path("key"));
    }
    JsonNode f = issue.path("fields");
    requireObject(f, "fields", where + " (" + key + ")");
    String at = where + " (" + key + ")";
    JsonNode status = f.path("status");
    requireObject(status, "fields.status", at);
    JsonNode property = issue.path("properties").path(PROPERTY);
    Ticket.Builder b = Ticket.builder(key)
        .title(requireText(f, "summary", at + ".fields"))
        .status(statusOf(status))
        .priority(priorityOf(f.path("priority")))
        .createdAt(time(f.path("created"), "fields.created", at));
    Adf.Description d = Adf.description(f.path("description"));
    b.body(d.text()).acceptanceCriteria(d.criteria());
    List<String> plain = new ArrayList<>();
    for (JsonNode l : f.path("labels")) {
      String name = l.asText();
      if (name.startsWith(RESOURCE) && name.length() > RESOURCE.length()) {
        b.addResource(name.substring(RESOURCE.length()));
      } else if (!name.equals(label) && !name.startsWith(KEY_LABEL)) {
        plain.add(name);
      }
    }
    b.labels(plain);
    for (Dependency dep : edges(issue)) {
      if (!dep.target().equals(key)) {
        b.addDependency(dep);
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    property.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
    metadata.put("jira.id", issue.path("id").asText(""));
    metadata.put("jira.url", api.site().resolve("/browse/" + key).toString());
    metadata.put("jira.status", status.path("name").asText(""));
    String idempotencyKey = property.path("idempotencyKey").asText("");
    if (!idempotencyKey.isEmpty()) {
      metadata.put("idempotency-key", idempotencyKey);
    }
    b.metadata(metadata);
    b.comments(comments(issue, key, at));
    return b.build();
  }

  /** The issue's edges: blocking and relating links, the parent, and the discovered-from keys of the property. */
  private List<Dependency> edges(JsonNode issue) {
    List<Dependency> out = new ArrayList<>();
    JsonNode f = issue.path("fields");
    for (JsonNode link : f.path("issuelinks")) {
      String type = link.path("type").path("name").asText("");
      // on the blocked issue Jira shows the blocker as inwardIssue ("is blocked by")
      if (type.equalsIgnoreCase(blocksLink) && link.path("inwardIssue").path("key").isTextual()) {
        out.add(Dependency.blockedBy(link.path("inwardIssue").path("key").asText()));
      } else if (type.equalsIgnoreCase(relatesLink) && link.path("outwardIssue").path("key").isTextual()) {
        out.add(Dependency.relatedTo(link.path("outwardIssue").path("key").asText()));
      }
    }
    if (f.path("parent").path("key").isTextual()) {
      out.add(Dependency.childOf(f.path("parent").path("key").asText()));
    }
    for (JsonNode origin : issue.path("properties").path(PROPERTY).path("discoveredFrom")) {
      out.add(Dependency.discoveredFrom(origin.asText()));
    }
    return out;
  }

  /** The comments Jira embedded in the issue, and the rest from {@code GET .../comment} when it embedded fewer. */
  private List<Comment> comments(JsonNode issue, String key, String where) {
    JsonNode page = issue.path("fields").path("comment");
    List<JsonNode> raw = new ArrayList<>();
    page.path("comments").forEach(raw::add);
    int total = page.path("total").asInt(raw.size());
    while (raw.size() < total) {
      HttpUrl url = api.url("issue", key, "comment").addQueryParameter("startAt", Integer.toString(raw.size()))
          .addQueryParameter("maxResults", "100").addQueryParameter("orderBy", "created").build();
      JsonNode more = api.send("GET", url, null, "reading the comments of " + key, true);
      JsonNode list = more.path("comments");
      if (!list.isArray()) {
        throw malformed("the answer to GET " + url.encodedPath(), "comments", "an array of comments", list);
      }
      if (list.isEmpty()) {
        break;
      }
      list.forEach(raw::add);
      total = more.path("total").asInt(total);
    }
    List<Comment> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      JsonNode c = raw.get(i);
      String at = where + ".fields.comment.comments[" + i + "]";
      JsonNode author = c.path("author");
      out.add(new Comment(time(c.path("created"), "created", at),
          author.path("displayName").asText(author.path("accountId").asText("unknown")), Adf.text(c.path("body"))));
    }
    return out;
  }

  private Status statusOf(JsonNode status) {
    String name = status.path("name").asText("");
    for (Map.Entry<Status, List<String>> e : statusNames.entrySet()) {
      for (String n : e.getValue()) {
        if (n.equalsIgnoreCase(name)) {
          return e.getKey();
        }
      }
    }
    return categories.getOrDefault(status.path("statusCategory").path("key").asText(""), Status.OPEN);
  }

  private int priorityOf(JsonNode priority) {
    int i = priorityIds.indexOf(priority.path("id").asText(""));
    return i < 0 ? 2 : i;
  }

  private static Instant time(JsonNode value, String field, String where) {
    if (value.isMissingNode() || value.isNull()) {
      return Instant.EPOCH;
    }
    String text = value.asText();
    try {
      return OffsetDateTime.parse(text, JIRA_TIME).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e2) {
        throw new JiraResponseException("Jira's " + where + " has " + field + " '" + text + "': expected a time"
            + " such as 2026-01-05T17:36:59.123+0000", field);
      }
    }
  }

  private static void requireObject(JsonNode node, String field, String where) {
    if (!node.isObject()) {
      throw malformed(where, field.isEmpty() ? "(body)" : field, "a JSON object", node);
    }
  }

  private static String requireText(JsonNode node, String field, String where) {
    JsonNode v = node.path(field);
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw malformed(where, field, "a non-empty string", v);
    }
    return v.asText();
  }

  private static JiraResponseException malformed(String where, String field, String expected, JsonNode found) {
    String got = found.isMissingNode() ? "nothing" : found.isNull() ? "null"
        : found.getNodeType().name().toLowerCase(Locale.ROOT) + " " + abbreviate(found.toString());
    return new JiraResponseException("Jira's " + where + " has " + got + " for '" + field + "': expected "
        + expected, field);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  // ---- writing ----

  /**
   * Files an issue, or returns the one filed before under the same idempotency key. The key is looked up in
   * this instance's memory, then with one search for the label {@code loop-key-<hash of the key>} within the
   * batch (checked against the full key in the issue property); only then is anything posted. A repeat that
   * finds the issue adds the links a crash may have cut off. One {@code GET} per dependency target checks that
   * it exists first.
   *
   * @throws InputException if a dependency names an issue that does not exist (naming it), the draft has two
   *     parents, a label holds a space, or Jira rejects the draft (400, with Jira's field errors)
   */
  @Override
  public Ticket create(NewTicket draft) {
    Objects.requireNonNull(draft, "draft");
    String key = draft.idempotencyKey();
    synchronized (createLock) {
      if (!key.isEmpty()) {
        Optional<JsonNode> existing = filedBefore(key);
        if (existing.isPresent()) {
          return repair(existing.get(), draft);
        }
      }
      Map<String, JsonNode> targets = new LinkedHashMap<>();
      String parent = null;
      for (Dependency d : draft.dependencies()) {
        targets.put(d.target(), requireIssue(d.target(), "dependency " + d + " of new ticket '" + draft.title()
            + "'"));
        if (d.type() == DependencyType.PARENT_CHILD) {
          if (parent != null && !parent.equals(d.target())) {
            throw new InputException("new ticket '" + draft.title() + "' names two parents, " + parent + " and "
                + d.target() + ": a Jira issue has one parent");
          }
          parent = d.target();
        }
      }
      ObjectNode request = json.createObjectNode();
      ObjectNode fields = request.putObject("fields");
      fields.putObject("project").put("key", project);
      fields.put("summary", draft.title());
      String type = issueType;
      if (parent != null) {
        JsonNode parentType = targets.get(parent).path("fields").path("issuetype");
        int level = parentType.path("hierarchyLevel").asInt(parentType.path("subtask").asBoolean() ? -1 : 0);
        if (level < 0) {
          throw new InputException("parent " + parent + " of new ticket '" + draft.title() + "' is a sub-task:"
              + " expected a standard issue or an epic (Jira sub-tasks have no children)");
        }
        type = level == 0 ? subtaskType : issueType;
        fields.putObject("parent").put("key", parent);
      }
      fields.putObject("issuetype").put("name", type);
      if (!draft.body().isEmpty() || !draft.acceptanceCriteria().isEmpty()) {
        fields.set("description", Adf.document(json, draft.body(), draft.acceptanceCriteria()));
      }
      fields.putObject("priority").put("id", priorityIds.get(draft.priority()));
      ArrayNode labels = fields.putArray("labels");
      for (String l : labelsOf(draft)) {
        labels.add(l);
      }
      ObjectNode property = request.putArray("properties").addObject().put("key", PROPERTY);
      property.set("value", propertyValue(key, draft.metadata(), discoveredFrom(draft.dependencies())));
      JsonNode created = api.send("POST", api.url("issue").build(), request,
          "filing issue '" + draft.title() + "' in project " + project, false);
      String issueKey = requireText(created, "key", "the answer to POST /rest/api/3/issue");
      noteWrite(created.path("id"));
      if (!key.isEmpty()) {
        keysByIdempotencyKey.put(key, issueKey);
      }
      for (Dependency d : draft.dependencies()) {
        if (d.type() == DependencyType.BLOCKS || d.type() == DependencyType.RELATED) {
          link(issueKey, d);
        }
      }
      return requireTicket(issueKey, "the issue just filed");
    }
  }

  private List<String> labelsOf(NewTicket draft) {
    Set<String> out = new LinkedHashSet<>();
    if (label != null) {
      out.add(label);
    }
    out.addAll(draft.labels());
    new java.util.TreeSet<>(draft.resources()).forEach(r -> out.add(RESOURCE + r));
    if (!draft.idempotencyKey().isEmpty()) {
      out.add(keyLabel(draft.idempotencyKey()));
    }
    for (String l : out) {
      if (l.isEmpty() || l.chars().anyMatch(Character::isWhitespace) || l.length() > 255) {
        throw new InputException("label '" + l + "' of new ticket '" + draft.title() + "': expected a Jira label"
            + " (1-255 characters, no spaces)");
      }
    }
    return List.copyOf(out);
  }

  private static List<String> discoveredFrom(List<Dependency> deps) {
    List<String> out = new ArrayList<>();
    for (Dependency d : deps) {
      if (d.type() == DependencyType.DISCOVERED_FROM) {
        out.add(d.target());
      }
    }
    return out;
  }

  private ObjectNode propertyValue(String key, Map<String, String> metadata, List<String> discovered) {
    ObjectNode value = json.createObjectNode();
    if (!key.isEmpty()) {
      value.put("idempotencyKey", key);
    }
    ObjectNode meta = value.putObject("metadata");
    new java.util.TreeMap<>(metadata).forEach(meta::put);
    ArrayNode from = value.putArray("discoveredFrom");
    discovered.forEach(from::add);
    return value;
  }

  /** {@code loop-key-} and 32 hex digits of the key's SHA-256: a label has no spaces and at most 255 characters. */
  static String keyLabel(String idempotencyKey) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
      return KEY_LABEL + HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The issue filed before under {@code key}: this instance's memory, else one search for the key label. */
  private Optional<JsonNode> filedBefore(String key) {
    String known = keysByIdempotencyKey.get(key);
    if (known != null) {
      Optional<JsonNode> issue = getIssue(known, "reading issue " + known + " filed under key '" + key + "'");
      if (issue.isPresent()) {
        return issue;
      }
    }
    for (JsonNode candidate : search(batchJql + " AND labels = \"" + keyLabel(key) + "\" ORDER BY created ASC",
        "looking for an issue filed under idempotency key '" + key + "'")) {
      if (key.equals(candidate.path("properties").path(PROPERTY).path("idempotencyKey").asText())) {
        keysByIdempotencyKey.put(key, candidate.path("key").asText());
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The ticket filed before, with the edges of the draft it lacks (a crash between filing and linking) added. */
  private Ticket repair(JsonNode issue, NewTicket draft) {
    Ticket found = toTicket(issue, "issue " + issue.path("key").asText());
    JsonNode holder = issue;
    for (Dependency d : draft.dependencies()) {
      if (!found.dependencies().contains(d)) {
        requireIssue(d.target(), "dependency " + d + " of ticket " + found.id());
        addEdge(found.id(), holder, d);
        // the next edge reads what this one wrote (the property holds every discovered-from key)
        holder = requireIssue(found.id(), "issue " + found.id() + " after adding " + d);
        found = toTicket(holder, "issue " + found.id());
      }
    }
    return found;
  }

  /**
   * Adds an edge: a link of the blocking or relating type, the {@code parent} field, or a discovered-from key in
   * the issue property. An edge already there is left alone.
   *
   * @throws InputException if either issue does not exist, naming it, or Jira refuses the parent (400)
   */
  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    Objects.requireNonNull(dependency, "dependency");
    requireKey(ticketId, "addDependency");
    if (dependency.target().equals(ticketId)) {
      throw new InputException("ticket " + ticketId + " cannot depend on itself (" + dependency + ")");
    }
    synchronized (lockFor(ticketId)) {
      JsonNode holder = requireIssue(ticketId, "addDependency on " + ticketId);
      requireIssue(dependency.target(), "the target of dependency " + dependency + " of " + ticketId);
      Ticket current = toTicket(holder, "issue " + ticketId);
      if (current.dependencies().contains(dependency)) {
        return;
      }
      List<String> parents = current.dependencyTargets(DependencyType.PARENT_CHILD);
      if (dependency.type() == DependencyType.PARENT_CHILD && !parents.isEmpty()) {
        throw new InputException("ticket " + ticketId + " already has parent " + parents.get(0) + ", so "
            + dependency + " cannot be added: a Jira issue has one parent");
      }
      addEdge(ticketId, holder, dependency);
    }
  }

  private void addEdge(String key, JsonNode holder, Dependency d) {
    switch (d.type()) {
      case BLOCKS, RELATED -> link(key, d);
      case PARENT_CHILD -> {
        ObjectNode body = json.createObjectNode();
        body.putObject("fields").putObject("parent").put("key", d.target());
        api.send("PUT", api.url("issue", key).build(), body, "making " + d.target() + " the parent of " + key, true);
      }
      case DISCOVERED_FROM -> {
        JsonNode property = holder.path("properties").path(PROPERTY);
        List<String> from = new ArrayList<>();
        property.path("discoveredFrom").forEach(n -> from.add(n.asText()));
        from.add(d.target());
        Map<String, String> metadata = new LinkedHashMap<>();
        property.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        api.send("PUT", api.url("issue", key, "properties", PROPERTY).build(),
            propertyValue(property.path("idempotencyKey").asText(""), metadata, from),
            "recording that " + key + " was discovered from " + d.target(), true);
      }
    }
    noteWrite(holder.path("id"));
  }

  /**
   * {@code POST /issueLink}: the link's inward end is the blocker for {@code blocks} (so the holder, the
   * outward end, shows it as "is blocked by"), and the holder for {@code related}.
   */
  private void link(String key, Dependency d) {
    boolean blocks = d.type() == DependencyType.BLOCKS;
    ObjectNode body = json.createObjectNode();
    body.putObject("type").put("name", blocks ? blocksLink : relatesLink);
    body.putObject("inwardIssue").put("key", blocks ? d.target() : key);
    body.putObject("outwardIssue").put("key", blocks ? key : d.target());
    api.send("POST", api.url("issueLink").build(), body, blocks ? "recording that " + key + " is blocked by "
        + d.target() : "relating " + key + " to " + d.target(), false);
  }

  /**
   * Posts {@code note} as an ADF comment, then makes the workflow transition whose target is the status mapped
   * to {@code to} ({@code POST .../transitions}, answered 204). A ticket already in {@code to} is left alone,
   * note and all; a note that is already the latest comment (a repeat after its answer was lost) is not
   * posted again. A transition whose answer was lost (or refused with 400 because the issue moved meanwhile)
   * re-reads the issue: already in {@code to} counts as success.
   *
   * @throws InputException if the issue does not exist, or its workflow offers no transition to a status mapped
   *     to {@code to} (the message lists the statuses it does offer)
   */
  @Override
  public void transition(String ticketId, Status to, String note) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(note, "note");
    requireKey(ticketId, "transition");
    synchronized (lockFor(ticketId)) {
      JsonNode issue = requireIssue(ticketId, "transition of " + ticketId + " to " + to.wireName());
      Ticket current = toTicket(issue, "issue " + ticketId);
      if (current.status() == to) {
        return;
      }
      String transition = transitionTo(ticketId, to);
      List<Comment> comments = current.comments();
      // a repeat after the note's answer was lost finds the note already there: it is not posted twice
      if (!note.isBlank() && (comments.isEmpty() || !comments.get(comments.size() - 1).body().equals(note))) {
        comment(ticketId, issue.path("id"), note);
      }
      move(ticketId, issue.path("id"), transition, to, false);
    }
  }

  /**
   * Makes the transition; false when Jira refused it because the issue is no longer where it was (a 400 or 409)
   * and, unless {@code claiming}, is not already in {@code to}. A lost answer counts as success once a re-read
   * shows {@code to}, except for a claim, which cannot tell its own move from a rival's and lets the retryable
   * exception out (the engine's retry then sees in-progress and reports a loss).
   */
  private boolean move(String key, JsonNode id, String transition, Status to, boolean claiming) {
    ObjectNode body = json.createObjectNode();
    body.putObject("transition").put("id", transition);
    String what = "moving " + key + " to " + to.wireName() + " (transition " + transition + ")";
    JiraApi.Answer answer;
    try {
      answer = api.exchange("POST", api.url("issue", key, "transitions").build(), body, what, false);
    } catch (AdapterException lost) {
      if (claiming || !lost.isRetryable() || currentStatus(key) != to) {
        throw lost;
      }
      noteWrite(id);
      return true;
    }
    noteWrite(id);
    if (answer.code() >= 200 && answer.code() < 300) {
      return true;
    }
    if (answer.code() == 400 || answer.code() == 409) {
      if (!claiming && currentStatus(key) == to) {
        return true;
      }
      if (!claiming) {
        throw api.failure(answer, what);
      }
      return false;
    }
    throw api.failure(answer, what);
  }

  private Status currentStatus(String key) {
    return statusOf(requireIssue(key, "re-reading " + key).path("fields").path("status"));
  }

  /** The id of the transition into a status mapped to {@code to}: by target name in order, then by category. */
  private String transitionTo(String key, Status to) {
    JsonNode answer = api.send("GET", api.url("issue", key, "transitions").build(), null,
        "listing the transitions of " + key, true);
    JsonNode list = answer.path("transitions");
    if (!list.isArray()) {
      throw malformed("the answer to GET .../issue/" + key + "/transitions", "transitions",
          "an array of transitions", list);
    }
    for (String name : statusNames.get(to)) {
      for (JsonNode t : list) {
        if (t.path("to").path("name").asText("").equalsIgnoreCase(name) && t.path("isAvailable").asBoolean(true)) {
          return requireText(t, "id", "transition '" + t.path("name").asText() + "' of " + key);
        }
      }
    }
    List<String> offered = new ArrayList<>();
    for (JsonNode t : list) {
      JsonNode target = t.path("to");
      // statusOf: the target's name, else its category, must mean this Loop status
      if (categories.get(target.path("statusCategory").path("key").asText("")) == to && statusOf(target) == to
          && t.path("isAvailable").asBoolean(true)) {
        return requireText(t, "id", "transition '" + t.path("name").asText() + "' of " + key);
      }
      offered.add("'" + target.path("name").asText() + "'");
    }
    throw new InputException("the workflow of " + key + " offers no transition to a status Loop maps to "
        + to.wireName() + " " + statusNames.get(to) + "; it offers " + offered + ": add a transition in Jira or"
        + " map one of those with JiraTracker.builder().statusNames(Status." + to.name() + ", ...)");
  }

  @Override
  public void comment(String ticketId, String body) {
    Objects.requireNonNull(body, "body");
    requireKey(ticketId, "comment");
    comment(ticketId, null, body);
  }

  private void comment(String key, @Nullable JsonNode id, String text) {
    ObjectNode body = json.createObjectNode();
    body.set("body", Adf.document(json, text, List.of()));
    Optional<JsonNode> posted = api.find("POST", api.url("issue", key, "comment").build(), body,
        "commenting on " + key, false);
    if (posted.isEmpty()) {
      throw unknown(key, "comment");
    }
    if (id != null) {
      noteWrite(id);
    }
  }

  /**
   * Moves an open issue to in-progress for {@code owner}, then records the claim as a comment. Atomic among
   * the callers of this instance (the issue's lock, a fresh read); across processes only as far as the
   * workflow refuses a transition that is no longer valid from the current status (see the class javadoc).
   */
  @Override
  public boolean claim(String ticketId, String owner) {
    Objects.requireNonNull(owner, "owner");
    requireKey(ticketId, "claim");
    synchronized (lockFor(ticketId)) {
      JsonNode issue = requireIssue(ticketId, "claim of " + ticketId);
      if (statusOf(issue.path("fields").path("status")) != Status.OPEN) {
        return false;
      }
      if (!move(ticketId, issue.path("id"), transitionTo(ticketId, Status.IN_PROGRESS), Status.IN_PROGRESS,
          true)) {
        return false;
      }
      comment(ticketId, issue.path("id"), "claimed by " + owner);
      return true;
    }
  }

  // ---- small parts ----

  private void noteWrite(JsonNode id) {
    if (!id.canConvertToLong() && !(id.isTextual() && id.asText().matches("[0-9]{1,18}"))) {
      return;
    }
    long n = id.isTextual() ? Long.parseLong(id.asText()) : id.asLong();
    synchronized (recentWrites) {
      recentWrites.remove(n);
      recentWrites.addLast(n);
      while (recentWrites.size() > RECONCILE_MAX) {
        recentWrites.removeFirst();
      }
    }
  }

  private List<Long> recentWrites() {
    synchronized (recentWrites) {
      return List.copyOf(recentWrites);
    }
  }

  private Object lockFor(String key) {
    return issueLocks.computeIfAbsent(key, k -> new Object());
  }

  private void requireKey(String id, String where) {
    Objects.requireNonNull(id, "id");
    if (!KEY.matcher(id).matches()) {
      throw new InputException("ticket id '" + id + "' in " + where + " on " + api.site()
          + ": expected a Jira issue key such as ENG-42");
    }
  }

  /** The issue with this key; an InputException naming it when there is none. */
  private JsonNode requireIssue(String key, String where) {
    if (!KEY.matcher(key).matches()) {
      throw unknown(key, where);
    }
    return getIssue(key, "reading issue " + key + " for " + where).orElseThrow(() -> unknown(key, where));
  }

  private Ticket requireTicket(String key, String where) {
    return toTicket(requireIssue(key, where), "issue " + key);
  }

  private InputException unknown(String id, String where) {
    return new InputException("unknown ticket '" + id + "' in " + where + ": " + api.site()
        + " has no issue " + id + " visible to this account");
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Builds a {@link JiraTracker}. Setters reject a bad value at once, naming it; {@link #build()} rejects a
   * missing site, authentication, project or batch (a label, a JQL query, or both: the label then narrows the
   * query), a status name mapped to two Loop statuses, and an unset or blank token variable. No secret is ever
   * shown.
   */
  public static final class Builder {
    private static final Pattern PROJECT = Pattern.compile("[A-Z][A-Z0-9_]{0,254}");
    private @Nullable HttpUrl site;
    private @Nullable JiraAuth auth;
    private Map<String, String> environment = System.getenv();
    private @Nullable String project;
    private @Nullable String label;
    private @Nullable String jql;
    private String issueType = "Task";
    private String subtaskType = "Subtask";
    private String blocksLink = "Blocks";
    private String relatesLink = "Relates";
    private final Map<Status, List<String>> statusNames = new EnumMap<>(Status.class);
    private final Map<String, Status> categories = new LinkedHashMap<>(Map.of("new", Status.OPEN,
        "undefined", Status.OPEN, "indeterminate", Status.IN_PROGRESS, "done", Status.DONE));
    private List<String> priorityIds = List.of("1", "2", "3", "4", "5");
    private int pageSize = 100;
    private int fullReadEvery = 10;
    private @Nullable OkHttpClient httpClient;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private Consumer<RateLimitWait> listener = w -> {};
    private Duration maxRateLimitWait = Duration.ofMinutes(5);
    private Duration firstBackoff = Duration.ofSeconds(2);
    private int maxRetries = 4;
    private String userAgent = "loopkit-loop-jira";

    private Builder() {
      statusNames.put(Status.OPEN, List.of("To Do", "Open", "Reopened", "Backlog"));
      statusNames.put(Status.IN_PROGRESS, List.of("In Progress"));
      statusNames.put(Status.DONE, List.of("Done", "Closed", "Resolved"));
      statusNames.put(Status.HUMAN_GATED, List.of("Blocked"));
      statusNames.put(Status.CANCELLED, List.of("Cancelled", "Canceled", "Won't Do"));
    }

    /**
     * Required: the site, e.g. {@code https://acme.atlassian.net}.
     *
     * @param site an http(s) URL; any path, query or fragment is dropped
     * @return this builder
     * @throws InputException if it is not an http(s) URL, naming it
     */
    public Builder site(String site) {
      HttpUrl url = HttpUrl.parse(Objects.requireNonNull(site, "site").trim());
      if (url == null) {
        throw new InputException("Jira site '" + site + "': expected an http(s) URL such as"
            + " https://acme.atlassian.net");
      }
      this.site = url.newBuilder().encodedPath("/").query(null).fragment(null).build();
      return this;
    }

    /**
     * Required: how to authenticate; the secret comes from the environment variable the auth names.
     *
     * @param auth {@link JiraAuth#basic} or {@link JiraAuth#bearer}; the variable is read in {@link #build()}
     * @return this builder
     */
    public Builder auth(JiraAuth auth) {
      this.auth = Objects.requireNonNull(auth, "auth");
      return this;
    }

    /**
     * Where the token variable is read; default the process environment.
     *
     * @param environment variable names to values; copied
     * @return this builder
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * Required: the project key new issues are filed in, e.g. {@code ENG}; with a label, also the batch.
     *
     * @param key upper-case letters, digits and {@code _}, starting with a letter; surrounding blanks are dropped
     * @return this builder
     * @throws InputException if it is not a project key, naming it
     */
    public Builder project(String key) {
      String k = Objects.requireNonNull(key, "project").trim();
      if (!PROJECT.matcher(k).matches()) {
        throw new InputException("Jira project key '" + key + "': expected upper-case letters, digits and _,"
            + " starting with a letter, such as ENG");
      }
      this.project = k;
      return this;
    }

    /**
     * The batch is the project's issues with this label (ANDed with {@link #jql} if that is set too). Issues Loop
     * files carry it.
     *
     * @param label 1 to 255 characters without white space or quotes, e.g. {@code loop-batch-7}
     * @return this builder
     * @throws InputException if it does not fit, naming it
     */
    public Builder label(String label) {
      String l = Objects.requireNonNull(label, "label");
      if (l.isEmpty() || l.chars().anyMatch(Character::isWhitespace) || l.length() > 255 || l.contains("\"")) {
        throw new InputException("Jira label '" + label + "': expected 1-255 characters without spaces or quotes");
      }
      this.label = l;
      return this;
    }

    /**
     * The batch is the issues this JQL query finds (no {@code ORDER BY}: the tracker adds its own). Issues Loop
     * files go to {@link #project} with {@link #label} (if set): make sure the query finds them, e.g. by
     * including {@code labels = "..."}.
     *
     * @param jql a non-blank query without {@code ORDER BY}
     * @return this builder
     * @throws InputException if it is blank or has an {@code ORDER BY}, naming it
     */
    public Builder jql(String jql) {
      String q = Objects.requireNonNull(jql, "jql").trim();
      if (q.isEmpty()) {
        throw new InputException("JQL is blank: expected a query such as project = ENG AND sprint in openSprints()");
      }
      if (q.toLowerCase(Locale.ROOT).matches("(?s).*\\border\\s+by\\b.*")) {
        throw new InputException("JQL '" + jql + "' has an ORDER BY: leave it out, the tracker adds its own and"
            + " narrows the query with AND");
      }
      this.jql = q;
      return this;
    }

    /**
     * The issue type of new issues; default {@code Task}.
     *
     * @param name the type's name as Jira spells it in the project
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder issueType(String name) {
      this.issueType = nonBlank(name, "issueType");
      return this;
    }

    /**
     * The issue type of a new issue whose parent is a standard issue; default {@code Subtask}.
     *
     * @param name the sub-task type's name as Jira spells it in the project
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder subtaskIssueType(String name) {
      this.subtaskType = nonBlank(name, "subtaskIssueType");
      return this;
    }

    /**
     * The link type whose inward end blocks its outward end; default {@code Blocks}.
     *
     * @param name the link type's name as the site's administration lists it
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder blocksLinkType(String name) {
      this.blocksLink = nonBlank(name, "blocksLinkType");
      return this;
    }

    /**
     * The link type for {@code related} edges; default {@code Relates}.
     *
     * @param name the link type's name as the site's administration lists it
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder relatesLinkType(String name) {
      this.relatesLink = nonBlank(name, "relatesLinkType");
      return this;
    }

    /**
     * The Jira statuses that mean {@code status}, the first one offered being the target of a transition.
     * Defaults: OPEN "To Do", "Open", "Reopened", "Backlog"; IN_PROGRESS "In Progress"; DONE "Done", "Closed",
     * "Resolved"; HUMAN_GATED "Blocked"; CANCELLED "Cancelled", "Canceled", "Won't Do".
     *
     * @param status the Loop status
     * @param first the preferred Jira status name, the first target tried by a transition
     * @param more further names that also mean {@code status}; together they replace the defaults for it
     * @return this builder
     * @throws InputException if a name is blank; a name mapped to two Loop statuses fails in {@link #build()}
     */
    public Builder statusNames(Status status, String first, String... more) {
      Objects.requireNonNull(status, "status");
      List<String> names = new ArrayList<>();
      names.add(nonBlank(first, "statusNames(" + status + ")"));
      for (String n : more) {
        names.add(nonBlank(n, "statusNames(" + status + ")"));
      }
      statusNames.put(status, List.copyOf(names));
      return this;
    }

    /**
     * The Loop status of a Jira status whose name is not mapped, by its category key ({@code new},
     * {@code indeterminate}, {@code done}, {@code undefined}); also the fallback target of a transition to that
     * Loop status. Defaults: new and undefined OPEN, indeterminate IN_PROGRESS, done DONE.
     *
     * @param categoryKey {@code new}, {@code indeterminate}, {@code done} or {@code undefined}
     * @param status the Loop status of that category's unmapped statuses
     * @return this builder
     * @throws InputException if the key is not one of the four, naming it
     */
    public Builder statusCategory(String categoryKey, Status status) {
      Objects.requireNonNull(status, "status");
      if (!List.of("new", "indeterminate", "done", "undefined").contains(categoryKey)) {
        throw new InputException("Jira status category '" + categoryKey + "': expected new, indeterminate, done"
            + " or undefined (statusCategory.key)");
      }
      categories.put(categoryKey, status);
      return this;
    }

    /**
     * The five Jira priority ids for Loop priorities 0 (highest) to 4; default {@code 1} to {@code 5}.
     *
     * @param ids exactly five distinct, non-blank ids, highest priority first
     * @return this builder
     * @throws InputException if there are not five distinct ids, naming the list
     */
    public Builder priorityIds(List<String> ids) {
      if (ids.size() != 5 || ids.stream().anyMatch(i -> i == null || i.isBlank())
          || new LinkedHashSet<>(ids).size() != 5) {
        throw new InputException("priorityIds " + ids + ": expected five distinct Jira priority ids, for Loop"
            + " priorities 0 (highest) to 4");
      }
      this.priorityIds = List.copyOf(ids);
      return this;
    }

    /**
     * Issues per search page; default 100 (Jira's maximum when fields are requested).
     *
     * @param size 1 to 100
     * @return this builder
     * @throws InputException if the size is outside 1 to 100
     */
    public Builder pageSize(int size) {
      if (size < 1 || size > 100) {
        throw new InputException("pageSize " + size + ": expected 1 to 100");
      }
      this.pageSize = size;
      return this;
    }

    /**
     * Every how many {@code changesSince} reads one is a full read (which sees tickets leave); default 10.
     *
     * @param reads 1 (every read is full) or more
     * @return this builder
     * @throws InputException if the number is below 1
     */
    public Builder fullReadEvery(int reads) {
      if (reads < 1) {
        throw new InputException("fullReadEvery " + reads + ": expected 1 (every read is full) or more");
      }
      this.fullReadEvery = reads;
      return this;
    }

    /**
     * The HTTP client (timeouts, proxy, TLS); default 10 s connect and 30 s read timeouts. The tracker derives
     * its own with {@code retryOnConnectionFailure(false)}, so a POST is never repeated behind its back.
     *
     * @param client the client to derive from; it is not changed
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The clock for rate-limit waits and incremental-read windows; default the system UTC clock.
     *
     * @param clock the tracker's clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How the tracker waits out rate limits and retries; default a real sleep.
     *
     * @param sleeper called on the thread making the request
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Told of every rate-limit wait before the tracker sleeps; an exception it throws is logged and ignored.
     *
     * @param listener called on the thread making the request, e.g. to count waits in a metric
     * @return this builder
     */
    public Builder rateLimitListener(Consumer<RateLimitWait> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The longest single wait; a longer one fails at once with a retryable AdapterException. Default 5 min.
     *
     * @param max a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder maxRateLimitWait(Duration max) {
      this.maxRateLimitWait = positive(max, "maxRateLimitWait");
      return this;
    }

    /**
     * The first backoff (doubling) when Jira gives no wait; default 2 s.
     *
     * @param first a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder firstBackoff(Duration first) {
      this.firstBackoff = positive(first, "firstBackoff");
      return this;
    }

    /**
     * How many times a rate-limited (or, for repeatable calls, failed) request is repeated; default 4.
     *
     * @param retries 0 (never repeat) or more
     * @return this builder
     * @throws InputException if the number is negative
     */
    public Builder maxRetries(int retries) {
      if (retries < 0) {
        throw new InputException("maxRetries " + retries + ": expected 0 or more");
      }
      this.maxRetries = retries;
      return this;
    }

    /**
     * The {@code User-Agent} header of every request; default {@code loopkit-loop-jira}.
     *
     * @param userAgent a non-blank value (trimmed), e.g. your service's name and version
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder userAgent(String userAgent) {
      this.userAgent = nonBlank(userAgent, "userAgent");
      return this;
    }

    /**
     * Builds the tracker, reading the token from the environment now; no request is sent yet.
     *
     * @return a thread-safe tracker
     * @throws InputException if the site, auth, project or batch is missing, a Jira status name is mapped to two
     *     Loop statuses, or the token variable is unset, blank or not one line (its value is never shown)
     */
    public JiraTracker build() {
      if (site == null) {
        throw new InputException("JiraTracker.builder() is missing site(\"https://YOUR-SITE.atlassian.net\")");
      }
      if (auth == null) {
        throw new InputException("JiraTracker.builder() for " + site + " is missing auth(JiraAuth.basic(email,"
            + " \"JIRA_API_TOKEN\")) or auth(JiraAuth.bearer(\"JIRA_TOKEN\"))");
      }
      if (project == null) {
        throw new InputException("JiraTracker.builder() for " + site + " is missing project(\"KEY\"): the"
            + " project new issues are filed in");
      }
      if (jql == null && label == null) {
        throw new InputException("JiraTracker.builder() for " + site + " has no batch: set label(\"loop-batch-1\")"
            + " (with the project) or jql(\"...\")");
      }
      Map<String, Status> owner = new LinkedHashMap<>();
      for (Map.Entry<Status, List<String>> e : statusNames.entrySet()) {
        for (String n : e.getValue()) {
          Status before = owner.putIfAbsent(n.toLowerCase(Locale.ROOT), e.getKey());
          if (before != null && before != e.getKey()) {
            throw new InputException("Jira status '" + n + "' is mapped to both " + before.wireName() + " and "
                + e.getKey().wireName() + ": expected each status name to mean one Loop status");
          }
        }
      }
      String batch = jql != null ? "(" + jql + ")" : "project = \"" + project + "\"";
      if (label != null) {
        batch += " AND labels = \"" + label + "\"";
      }
      String authorization = JiraAuth.header(auth, environment);
      String raw = environment.get(auth.tokenVariable()).trim();
      List<String> secrets = List.of(authorization, authorization.substring(authorization.indexOf(' ') + 1), raw,
          Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8)));
      // OkHttp would silently repeat a POST whose connection dropped, filing an issue twice
      OkHttpClient http = (httpClient != null ? httpClient.newBuilder() : new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30)))
          .retryOnConnectionFailure(false).build();
      JiraApi api = new JiraApi(new JiraApi.Settings(http, site, authorization, secrets, userAgent, clock, sleeper,
          listener, maxRateLimitWait, firstBackoff, maxRetries), new ObjectMapper());
      return new JiraTracker(this, api, batch);
    }

    private static String nonBlank(String value, String setting) {
      if (Objects.requireNonNull(value, setting).isBlank()) {
        throw new InputException(setting + " is blank: expected a name as Jira spells it");
      }
      return value.trim();
    }

    private static Duration positive(Duration d, String setting) {
      if (Objects.requireNonNull(d, setting).isNegative() || d.isZero()) {
        throw new InputException(setting + " " + d + ": expected a positive duration");
      }
      return d;
    }
  }
}

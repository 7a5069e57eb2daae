package dev.loopkit.linear;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Tracker} on Linear, over its GraphQL API. The batch is the issues of one team narrowed by a label, a
 * project or a cycle (any combination); a ticket's id is the issue's identifier ({@code "ENG-42"}).
 *
 * <pre>{@code
 * Tracker tracker = LinearTracker.builder()
 *     .team("ENG")
 *     .label("loop:batch-7")            // and/or .project("checkout-revamp"), .cycle(12)
 *     .build();                         // key from the LINEAR_API_KEY environment variable
 * }</pre>
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li>Status follows the workflow state's {@code type}: {@code triage}, {@code backlog} and {@code unstarted}
 *       are {@link Status#OPEN}, {@code started} is {@link Status#IN_PROGRESS}, {@code completed}
 *       {@link Status#DONE}, {@code canceled} and {@code duplicate} {@link Status#CANCELLED}. A state named with
 *       {@link Builder#stateName} maps to that status instead, and is the state Loop moves issues to.
 *       {@link Status#HUMAN_GATED} is the label {@code loop:human-gated} on an issue that is not completed or
 *       canceled, unless a state is named for it.</li>
 *   <li>Priority: Linear's 1 (urgent), 2 (high), 3 (medium), 4 (low) and 0 (no priority) are Loop's 0, 1, 2, 3
 *       and 4; the mapping is a bijection, so a priority survives a round trip.</li>
 *   <li>Blockers: a Linear relation of type {@code blocks} runs from the blocking issue ({@code issue}) to the
 *       blocked one ({@code relatedIssue}), so the blockers of X are X's {@code inverseRelations} of that type,
 *       read from {@code issue}; the batch's own {@code relations} of that type are read too, from
 *       {@code relatedIssue}, and both views are merged. The parent ({@code parent}) is the
 *       {@code parent-child} target; {@code related} relations X starts are {@code related} edges;
 *       {@code discovered-from} edges, acceptance criteria and metadata are Markdown at the end of the
 *       description (see the README).</li>
 *   <li>Labels {@code resource:NAME} give resources; the batch label and the human-gated label are not among a
 *       ticket's labels; every other label is.</li>
 *   <li>Comments are Markdown comments, oldest first.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * {@link #readBatch()} is one paginated {@code issues} query (50 issues a page, comments, labels and relations
 * nested), plus one {@code issue} query for each issue whose nested comments, labels or relations filled their
 * page. {@link #changesSince} asks only for issues updated since the cursor (minus {@link Builder#overlap}, for
 * clock skew), and reads the whole batch again every {@link Builder#fullReadEvery} so that issues which left the
 * batch are noticed. Rate limits are read from every answer's headers and waited out within a cap.
 *
 * <h2>Idempotent creation and claims</h2>
 * {@link #create} derives the new issue's id (a UUID, which {@code issueCreate} accepts as {@code input.id})
 * from the team and the idempotency key, and looks that id up before creating: a create repeated after a crash,
 * in this process or another, finds the issue filed before, and two processes racing on one key cannot both
 * succeed (Linear refuses a second issue with the same id; the loser then finds the winner's). Linear has no
 * compare-and-set for updates, so {@link #claim} is atomic among the callers of this instance only (see there).
 *
 * <p>Thread-safe. The API key is sent only in the {@code Authorization} header and never appears in a message,
 * a log line or {@link #toString()}.
 */
public final class LinearTracker implements Tracker {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9]{1,20}-[1-9][0-9]{0,11}");
  private static final String RESOURCE = "resource:";
  private static final String CURSOR_PREFIX = "linear-v1:";
  private static final int BATCH_LABELS = 10;
  private static final int BATCH_RELATIONS = 10;
  private static final int BATCH_COMMENTS = 20;
  private static final int ONE_LABELS = 50;
  private static final int ONE_RELATIONS = 50;
  private static final int ONE_COMMENTS = 100;

  private static final String TEAM_FIELDS = "id key name states(first: 100) { nodes { id name type position } }";

  static String issueFields(int labels, int relations, int comments) {
    return "id identifier title description priority createdAt updatedAt url"
        + " state { id name type }"
        + " labels(first: " + labels + ") { nodes { id name } }"
        + " parent { identifier }"
        + " relations(first: " + relations + ") { nodes { type relatedIssue { identifier } } }"
        + " inverseRelations(first: " + relations + ") { nodes { type issue { identifier } } }"
        + " comments(first: " + comments + ") { nodes { body createdAt user { name } } }";
  }

  static final String BATCH_QUERY = "query LoopBatch($filter: IssueFilter!, $first: Int!, $after: String) {"
      + " issues(filter: $filter, first: $first, after: $after) { nodes { "
      + issueFields(BATCH_LABELS, BATCH_RELATIONS, BATCH_COMMENTS) + " } pageInfo { hasNextPage endCursor } } }";
  static final String ISSUE_QUERY = "query LoopIssue($id: String!) { issue(id: $id) { "
      + issueFields(ONE_LABELS, ONE_RELATIONS, ONE_COMMENTS) + " } }";
  static final String STATE_QUERY = "query LoopIssueState($id: String!) { issue(id: $id) { id identifier"
      + " team { id } state { id name type } labels(first: " + ONE_LABELS + ") { nodes { id name } } } }";
  static final String TEAM_STATES_QUERY = "query LoopTeamStates($id: String!) { team(id: $id) { "
      + TEAM_FIELDS + " } }";
  static final String LABELS_QUERY = "query LoopLabels($filter: IssueLabelFilter!) {"
      + " issueLabels(filter: $filter, first: 250) { nodes { id name team { id } } } }";
  static final String LABEL_CREATE = "mutation LoopLabelCreate($input: IssueLabelCreateInput!) {"
      + " issueLabelCreate(input: $input) { success issueLabel { id name } } }";
  static final String COMMENT_MUTATION = "mutation LoopComment($input: CommentCreateInput!) {"
      + " commentCreate(input: $input) { success } }";
  static final String UPDATE_MUTATION = "mutation LoopUpdate($id: String!, $input: IssueUpdateInput!) {"
      + " issueUpdate(id: $id, input: $input) { success } }";
  static final String RELATE_MUTATION = "mutation LoopRelate($input: IssueRelationCreateInput!) {"
      + " issueRelationCreate(input: $input) { success } }";

  /** How a Linear credential is sent. */
  public enum Credential {
    /** A personal API key, sent as {@code Authorization: <key>} (no scheme), as Linear documents. */
    PERSONAL_API_KEY,
    /** An OAuth 2.0 access token, sent as {@code Authorization: Bearer <token>}. */
    OAUTH_TOKEN
  }

  private record State(String id, String name, String type, double position) {}

  private record Team(String id, String key, List<State> states) {}

  private record Setup(Team team, @Nullable String projectId, @Nullable String cycleId) {}

  private final LinearApi api;
  private final ObjectMapper json = new ObjectMapper();
  private final String teamKey;
  private final @Nullable String batchLabel;
  private final @Nullable String project;
  private final int cycle;
  private final Map<Status, String> stateNames;
  private final String humanGatedLabel;
  private final int pageSize;
  private final int changesPageSize;
  private final Duration overlap;
  private final Duration fullReadEvery;
  private final Clock clock;
  private final String description;
  private final Object setupLock = new Object();
  private final Object createLock = new Object();
  private final Object labelLock = new Object();
  private final Map<String, Object> issueLocks = new ConcurrentHashMap<>();
  private final Map<String, String> uuids = new ConcurrentHashMap<>();
  private final Map<String, Team> teams = new ConcurrentHashMap<>();
  private final Map<String, String> labelIds = new ConcurrentHashMap<>();
  private final Set<String> writtenSinceRead = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> reported = new ConcurrentHashMap<>();
  private volatile @Nullable Setup setup;

  private LinearTracker(Builder b, LinearApi api) {
    this.api = api;
    this.teamKey = Objects.requireNonNull(b.team);
    this.batchLabel = b.label;
    this.project = b.project;
    this.cycle = b.cycle;
    this.stateNames = Map.copyOf(b.stateNames);
    this.humanGatedLabel = b.humanGatedLabel;
    this.pageSize = b.pageSize;
    this.changesPageSize = b.changesPageSize;
    this.overlap = b.overlap;
    this.fullReadEvery = b.fullReadEvery;
    this.clock = b.clock;
    this.description = "LinearTracker{team " + teamKey + batchName() + ", " + api.endpoint() + "}";
  }

  /**
   * Starts a tracker; {@link Builder#team} and a batch ({@link Builder#label}, {@link Builder#project} or
   * {@link Builder#cycle}) are required, and the credential must be in the environment.
   *
   * @return a new builder reading {@code LINEAR_API_KEY} and sending it as a personal API key
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The budgets Linear reported on its latest answer; empty before the first request.
   *
   * @return the latest budgets, or empty
   */
  public Optional<RateLimit> rateLimit() {
    return Optional.ofNullable(api.rateLimit());
  }

  /**
   * HTTP requests sent to Linear by this tracker, retries included.
   *
   * @return the count since the tracker was built, 0 or more
   */
  public long requestsSent() {
    return api.requestsSent();
  }

  private String batchName() {
    StringBuilder b = new StringBuilder();
    if (batchLabel != null) {
      b.append(", label '").append(batchLabel).append('\'');
    }
    if (project != null) {
      b.append(", project '").append(project).append('\'');
    }
    if (cycle > 0) {
      b.append(", cycle ").append(cycle);
    }
    return b.toString();
  }

  // ---- setup: the team, its states, the project and cycle ids (one query, once) ----

  private Setup setup() {
    Setup s = setup;
    if (s != null) {
      return s;
    }
    synchronized (setupLock) {
      if (setup != null) {
        return setup;
      }
      StringBuilder vars = new StringBuilder("$teamFilter: TeamFilter!");
      StringBuilder fields = new StringBuilder(" teams(filter: $teamFilter, first: 1) { nodes { " + TEAM_FIELDS
          + " } }");
      ObjectNode variables = json.createObjectNode();
      variables.set("teamFilter", eq("key", teamKey));
      if (project != null) {
        vars.append(", $projectFilter: ProjectFilter!");
        fields.append(" projects(filter: $projectFilter, first: 2) { nodes { id name slugId } }");
        ObjectNode pf = json.createObjectNode();
        ArrayNode or = pf.putArray("or");
        or.add(eq("slugId", project));
        or.add(eq("name", project));
        variables.set("projectFilter", pf);
      }
      if (cycle > 0) {
        vars.append(", $cycleFilter: CycleFilter!");
        fields.append(" cycles(filter: $cycleFilter, first: 1) { nodes { id number } }");
        ObjectNode cf = json.createObjectNode();
        cf.set("team", eq("key", teamKey));
        cf.putObject("number").put("eq", cycle);
        variables.set("cycleFilter", cf);
      }
      LinearApi.Result r = requireClean(api.execute("LoopTeam", "query LoopTeam(" + vars + ") {" + fields + " }",
          variables));
      JsonNode teamNodes = nodes(r, r.data().path("teams"), "teams");
      if (teamNodes.isEmpty()) {
        throw new InputException("team '" + teamKey + "' was not found in the Linear workspace of the API key:"
            + " expected the key of a team the key's user belongs to (the prefix of its issue identifiers, e.g."
            + " ENG for ENG-42)");
      }
      Team team = team(teamNodes.get(0), r.operation(), "teams.nodes[0]");
      teams.put(team.id(), team);
      String projectId = null;
      if (project != null) {
        JsonNode projects = nodes(r, r.data().path("projects"), "projects");
        if (projects.isEmpty()) {
          throw new InputException("project '" + project + "' was not found: expected the name or the slug id"
              + " (the last part of the project's URL) of a project the API key can see");
        }
        if (projects.size() > 1) {
          throw new InputException("project '" + project + "' names " + projects.size() + " projects: use the"
              + " slug id (the last part of the project's URL) to pick one");
        }
        projectId = text(r, projects.get(0), "id", "projects.nodes[0]");
      }
      String cycleId = null;
      if (cycle > 0) {
        JsonNode cycles = nodes(r, r.data().path("cycles"), "cycles");
        if (cycles.isEmpty()) {
          throw new InputException("cycle " + cycle + " of team " + teamKey + " was not found: expected the"
              + " number of one of the team's cycles");
        }
        cycleId = text(r, cycles.get(0), "id", "cycles.nodes[0]");
      }
      checkStateNames(team);
      Setup done = new Setup(team, projectId, cycleId);
      setup = done;
      return done;
    }
  }

  private void checkStateNames(Team team) {
    for (Map.Entry<Status, String> e : stateNames.entrySet()) {
      if (stateNamed(team, e.getValue()) == null) {
        throw new InputException("stateName(" + e.getKey() + ", \"" + e.getValue() + "\"): team " + team.key()
            + " has no workflow state of that name; its states are " + stateList(team));
      }
    }
  }

  private Team team(JsonNode node, String operation, String where) {
    List<State> states = new ArrayList<>();
    JsonNode stateNodes = node.path("states").path("nodes");
    if (!stateNodes.isArray()) {
      throw api.malformed(operation, where + ".states.nodes", "an array of workflow states");
    }
    int i = 0;
    for (JsonNode st : stateNodes) {
      String w = where + ".states.nodes[" + i++ + "]";
      states.add(new State(text(operation, st, "id", w), text(operation, st, "name", w),
          text(operation, st, "type", w), st.path("position").asDouble(0)));
    }
    states.sort(Comparator.comparingDouble(State::position));
    return new Team(text(operation, node, "id", where), text(operation, node, "key", where), List.copyOf(states));
  }

  private Team teamById(String teamId) {
    Team cached = teams.get(teamId);
    if (cached != null) {
      return cached;
    }
    ObjectNode v = json.createObjectNode().put("id", teamId);
    LinearApi.Result r = requireClean(api.execute("LoopTeamStates", TEAM_STATES_QUERY, v));
    JsonNode node = r.data().path("team");
    if (!node.isObject()) {
      throw api.malformed(r.operation(), "team", "the team object");
    }
    Team team = team(node, r.operation(), "team");
    teams.put(teamId, team);
    return team;
  }

  // ---- reading ----

  /**
   * Every issue of the batch: one paginated {@code issues} query ({@link Builder#pageSize} a page), plus one
   * {@code issue} query per issue whose nested labels, relations or comments filled their page. The first call
   * of the tracker also reads the team, its workflow states and the project and cycle ids (one query).
   *
   * @throws LinearException when Linear refuses or fails the read (typed, naming the operation)
   * @throws InputException for an unknown team, project, cycle or state name, or a state type Loop does not know
   */
  @Override
  public Batch readBatch() {
    return Batch.of(readAll(batchFilter(), pageSize).tickets());
  }

  private record Read(List<Ticket> tickets, Map<String, Instant> updatedAt, @Nullable Instant highWater,
      @Nullable Instant serverTime) {}

  /** Every issue matching {@code filter}: one paginated query, plus a re-read of issues whose nested pages filled. */
  private Read readAll(ObjectNode filter, int first) {
    List<Ticket> tickets = new ArrayList<>();
    List<String[]> blocking = new ArrayList<>();
    Map<String, Instant> updatedAt = new LinkedHashMap<>();
    Instant high = null;
    Instant serverTime = null;
    String after = null;
    int page = 0;
    while (true) {
      ObjectNode v = json.createObjectNode();
      v.set("filter", filter);
      v.put("first", first);
      if (after == null) {
        v.putNull("after");
      } else {
        v.put("after", after);
      }
      LinearApi.Result r = requireClean(api.execute("LoopBatch", BATCH_QUERY, v));
      serverTime = r.serverTime() != null ? r.serverTime() : serverTime;
      JsonNode issues = r.data().path("issues");
      JsonNode nodes = nodes(r, issues, "issues");
      int i = 0;
      for (JsonNode issue : nodes) {
        String where = "issues.nodes[" + i++ + "]";
        Instant updated = instant(r.operation(), issue, "updatedAt", where);
        high = high == null || updated.isAfter(high) ? updated : high;
        String self = text(r, issue, "identifier", where);
        updatedAt.put(self, updated);
        int k = 0;
        for (JsonNode rel : array(r.operation(), issue, "relations", where)) {
          String w = where + ".relations.nodes[" + k++ + "]";
          if ("blocks".equals(text(r, rel, "type", w))) {
            blocking.add(new String[] {self, text(r, rel.path("relatedIssue"), "identifier", w + ".relatedIssue")});
          }
        }
        if (truncated(issue)) {
          // a nested page filled up: read this issue alone, with pages large enough for it
          tickets.add(findById(text(r, issue, "id", where)).orElseThrow(() -> api.malformed(r.operation(),
              where + ".id", "an issue that can be read again")));
        } else {
          tickets.add(toTicket(issue, r.operation(), where));
        }
      }
      JsonNode info = issues.path("pageInfo");
      if (!info.path("hasNextPage").isBoolean()) {
        throw api.malformed(r.operation(), "issues.pageInfo.hasNextPage", "true or false");
      }
      if (!info.path("hasNextPage").asBoolean()) {
        break;
      }
      String next = info.path("endCursor").asText("");
      if (next.isEmpty() || next.equals(after)) {
        throw api.malformed(r.operation(), "issues.pageInfo.endCursor", "a new cursor when hasNextPage is true"
            + " (page " + (page + 1) + ")");
      }
      after = next;
      page++;
    }
    tickets = withBlocksSeenFromTheBlocker(tickets, blocking);
    tickets.sort(Comparator.comparing(Ticket::createdAt).thenComparing(Ticket::id));
    return new Read(tickets, updatedAt, high, serverTime);
  }

  /**
   * Adds the blocking edges seen from the blocker's side. A {@code blocks} relation runs from the blocking
   * {@code issue} to the blocked {@code relatedIssue}: it is in the blocker's {@code relations} and in the
   * blocked issue's {@code inverseRelations}. Each ticket reads its blockers from the latter; a blocker in the
   * same read names them too, and the two views are merged (they differ only when a nested page was cut).
   */
  private static List<Ticket> withBlocksSeenFromTheBlocker(List<Ticket> tickets, List<String[]> blocking) {
    Map<String, List<String>> blockersOf = new LinkedHashMap<>();
    for (String[] edge : blocking) {
      blockersOf.computeIfAbsent(edge[1], k -> new ArrayList<>()).add(edge[0]);
    }
    List<Ticket> out = new ArrayList<>();
    for (Ticket t : tickets) {
      List<String> extra = blockersOf.getOrDefault(t.id(), List.of());
      Ticket.Builder b = null;
      for (String blocker : extra) {
        Dependency d = Dependency.blockedBy(blocker);
        if (!t.dependencies().contains(d) && !blocker.equals(t.id())) {
          b = b == null ? t.toBuilder() : b;
          b.addDependency(d);
        }
      }
      out.add(b == null ? t : b.build());
    }
    return out;
  }

  private static boolean truncated(JsonNode issue) {
    return issue.path("labels").path("nodes").size() >= BATCH_LABELS
        || issue.path("relations").path("nodes").size() >= BATCH_RELATIONS
        || issue.path("inverseRelations").path("nodes").size() >= BATCH_RELATIONS
        || issue.path("comments").path("nodes").size() >= BATCH_COMMENTS;
  }

  /**
   * The issues of the batch changed since {@code cursor}: one {@code issues} query filtered on
   * {@code updatedAt >= cursor - overlap} (or on the ids this tracker wrote since, in case a write did not move
   * {@code updatedAt}). An empty, foreign or expired cursor, and every {@link Builder#fullReadEvery}, gives a full
   * read instead: issues that left the batch (a label removed, moved to another project) no longer match the
   * filter, so only a full read notices them.
   */
  @Override
  public BatchChanges changesSince(String cursor) {
    Objects.requireNonNull(cursor, "cursor");
    Instant now = clock.instant();
    Instant[] parsed = parseCursor(cursor);
    if (parsed == null || !now.isBefore(parsed[1].plus(fullReadEvery))) {
      writtenSinceRead.clear();
      Read all = readAll(batchFilter(), pageSize);
      reported.clear();
      reported.putAll(all.updatedAt());
      Instant high = all.highWater() != null ? all.highWater()
          : all.serverTime() != null ? all.serverTime() : now;
      return BatchChanges.full(Batch.of(all.tickets()), cursor(high, now));
    }
    Instant since = parsed[0].minus(overlap);
    List<String> written = new ArrayList<>(writtenSinceRead);
    writtenSinceRead.removeAll(written);
    ObjectNode window = json.createObjectNode();
    ArrayNode or = window.putArray("or");
    or.addObject().putObject("updatedAt").put("gte", since.toString());
    if (!written.isEmpty()) {
      ArrayNode ids = or.addObject().putObject("id").putArray("in");
      written.stream().sorted().forEach(ids::add);
    }
    ObjectNode filter = json.createObjectNode();
    ArrayNode and = filter.putArray("and");
    and.add(batchFilter());
    and.add(window);
    Read changed = readAll(filter, changesPageSize);
    Instant high = changed.highWater() != null && changed.highWater().isAfter(parsed[0]) ? changed.highWater()
        : parsed[0];
    // the overlap brings back issues already reported: leave out those whose updatedAt has not moved since
    Set<String> writtenIds = new HashSet<>(written);
    List<Ticket> fresh = new ArrayList<>();
    for (Ticket t : changed.tickets()) {
      Instant at = changed.updatedAt().get(t.id());
      boolean seenAlready = at != null && at.equals(reported.get(t.id()));
      if (!seenAlready || writtenIds.contains(t.metadata().get("linear.id"))) {
        fresh.add(t);
      }
      if (at != null) {
        reported.put(t.id(), at);
      }
    }
    return BatchChanges.since(fresh, Set.of(), cursor(high, parsed[1]));
  }

  private static String cursor(Instant highWater, Instant lastFull) {
    return CURSOR_PREFIX + highWater + "|" + lastFull;
  }

  /** [high-water mark, time of the last full read], or null for a cursor this tracker did not write. */
  private static Instant @Nullable [] parseCursor(String cursor) {
    if (!cursor.startsWith(CURSOR_PREFIX)) {
      return null;
    }
    String[] parts = cursor.substring(CURSOR_PREFIX.length()).split("\\|");
    if (parts.length != 2) {
      return null;
    }
    try {
      return new Instant[] {Instant.parse(parts[0]), Instant.parse(parts[1])};
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** One issue by identifier ({@code ENG-42}), in the batch or not; empty for another form or an unknown one. */
  @Override
  public Optional<Ticket> find(String id) {
    Objects.requireNonNull(id, "id");
    if (!IDENTIFIER.matcher(id).matches()) {
      return Optional.empty();
    }
    return findById(id);
  }

  /** One issue by identifier or UUID, with large nested pages; empty when Linear has no such issue. */
  private Optional<Ticket> findById(String id) {
    LinearApi.Result r = api.execute("LoopIssue", ISSUE_QUERY, json.createObjectNode().put("id", id));
    LinearApi.GraphQlError error = r.errorAt("issue");
    if (error != null && error.notFound()) {
      return Optional.empty();
    }
    requireClean(r);
    JsonNode issue = r.data().path("issue");
    if (issue.isNull() || issue.isMissingNode()) {
      return Optional.empty();
    }
    return Optional.of(toTicket(issue, r.operation(), "issue"));
  }

  private ObjectNode batchFilter() {
    Setup s = setup();
    ObjectNode f = json.createObjectNode();
    f.putObject("team").putObject("id").put("eq", s.team().id());
    if (batchLabel != null) {
      f.putObject("labels").putObject("some").putObject("name").put("eqIgnoreCase", batchLabel);
    }
    if (s.projectId() != null) {
      f.putObject("project").putObject("id").put("eq", s.projectId());
    }
    if (s.cycleId() != null) {
      f.putObject("cycle").putObject("id").put("eq", s.cycleId());
    }
    return f;
  }

  private Ticket toTicket(JsonNode issue, String operation, String where) {
    String identifier = text(operation, issue, "identifier", where);
    String uuid = text(operation, issue, "id", where);
    uuids.put(identifier, uuid);
    String here = identifier + " (" + where + ")";
    Description.Parsed d = Description.parse(issue.path("description").asText(""), json, "the description of "
        + identifier);
    List<String> labels = labelNames(issue, operation, where);
    Ticket.Builder b = Ticket.builder(identifier).title(text(operation, issue, "title", where))
        .body(d.description()).acceptanceCriteria(d.criteria())
        .status(statusOf(issue, labels, operation, where))
        .priority(priorityOf(issue, operation, where))
        .createdAt(instant(operation, issue, "createdAt", where));
    List<String> plain = new ArrayList<>();
    for (String label : labels) {
      if (label.equalsIgnoreCase(String.valueOf(batchLabel)) || label.equalsIgnoreCase(humanGatedLabel)) {
        continue;
      }
      if (label.toLowerCase(Locale.ROOT).startsWith(RESOURCE)) {
        String value = label.substring(RESOURCE.length()).trim();
        if (value.isEmpty()) {
          throw new InputException("label '" + label + "' on " + here + ": expected resource:NAME, e.g."
              + " resource:infra-apply");
        }
        b.addResource(value);
      } else {
        plain.add(label);
      }
    }
    b.labels(plain);
    JsonNode parent = issue.path("parent");
    if (parent.isObject()) {
      addEdge(b, identifier, Dependency.childOf(text(operation, parent, "identifier", where + ".parent")));
    }
    int i = 0;
    for (JsonNode rel : array(operation, issue, "inverseRelations", where)) {
      String w = where + ".inverseRelations.nodes[" + i++ + "]";
      if ("blocks".equals(text(operation, rel, "type", w))) {
        JsonNode source = rel.path("issue");
        addEdge(b, identifier, Dependency.blockedBy(text(operation, source, "identifier", w + ".issue")));
      }
    }
    i = 0;
    for (JsonNode rel : array(operation, issue, "relations", where)) {
      String w = where + ".relations.nodes[" + i++ + "]";
      if ("related".equals(text(operation, rel, "type", w))) {
        JsonNode target = rel.path("relatedIssue");
        addEdge(b, identifier, Dependency.relatedTo(text(operation, target, "identifier", w + ".relatedIssue")));
      }
    }
    d.discoveredFrom().forEach(dep -> addEdge(b, identifier, dep));
    List<Comment> comments = new ArrayList<>();
    i = 0;
    for (JsonNode c : array(operation, issue, "comments", where)) {
      String w = where + ".comments.nodes[" + i++ + "]";
      String author = c.path("user").path("name").asText("");
      if (!c.path("body").isTextual()) {
        throw api.malformed(operation, w + ".body", "a string (Markdown)");
      }
      // a comment by an integration or bot has no user: name the author after the service
      comments.add(new Comment(instant(operation, c, "createdAt", w), author.isEmpty() ? "linear" : author,
          c.path("body").asText()));
    }
    comments.sort(Comparator.comparing(Comment::at));
    Map<String, String> metadata = new LinkedHashMap<>(d.metadata());
    metadata.put("linear.id", uuid);
    metadata.put("linear.url", issue.path("url").asText(""));
    metadata.put("linear.state", issue.path("state").path("name").asText(""));
    return b.comments(comments).metadata(metadata).build();
  }

  private static void addEdge(Ticket.Builder b, String id, Dependency d) {
    if (!d.target().equals(id)) {
      b.addDependency(d);
    }
  }

  private Status statusOf(JsonNode issue, List<String> labels, String operation, String where) {
    JsonNode state = issue.path("state");
    if (!state.isObject()) {
      throw api.malformed(operation, where + ".state", "the issue's workflow state {id name type}");
    }
    String name = text(operation, state, "name", where + ".state");
    String type = text(operation, state, "type", where + ".state");
    for (Map.Entry<Status, String> e : stateNames.entrySet()) {
      if (e.getValue().equalsIgnoreCase(name)) {
        return e.getKey();
      }
    }
    Status byType = statusOfType(type);
    if (byType == null) {
      throw new InputException("workflow state '" + name + "' of " + text(operation, issue, "identifier", where)
          + " has type '" + type + "': expected triage, backlog, unstarted, started, completed, canceled or"
          + " duplicate, or map the state by name with LinearTracker.builder().stateName(status, \"" + name
          + "\")");
    }
    if (!stateNames.containsKey(Status.HUMAN_GATED) && !byType.releasesDependents()
        && labels.stream().anyMatch(l -> l.equalsIgnoreCase(humanGatedLabel))) {
      return Status.HUMAN_GATED;
    }
    return byType;
  }

  private static @Nullable Status statusOfType(String type) {
    switch (type) {
      case "triage":
      case "backlog":
      case "unstarted":
        return Status.OPEN;
      case "started":
        return Status.IN_PROGRESS;
      case "completed":
        return Status.DONE;
      case "canceled":
      case "duplicate":
        return Status.CANCELLED;
      default:
        return null;
    }
  }

  /** Linear 1 urgent .. 4 low, 0 none; Loop 0 highest .. 4. */
  private int priorityOf(JsonNode issue, String operation, String where) {
    JsonNode p = issue.path("priority");
    if (!p.isNumber() || p.asDouble() != Math.rint(p.asDouble()) || p.asInt() < 0 || p.asInt() > 4) {
      throw api.malformed(operation, where + ".priority", "0 (none) or 1 (urgent) to 4 (low), found " + p);
    }
    return p.asInt() == 0 ? 4 : p.asInt() - 1;
  }

  static int linearPriority(int loopPriority) {
    return loopPriority == 4 ? 0 : loopPriority + 1;
  }

  private List<String> labelNames(JsonNode issue, String operation, String where) {
    List<String> names = new ArrayList<>();
    int i = 0;
    for (JsonNode l : array(operation, issue, "labels", where)) {
      names.add(text(operation, l, "name", where + ".labels.nodes[" + i++ + "]"));
    }
    return names;
  }

  // ---- writing ----

  /**
   * Files an issue, or returns the one filed before with the same idempotency key. The new issue's id is derived
   * from the team and the key, so the lookup is one {@code issue(id:)} query and the create itself cannot
   * happen twice; edges missing from an issue filed before (a crash between the create and its links) are added.
   * Blocking edges are created in the same request as the issue.
   *
   * @throws InputException if a dependency names an issue Linear does not hold, or Linear rejects the draft
   */
  @Override
  public Ticket create(NewTicket draft) {
    Objects.requireNonNull(draft, "draft");
    Setup s = setup();
    String key = draft.idempotencyKey();
    String issueId = key.isEmpty() ? UUID.randomUUID().toString() : issueIdFor(s.team().id(), key);
    synchronized (createLock) {
      if (!key.isEmpty()) {
        Optional<Ticket> existing = filedBefore(issueId, draft);
        if (existing.isPresent()) {
          return existing.get();
        }
      }
      Map<String, String> targets = resolve(draft.dependencies(), "a dependency of new ticket '" + draft.title()
          + "'");
      List<String> labelNames = new ArrayList<>();
      if (batchLabel != null) {
        labelNames.add(batchLabel);
      }
      labelNames.addAll(draft.labels());
      new java.util.TreeSet<>(draft.resources()).forEach(r -> labelNames.add(RESOURCE + r));
      List<String> labels = ensureLabels(labelNames);
      List<String> discovered = new ArrayList<>();
      String parent = null;
      List<Dependency> blockers = new ArrayList<>();
      List<Dependency> related = new ArrayList<>();
      for (Dependency d : draft.dependencies()) {
        switch (d.type()) {
          case BLOCKS:
            blockers.add(d);
            break;
          case PARENT_CHILD:
            if (parent != null) {
              throw new InputException("new ticket '" + draft.title() + "' has two parents (" + parent + " and "
                  + d.target() + "): a Linear issue has at most one");
            }
            parent = d.target();
            break;
          case RELATED:
            related.add(d);
            break;
          default:
            discovered.add(d.target());
        }
      }
      String description = Description.render(draft.body(), draft.acceptanceCriteria(), discovered,
          draft.metadata(), json);
      ObjectNode input = json.createObjectNode().put("id", issueId).put("teamId", s.team().id())
          .put("title", draft.title())
          .put("description", description)
          .put("priority", linearPriority(draft.priority()))
          .put("stateId", targetState(s.team(), Status.OPEN, null).id());
      ArrayNode labelArray = input.putArray("labelIds");
      labels.forEach(labelArray::add);
      if (parent != null) {
        input.put("parentId", Objects.requireNonNull(targets.get(parent)));
      }
      if (s.projectId() != null) {
        input.put("projectId", s.projectId());
      }
      if (s.cycleId() != null) {
        input.put("cycleId", s.cycleId());
      }
      StringBuilder vars = new StringBuilder("$input: IssueCreateInput!");
      StringBuilder fields = new StringBuilder(" issueCreate(input: $input) { success issue { id identifier"
          + " createdAt url } }");
      ObjectNode variables = json.createObjectNode();
      variables.set("input", input);
      int n = 0;
      for (Dependency d : blockers) {
        addRelation(vars, fields, variables, "r" + n++, Objects.requireNonNull(targets.get(d.target())), issueId,
            "blocks");
      }
      for (Dependency d : related) {
        addRelation(vars, fields, variables, "r" + n++, issueId, Objects.requireNonNull(targets.get(d.target())),
            "related");
      }
      String document = "mutation LoopCreate(" + vars + ") {" + fields + " }";
      LinearApi.Result r;
      try {
        r = api.execute("LoopCreate", document, variables);
      } catch (LinearException | InputException e) {
        // another process may have won the race for this id, or an earlier attempt landed: look before failing
        if (!key.isEmpty()) {
          Optional<Ticket> existing = filedBefore(issueId, draft);
          if (existing.isPresent()) {
            return existing.get();
          }
        }
        throw e;
      }
      LinearApi.GraphQlError createError = r.errorAt("issueCreate");
      if (createError != null) {
        if (!key.isEmpty() || r.repeatedAfterLostAnswer()) {
          Optional<Ticket> existing = filedBefore(issueId, draft);
          if (existing.isPresent()) {
            return existing.get();
          }
        }
        throw new InputException("Linear rejected LoopCreate for '" + draft.title() + "' (" + createError.code()
            + ": " + api.scrub(createError.message()) + "): expected a draft Linear accepts");
      }
      if (!r.errors().isEmpty()) {
        // the issue was filed, an edge after it was refused (and nulled data): say which issue it left behind
        writtenSinceRead.add(issueId);
        String filed = findById(issueId).map(Ticket::id).orElse("an issue");
        LinearApi.GraphQlError e = r.errors().get(0);
        String message = "Linear filed " + filed + " for '" + draft.title() + "' but refused the edge at "
            + String.join(".", e.path()) + " (" + e.code() + ": " + api.scrub(e.message()) + ")"
            + (key.isEmpty() ? "" : "; creating it again with the same key adds the missing edges");
        if (e.userError() || e.code().equals("INVALID_INPUT")) {
          throw new InputException(message);
        }
        throw new LinearException(LinearException.Kind.OTHER, r.operation(), e.code(), message, null);
      }
      JsonNode created = r.data().path("issueCreate");
      requireSuccess(r, created, "issueCreate");
      JsonNode issue = created.path("issue");
      String identifier = text(r.operation(), issue, "identifier", "issueCreate.issue");
      uuids.put(identifier, text(r.operation(), issue, "id", "issueCreate.issue"));
      writtenSinceRead.add(issueId);
      // the ticket as a read will show it: fields parsed back from the description, edges in read order
      Description.Parsed parsed = Description.parse(description, json, "the description of " + identifier);
      Map<String, String> metadata = new LinkedHashMap<>(parsed.metadata());
      metadata.put("linear.id", issueId);
      metadata.put("linear.url", issue.path("url").asText(""));
      metadata.put("linear.state", targetState(s.team(), Status.OPEN, null).name());
      List<Dependency> edges = new ArrayList<>();
      for (DependencyType type : List.of(DependencyType.PARENT_CHILD, DependencyType.BLOCKS, DependencyType.RELATED,
          DependencyType.DISCOVERED_FROM)) {
        draft.dependencies().stream().filter(d -> d.type() == type).forEach(edges::add);
      }
      return draft.toTicket(identifier, instant(r.operation(), issue, "createdAt", "issueCreate.issue")).toBuilder()
          .body(parsed.description()).acceptanceCriteria(parsed.criteria()).dependencies(edges)
          .metadata(metadata).build();
    }
  }

  private void addRelation(StringBuilder vars, StringBuilder fields, ObjectNode variables, String alias,
      String from, String to, String type) {
    vars.append(", $").append(alias).append(": IssueRelationCreateInput!");
    fields.append(' ').append(alias).append(": issueRelationCreate(input: $").append(alias)
        .append(") { success }");
    variables.putObject(alias).put("id", UUID.randomUUID().toString()).put("issueId", from)
        .put("relatedIssueId", to).put("type", type);
  }

  /** The issue filed before under this id, its missing edges added; empty when there is none. */
  private Optional<Ticket> filedBefore(String issueId, NewTicket draft) {
    Optional<Ticket> found = findById(issueId);
    if (found.isEmpty()) {
      return found;
    }
    Ticket t = found.get();
    boolean repaired = false;
    for (Dependency d : draft.dependencies()) {
      if (!t.dependencies().contains(d)) {
        link(t, d, "repairing an edge of " + t.id());
        repaired = true;
      }
    }
    return repaired ? findById(issueId) : found;
  }

  /** The issue id for a key: a UUID (version 4 layout, as issueCreate requires) from SHA-256 of team and key. */
  static String issueIdFor(String teamId, String key) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(("loop:" + teamId + "\n" + key)
          .getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x40);
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
    long msb = 0;
    long lsb = 0;
    for (int i = 0; i < 8; i++) {
      msb = (msb << 8) | (hash[i] & 0xff);
      lsb = (lsb << 8) | (hash[i + 8] & 0xff);
    }
    return new UUID(msb, lsb).toString();
  }

  /**
   * The UUIDs of these dependencies' targets, by target id, from one query (an alias per target).
   *
   * @throws InputException naming the first target Linear does not hold
   */
  private Map<String, String> resolve(List<Dependency> deps, String where) {
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> wanted = new LinkedHashSet<>();
    for (Dependency d : deps) {
      if (!IDENTIFIER.matcher(d.target()).matches()) {
        throw new InputException("unknown ticket '" + d.target() + "' in " + where + ": expected a Linear issue"
            + " identifier such as " + teamKey + "-42");
      }
      wanted.add(d.target());
    }
    if (wanted.isEmpty()) {
      return out;
    }
    StringBuilder vars = new StringBuilder();
    StringBuilder fields = new StringBuilder();
    ObjectNode variables = json.createObjectNode();
    List<String> order = new ArrayList<>(wanted);
    for (int i = 0; i < order.size(); i++) {
      vars.append(i == 0 ? "" : ", ").append("$t").append(i).append(": String!");
      fields.append(" t").append(i).append(": issue(id: $t").append(i).append(") { id identifier }");
      variables.put("t" + i, order.get(i));
    }
    LinearApi.Result r = api.execute("LoopResolve", "query LoopResolve(" + vars + ") {" + fields + " }",
        variables);
    for (int i = 0; i < order.size(); i++) {
      LinearApi.GraphQlError e = r.errorAt("t" + i);
      if (e != null && e.notFound()) {
        throw new InputException("unknown ticket '" + order.get(i) + "' in " + where + ": Linear has no issue "
            + order.get(i));
      }
    }
    requireClean(r);
    for (int i = 0; i < order.size(); i++) {
      JsonNode node = r.data().path("t" + i);
      if (!node.isObject()) {
        throw new InputException("unknown ticket '" + order.get(i) + "' in " + where + ": Linear has no issue "
            + order.get(i));
      }
      String uuid = text(r, node, "id", "t" + i);
      out.put(order.get(i), uuid);
      uuids.put(order.get(i), uuid);
    }
    return out;
  }

  /** The UUID of one issue, from this tracker's memory or one query. */
  private String uuidOf(String id, String where) {
    if (!IDENTIFIER.matcher(id).matches()) {
      throw new InputException("ticket id '" + id + "' in " + where + ": expected a Linear issue identifier such"
          + " as " + teamKey + "-42");
    }
    String known = uuids.get(id);
    return known != null ? known : resolve(List.of(Dependency.blockedBy(id)), where).get(id);
  }

  /**
   * Adds an edge: a {@code blocks} relation from the target to the holder, the holder's {@code parent}, a
   * {@code related} relation from the holder, or a discovered-from line in the holder's description. An edge
   * already there is left alone.
   */
  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    Objects.requireNonNull(dependency, "dependency");
    Objects.requireNonNull(ticketId, "ticketId");
    if (dependency.target().equals(ticketId)) {
      throw new InputException("ticket " + ticketId + " cannot depend on itself (" + dependency + ")");
    }
    if (!IDENTIFIER.matcher(ticketId).matches()) {
      throw unknown(ticketId, "addDependency");
    }
    synchronized (lockFor(ticketId)) {
      Ticket holder = findById(ticketId).orElseThrow(() -> unknown(ticketId, "addDependency"));
      resolve(List.of(dependency), "the target of dependency " + dependency + " of " + ticketId);
      if (holder.dependencies().contains(dependency)) {
        return;
      }
      link(holder, dependency, "adding " + dependency + " to " + ticketId);
    }
  }

  private void link(Ticket holder, Dependency d, String why) {
    String holderId = holder.metadata().get("linear.id");
    String target = uuidOf(d.target(), why);
    ObjectNode v = json.createObjectNode();
    LinearApi.Result r;
    switch (d.type()) {
      case BLOCKS:
      case RELATED:
        boolean blocks = d.type() == DependencyType.BLOCKS;
        v.putObject("input").put("id", UUID.randomUUID().toString())
            .put("issueId", blocks ? target : holderId).put("relatedIssueId", blocks ? holderId : target)
            .put("type", blocks ? "blocks" : "related");
        r = api.execute("LoopRelate", RELATE_MUTATION, v);
        if (r.errorAt("issueRelationCreate") != null && r.repeatedAfterLostAnswer()
            && exists("issueRelation", v.path("input").path("id").asText())) {
          break;
        }
        requireClean(r);
        requireSuccess(r, r.data().path("issueRelationCreate"), "issueRelationCreate");
        break;
      case PARENT_CHILD:
        v.put("id", holderId).putObject("input").put("parentId", target);
        r = requireClean(api.execute("LoopUpdate", UPDATE_MUTATION, v));
        requireSuccess(r, r.data().path("issueUpdate"), "issueUpdate");
        break;
      default:
        String description = Objects.requireNonNull(findRawDescription(holderId));
        v.put("id", holderId).putObject("input").put("description",
            Description.withDiscoveredFrom(description, d.target()));
        r = requireClean(api.execute("LoopUpdate", UPDATE_MUTATION, v));
        requireSuccess(r, r.data().path("issueUpdate"), "issueUpdate");
    }
    writtenSinceRead.add(Objects.requireNonNull(holderId));
  }

  /**
   * Whether the entity with this id exists ({@code comment}, {@code issueRelation}, {@code issueLabel}): after a
   * lost answer, a repeated create that Linear refuses may have met the first attempt's own id.
   */
  private boolean exists(String field, String id) {
    LinearApi.Result r = api.execute("LoopExists", "query LoopExists($id: String!) { " + field
        + "(id: $id) { id } }", json.createObjectNode().put("id", id));
    LinearApi.GraphQlError e = r.errorAt(field);
    if (e != null && e.notFound()) {
      return false;
    }
    requireClean(r);
    return id.equals(r.data().path(field).path("id").asText(""));
  }

  private String findRawDescription(String uuid) {
    LinearApi.Result r = requireClean(api.execute("LoopIssue", ISSUE_QUERY, json.createObjectNode()
        .put("id", uuid)));
    return r.data().path("issue").path("description").asText("");
  }

  /**
   * Moves an issue with one mutation request: the note as a Markdown comment, then {@code issueUpdate} with the
   * target state (looked up among the issue's team's states, cached per team) and, for the human-gated label,
   * the label added or removed. Linear runs the two in order. An issue already in {@code to} is left alone.
   */
  @Override
  public void transition(String ticketId, Status to, String note) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(ticketId, "ticketId");
    if (!IDENTIFIER.matcher(ticketId).matches()) {
      throw unknown(ticketId, "transition to " + to.wireName());
    }
    synchronized (lockFor(ticketId)) {
      LinearApi.Result r = readState(ticketId);
      if (r == null) {
        throw unknown(ticketId, "transition to " + to.wireName());
      }
      move(ticketId, r, to, note);
    }
  }

  /** The issue's id, team, state and labels (one query); null when Linear has no such issue. */
  private LinearApi.@Nullable Result readState(String ticketId) {
    LinearApi.Result r = api.execute("LoopIssueState", STATE_QUERY, json.createObjectNode().put("id", ticketId));
    LinearApi.GraphQlError error = r.errorAt("issue");
    if ((error != null && error.notFound()) || r.data().path("issue").isNull()) {
      return null;
    }
    requireClean(r);
    if (!r.data().path("issue").isObject()) {
      throw api.malformed(r.operation(), "issue", "the issue object");
    }
    return r;
  }

  /** Whether the issue moved; false when it already was in {@code to}. */
  private boolean move(String ticketId, LinearApi.Result r, Status to, String note) {
    JsonNode issue = r.data().path("issue");
    List<String> labels = labelNames(issue, r.operation(), "issue");
    Status now = statusOf(issue, labels, r.operation(), "issue");
    if (now == to) {
      return false;
    }
    String uuid = text(r, issue, "id", "issue");
    uuids.put(ticketId, uuid);
    Team team = teamById(text(r, issue.path("team"), "id", "issue.team"));
    State current = new State(text(r, issue.path("state"), "id", "issue.state"),
        text(r, issue.path("state"), "name", "issue.state"), text(r, issue.path("state"), "type", "issue.state"), 0);
    ObjectNode input = json.createObjectNode();
    State target = targetState(team, to, current);
    if (!target.id().equals(current.id())) {
      input.put("stateId", target.id());
    }
    if (!stateNames.containsKey(Status.HUMAN_GATED)) {
      String gateId = null;
      for (JsonNode l : issue.path("labels").path("nodes")) {
        if (l.path("name").asText("").equalsIgnoreCase(humanGatedLabel)) {
          gateId = l.path("id").asText();
        }
      }
      if (to == Status.HUMAN_GATED && gateId == null) {
        input.putArray("addedLabelIds").add(ensureLabels(List.of(humanGatedLabel)).get(0));
      } else if (to != Status.HUMAN_GATED && gateId != null) {
        input.putArray("removedLabelIds").add(gateId);
      }
    }
    ObjectNode v = json.createObjectNode();
    StringBuilder vars = new StringBuilder();
    StringBuilder fields = new StringBuilder();
    if (!note.isBlank()) {
      vars.append("$comment: CommentCreateInput!, ");
      fields.append(" commentCreate(input: $comment) { success }");
      v.putObject("comment").put("id", UUID.randomUUID().toString()).put("issueId", uuid).put("body", note);
    }
    vars.append("$id: String!, $input: IssueUpdateInput!");
    fields.append(" issueUpdate(id: $id, input: $input) { success }");
    v.put("id", uuid);
    v.set("input", input);
    LinearApi.Result done = api.execute("LoopTransition", "mutation LoopTransition(" + vars + ") {" + fields
        + " }", v);
    if (done.repeatedAfterLostAnswer() && !note.isBlank() && done.errors().size() == 1
        && done.errorAt("commentCreate") != null && exists("comment", v.path("comment").path("id").asText())) {
      // the first attempt landed and its answer was lost: the comment is there, the update was repeated
      writtenSinceRead.add(uuid);
      return true;
    }
    requireClean(done);
    if (!note.isBlank()) {
      requireSuccess(done, done.data().path("commentCreate"), "commentCreate");
    }
    requireSuccess(done, done.data().path("issueUpdate"), "issueUpdate");
    writtenSinceRead.add(uuid);
    return true;
  }

  /**
   * The state to move an issue of {@code team} to: the state named for {@code to}, else the first state (by
   * position) of the type for {@code to} that is not named for another status. Human-gated without a named state
   * keeps the current state unless it is completed or canceled (then the open state).
   */
  private State targetState(Team team, Status to, @Nullable State current) {
    String named = stateNames.get(to);
    if (named != null) {
      State s = stateNamed(team, named);
      if (s == null) {
        throw new InputException("team " + team.key() + " has no workflow state named '" + named + "' (set for "
            + to.wireName() + "): its states are " + stateList(team));
      }
      return s;
    }
    if (to == Status.HUMAN_GATED) {
      if (current != null && !Objects.requireNonNull(statusOfType(current.type()), "type").releasesDependents()
          && !stateNames.containsValue(current.name())) {
        return current;
      }
      return targetState(team, Status.OPEN, null);
    }
    List<String> types;
    switch (to) {
      case OPEN:
        types = List.of("unstarted", "backlog", "triage");
        break;
      case IN_PROGRESS:
        types = List.of("started");
        break;
      case DONE:
        types = List.of("completed");
        break;
      default:
        types = List.of("canceled");
    }
    if (current != null && types.contains(current.type()) && !isNamed(current.name())) {
      return current;
    }
    for (String type : types) {
      for (State s : team.states()) {
        if (s.type().equals(type) && !isNamed(s.name())) {
          return s;
        }
      }
    }
    throw new InputException("team " + team.key() + " has no workflow state of type " + String.join(" or ", types)
        + " for " + to.wireName() + ": its states are " + stateList(team) + "; name one with"
        + " LinearTracker.builder().stateName(Status." + to.name() + ", \"...\")");
  }

  private boolean isNamed(String stateName) {
    for (String n : stateNames.values()) {
      if (n.equalsIgnoreCase(stateName)) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable State stateNamed(Team team, String name) {
    for (State s : team.states()) {
      if (s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    return null;
  }

  private static String stateList(Team team) {
    List<String> out = new ArrayList<>();
    team.states().forEach(s -> out.add("'" + s.name() + "' (" + s.type() + ")"));
    return String.join(", ", out);
  }

  /**
   * Adds a Markdown comment: one {@code commentCreate} (plus one lookup when this tracker has not read the issue
   * yet). The comment's id is chosen here, so a repeat after a lost answer cannot post it twice.
   */
  @Override
  public void comment(String ticketId, String body) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(ticketId, "ticketId");
    if (!IDENTIFIER.matcher(ticketId).matches()) {
      throw unknown(ticketId, "comment");
    }
    String uuid = uuidOf(ticketId, "comment on " + ticketId);
    ObjectNode v = json.createObjectNode();
    v.putObject("input").put("id", UUID.randomUUID().toString()).put("issueId", uuid).put("body", body);
    String commentId = v.path("input").path("id").asText();
    LinearApi.Result r = api.execute("LoopComment", COMMENT_MUTATION, v);
    LinearApi.GraphQlError e = r.errorAt("commentCreate");
    if (e != null && r.repeatedAfterLostAnswer() && exists("comment", commentId)) {
      // the first attempt landed and its answer was lost; the repeat met our own id
      writtenSinceRead.add(uuid);
      return;
    }
    if (e != null && e.notFound()) {
      uuids.remove(ticketId);
      throw unknown(ticketId, "comment");
    }
    requireClean(r);
    requireSuccess(r, r.data().path("commentCreate"), "commentCreate");
    writtenSinceRead.add(uuid);
  }

  /**
   * Moves an open issue to in-progress for {@code owner}. Linear has no compare-and-set for updates (an
   * {@code issueUpdate} cannot be made conditional on the current state), so this is atomic among the callers of
   * this instance only: under the issue's lock it reads the state fresh and moves the issue only if it is open.
   * Two processes claiming the same issue in the same instant may both win; one engine run uses one instance.
   */
  @Override
  public boolean claim(String ticketId, String owner) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(ticketId, "ticketId");
    if (!IDENTIFIER.matcher(ticketId).matches()) {
      return false;
    }
    synchronized (lockFor(ticketId)) {
      LinearApi.Result r = readState(ticketId);
      if (r == null) {
        return false;
      }
      JsonNode issue = r.data().path("issue");
      if (statusOf(issue, labelNames(issue, r.operation(), "issue"), r.operation(), "issue") != Status.OPEN) {
        return false;
      }
      return move(ticketId, r, Status.IN_PROGRESS, "claimed by " + owner);
    }
  }

  /** The ids of these labels (team or workspace labels), creating on the team those that do not exist. */
  private List<String> ensureLabels(List<String> names) {
    Setup s = setup();
    List<String> out = new ArrayList<>();
    synchronized (labelLock) {
      List<String> missing = new ArrayList<>();
      for (String n : names) {
        if (!labelIds.containsKey(n.toLowerCase(Locale.ROOT)) && !missing.contains(n)) {
          missing.add(n);
        }
      }
      if (!missing.isEmpty()) {
        // label names are unique per team regardless of case, so look them up the same way
        ObjectNode v = json.createObjectNode();
        ArrayNode or = v.putObject("filter").putArray("or");
        missing.forEach(name -> or.addObject().putObject("name").put("eqIgnoreCase", name));
        LinearApi.Result r = requireClean(api.execute("LoopLabels", LABELS_QUERY, v));
        int i = 0;
        for (JsonNode l : nodes(r, r.data().path("issueLabels"), "issueLabels")) {
          String w = "issueLabels.nodes[" + i++ + "]";
          String team = l.path("team").path("id").asText("");
          if (team.isEmpty() || team.equals(s.team().id())) {
            labelIds.put(text(r, l, "name", w).toLowerCase(Locale.ROOT), text(r, l, "id", w));
          }
        }
        for (String n : missing) {
          if (labelIds.containsKey(n.toLowerCase(Locale.ROOT))) {
            continue;
          }
          ObjectNode c = json.createObjectNode();
          c.putObject("input").put("id", UUID.randomUUID().toString()).put("name", n)
              .put("teamId", s.team().id()).put("color", colorOf(n));
          LinearApi.Result created = api.execute("LoopLabelCreate", LABEL_CREATE, c);
          if (created.errorAt("issueLabelCreate") != null && created.repeatedAfterLostAnswer()
              && exists("issueLabel", c.path("input").path("id").asText())) {
            labelIds.put(n.toLowerCase(Locale.ROOT), c.path("input").path("id").asText());
            continue;
          }
          requireClean(created);
          JsonNode payload = created.data().path("issueLabelCreate");
          requireSuccess(created, payload, "issueLabelCreate");
          labelIds.put(n.toLowerCase(Locale.ROOT), text(created, payload.path("issueLabel"), "id",
              "issueLabelCreate.issueLabel"));
        }
      }
      for (String n : names) {
        String id = Objects.requireNonNull(labelIds.get(n.toLowerCase(Locale.ROOT)));
        if (!out.contains(id)) {
          out.add(id);
        }
      }
    }
    return out;
  }

  private String colorOf(String label) {
    if (label.equalsIgnoreCase(humanGatedLabel)) {
      return "#d93f0b";
    }
    if (label.equalsIgnoreCase(String.valueOf(batchLabel))) {
      return "#0e8a16";
    }
    return label.toLowerCase(Locale.ROOT).startsWith(RESOURCE) ? "#bfdadc" : "#95a2b3";
  }

  // ---- reading the answer ----

  /** The result, after checking it carries no error at all (the caller mapped those it expects). */
  private LinearApi.Result requireClean(LinearApi.Result r) {
    if (r.errors().isEmpty()) {
      return r;
    }
    LinearApi.GraphQlError e = r.errors().get(0);
    String at = e.path().isEmpty() ? "" : " at " + String.join(".", e.path());
    if (e.userError() || e.code().equals("INVALID_INPUT")) {
      throw new InputException("Linear rejected " + r.operation() + at + " (" + e.code() + ": "
          + api.scrub(e.message()) + "): expected input Linear accepts; check the values named");
    }
    throw new LinearException(LinearException.Kind.OTHER, r.operation(), e.code(), "Linear answered "
        + r.operation() + " with an error" + at + ": " + (e.code().isEmpty() ? "" : e.code() + " ")
        + "'" + api.scrub(e.message()) + "'", null);
  }

  private void requireSuccess(LinearApi.Result r, JsonNode payload, String field) {
    if (!payload.path("success").isBoolean()) {
      throw api.malformed(r.operation(), field + ".success", "true or false");
    }
    if (!payload.path("success").asBoolean()) {
      throw new LinearException(LinearException.Kind.OTHER, r.operation(), "", "Linear answered " + r.operation()
          + " with " + field + ".success false: the write did not happen", null);
    }
  }

  private JsonNode nodes(LinearApi.Result r, JsonNode connection, String where) {
    JsonNode nodes = connection.path("nodes");
    if (!nodes.isArray()) {
      throw api.malformed(r.operation(), where + ".nodes", "an array");
    }
    return nodes;
  }

  private JsonNode array(String operation, JsonNode issue, String connection, String where) {
    JsonNode nodes = issue.path(connection).path("nodes");
    if (!nodes.isArray()) {
      throw api.malformed(operation, where + "." + connection + ".nodes", "an array");
    }
    return nodes;
  }

  private String text(LinearApi.Result r, JsonNode node, String field, String where) {
    return text(r.operation(), node, field, where);
  }

  private String text(String operation, JsonNode node, String field, String where) {
    JsonNode v = node.path(field);
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw api.malformed(operation, where + "." + field, "a non-empty string, found " + (v.isMissingNode()
          ? "nothing" : v.toString()));
    }
    return v.asText();
  }

  private Instant instant(String operation, JsonNode node, String field, String where) {
    String t = text(operation, node, field, where);
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw api.malformed(operation, where + "." + field, "an ISO-8601 time such as 2026-01-05T17:36:59.123Z,"
          + " found '" + t + "'");
    }
  }

  private ObjectNode eq(String field, String value) {
    ObjectNode f = json.createObjectNode();
    f.putObject(field).put("eq", value);
    return f;
  }

  private Object lockFor(String id) {
    return issueLocks.computeIfAbsent(id, k -> new Object());
  }

  private InputException unknown(String id, String where) {
    return new InputException("unknown ticket '" + id + "' in " + where + ": Linear has no issue " + id
        + " visible to the API key (expected an identifier such as " + teamKey + "-42)");
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Builds a {@link LinearTracker}. Setters reject a bad value at once, naming it; {@link #build()} rejects a
   * missing team, a batch without a label, project or cycle, a missing credential, and conflicting state names.
   * The credential is never shown in a message.
   */
  public static final class Builder {
    private static final Pattern TEAM = Pattern.compile("[A-Za-z0-9]{1,20}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private @Nullable String team;
    private @Nullable String label;
    private @Nullable String project;
    private int cycle;
    private String apiKeyEnv = "LINEAR_API_KEY";
    private Credential credential = Credential.PERSONAL_API_KEY;
    private Map<String, String> environment = System.getenv();
    private HttpUrl endpoint = Objects.requireNonNull(HttpUrl.parse("https://api.linear.app/graphql"));
    private final Map<Status, String> stateNames = new EnumMap<>(Status.class);
    private String humanGatedLabel = "loop:human-gated";
    private int pageSize = 50;
    private int changesPageSize = 10;
    private Duration overlap = Duration.ofMinutes(2);
    private Duration fullReadEvery = Duration.ofMinutes(10);
    private @Nullable OkHttpClient httpClient;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private Consumer<RateLimitWait> listener = w -> {};
    private Duration maxRateLimitWait = Duration.ofMinutes(15);
    private Duration minRateLimitWait = Duration.ofSeconds(5);
    private int maxRetries = 3;
    private String userAgent = "loopkit-loop-linear";

    private Builder() {}

    /**
     * Required: the team's key, the prefix of its issue identifiers ({@code ENG} for {@code ENG-42}).
     *
     * @param key 1 to 20 letters and digits; surrounding blanks are dropped
     * @return this builder
     * @throws InputException if it is not a team key, naming it
     */
    public Builder team(String key) {
      String k = Objects.requireNonNull(key, "team").trim();
      if (!TEAM.matcher(k).matches()) {
        throw new InputException("team '" + key + "': expected a team key such as ENG (letters and digits, the"
            + " prefix of the team's issue identifiers)");
      }
      this.team = k;
      return this;
    }

    /**
     * The batch is the team's issues with this label (e.g. {@code loop:batch-7}); Loop adds it to issues it files.
     *
     * @param label a non-blank, single-line name of at most 80 characters
     * @return this builder
     * @throws InputException if it does not fit, naming it
     */
    public Builder label(String label) {
      this.label = checkName(label, "label");
      return this;
    }

    /**
     * The batch is the team's issues in this project: its name or slug id; Loop files new issues into it.
     *
     * @param nameOrSlugId the project's name or the slug id from its URL; single-line, at most 80 characters
     * @return this builder
     * @throws InputException if it does not fit, naming it
     */
    public Builder project(String nameOrSlugId) {
      this.project = checkName(nameOrSlugId, "project");
      return this;
    }

    /**
     * The batch is the team's issues in the cycle with this number; Loop files new issues into it.
     *
     * @param number the cycle's number in the team, 1 or more
     * @return this builder
     * @throws InputException if the number is below 1
     */
    public Builder cycle(int number) {
      if (number < 1) {
        throw new InputException("cycle " + number + ": expected a cycle number, 1 or more");
      }
      this.cycle = number;
      return this;
    }

    /**
     * The name of the environment variable holding the credential; default {@code LINEAR_API_KEY}. The value
     * itself is never a setting, so it never sits in a configuration file.
     *
     * @param name an environment variable name (letters, digits and {@code _}, not starting with a digit)
     * @return this builder
     * @throws InputException if it is not a variable name, naming it
     */
    public Builder apiKeyEnv(String name) {
      if (!ENV_NAME.matcher(Objects.requireNonNull(name, "apiKeyEnv")).matches()) {
        throw new InputException("apiKeyEnv '" + name + "': expected an environment variable name such as"
            + " LINEAR_API_KEY");
      }
      this.apiKeyEnv = name;
      return this;
    }

    /**
     * How the credential is sent; default {@link Credential#PERSONAL_API_KEY} (raw {@code Authorization}
     * header). A value that itself starts with {@code Bearer } is sent as it is, whatever this says.
     *
     * @param credential what kind of secret the variable holds
     * @return this builder
     */
    public Builder credential(Credential credential) {
      this.credential = Objects.requireNonNull(credential, "credential");
      return this;
    }

    /**
     * Where {@link #apiKeyEnv} is read; default the process environment.
     *
     * @param environment variable names to values; copied, and read in {@link #build()}
     * @return this builder
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * The GraphQL endpoint; default {@code https://api.linear.app/graphql}.
     *
     * @param url an http(s) URL, e.g. a loopback server in tests
     * @return this builder
     * @throws InputException if it is not an http(s) URL, naming it
     */
    public Builder endpoint(String url) {
      HttpUrl u = HttpUrl.parse(Objects.requireNonNull(url, "endpoint"));
      if (u == null) {
        throw new InputException("endpoint '" + url + "': expected an http(s) URL such as"
            + " https://api.linear.app/graphql");
      }
      this.endpoint = u;
      return this;
    }

    /**
     * Maps a workflow state, by name (case-insensitive), to a Loop status, both ways: issues in that state read as
     * {@code status}, and Loop moves issues to that state for {@code status}. Without one, states map by type
     * and {@link Status#HUMAN_GATED} is a label ({@link #humanGatedLabel}).
     *
     * @param status the Loop status
     * @param stateName the workflow state's name in the team; single-line, at most 80 characters
     * @return this builder
     * @throws InputException if the name does not fit; one state named for two statuses fails in {@link #build()}
     */
    public Builder stateName(Status status, String stateName) {
      Objects.requireNonNull(status, "status");
      this.stateNames.put(status, checkName(stateName, "stateName(" + status + ")"));
      return this;
    }

    /**
     * The label that marks a human-gated issue when no state is named for it; default {@code loop:human-gated}.
     *
     * @param label a single-line name of at most 80 characters, other than the batch label
     * @return this builder
     * @throws InputException if it does not fit; one equal to the batch label fails in {@link #build()}
     */
    public Builder humanGatedLabel(String label) {
      this.humanGatedLabel = checkName(label, "humanGatedLabel");
      return this;
    }

    /**
     * Issues per page of a full read, 1 to 90; default 50. The query's complexity follows the page size (about
     * 107 points an issue by the published scoring, so 5,370 a page of 50), and Linear refuses a single query
     * over 10,000 points.
     *
     * @param size 1 to 90
     * @return this builder
     * @throws InputException if the size is outside 1 to 90
     */
    public Builder pageSize(int size) {
      if (size < 1 || size > 90) {
        throw new InputException("pageSize " + size + ": expected 1 to 90 (a page costs about 107 complexity"
            + " points an issue, and Linear refuses a single query over 10,000)");
      }
      this.pageSize = size;
      return this;
    }

    /**
     * Issues per page of an incremental read, 1 to 90; default 10 (about 1,074 complexity points): complexity
     * is charged on the page size asked for, not on the issues returned, and most passes change few issues.
     *
     * @param size 1 to 90
     * @return this builder
     * @throws InputException if the size is outside 1 to 90
     */
    public Builder changesPageSize(int size) {
      if (size < 1 || size > 90) {
        throw new InputException("changesPageSize " + size + ": expected 1 to 90");
      }
      this.changesPageSize = size;
      return this;
    }

    /**
     * How far back an incremental read reaches before its cursor, for clock skew; default 2 minutes.
     *
     * @param overlap zero or a positive duration
     * @return this builder
     * @throws InputException if the duration is negative
     */
    public Builder overlap(Duration overlap) {
      if (Objects.requireNonNull(overlap, "overlap").isNegative()) {
        throw new InputException("overlap " + overlap + ": expected zero or a positive duration");
      }
      this.overlap = overlap;
      return this;
    }

    /**
     * How often {@link LinearTracker#changesSince} reads the whole batch; default every 10 minutes.
     *
     * @param every a positive duration, measured with the tracker's clock
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder fullReadEvery(Duration every) {
      this.fullReadEvery = positive(every, "fullReadEvery");
      return this;
    }

    /**
     * The HTTP client (timeouts, proxy, TLS); default 10 s connect and 30 s read timeouts. The tracker derives
     * its own client with {@code retryOnConnectionFailure(false)}: it repeats requests itself, within
     * {@link #maxRetries}.
     *
     * @param client the client to derive from; it is not changed
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The clock for rate-limit waits and incremental reads; default the system UTC clock.
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
     * Told of every rate-limit wait before it happens; an exception it throws is logged and ignored.
     *
     * @param listener called on the thread making the request, e.g. to count waits in a metric
     * @return this builder
     */
    public Builder rateLimitListener(Consumer<RateLimitWait> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The longest single rate-limit wait; a longer one fails at once (retryable). Default 15 minutes.
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
     * The first wait for a rate limit without a usable reset, doubling on repeats; default 5 s.
     *
     * @param min a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder minRateLimitWait(Duration min) {
      this.minRateLimitWait = positive(min, "minRateLimitWait");
      return this;
    }

    /**
     * How many times a rate-limited or failed request is repeated; default 3.
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
     * The {@code User-Agent}; default {@code loopkit-loop-linear}.
     *
     * @param userAgent a non-blank value, e.g. your service's name and version
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder userAgent(String userAgent) {
      if (Objects.requireNonNull(userAgent, "userAgent").isBlank()) {
        throw new InputException("userAgent is blank: expected a name such as my-org-loop");
      }
      this.userAgent = userAgent;
      return this;
    }

    /**
     * Builds the tracker, reading the credential from the environment now; no request is sent yet.
     *
     * @return a thread-safe tracker
     * @throws InputException if the team or batch is missing, one state is named for two statuses, the
     *     human-gated label equals the batch label, or the credential is unset, blank or not one line (its value is
     *     never shown)
     */
    public LinearTracker build() {
      if (team == null) {
        throw new InputException("LinearTracker.builder() is missing team(\"KEY\"), e.g. team(\"ENG\")");
      }
      if (label == null && project == null && cycle == 0) {
        throw new InputException("LinearTracker.builder() for team " + team + " has no batch: set label(...),"
            + " project(...) or cycle(N) (a whole team is rarely meant as one batch)");
      }
      Set<String> names = new HashSet<>();
      for (Map.Entry<Status, String> e : stateNames.entrySet()) {
        if (!names.add(e.getValue().toLowerCase(Locale.ROOT))) {
          throw new InputException("stateName: workflow state '" + e.getValue() + "' is named for two statuses"
              + " " + stateNames + ": each state maps to one status");
        }
      }
      if (humanGatedLabel.equalsIgnoreCase(String.valueOf(label))) {
        throw new InputException("humanGatedLabel '" + humanGatedLabel + "' and the batch label must differ");
      }
      String value = environment.get(apiKeyEnv);
      if (value == null || value.isBlank()) {
        throw new InputException("no Linear credential: the environment variable " + apiKeyEnv + " is not set"
            + " (expected a personal API key or, with credential(OAUTH_TOKEN), an OAuth access token)");
      }
      String secret = value.trim();
      String authorization;
      if (secret.regionMatches(true, 0, "Bearer ", 0, 7)) {
        authorization = secret;
        secret = secret.substring(7).trim();
      } else {
        authorization = credential == Credential.OAUTH_TOKEN ? "Bearer " + secret : secret;
      }
      if (secret.isEmpty() || !secret.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new InputException("the credential in " + apiKeyEnv + " is blank or holds spaces, line breaks or"
            + " other characters a header cannot carry: expected a single-line key (its value is not shown)");
      }
      OkHttpClient http = (httpClient != null ? httpClient.newBuilder() : new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30)))
          .retryOnConnectionFailure(false).build();
      LinearApi api = new LinearApi(new LinearApi.Settings(http, endpoint, authorization, secret, clock, sleeper,
          listener, maxRateLimitWait, minRateLimitWait, maxRetries, userAgent), new ObjectMapper());
      return new LinearTracker(this, api);
    }

    private static String checkName(String value, String setting) {
      Objects.requireNonNull(value, setting);
      if (value.isBlank() || value.length() > 80 || value.contains("\n")) {
        throw new InputException(setting + " '" + value + "': expected a non-blank, single-line name of at most"
            + " 80 characters");
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

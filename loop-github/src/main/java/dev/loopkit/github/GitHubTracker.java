package dev.loopkit.github;

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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Tracker} on GitHub Issues. The batch is the issues (not pull requests) of one repository that carry
 * a label or belong to a milestone, open and closed; a ticket's id is its issue number ({@code "42"}).
 *
 * <pre>{@code
 * Tracker tracker = GitHubTracker.builder()
 *     .repository("acme/widgets")
 *     .label("loop:batch-7")          // or .milestone(3)
 *     .build();                       // token from GITHUB_TOKEN
 * }</pre>
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li>Status: closed as {@code not_planned} or {@code duplicate} is {@link Status#CANCELLED}, any other
 *       closed issue {@link Status#DONE}; an open issue with the human-gated label ({@code loop:human-gated}) is
 *       {@link Status#HUMAN_GATED}, with the in-progress label ({@code loop:in-progress})
 *       {@link Status#IN_PROGRESS}, else {@link Status#OPEN}. A transition is one {@code PATCH} of state,
 *       {@code state_reason} and labels, after the note is posted as a comment.</li>
 *   <li>Labels {@code priority:N} (0-4, default 2) and {@code resource:NAME} give priority and resources; the
 *       batch label, the status labels and those two kinds are not among the ticket's labels.</li>
 *   <li>The body gives the description, the acceptance criteria (an {@code ## Acceptance criteria} list) and
 *       edges as lines ({@code Blocked by #12}, {@code Parent: #3}, {@code Related to #5},
 *       {@code Discovered from #7}); with {@link DependencySource#NATIVE} (the default), GitHub's issue
 *       dependencies and sub-issues are read and written too.</li>
 *   <li>Creating writes the idempotency key as a hidden comment ({@code <!-- loop:key "..." -->}) and first looks
 *       for it among the batch's issues, so a create repeated after a crash returns the issue filed before.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * {@link #readBatch()} makes one paginated list call ({@code per_page=100}); when issues of the batch have
 * comments, one paginated call for the repository's comments since the oldest of them; and with
 * {@code NATIVE} dependencies, one call per issue whose {@code issue_dependencies_summary} reports blockers.
 * Every GET is conditional ({@code If-None-Match}), so an unchanged batch costs only 304 answers, which GitHub
 * does not count against the primary rate limit. {@link #changesSince} is cheaper still: after a full read it
 * lists only the repository's issues updated since the latest {@code updated_at} seen (less a 60 s overlap),
 * fetching comments and blockers only for the issues that changed, with a full read every 10 minutes (both
 * settings) to drop issues deleted or transferred away. Rate limits are waited out (retry-after, then the reset time,
 * then a minimum wait for secondary limits), each wait reported to the {@link RateLimitListener} and capped;
 * {@link #rateLimit()} shows the budget left.
 *
 * <p>Thread-safe. Creation and the read-modify-write of one issue's labels are serialized within this instance;
 * GitHub offers no compare-and-set, so {@link #claim} is atomic only among the callers of one instance.
 */
public final class GitHubTracker implements Tracker {
  private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,17}");
  private static final String PRIORITY = "priority:";
  private static final String RESOURCE = "resource:";

  private final GitHubApi api;
  private final ObjectMapper json = new ObjectMapper();
  private final @Nullable String batchLabel;
  private final int milestone;
  private final String inProgressLabel;
  private final String humanGatedLabel;
  private final DependencySource dependencySource;
  private final String description;
  private final Object createLock = new Object();
  private final Object labelLock = new Object();
  private final Map<Long, Object> issueLocks = new ConcurrentHashMap<>();
  private final Map<String, Long> numbersByKey = new ConcurrentHashMap<>();
  private @Nullable Set<String> knownLabels;

  // incremental reads: the state behind the latest cursor, guarded by changesLock
  private final Clock clock;
  private final Duration fullReadEvery;
  private final Duration sinceOverlap;
  private final Object changesLock = new Object();
  private final String cursorStem = "github:" + UUID.randomUUID() + ":";
  private final Map<Long, Ticket> reported = new HashMap<>();
  /** The {@code updated_at} each reported ticket was built from: a listing showing the same one is no change. */
  private final Map<Long, Instant> reportedUpdatedAt = new HashMap<>();
  /** Issues this instance wrote since the last read: fetched by the next one whatever their updated_at says. */
  private final Set<Long> written = ConcurrentHashMap.newKeySet();
  private long reads;
  private @Nullable Instant watermark;
  private @Nullable Instant lastFullRead;
  private long incrementalReads;
  /** What the last full read cost in requests, beyond 304s: the yardstick an incremental read must beat. */
  private long fullReadCost;

  private GitHubTracker(Builder b, GitHubApi api) {
    this.api = api;
    this.batchLabel = b.label;
    this.milestone = b.milestone;
    this.inProgressLabel = b.inProgressLabel;
    this.humanGatedLabel = b.humanGatedLabel;
    this.dependencySource = b.dependencySource;
    this.clock = b.clock;
    this.fullReadEvery = b.fullReadEvery;
    this.sinceOverlap = b.sinceOverlap;
    this.description = "GitHubTracker{" + api.repository() + ", "
        + (batchLabel != null ? "label '" + batchLabel + "'" : "milestone " + milestone) + ", " + b.baseUrl + "}";
  }

  /**
   * Starts a tracker; {@link Builder#repository} and a batch ({@link Builder#label} or
   * {@link Builder#milestone}) are required, and a token must be set or in {@code GITHUB_TOKEN}.
   *
   * @return a new builder with native dependencies and the {@code loop:in-progress} and
   *     {@code loop:human-gated} labels
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The budget GitHub reported on its latest answer; empty before the first request.
   *
   * @return the latest budget, or empty
   */
  public Optional<RateLimit> rateLimit() {
    return Optional.ofNullable(api.rateLimit());
  }

  /**
   * Requests sent to GitHub by this tracker, retries and conditional requests included.
   *
   * @return the count since the tracker was built, 0 or more
   */
  public long requestsSent() {
    return api.requestsSent();
  }

  /**
   * How many requests GitHub answered 304 Not Modified (served from this tracker's cache, free of quota).
   *
   * @return the count since the tracker was built, at most {@link #requestsSent()}
   */
  public long notModifiedAnswers() {
    return api.notModifiedAnswers();
  }

  /**
   * How many {@link #changesSince} calls were answered with only the changes (not a full read).
   *
   * @return the count since the tracker was built
   */
  public long incrementalReads() {
    synchronized (changesLock) {
      return incrementalReads;
    }
  }

  // ---- reading ----

  @Override
  public Batch readBatch() {
    List<JsonNode> issues = listBatch();
    Map<Long, List<Comment>> comments = batchComments(issues);
    List<Ticket> tickets = new ArrayList<>();
    for (JsonNode issue : issues) {
      long n = issue.path("number").asLong();
      tickets.add(toTicket(issue, comments.getOrDefault(n, List.of()), nativeEdges(issue)));
    }
    return Batch.of(tickets);
  }

  /**
   * The batch's changes since {@code cursor}, asking GitHub only for issues updated since the previous read.
   *
   * <p>A full read (the same calls as {@link #readBatch()}) answers the first call (the empty cursor), a cursor
   * other than the one this instance issued last (another instance's, an older one, a malformed one), a batch
   * that was empty at the last read, and any call {@link Builder#fullReadEvery} (10 minutes by default, on the
   * builder's clock) after the last full read. Otherwise the read is one paginated, conditional call for the
   * repository's issues (all of them, not only the batch's) with {@code since} set to the latest
   * {@code updated_at} seen, less {@link Builder#sinceOverlap} (60 s by default) for clock skew and late
   * indexing; the issues are filtered by the batch label or milestone here, so an issue that lost the label or
   * left the milestone is reported removed. Each listed issue of the batch costs one conditional call for its
   * comments (when it has any) and, with native dependencies, one for its blockers (when it has any); issues
   * the overlap lists again unchanged are not reported. Issues this instance wrote since the last read are
   * fetched even if the listing misses them. When fetching the changed issues would take more requests than
   * the last full read did (many issues changed at once), the read is a full one instead. An issue deleted or
   * transferred away leaves no trace in a listing; the periodic full read is what drops it from the batch.
   *
   * <p>Calls are serialized on this instance (they share the state behind the cursor) and block on GitHub; a
   * read that fails changes nothing, so the next call with the same cursor loses no change.
   */
  @Override
  public BatchChanges changesSince(String cursor) {
    Objects.requireNonNull(cursor, "cursor");
    synchronized (changesLock) {
      boolean ours = cursor.equals(cursorStem + reads) && watermark != null && lastFullRead != null;
      boolean due = !ours || !clock.instant().isBefore(lastFullRead.plus(fullReadEvery));
      // a read that fails changes nothing: the writes it would have fetched are fetched by the next one
      List<Long> wrote = new ArrayList<>(written);
      written.removeAll(wrote);
      try {
        return due ? fullRead() : incrementalRead(watermark, wrote);
      } catch (RuntimeException e) {
        written.addAll(wrote);
        throw e;
      }
    }
  }

  private BatchChanges fullRead() {
    Instant started = clock.instant();
    List<JsonNode> issues = listBatch();
    Map<Long, List<Comment>> comments = batchComments(issues);
    Map<Long, Ticket> now = new HashMap<>();
    Map<Long, Instant> updated = new HashMap<>();
    List<Ticket> tickets = new ArrayList<>();
    Instant latest = null;
    for (JsonNode issue : issues) {
      long n = issue.path("number").asLong();
      Ticket t = sameOrNew(n, toTicket(issue, comments.getOrDefault(n, List.of()), nativeEdges(issue)));
      now.put(n, t);
      tickets.add(t);
      updated.put(n, updatedAt(issue));
      latest = later(latest, updated.get(n));
    }
    Batch batch = Batch.of(tickets);
    long cost = Math.max(1, (issues.size() + 99) / 100) + (comments.isEmpty() ? 0 : 1);
    for (JsonNode issue : issues) {
      cost += asksForBlockers(issue) ? 1 : 0;
    }
    fullReadCost = cost;
    reported.clear();
    reported.putAll(now);
    reportedUpdatedAt.clear();
    reportedUpdatedAt.putAll(updated);
    watermark = latest;
    lastFullRead = started;
    reads++;
    return BatchChanges.full(batch, cursorStem + reads);
  }

  private BatchChanges incrementalRead(Instant seen, List<Long> wrote) {
    Instant since = seen.minus(sinceOverlap).truncatedTo(ChronoUnit.SECONDS);
    HttpUrl url = api.repoUrl("issues").addQueryParameter("state", "all")
        .addQueryParameter("since", since.toString()).addQueryParameter("sort", "updated")
        .addQueryParameter("direction", "asc").addQueryParameter("per_page", "100").build();
    Map<Long, JsonNode> inBatch = new LinkedHashMap<>();
    Set<Long> left = new LinkedHashSet<>();
    Instant latest = seen;
    for (JsonNode item : api.getAll(url, "listing the issues of " + api.repository() + " updated since " + since)) {
      if (item.has("pull_request")) {
        continue;
      }
      latest = later(latest, updatedAt(item));
      sort(item, inBatch, left);
    }
    for (long n : wrote) {
      if (!inBatch.containsKey(n) && !left.contains(n)) {
        Optional<JsonNode> issue = api.find(issueUrl(n).build(), "reading issue #" + n + ", written since the"
            + " last read");
        if (issue.isPresent() && !issue.get().has("pull_request")) {
          latest = later(latest, updatedAt(issue.get()));
          sort(issue.get(), inBatch, left);
        } else if (reported.containsKey(n)) {
          left.add(n);
        }
      }
    }
    Map<Long, JsonNode> moved = new LinkedHashMap<>();
    long cost = 0;
    for (Map.Entry<Long, JsonNode> e : inBatch.entrySet()) {
      long n = e.getKey();
      if (wrote.contains(n) || !updatedAt(e.getValue()).equals(reportedUpdatedAt.get(n))) {
        moved.put(n, e.getValue()); // issues listed again by the overlap, unchanged, cost no further call
        cost += (e.getValue().path("comments").asInt(0) > 0 ? 1 : 0) + (asksForBlockers(e.getValue()) ? 1 : 0);
      }
    }
    if (cost > fullReadCost) {
      return fullRead(); // so many issues changed that reading them one by one costs more than the batch
    }
    Map<Long, Ticket> changed = new LinkedHashMap<>();
    Map<Long, Instant> updated = new HashMap<>();
    for (Map.Entry<Long, JsonNode> e : moved.entrySet()) {
      long n = e.getKey();
      Instant at = updatedAt(e.getValue());
      Ticket t = toTicket(e.getValue(), issueComments(e.getValue()), nativeEdges(e.getValue()));
      updated.put(n, at);
      if (!t.equals(reported.get(n))) {
        changed.put(n, t);
      }
    }
    // nothing above changed this instance's state, so a failure part-way loses no change
    reported.putAll(changed);
    reportedUpdatedAt.putAll(updated);
    Set<String> removed = new LinkedHashSet<>();
    for (long n : left) {
      reportedUpdatedAt.remove(n);
      if (reported.remove(n) != null) {
        removed.add(Long.toString(n));
      }
    }
    watermark = latest;
    reads++;
    incrementalReads++;
    return BatchChanges.since(new ArrayList<>(changed.values()), removed, cursorStem + reads);
  }

  /** Files a listed issue under the batch's issues or, if it was in the batch and no longer is, under those that left. */
  private void sort(JsonNode issue, Map<Long, JsonNode> inBatch, Set<Long> left) {
    long n = issue.path("number").asLong();
    if (inBatch(issue)) {
      inBatch.put(n, issue);
      left.remove(n);
    } else if (reported.containsKey(n)) {
      inBatch.remove(n);
      left.add(n);
    }
  }

  /** Whether the issue carries the batch label (GitHub compares label names ignoring case) or is in its milestone. */
  private boolean inBatch(JsonNode issue) {
    if (batchLabel != null) {
      for (String label : labelNames(issue)) {
        if (label.equalsIgnoreCase(batchLabel)) {
          return true;
        }
      }
      return false;
    }
    return issue.path("milestone").path("number").asInt(0) == milestone;
  }

  /** The ticket reported before for this issue when it is equal, so unchanged tickets keep their instance. */
  private Ticket sameOrNew(long n, Ticket t) {
    Ticket before = reported.get(n);
    return t.equals(before) ? before : t;
  }

  private static @Nullable Instant later(@Nullable Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }

  private Instant updatedAt(JsonNode issue) {
    return instant(issue.path("updated_at").asText(""), "issue #" + issue.path("number") + " of "
        + api.repository());
  }

  @Override
  public Optional<Ticket> find(String id) {
    Objects.requireNonNull(id, "id");
    if (!NUMBER.matcher(id).matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(id);
    Optional<JsonNode> issue = api.find(issueUrl(n).build(), "reading issue #" + n);
    if (issue.isEmpty() || issue.get().has("pull_request")) {
      return Optional.empty();
    }
    return Optional.of(toTicket(issue.get(), issueComments(issue.get()), nativeEdges(issue.get())));
  }

  /** The batch's issues, pull requests left out: one paginated, conditional list call. */
  private List<JsonNode> listBatch() {
    HttpUrl.Builder url = api.repoUrl("issues").addQueryParameter("state", "all");
    if (batchLabel != null) {
      url.addQueryParameter("labels", batchLabel);
    } else {
      url.addQueryParameter("milestone", Integer.toString(milestone));
    }
    url.addQueryParameter("sort", "created").addQueryParameter("direction", "asc")
        .addQueryParameter("per_page", "100");
    List<JsonNode> issues = new ArrayList<>();
    for (JsonNode item : api.getAll(url.build(), "listing the issues of " + batchName())) {
      if (!item.has("pull_request")) {
        issues.add(item);
      }
    }
    return issues;
  }

  private String batchName() {
    return batchLabel != null ? "label '" + batchLabel + "'" : "milestone " + milestone;
  }

  /** The comments of the batch's issues, from one paginated list of the repository's comments. */
  private Map<Long, List<Comment>> batchComments(List<JsonNode> issues) {
    Instant since = null;
    Set<Long> wanted = new LinkedHashSet<>();
    for (JsonNode issue : issues) {
      if (issue.path("comments").asInt(0) > 0) {
        wanted.add(issue.path("number").asLong());
        Instant created = instant(issue.path("created_at").asText(""), "issue #" + issue.path("number"));
        since = since == null || created.isBefore(since) ? created : since;
      }
    }
    Map<Long, List<Comment>> out = new HashMap<>();
    if (since == null) {
      return out;
    }
    HttpUrl url = api.repoUrl("issues", "comments").addQueryParameter("sort", "created")
        .addQueryParameter("direction", "asc").addQueryParameter("since", since.toString())
        .addQueryParameter("per_page", "100").build();
    for (JsonNode c : api.getAll(url, "listing the comments of " + batchName())) {
      String issueUrl = c.path("issue_url").asText("");
      String number = issueUrl.substring(issueUrl.lastIndexOf('/') + 1);
      if (NUMBER.matcher(number).matches() && wanted.contains(Long.parseLong(number))) {
        out.computeIfAbsent(Long.parseLong(number), k -> new ArrayList<>()).add(toComment(c));
      }
    }
    return out;
  }

  private List<Comment> issueComments(JsonNode issue) {
    if (issue.path("comments").asInt(0) == 0) {
      return List.of();
    }
    long n = issue.path("number").asLong();
    List<Comment> out = new ArrayList<>();
    HttpUrl url = issueUrl(n).addPathSegment("comments").addQueryParameter("per_page", "100").build();
    for (JsonNode c : api.getAll(url, "listing the comments of issue #" + n)) {
      out.add(toComment(c));
    }
    return out;
  }

  private Comment toComment(JsonNode c) {
    return new Comment(instant(c.path("created_at").asText(""), "comment " + c.path("id")),
        c.path("user").path("login").asText("unknown"), c.path("body").asText(""));
  }

  /** GitHub's own edges of an issue: its blockers and its parent (NATIVE only). */
  private List<Dependency> nativeEdges(JsonNode issue) {
    if (dependencySource != DependencySource.NATIVE) {
      return List.of();
    }
    List<Dependency> edges = new ArrayList<>();
    long n = issue.path("number").asLong();
    Long parent = sameRepoNumber(issue.path("parent_issue_url").asText(""));
    if (parent != null) {
      edges.add(Dependency.childOf(Long.toString(parent)));
    }
    if (asksForBlockers(issue)) {
      HttpUrl url = issueUrl(n).addPathSegment("dependencies").addPathSegment("blocked_by")
          .addQueryParameter("per_page", "100").build();
      String what = "listing the issues blocking #" + n;
      List<JsonNode> items = api.findAll(url, what).orElseThrow(() -> new dev.loopkit.core.AdapterException(
          "GitHub has no issue dependencies for issue #" + n + " of " + api.repository() + " (404 for "
              + url.encodedPath() + "): expected a server that offers them (github.com, or GitHub Enterprise"
              + " Server 3.19 and later); otherwise build the tracker with dependencies(DependencySource.BODY)"));
      for (JsonNode blocker : items) {
        String repoUrl = blocker.path("repository_url").asText("");
        if (repoUrl.isEmpty() || sameRepo(repoUrl)) {
          edges.add(Dependency.blockedBy(blocker.path("number").asText()));
        }
      }
    }
    return edges;
  }

  /** Whether reading the issue's native edges takes a call: its summary reports blockers, or is missing. */
  private boolean asksForBlockers(JsonNode issue) {
    if (dependencySource != DependencySource.NATIVE) {
      return false;
    }
    JsonNode summary = issue.path("issue_dependencies_summary");
    boolean unknown = summary.isMissingNode() || summary.isNull();
    return unknown || summary.path("total_blocked_by").asInt(summary.path("blocked_by").asInt(0)) > 0;
  }

  private boolean sameRepo(String repositoryUrl) {
    HttpUrl url = HttpUrl.parse(repositoryUrl);
    if (url == null) {
      return false;
    }
    List<String> seg = url.pathSegments();
    int size = seg.size();
    return size >= 3 && seg.get(size - 3).equals("repos")
        && (seg.get(size - 2) + "/" + seg.get(size - 1)).equalsIgnoreCase(api.repository());
  }

  /** The issue number of an {@code .../repos/o/r/issues/N} URL of this repository; null otherwise. */
  private @Nullable Long sameRepoNumber(String issueUrl) {
    HttpUrl url = HttpUrl.parse(issueUrl);
    if (url == null) {
      return null;
    }
    List<String> seg = url.pathSegments();
    int size = seg.size();
    if (size < 5 || !seg.get(size - 2).equals("issues") || !NUMBER.matcher(seg.get(size - 1)).matches()) {
      return null;
    }
    HttpUrl repo = url.newBuilder().removePathSegment(size - 1).removePathSegment(size - 2).build();
    return sameRepo(repo.toString()) ? Long.valueOf(seg.get(size - 1)) : null;
  }

  private Ticket toTicket(JsonNode issue, List<Comment> comments, List<Dependency> nativeEdges) {
    long n = issue.path("number").asLong();
    String id = Long.toString(n);
    String where = "issue #" + n + " of " + api.repository();
    IssueBody.Parsed body = IssueBody.parse(issue.path("body").asText(""), json, where);
    List<String> labels = labelNames(issue);
    Ticket.Builder b = Ticket.builder(id).title(issue.path("title").asText("")).body(body.description())
        .acceptanceCriteria(body.criteria()).status(statusOf(issue, labels))
        .createdAt(instant(issue.path("created_at").asText(""), where));
    List<String> plain = new ArrayList<>();
    for (String label : labels) {
      String lower = label.toLowerCase(Locale.ROOT);
      if (label.equals(batchLabel) || label.equals(inProgressLabel) || label.equals(humanGatedLabel)) {
        continue;
      }
      if (lower.startsWith(PRIORITY)) {
        String value = label.substring(PRIORITY.length()).trim();
        if (!value.matches("[0-4]")) {
          throw new InputException("label '" + label + "' on " + where + ": expected priority:0 (highest) to"
              + " priority:4");
        }
        b.priority(Integer.parseInt(value));
      } else if (lower.startsWith(RESOURCE)) {
        String value = label.substring(RESOURCE.length()).trim();
        if (value.isEmpty()) {
          throw new InputException("label '" + label + "' on " + where + ": expected resource:NAME, e.g."
              + " resource:infra-apply");
        }
        b.addResource(value);
      } else {
        plain.add(label);
      }
    }
    b.labels(plain);
    for (Dependency d : body.dependencies()) {
      if (!d.target().equals(id)) {
        b.addDependency(d);
      }
    }
    for (Dependency d : nativeEdges) {
      if (!d.target().equals(id)) {
        b.addDependency(d);
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>(body.metadata());
    metadata.put("github.number", id);
    metadata.put("github.url", issue.path("html_url").asText(""));
    if (!body.key().isEmpty()) {
      metadata.put("idempotency-key", body.key());
    }
    return b.metadata(metadata).comments(comments).build();
  }

  private Status statusOf(JsonNode issue, List<String> labels) {
    if ("closed".equals(issue.path("state").asText())) {
      String reason = issue.path("state_reason").asText("");
      return reason.equals("not_planned") || reason.equals("duplicate") ? Status.CANCELLED : Status.DONE;
    }
    if (labels.contains(humanGatedLabel)) {
      return Status.HUMAN_GATED;
    }
    return labels.contains(inProgressLabel) ? Status.IN_PROGRESS : Status.OPEN;
  }

  private static List<String> labelNames(JsonNode issue) {
    List<String> names = new ArrayList<>();
    for (JsonNode l : issue.path("labels")) {
      names.add(l.isTextual() ? l.asText() : l.path("name").asText());
    }
    return names;
  }

  private static Instant instant(String text, String where) {
    try {
      return text.isEmpty() ? Instant.EPOCH : Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new InputException("timestamp '" + text + "' of " + where + ": expected ISO-8601 such as"
          + " 2026-01-05T17:36:59Z", e);
    }
  }

  // ---- writing ----

  /**
   * Files an issue, or returns the one filed before with the same idempotency key: the key is looked up in
   * this instance's memory, then in the bodies of the batch's issues (one conditional list call), before
   * anything is posted.
   *
   * @throws InputException if a dependency names no issue of the repository, or GitHub rejects the draft (422)
   */
  @Override
  public Ticket create(NewTicket draft) {
    Objects.requireNonNull(draft, "draft");
    String key = draft.idempotencyKey();
    synchronized (createLock) {
      if (!key.isEmpty()) {
        Optional<Ticket> existing = filedBefore(key, draft);
        if (existing.isPresent()) {
          return existing.get();
        }
      }
      Map<String, JsonNode> targets = new LinkedHashMap<>();
      for (Dependency d : draft.dependencies()) {
        targets.put(d.target(), requireIssue(d.target(), "a dependency of new ticket '" + draft.title() + "'"));
      }
      List<String> labels = new ArrayList<>();
      if (batchLabel != null) {
        labels.add(batchLabel);
      }
      labels.addAll(draft.labels());
      labels.add(PRIORITY + draft.priority());
      new TreeSet<>(draft.resources()).forEach(r -> labels.add(RESOURCE + r));
      ensureLabels(labels);
      ObjectNode request = json.createObjectNode().put("title", draft.title())
          .put("body", IssueBody.render(draft, json));
      ArrayNode labelArray = request.putArray("labels");
      new LinkedHashSet<>(labels).forEach(labelArray::add);
      if (batchLabel == null) {
        request.put("milestone", milestone);
      }
      JsonNode created = api.send("POST", api.repoUrl("issues").build(), request,
          "filing issue '" + draft.title() + "'");
      long n = created.path("number").asLong();
      written.add(n);
      if (!key.isEmpty()) {
        numbersByKey.put(key, n);
      }
      linkNatively(created, draft.dependencies(), targets);
      return toTicket(created, List.of(), List.of());
    }
  }

  /** The issue filed before under {@code key}, its native links repaired; empty when there is none. */
  private Optional<Ticket> filedBefore(String key, NewTicket draft) {
    Long known = numbersByKey.get(key);
    JsonNode issue = null;
    if (known != null) {
      issue = api.find(issueUrl(known).build(), "reading issue #" + known).orElse(null);
    }
    if (issue == null) {
      for (JsonNode candidate : listBatch()) {
        String body = candidate.path("body").asText("");
        if (body.contains("loop:key") && key.equals(IssueBody.key(body, json,
            "issue #" + candidate.path("number") + " of " + api.repository()))) {
          issue = candidate;
          break;
        }
      }
    }
    if (issue == null) {
      return Optional.empty();
    }
    numbersByKey.put(key, issue.path("number").asLong());
    if (dependencySource == DependencySource.NATIVE) {
      Set<Dependency> linked = new LinkedHashSet<>(nativeEdges(issue));
      Map<String, JsonNode> targets = new LinkedHashMap<>();
      List<Dependency> missing = new ArrayList<>();
      for (Dependency d : draft.dependencies()) {
        if (isNative(d.type()) && !linked.contains(d)) {
          missing.add(d);
          targets.put(d.target(), requireIssue(d.target(), "a dependency of ticket " + issue.path("number")));
        }
      }
      linkNatively(issue, missing, targets);
    }
    return Optional.of(toTicket(issue, issueComments(issue), nativeEdges(issue)));
  }

  private boolean isNative(DependencyType type) {
    return dependencySource == DependencySource.NATIVE
        && (type == DependencyType.BLOCKS || type == DependencyType.PARENT_CHILD);
  }

  /** Adds GitHub's blocked-by and sub-issue relations for the native kinds of {@code edges}. */
  private void linkNatively(JsonNode holder, List<Dependency> edges, Map<String, JsonNode> targets) {
    for (Dependency d : edges) {
      if (isNative(d.type())) {
        linkNatively(holder, d, Objects.requireNonNull(targets.get(d.target())));
      }
    }
  }

  private void linkNatively(JsonNode holder, Dependency d, JsonNode target) {
    long n = holder.path("number").asLong();
    written.add(n);
    if (d.type() == DependencyType.BLOCKS) {
      // the path names the blocked issue by number; the body names the blocker by database id
      api.send("POST", issueUrl(n).addPathSegment("dependencies").addPathSegment("blocked_by").build(),
          json.createObjectNode().put("issue_id", target.path("id").asLong()),
          "recording that issue #" + n + " is blocked by #" + d.target());
    } else {
      api.send("POST", issueUrl(Long.parseLong(d.target())).addPathSegment("sub_issues").build(),
          json.createObjectNode().put("sub_issue_id", holder.path("id").asLong()),
          "making issue #" + n + " a sub-issue of #" + d.target());
    }
  }

  /**
   * Adds an edge: GitHub's own relation for {@code blocks} and {@code parent-child} with
   * {@link DependencySource#NATIVE}, else a line in the holder's body. An edge already there is left alone.
   */
  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    Objects.requireNonNull(dependency, "dependency");
    long n = requireNumber(ticketId, "addDependency");
    if (dependency.target().equals(ticketId)) {
      throw new InputException("ticket " + ticketId + " cannot depend on itself (" + dependency + ")");
    }
    synchronized (lockFor(n)) {
      JsonNode holder = requireIssue(ticketId, "addDependency on " + ticketId);
      JsonNode target = requireIssue(dependency.target(), "the target of dependency " + dependency + " of #" + n);
      Ticket current = toTicket(holder, List.of(), nativeEdges(holder));
      if (current.dependencies().contains(dependency)) {
        return;
      }
      if (isNative(dependency.type())) {
        linkNatively(holder, dependency, target);
      } else {
        written.add(n);
        api.send("PATCH", issueUrl(n).build(), json.createObjectNode().put("body",
            IssueBody.withEdge(holder.path("body").asText(""), dependency)),
            "adding '" + IssueBody.edgeLine(dependency) + "' to the body of issue #" + n);
      }
    }
  }

  /**
   * Posts {@code note} as a comment, then moves the issue with one {@code PATCH} of state, state reason and
   * status labels. A ticket already in {@code to} is left alone, note and all.
   */
  @Override
  public void transition(String ticketId, Status to, String note) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(note, "note");
    long n = requireNumber(ticketId, "transition");
    synchronized (lockFor(n)) {
      JsonNode issue = requireIssue(ticketId, "transition of " + ticketId + " to " + to.wireName());
      move(issue, to, note);
    }
  }

  private void move(JsonNode issue, Status to, String note) {
    long n = issue.path("number").asLong();
    List<String> labels = labelNames(issue);
    if (statusOf(issue, labels) == to) {
      return;
    }
    if (!note.isBlank()) {
      comment(n, note);
    }
    List<String> next = new ArrayList<>(labels);
    next.remove(inProgressLabel);
    next.remove(humanGatedLabel);
    if (to == Status.IN_PROGRESS) {
      next.add(inProgressLabel);
    } else if (to == Status.HUMAN_GATED) {
      next.add(humanGatedLabel);
    }
    ensureLabels(next);
    written.add(n);
    ObjectNode patch = json.createObjectNode();
    boolean closed = "closed".equals(issue.path("state").asText());
    if (closed && (to == Status.DONE || to == Status.CANCELLED)) {
      // GitHub ignores state_reason unless the state changes: done <-> cancelled takes a reopen first
      api.send("PATCH", issueUrl(n).build(), json.createObjectNode().put("state", "open")
          .put("state_reason", "reopened"), "reopening issue #" + n + " to close it as " + to.wireName());
    }
    if (to == Status.DONE || to == Status.CANCELLED) {
      patch.put("state", "closed").put("state_reason", to == Status.DONE ? "completed" : "not_planned");
    } else if (closed) {
      patch.put("state", "open").put("state_reason", "reopened");
    }
    if (!next.equals(labels)) {
      ArrayNode array = patch.putArray("labels");
      next.forEach(array::add);
    }
    api.send("PATCH", issueUrl(n).build(), patch, "moving issue #" + n + " to " + to.wireName());
  }

  @Override
  public void comment(String ticketId, String body) {
    Objects.requireNonNull(body, "body");
    comment(requireNumber(ticketId, "comment"), body);
  }

  private void comment(long n, String body) {
    written.add(n);
    api.trySend("POST", issueUrl(n).addPathSegment("comments").build(), json.createObjectNode().put("body", body),
        "commenting on issue #" + n, 404)
        .orElseThrow(() -> unknown(Long.toString(n), "comment"));
  }

  /**
   * Moves an open issue to in-progress for {@code owner}. GitHub has no compare-and-set, so this is atomic
   * among the callers of this instance only: it re-reads the issue (a conditional GET) under the issue's lock.
   */
  @Override
  public boolean claim(String ticketId, String owner) {
    Objects.requireNonNull(owner, "owner");
    long n = requireNumber(ticketId, "claim");
    synchronized (lockFor(n)) {
      JsonNode issue = requireIssue(ticketId, "claim of " + ticketId);
      if (statusOf(issue, labelNames(issue)) != Status.OPEN) {
        return false;
      }
      move(issue, Status.IN_PROGRESS, "claimed by " + owner);
      return true;
    }
  }

  /** Creates the labels of {@code names} this repository lacks, once per tracker instance. */
  private void ensureLabels(List<String> names) {
    synchronized (labelLock) {
      Set<String> known = knownLabels;
      if (known == null) {
        known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        HttpUrl url = api.repoUrl("labels").addQueryParameter("per_page", "100").build();
        for (JsonNode l : api.getAll(url, "listing the labels of " + api.repository())) {
          known.add(l.path("name").asText());
        }
        knownLabels = known;
      }
      for (String name : names) {
        if (known.contains(name)) {
          continue;
        }
        ObjectNode label = json.createObjectNode().put("name", name).put("color", colorOf(name))
            .put("description", describe(name));
        // 422 already_exists: someone made it since we listed; either way it exists now
        api.trySend("POST", api.repoUrl("labels").build(), label, "creating label '" + name + "'", 422);
        known.add(name);
      }
    }
  }

  private String colorOf(String label) {
    if (label.equals(inProgressLabel)) {
      return "fbca04";
    }
    if (label.equals(humanGatedLabel)) {
      return "d93f0b";
    }
    if (label.equals(batchLabel)) {
      return "0e8a16";
    }
    String lower = label.toLowerCase(Locale.ROOT);
    return lower.startsWith(PRIORITY) ? "c5def5" : lower.startsWith(RESOURCE) ? "bfdadc" : "ededed";
  }

  private String describe(String label) {
    if (label.equals(inProgressLabel)) {
      return "Loop: a worker is on this issue";
    }
    if (label.equals(humanGatedLabel)) {
      return "Loop: waiting for a person, with the evidence in the comments";
    }
    if (label.equals(batchLabel)) {
      return "Loop: the issues of this batch";
    }
    String lower = label.toLowerCase(Locale.ROOT);
    return lower.startsWith(PRIORITY) ? "Loop: priority, 0 highest to 4"
        : lower.startsWith(RESOURCE) ? "Loop: a resource this issue needs exclusively" : "Created by Loop";
  }

  // ---- small parts ----

  private HttpUrl.Builder issueUrl(long n) {
    return api.repoUrl("issues", Long.toString(n));
  }

  private Object lockFor(long n) {
    return issueLocks.computeIfAbsent(n, k -> new Object());
  }

  private long requireNumber(String id, String where) {
    Objects.requireNonNull(id, "id");
    if (!NUMBER.matcher(id).matches()) {
      throw new InputException("ticket id '" + id + "' in " + where + " on " + api.repository()
          + ": expected an issue number such as 42");
    }
    return Long.parseLong(id);
  }

  /** The issue (not a pull request) with this number; an InputException naming it when there is none. */
  private JsonNode requireIssue(String id, String where) {
    long n = requireNumber(id, where);
    JsonNode issue = api.find(issueUrl(n).build(), "reading issue #" + n + " for " + where)
        .orElseThrow(() -> unknown(id, where));
    if (issue.has("pull_request")) {
      throw new InputException("#" + n + " of " + api.repository() + " in " + where
          + " is a pull request: expected an issue");
    }
    return issue;
  }

  private InputException unknown(String id, String where) {
    return new InputException("unknown ticket '" + id + "' in " + where + ": repository " + api.repository()
        + " has no issue #" + id);
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Builds a {@link GitHubTracker}. Setters reject a bad value at once, naming it; {@link #build()} rejects a
   * missing repository, batch or token, and a label together with a milestone. The token is never shown in a
   * message.
   */
  public static final class Builder {
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+");
    private @Nullable String owner;
    private @Nullable String name;
    private @Nullable String label;
    private int milestone;
    private @Nullable String token;
    private Map<String, String> environment = System.getenv();
    private HttpUrl baseUrl = Objects.requireNonNull(HttpUrl.parse("https://api.github.com/"));
    private String inProgressLabel = "loop:in-progress";
    private String humanGatedLabel = "loop:human-gated";
    private DependencySource dependencySource = DependencySource.NATIVE;
    private @Nullable OkHttpClient httpClient;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private RateLimitListener listener = RateLimitListener.none();
    private Duration maxRateLimitWait = Duration.ofMinutes(15);
    private Duration minSecondaryWait = Duration.ofSeconds(60);
    private int maxRetries = 3;
    private String userAgent = "loopkit-loop-github";
    private Duration fullReadEvery = Duration.ofMinutes(10);
    private Duration sinceOverlap = Duration.ofSeconds(60);

    private Builder() {}

    /**
     * Required: {@code owner/name}, e.g. {@code acme/widgets}.
     *
     * @param repository the owner (letters, digits and {@code -}) and the repository's name, separated by {@code /}
     * @return this builder
     * @throws InputException if it is not {@code owner/name}, naming it
     */
    public Builder repository(String repository) {
      String r = Objects.requireNonNull(repository, "repository").trim();
      if (!REPOSITORY.matcher(r).matches() || r.endsWith("/.") || r.endsWith("/..")) {
        throw new InputException("repository '" + repository + "': expected owner/name, e.g. acme/widgets");
      }
      int slash = r.indexOf('/');
      this.owner = r.substring(0, slash);
      this.name = r.substring(slash + 1);
      return this;
    }

    /**
     * The batch is the issues carrying this label (e.g. {@code loop:batch-7}); Loop adds it to issues it files.
     *
     * @param label a non-blank label name of at most 50 characters, without commas
     * @return this builder
     * @throws InputException if it does not fit, naming it
     */
    public Builder label(String label) {
      this.label = checkLabel(label, "label");
      return this;
    }

    /**
     * The batch is the issues of this milestone (its number); Loop files new issues into it.
     *
     * @param milestone the milestone's number in the repository, 1 or more
     * @return this builder
     * @throws InputException if the number is below 1
     */
    public Builder milestone(int milestone) {
      if (milestone < 1) {
        throw new InputException("milestone " + milestone + ": expected a milestone number, 1 or more");
      }
      this.milestone = milestone;
      return this;
    }

    /**
     * The token; default the {@code GITHUB_TOKEN} environment variable. Prefer the variable: a token in code or
     * configuration is easy to leak.
     *
     * @param token a single-line token, sent only in the {@code Authorization} header
     * @return this builder
     * @throws InputException if it is blank or holds characters a header cannot carry (its value is not shown)
     */
    public Builder token(String token) {
      this.token = checkToken(Objects.requireNonNull(token, "token"), "token(...)");
      return this;
    }

    /**
     * Where {@code GITHUB_TOKEN} is read when no token is set; default the process environment.
     *
     * @param environment variable names to values; copied, and read in {@link #build()}
     * @return this builder
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * The REST API root; default {@code https://api.github.com/}. For GitHub Enterprise Server,
     * {@code https://HOST/api/v3/}.
     *
     * @param baseUrl an http(s) URL; a missing trailing {@code /} is added
     * @return this builder
     * @throws InputException if it is not an http(s) URL, naming it
     */
    public Builder baseUrl(String baseUrl) {
      HttpUrl url = HttpUrl.parse(Objects.requireNonNull(baseUrl, "baseUrl"));
      if (url == null) {
        throw new InputException("baseUrl '" + baseUrl + "': expected an http(s) URL such as"
            + " https://api.github.com/ or https://HOST/api/v3/");
      }
      this.baseUrl = url.toString().endsWith("/") ? url : Objects.requireNonNull(HttpUrl.parse(url + "/"));
      return this;
    }

    /**
     * The label that marks an open issue in progress; default {@code loop:in-progress}.
     *
     * @param label a non-blank label name of at most 50 characters, without commas; must differ from the other two
     *     labels
     * @return this builder
     * @throws InputException if it does not fit; one equal to another label fails in {@link #build()}
     */
    public Builder inProgressLabel(String label) {
      this.inProgressLabel = checkLabel(label, "inProgressLabel");
      return this;
    }

    /**
     * The label that marks an open issue as waiting for a person; default {@code loop:human-gated}.
     *
     * @param label a non-blank label name of at most 50 characters, without commas; must differ from the other two
     *     labels
     * @return this builder
     * @throws InputException if it does not fit; one equal to another label fails in {@link #build()}
     */
    public Builder humanGatedLabel(String label) {
      this.humanGatedLabel = checkLabel(label, "humanGatedLabel");
      return this;
    }

    /**
     * Where blocking and parent edges live; default {@link DependencySource#NATIVE}.
     *
     * @param source GitHub's own issue dependencies and sub-issues, or lines of the issue body only
     * @return this builder
     */
    public Builder dependencies(DependencySource source) {
      this.dependencySource = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * The HTTP client (timeouts, proxy, TLS); default a client with 10 s connect and 30 s read timeouts. The
     * tracker derives its own client from it with {@code retryOnConnectionFailure(false)}, so a POST is never
     * repeated behind its back.
     *
     * @param client the client to derive from; it is not changed
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The clock rate-limit waits are computed against, and that times {@link #fullReadEvery}; default the system
     * UTC clock.
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
     * Told of every rate-limit wait before it happens.
     *
     * @param listener called on the thread making the request; default {@link RateLimitListener#none()}
     * @return this builder
     */
    public Builder rateLimitListener(RateLimitListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The longest single wait for a rate limit; a longer one fails the call at once with a retryable
     * {@link dev.loopkit.core.AdapterException} naming the reset time. Default 15 minutes.
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
     * The first wait for a secondary limit without {@code retry-after}, doubling on repeats; default 60 s.
     *
     * @param min a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder minSecondaryWait(Duration min) {
      this.minSecondaryWait = positive(min, "minSecondaryWait");
      return this;
    }

    /**
     * How many times a rate-limited (or, for non-POST calls, failed) request is repeated; default 3.
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
     * How often {@link GitHubTracker#changesSince} reads the whole batch instead of only the issues updated
     * since the last read, measured on {@link #clock}: the full read is what notices issues deleted or
     * transferred away. Default 10 minutes.
     *
     * @param interval a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder fullReadEvery(Duration interval) {
      this.fullReadEvery = positive(interval, "fullReadEvery");
      return this;
    }

    /**
     * How far before the latest {@code updated_at} already seen an incremental read asks GitHub to start
     * ({@code since}), so that an update indexed late or stamped by a skewed clock is not missed. Issues listed
     * again unchanged are not reported. Default 60 seconds; zero is allowed.
     *
     * @param overlap zero or a positive duration
     * @return this builder
     * @throws InputException if the duration is negative
     */
    public Builder sinceOverlap(Duration overlap) {
      if (Objects.requireNonNull(overlap, "sinceOverlap").isNegative()) {
        throw new InputException("sinceOverlap " + overlap + ": expected zero or a positive duration");
      }
      this.sinceOverlap = overlap;
      return this;
    }

    /**
     * The {@code User-Agent} GitHub requires; default {@code loopkit-loop-github}.
     *
     * @param userAgent a non-blank value, e.g. your organisation's or application's name
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
     * Builds the tracker, reading {@code GITHUB_TOKEN} now when no token was set; no request is sent yet.
     *
     * @return a thread-safe tracker
     * @throws InputException if the repository or batch is missing, both a label and a milestone are set, two of
     *     the three labels are equal, or the token is missing, blank or not one line (its value is never shown)
     */
    public GitHubTracker build() {
      if (owner == null || name == null) {
        throw new InputException("GitHubTracker.builder() is missing repository(\"owner/name\")");
      }
      if (label == null && milestone == 0) {
        throw new InputException("GitHubTracker.builder() for " + owner + "/" + name + " has no batch: set"
            + " label(\"loop:batch-1\") or milestone(N)");
      }
      if (label != null && milestone != 0) {
        throw new InputException("GitHubTracker.builder() for " + owner + "/" + name + " sets both label '"
            + label + "' and milestone " + milestone + ": a batch is one or the other");
      }
      if (inProgressLabel.equals(humanGatedLabel) || inProgressLabel.equals(label)
          || humanGatedLabel.equals(label)) {
        throw new InputException("inProgressLabel '" + inProgressLabel + "', humanGatedLabel '" + humanGatedLabel
            + "' and the batch label '" + label + "' must differ");
      }
      String t = token;
      if (t == null) {
        String fromEnv = environment.get("GITHUB_TOKEN");
        if (fromEnv == null || fromEnv.isBlank()) {
          throw new InputException("no GitHub token for " + owner + "/" + name + ": set the GITHUB_TOKEN"
              + " environment variable or call GitHubTracker.builder().token(...)");
        }
        t = checkToken(fromEnv.trim(), "the GITHUB_TOKEN environment variable");
      }
      // OkHttp would silently repeat a POST whose connection dropped, filing an issue twice; this class
      // repeats only what is safe to repeat, and the body marker covers a POST whose answer was lost
      OkHttpClient http = (httpClient != null ? httpClient.newBuilder() : new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30)))
          .retryOnConnectionFailure(false).build();
      GitHubApi api = new GitHubApi(new GitHubApi.Settings(http, baseUrl, owner, name, t, userAgent, clock,
          sleeper, listener, maxRateLimitWait, minSecondaryWait, maxRetries), new ObjectMapper());
      return new GitHubTracker(this, api);
    }

    private static String checkLabel(String label, String setting) {
      Objects.requireNonNull(label, setting);
      if (label.isBlank() || label.contains(",") || label.length() > 50) {
        throw new InputException(setting + " '" + label + "': expected a non-blank label name of at most 50"
            + " characters without commas");
      }
      return label;
    }

    private static String checkToken(String token, String source) {
      if (token.isBlank() || !token.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new InputException("the token from " + source + " is blank or holds spaces, line breaks or other"
            + " characters a header cannot carry: expected a single-line token (its value is not shown)");
      }
      return token;
    }

    private static Duration positive(Duration d, String setting) {
      if (Objects.requireNonNull(d, setting).isNegative() || d.isZero()) {
        throw new InputException(setting + " " + d + ": expected a positive duration");
      }
      return d;
    }
  }
}

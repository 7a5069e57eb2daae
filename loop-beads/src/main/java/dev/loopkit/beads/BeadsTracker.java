package dev.loopkit.beads;

import static dev.loopkit.beads.BdClient.excerpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Tracker} on beads, driving the {@code bd} executable as real processes through its JSON contract
 * (beads 1.3.x, {@code schema_version} 1, {@code BD_JSON_ENVELOPE=1}). The batch is the beads of one database
 * ({@code bd -C <directory>}) that carry a label; a ticket's id is the bead's id ({@code "bd-a3f8"}).
 *
 * <pre>{@code
 * Tracker tracker = BeadsTracker.builder()
 *     .directory(Path.of("/work/widgets"))   // the folder holding .beads/
 *     .label("loop:batch-7")
 *     .build();
 * }</pre>
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li>Status: {@code open} is {@link Status#OPEN}; {@code in_progress} and {@code hooked} are
 *       {@link Status#IN_PROGRESS}; {@code blocked}, {@code deferred} and {@code pinned} are
 *       {@link Status#HUMAN_GATED} (the loop cannot finish them: a person must act); {@code closed} is
 *       {@link Status#DONE}, or {@link Status#CANCELLED} with the cancelled label ({@code loop:cancelled}).
 *       Custom statuses need {@link Builder#customStatus}. Loop writes {@code HUMAN_GATED} as {@code blocked}
 *       plus beads' {@code human} label, and {@code DONE}/{@code CANCELLED} with {@code bd close}.</li>
 *   <li>Dependencies are bead dependency records: on ticket A, {@code Dependency(BLOCKS, B)} is the record
 *       {@code issue_id=A, depends_on_id=B, type=blocks} (A waits for B). {@code blocks},
 *       {@code parent-child}, {@code related}, {@code discovered-from} map one to one; {@code relates-to} reads
 *       as related; {@code conditional-blocks} and {@code waits-for}, which also hold back beads' own ready
 *       work, read as blocks (Loop waits for the target to be done); every other type (and
 *       {@code external:} targets) is left out of the ticket and listed in its metadata under
 *       {@code beads.other-dependencies}.</li>
 *   <li>Labels {@code resource:NAME} give resources; priority and acceptance criteria are the bead's own
 *       fields (criteria one per line); metadata is the bead's metadata object.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * {@link #readBatch()} is one {@code bd list} process; plus one {@code bd show} process (for up to
 * {@value #SHOW_CHUNK} beads) for the beads whose comment count changed since this tracker last read their
 * comments ({@code bd list} carries {@code comment_count} but not the comments). An unchanged batch costs one
 * process. {@link #changesSince} is the default full read (see the README for why).
 *
 * <p>Thread-safe. Creation is serialized within this instance, and transitions of one bead too; {@link #claim}
 * is {@code bd update --claim}, beads' own compare-and-set, so it is atomic across processes and machines.
 */
public final class BeadsTracker implements Tracker {
  static final int SHOW_CHUNK = 50;
  static final String KEY_FIELD = "loop.idempotency_key";
  private static final int MAX_TEXT = 100_000;
  private static final String RESOURCE = BeadMapping.RESOURCE;
  private static final Logger log = LoggerFactory.getLogger(BeadsTracker.class);

  private final BdClient cli;
  private final BeadMapping mapping;
  private final ObjectMapper json = new ObjectMapper();
  private final String label;
  private final String actor;
  private final String cancelledLabel;
  private final String humanLabel;
  private final String description;
  private final Object createLock = new Object();
  private final Object leaseLock = new Object();
  private final Map<String, Object> beadLocks = new ConcurrentHashMap<>();
  private final Map<String, CachedComments> comments = new ConcurrentHashMap<>();
  private final Map<String, String> idsByKey = new ConcurrentHashMap<>();
  private volatile boolean leasesSettled;

  private record CachedComments(int count, List<Comment> comments) {}

  private BeadsTracker(Builder b, BdRunner runner) {
    this.cli = new BdClient(runner, b.retryableCodes);
    this.label = Objects.requireNonNull(b.label);
    this.actor = b.actor;
    this.cancelledLabel = b.cancelledLabel;
    this.humanLabel = b.humanLabel;
    this.mapping = new BeadMapping(cli, label, cancelledLabel, humanLabel, b.customStatuses);
    this.leasesSettled = b.leases == Leases.KEEP;
    this.description = "BeadsTracker{" + runner.directory() + ", label '" + label + "'}";
  }

  /**
   * Starts a tracker; {@link Builder#directory} and {@link Builder#label} are required.
   *
   * @return a new builder running {@code bd} from the PATH as actor {@code loop}, 30 s per call
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How many {@code bd} processes this tracker has started, for measuring the cost of a pass.
   *
   * @return the count since the tracker was built, every bd process counted whatever it answered
   */
  public long invocations() {
    return cli.invocations();
  }

  // ---- reading ----

  /**
   * One {@code bd list} of the batch, plus one {@code bd show} per {@value #SHOW_CHUNK} beads whose comment count
   * changed since this tracker last read their comments.
   */
  @Override
  public Batch readBatch() {
    List<JsonNode> items = listBatch(List.of());
    Map<String, JsonNode> byId = new LinkedHashMap<>();
    for (JsonNode item : items) {
      // beads before the GH#3567 fix listed a bead once per blocks dependency: keep one copy
      byId.putIfAbsent(item.path("id").asText(), item);
    }
    List<String> stale = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : byId.entrySet()) {
      int count = e.getValue().path("comment_count").asInt(-1);
      CachedComments cached = comments.get(e.getKey());
      if (count != 0 && (cached == null || cached.count() != count)) {
        stale.add(e.getKey());
      }
    }
    for (int from = 0; from < stale.size(); from += SHOW_CHUNK) {
      List<String> chunk = stale.subList(from, Math.min(stale.size(), from + SHOW_CHUNK));
      for (JsonNode shown : show(chunk, "reading the comments of " + chunk.size() + " beads of " + batchName())) {
        String id = shown.path("id").asText();
        List<Comment> list = mapping.commentsOf(shown, "bd show");
        comments.put(id, new CachedComments(list.size(), list));
      }
    }
    List<Ticket> tickets = new ArrayList<>();
    for (JsonNode item : byId.values()) {
      String id = item.path("id").asText();
      CachedComments cached = comments.get(id);
      int count = item.path("comment_count").asInt(-1);
      List<Comment> thread = count == 0 || cached == null ? List.of() : cached.comments();
      tickets.add(mapping.toTicket(item, thread, "bd list"));
    }
    return Batch.of(tickets);
  }

  /** One {@code bd show}; empty when bd answers {@code not_found} or the id is not a bead id. */
  @Override
  public Optional<Ticket> find(String id) {
    Objects.requireNonNull(id, "id");
    if (!Ticket.isValidId(id)) {
      return Optional.empty();
    }
    return showOne(id, "reading bead " + id).map(b -> mapping.toTicket(b, mapping.commentsOf(b, "bd show"), "bd show"));
  }

  /** {@code bd list} of the batch with extra filter flags, every status, no limit. */
  private List<JsonNode> listBatch(List<String> filters) {
    List<String> args = new ArrayList<>(List.of("list", "--json", "--all", "--limit=0",
        "--label=" + label));
    args.addAll(filters);
    JsonNode payload = cli.call(args, null, "bd list");
    List<JsonNode> out = new ArrayList<>();
    int index = 0;
    for (JsonNode item : cli.array(payload, "bd list")) {
      mapping.requireItem(item, index++, "bd list");
      out.add(item);
    }
    return out;
  }

  /** {@code bd show} of several beads: those bd found (it skips missing ids when it finds some). */
  private List<JsonNode> show(List<String> ids, String why) {
    List<String> args = new ArrayList<>(List.of("show", "--json", "--"));
    args.addAll(ids);
    JsonNode payload;
    try {
      payload = cli.call(args, null, "bd show");
    } catch (BdException e) {
      if (e.isNotFound()) {
        return List.of();
      }
      throw e;
    }
    List<JsonNode> out = new ArrayList<>();
    // bd show answers an array; a single object is accepted too, as the schema document describes it
    Iterable<JsonNode> items = payload.isObject() ? List.of(payload) : cli.array(payload, "bd show");
    int index = 0;
    for (JsonNode item : items) {
      mapping.requireItem(item, index++, "bd show");
      out.add(item);
    }
    log.debug("bd show of {} beads for {}", ids.size(), why);
    return out;
  }

  private Optional<JsonNode> showOne(String id, String why) {
    for (JsonNode b : show(List.of(id), why)) {
      if (id.equals(b.path("id").asText())) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  private JsonNode requireBead(String id, String where) {
    if (!Ticket.isValidId(id)) {
      throw new InputException("ticket id '" + id + "' in " + where + ": expected a bead id such as bd-a3f8");
    }
    return showOne(id, where).orElseThrow(() -> unknown(id, where));
  }

  private InputException unknown(String id, String where) {
    return new InputException("unknown ticket '" + id + "' in " + where + ": the beads database in "
        + cli.directory() + " has no bead " + id + " (bd answered not_found)");
  }

  private String batchName() {
    return "label '" + label + "'";
  }

  // ---- writing ----

  /**
   * Files a bead with one {@code bd create} (its dependencies in the same call, through {@code --deps}), or
   * returns the bead filed before with the same idempotency key: the key is stored in the bead's metadata
   * ({@value #KEY_FIELD}) and looked up first in this instance's memory, then with one
   * {@code bd list --metadata-field} of the batch. When the draft has dependencies, one {@code bd show} checks
   * that their targets exist first (bd itself only warns about a missing one and files the bead without it).
   *
   * @throws InputException if a dependency names no bead, a label holds a comma, or a criterion a line break
   */
  @Override
  public Ticket create(NewTicket draft) {
    Objects.requireNonNull(draft, "draft");
    String key = draft.idempotencyKey();
    synchronized (createLock) {
      if (!key.isEmpty()) {
        Optional<Ticket> existing = filedBefore(key);
        if (existing.isPresent()) {
          return existing.get();
        }
      }
      Set<String> targets = new LinkedHashSet<>();
      draft.dependencies().forEach(d -> targets.add(d.target()));
      if (!targets.isEmpty()) {
        Set<String> found = new TreeSet<>();
        List<String> checkable = targets.stream().filter(Ticket::isValidId).toList();
        if (!checkable.isEmpty()) {
          show(checkable, "checking the dependencies of '" + draft.title() + "'").forEach(
              b -> found.add(b.path("id").asText()));
        }
        for (String t : targets) {
          if (!found.contains(t)) {
            throw new InputException("unknown ticket '" + t + "' in a dependency of new ticket '" + draft.title()
                + "': the beads database in " + cli.directory() + " has no bead " + t);
          }
        }
      }
      List<String> args = new ArrayList<>(List.of("create", "--json", "--title=" + draft.title()));
      String body = draft.body();
      if (!body.isEmpty()) {
        args.add("--body-file=-"); // through stdin: a description has no length limit there and no flag parsing
      }
      if (!draft.acceptanceCriteria().isEmpty()) {
        List<String> lines = new ArrayList<>();
        for (String c : draft.acceptanceCriteria()) {
          if (c.contains("\n") || c.contains("\r")) {
            throw new InputException("acceptance criterion '" + excerpt(c) + "' of new ticket '" + draft.title()
                + "' holds a line break: beads keeps criteria as one text, one criterion per line");
          }
          lines.add("- " + c.strip());
        }
        args.add("--acceptance=" + String.join("\n", lines));
      }
      args.add("--priority=" + draft.priority());
      List<String> labels = new ArrayList<>();
      labels.add(label);
      labels.addAll(draft.labels());
      new TreeSet<>(draft.resources()).forEach(r -> labels.add(RESOURCE + r));
      for (String l : labels) {
        if (l.contains(",") || l.isBlank()) {
          throw new InputException("label '" + l + "' of new ticket '" + draft.title() + "': expected a"
              + " non-blank label without commas (bd takes labels as a comma-separated list)");
        }
      }
      args.add("--labels=" + String.join(",", new LinkedHashSet<>(labels)));
      ObjectNode metadata = json.createObjectNode();
      draft.metadata().forEach(metadata::put);
      if (!key.isEmpty()) {
        metadata.put(KEY_FIELD, key);
      }
      if (!metadata.isEmpty()) {
        args.add("--metadata=" + metadata);
      }
      if (!draft.dependencies().isEmpty()) {
        List<String> deps = new ArrayList<>();
        for (Dependency d : draft.dependencies()) {
          // "blocked-by:X" is bd's spelling of "this bead waits for X"; "blocks:X" would reverse the edge
          deps.add((d.type() == DependencyType.BLOCKS ? "blocked-by" : d.type().wireName()) + ":" + d.target());
        }
        args.add("--deps=" + String.join(",", deps));
      }
      args.add("--actor=" + actor);
      JsonNode created = cli.call(args, body.isEmpty() ? null : body, "bd create");
      JsonNode id = created.path("id");
      if (!created.isObject() || !id.isTextual() || !Ticket.isValidId(id.asText())) {
        throw cli.malformed("bd create", "field 'id'", "the new bead's id, got " + excerpt(created.toString()));
      }
      if (!key.isEmpty()) {
        idsByKey.put(key, id.asText());
      }
      Instant createdAt = mapping.instant(created.path("created_at"), "bd create", "created_at");
      Ticket filed = draft.toTicket(id.asText(), createdAt);
      Map<String, String> meta = new LinkedHashMap<>(filed.metadata());
      if (!key.isEmpty()) {
        meta.put(KEY_FIELD, key);
      }
      meta.put("beads.status", "open");
      meta.put("beads.issue_type", created.path("issue_type").asText("task"));
      return filed.toBuilder().metadata(meta).build();
    }
  }

  /** The bead of the batch filed before under {@code key}; empty when there is none. */
  private Optional<Ticket> filedBefore(String key) {
    String known = idsByKey.get(key);
    if (known != null) {
      Optional<JsonNode> bead = showOne(known, "reading bead " + known + " filed under key " + key);
      if (bead.isPresent()) {
        return Optional.of(mapping.toTicket(bead.get(), mapping.commentsOf(bead.get(), "bd show"), "bd show"));
      }
    }
    for (JsonNode item : listBatch(List.of("--metadata-field=" + KEY_FIELD + "=" + key))) {
      // bd filtered on the key already; checking again guards against a bd that ignored the filter
      if (key.equals(item.path("metadata").path(KEY_FIELD).asText(null))) {
        String id = item.path("id").asText();
        idsByKey.put(key, id);
        List<Comment> thread = item.path("comment_count").asInt(-1) == 0 ? List.of()
            : showOne(id, "reading bead " + id).map(b -> mapping.commentsOf(b, "bd show")).orElse(List.of());
        return Optional.of(mapping.toTicket(item, thread, "bd list"));
      }
    }
    return Optional.empty();
  }

  /**
   * One {@code bd show} of both beads (both must exist), then {@code bd dep add HOLDER TARGET --type=TYPE}
   * unless the edge is there already.
   */
  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    Objects.requireNonNull(ticketId, "ticketId");
    Objects.requireNonNull(dependency, "dependency");
    String target = dependency.target();
    String where = "addDependency(" + ticketId + ", " + dependency + ")";
    if (target.equals(ticketId)) {
      throw new InputException("ticket " + ticketId + " cannot depend on itself (" + dependency + ")");
    }
    for (String id : List.of(ticketId, target)) {
      if (!Ticket.isValidId(id)) {
        throw new InputException("ticket id '" + id + "' in " + where + ": expected a bead id such as bd-a3f8");
      }
    }
    synchronized (lockFor(ticketId)) {
      Map<String, JsonNode> found = new LinkedHashMap<>();
      for (JsonNode b : show(List.of(ticketId, target), where)) {
        found.put(b.path("id").asText(), b);
      }
      for (String id : List.of(ticketId, target)) {
        if (!found.containsKey(id)) {
          throw unknown(id, where);
        }
      }
      JsonNode holder = found.get(ticketId);
      if (mapping.toTicket(holder, List.of(), "bd show").dependencies().contains(dependency)) {
        return;
      }
      cli.call(List.of("dep", "add", "--json", "--type=" + dependency.type().wireName(), "--actor=" + actor, "--",
          ticketId, target), null, "bd dep add");
    }
  }

  /**
   * Reads the bead ({@code bd show}); unless it is in {@code to} already, adds {@code note} as a comment
   * ({@code bd comments add}) and then moves it: {@code bd update --status} for open, in-progress and
   * human-gated (with beads' {@code human} label), {@code bd close --force --reason} for done and cancelled
   * (the cancelled label added first). The note comes first so that a transition cut short is retried whole:
   * the retry finds the old status and moves the bead, at worst repeating the comment, never losing it.
   */
  @Override
  public void transition(String ticketId, Status to, String note) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(note, "note");
    String where = "transition of " + ticketId + " to " + to.wireName();
    synchronized (lockFor(ticketId)) {
      JsonNode bead = requireBead(ticketId, where);
      List<String> labels = mapping.strings(bead.path("labels"), "bd show", "labels of bead " + ticketId);
      Status from = mapping.statusOf(bead, labels, "bd show");
      if (from == to) {
        return;
      }
      if (!note.isBlank()) {
        addComment(ticketId, note, where);
      }
      boolean closed = "closed".equals(bead.path("status").asText());
      List<String> update = new ArrayList<>(List.of("update", "--json"));
      if (labels.contains(humanLabel) && to != Status.HUMAN_GATED) {
        update.add("--remove-label=" + humanLabel);
      }
      if (labels.contains(cancelledLabel) && to != Status.CANCELLED) {
        update.add("--remove-label=" + cancelledLabel);
      }
      switch (to) {
        case OPEN:
          update.add("--status=open");
          update.add("--assignee="); // bd's claim is a compare-and-set on an empty assignee
          break;
        case IN_PROGRESS:
          update.add("--status=in_progress");
          break;
        case HUMAN_GATED:
          update.add("--status=blocked");
          if (!labels.contains(humanLabel)) {
            update.add("--add-label=" + humanLabel);
          }
          break;
        case CANCELLED:
          if (!labels.contains(cancelledLabel)) {
            update.add("--add-label=" + cancelledLabel);
          }
          break;
        case DONE:
          break;
      }
      if (update.size() > 2) {
        update.add("--actor=" + actor);
        update.add("--");
        update.add(ticketId);
        callFor(ticketId, update, "bd update", where);
      }
      if ((to == Status.DONE || to == Status.CANCELLED) && !closed) {
        // Loop's verifier decided; bd's own close guards (open blockers, open epic children) must not veto it
        callFor(ticketId, List.of("close", "--json", "--force", "--reason=" + reason(note, to), "--actor=" + actor,
            "--", ticketId), "bd close", where);
      }
    }
  }

  private static String reason(String note, Status to) {
    String first = note.strip().lines().findFirst().orElse("");
    if (first.isEmpty()) {
      return to == Status.DONE ? "done (Loop)" : "cancelled (Loop)";
    }
    return first.length() > 200 ? first.substring(0, 200) + "…" : first;
  }

  /** One {@code bd comments add}. Text over 100,000 characters is cut, saying so, to stay within argv limits. */
  @Override
  public void comment(String ticketId, String body) {
    Objects.requireNonNull(body, "body");
    if (!Ticket.isValidId(ticketId)) {
      throw new InputException("ticket id '" + ticketId + "' in comment: expected a bead id such as bd-a3f8");
    }
    addComment(ticketId, body, "comment on " + ticketId);
  }

  private void addComment(String ticketId, String body, String where) {
    String text = body.length() <= MAX_TEXT ? body
        : body.substring(0, MAX_TEXT) + "\n… (" + (body.length() - MAX_TEXT) + " more characters cut by Loop)";
    callFor(ticketId, List.of("comments", "add", "--json", "--author=" + actor, "--actor=" + actor, "--", ticketId,
        text), "bd comments add", where);
  }

  /**
   * {@code bd update --claim} with {@code --actor=owner}: beads' compare-and-set (open and unassigned, or
   * already this owner's), atomic across processes. When bd refuses, one {@code bd show} tells a lost race
   * (the bead is no longer open, or another owner holds it: {@code false}) from a failure (thrown). A claim by
   * the owner that holds the bead already succeeds, so a claim whose answer was lost may be retried.
   */
  @Override
  public boolean claim(String ticketId, String owner) {
    Objects.requireNonNull(owner, "owner");
    if (owner.isBlank()) {
      throw new InputException("claim owner is blank: expected a name such as run-7");
    }
    String where = "claim of " + ticketId + " by " + owner;
    if (!Ticket.isValidId(ticketId)) {
      throw new InputException("ticket id '" + ticketId + "' in " + where + ": expected a bead id such as bd-a3f8");
    }
    settleLeases();
    try {
      cli.call(List.of("update", "--json", "--claim", "--actor=" + owner, "--", ticketId), null, "bd update --claim");
      return true;
    } catch (BdException e) {
      if (e.isNotFound()) {
        throw unknown(ticketId, where);
      }
      JsonNode bead = requireBead(ticketId, where);
      String assignee = bead.path("assignee").asText("");
      boolean taken = !"open".equals(bead.path("status").asText()) || !assignee.isEmpty() && !assignee.equals(owner);
      if (taken) {
        log.debug("{} lost: bead is {} (assignee '{}'): {}", where, bead.path("status").asText(), assignee, e.error());
        return false;
      }
      throw e;
    }
  }

  private void settleLeases() {
    if (leasesSettled) {
      return;
    }
    synchronized (leaseLock) {
      if (!leasesSettled) {
        try {
          cli.call(List.of("lease", "disarm", "--json", "--actor=" + actor), null, "bd lease disarm");
        } catch (BdException e) {
          throw new AdapterException("bd lease disarm failed in " + cli.directory() + " (" + e.getMessage()
              + "): Loop owns the liveness of claimed beads and turns automatic leases off before its first claim;"
              + " with a bd before 1.3 (no leases) or leases already off, build the tracker with"
              + " leases(Leases.KEEP)", e, e.isRetryable());
        }
        leasesSettled = true;
      }
    }
  }

  private Object lockFor(String id) {
    return beadLocks.computeIfAbsent(id, k -> new Object());
  }

  // ---- the process boundary ----

  /** {@link #call}, turning {@code not_found} into an InputException naming {@code id}. */
  private JsonNode callFor(String id, List<String> args, String what, String where) {
    try {
      return cli.call(args, null, what);
    } catch (BdException e) {
      if (e.isNotFound()) {
        throw unknown(id, where);
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Builds a {@link BeadsTracker}. Setters reject a bad value at once, naming it; {@link #build()} rejects a
   * missing directory or label and settings that collide. Nothing is run until the tracker is used.
   */
  public static final class Builder {
    /** What bd reads from its environment, and nothing else of the host's (no API keys, no tokens). */
    static final List<String> PASSED = List.of("PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL",
        "TZ", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "BEADS_DIR", "BEADS_DB", "BD_ACTOR",
        "BEADS_DOLT_SERVER_HOST", "BEADS_DOLT_SERVER_PORT", "BEADS_DOLT_SERVER_SOCKET", "BEADS_DOLT_SERVER_DATABASE",
        "BEADS_DOLT_SERVER_MODE", "BEADS_DOLT_SHARED_SERVER", "BEADS_DOLT_PORT", "BEADS_DOLT_DATA_DIR",
        "BEADS_DOLT_AUTO_START", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private @Nullable Path directory;
    private @Nullable String label;
    private List<String> executable = List.of("bd");
    private String actor = "loop";
    private Duration timeout = Duration.ofSeconds(30);
    private int maxOutputBytes = 16 * 1024 * 1024;
    private Map<String, String> environment = System.getenv();
    private final Set<String> extraVariables = new LinkedHashSet<>();
    private String passwordVariable = "BEADS_DOLT_PASSWORD";
    private String cancelledLabel = "loop:cancelled";
    private String humanLabel = "human";
    private final Map<String, Status> customStatuses = new LinkedHashMap<>();
    private final Set<String> retryableCodes = new LinkedHashSet<>();
    private Leases leases = Leases.DISARM;

    private Builder() {}

    /**
     * Required: the folder bd runs in ({@code bd -C <directory>}), the one holding {@code .beads/}.
     *
     * @param directory an existing folder; made absolute and normalized
     * @return this builder
     * @throws InputException if it is not an existing folder, naming it
     */
    public Builder directory(Path directory) {
      Path d = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
      if (!Files.isDirectory(d)) {
        throw new InputException("beads directory " + d + " is not a folder: expected the folder that holds"
            + " .beads/ (where bd init ran)");
      }
      this.directory = d;
      return this;
    }

    /**
     * Required: the batch is the beads carrying this label (e.g. {@code loop:batch-7}); Loop adds it to the beads
     * it files.
     *
     * @param label a non-blank label of at most 100 characters, without commas and not starting with
     *     {@code resource:}
     * @return this builder
     * @throws InputException if it is blank, too long or has a comma, naming it; a {@code resource:} label or one
     *     equal to another label fails in {@link #build()}
     */
    public Builder label(String label) {
      this.label = checkLabel(label, "label");
      return this;
    }

    /**
     * The bd executable: a name looked up on the PATH of the environment bd gets, or a path; default
     * {@code bd}. Further words are passed before bd's own arguments (e.g. a wrapper and its options).
     *
     * @param executable the program, e.g. {@code bd} or {@code /usr/local/bin/bd}
     * @param leadingArgs arguments put before every bd command; none by default
     * @return this builder
     * @throws InputException if the program is blank
     */
    public Builder executable(String executable, String... leadingArgs) {
      if (Objects.requireNonNull(executable, "executable").isBlank()) {
        throw new InputException("bd executable is blank: expected bd or a path such as /usr/local/bin/bd");
      }
      List<String> e = new ArrayList<>();
      e.add(executable);
      for (String a : leadingArgs) {
        e.add(Objects.requireNonNull(a, "leading argument"));
      }
      this.executable = List.copyOf(e);
      return this;
    }

    /**
     * Who Loop's writes are recorded as ({@code --actor}, the author of comments); default {@code loop}. A claim
     * is made as its owner.
     *
     * @param actor a non-blank name
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder actor(String actor) {
      if (Objects.requireNonNull(actor, "actor").isBlank()) {
        throw new InputException("actor is blank: expected a name such as loop");
      }
      this.actor = actor;
      return this;
    }

    /**
     * The longest one bd process may run before it is killed (a retryable failure); default 30 s.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder timeout(Duration timeout) {
      if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
        throw new InputException("timeout " + timeout + ": expected a positive duration such as PT30S");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The most bytes bd may write to stdout or stderr in one call; default 16 MiB.
     *
     * @param bytes at least 1024
     * @return this builder
     * @throws InputException if the limit is below 1024
     */
    public Builder maxOutputBytes(int bytes) {
      if (bytes < 1024) {
        throw new InputException("maxOutputBytes " + bytes + ": expected at least 1024");
      }
      this.maxOutputBytes = bytes;
      return this;
    }

    /**
     * The environment bd's variables are taken from; default the process environment. Only the variables bd
     * needs are passed on (PATH, HOME, locale, {@code BEADS_*} location and Dolt server settings), plus
     * {@link #passVariable} names, plus {@code BD_JSON_ENVELOPE=1}.
     *
     * @param environment variable names to values; copied, and read in {@link #build()}
     * @return this builder
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * Passes one more variable of the environment to bd, by name (e.g. a proxy setting); passed only when set.
     *
     * @param name an environment variable name (letters, digits and {@code _}, not starting with a digit)
     * @return this builder
     * @throws InputException if it is not a variable name, naming it
     */
    public Builder passVariable(String name) {
      this.extraVariables.add(checkEnvName(name, "passVariable"));
      return this;
    }

    /**
     * The name of the environment variable holding the Dolt server password, passed to bd as
     * {@code BEADS_DOLT_PASSWORD} when set; default {@code BEADS_DOLT_PASSWORD}. The value never appears in a
     * message or a log: bd's output is redacted before it is quoted.
     *
     * @param name an environment variable name (letters, digits and {@code _}, not starting with a digit)
     * @return this builder
     * @throws InputException if it is not a variable name, naming it
     */
    public Builder passwordVariable(String name) {
      this.passwordVariable = checkEnvName(name, "passwordVariable");
      return this;
    }

    /**
     * The label that tells a cancelled bead from a done one (both are closed); default {@code loop:cancelled}.
     *
     * @param label a non-blank label of at most 100 characters, without commas
     * @return this builder
     * @throws InputException if it does not fit, naming it; one equal to another label fails in {@link #build()}
     */
    public Builder cancelledLabel(String label) {
      this.cancelledLabel = checkLabel(label, "cancelledLabel");
      return this;
    }

    /**
     * The label beads uses for beads that need a person ({@code bd human}); default {@code human}.
     *
     * @param label a non-blank label of at most 100 characters, without commas
     * @return this builder
     * @throws InputException if it does not fit, naming it; one equal to another label fails in {@link #build()}
     */
    public Builder humanLabel(String label) {
      this.humanLabel = checkLabel(label, "humanLabel");
      return this;
    }

    /**
     * How a custom beads status ({@code status.custom}) reads in Loop, e.g. {@code ("review", IN_PROGRESS)}.
     *
     * @param beadsStatus the status as beads names it: lower case letters, digits, {@code _} and {@code -},
     *     starting with a letter, and not a built-in status
     * @param status the Loop status it reads as
     * @return this builder
     * @throws InputException if the name does not fit or is built in, naming it
     */
    public Builder customStatus(String beadsStatus, Status status) {
      Objects.requireNonNull(status, "status");
      if (!Objects.requireNonNull(beadsStatus, "beadsStatus").matches("[a-z][a-z0-9_-]*")) {
        throw new InputException("custom status '" + beadsStatus + "': expected a beads status name such as"
            + " review (lower case, starting with a letter)");
      }
      if (List.of("open", "in_progress", "blocked", "deferred", "closed", "pinned", "hooked").contains(beadsStatus)) {
        throw new InputException("custom status '" + beadsStatus + "' is a built-in beads status, which this"
            + " tracker maps itself");
      }
      this.customStatuses.put(beadsStatus, status);
      return this;
    }

    /**
     * Error codes of bd's JSON errors to report as retryable (beads 1.3 documents only {@code not_found}, which
     * is an input error); default none. A timeout or a bd killed by a signal is always retryable.
     *
     * @param codes the codes; they replace those of an earlier call
     * @return this builder
     * @throws InputException if a code is blank or is {@code not_found}
     */
    public Builder retryableCodes(Set<String> codes) {
      this.retryableCodes.clear();
      for (String c : codes) {
        if (Objects.requireNonNull(c, "code").isBlank() || c.equals(BdException.NOT_FOUND)) {
          throw new InputException("retryable code '" + c + "': expected a non-blank code other than not_found");
        }
        this.retryableCodes.add(c);
      }
      return this;
    }

    /**
     * What to do about beads' claim leases; default {@link Leases#DISARM}.
     *
     * @param leases how the tracker treats the leases bd sets on a claim
     * @return this builder
     */
    public Builder leases(Leases leases) {
      this.leases = Objects.requireNonNull(leases, "leases");
      return this;
    }

    /**
     * Builds the tracker; no bd process is started until the tracker is used.
     *
     * @return a thread-safe tracker
     * @throws InputException if the directory or label is missing, the three labels are not distinct, or one of
     *     them starts with {@code resource:}
     */
    public BeadsTracker build() {
      if (directory == null) {
        throw new InputException("BeadsTracker.builder() is missing directory(...): the folder that holds .beads/");
      }
      if (label == null) {
        throw new InputException("BeadsTracker.builder() for " + directory + " has no batch: set"
            + " label(\"loop:batch-1\")");
      }
      Set<String> labels = new TreeSet<>(List.of(label, cancelledLabel, humanLabel));
      if (labels.size() != 3) {
        throw new InputException("the batch label '" + label + "', cancelledLabel '" + cancelledLabel
            + "' and humanLabel '" + humanLabel + "' must differ");
      }
      if (label.startsWith(RESOURCE) || cancelledLabel.startsWith(RESOURCE) || humanLabel.startsWith(RESOURCE)) {
        throw new InputException("the batch, cancelled and human labels must not start with " + RESOURCE
            + ", which marks resources");
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (String name : PASSED) {
        String v = environment.get(name);
        if (v != null) {
          env.put(name, v);
        }
      }
      for (String name : extraVariables) {
        String v = environment.get(name);
        if (v != null) {
          env.put(name, v);
        }
      }
      List<String> secrets = new ArrayList<>();
      String password = environment.get(passwordVariable);
      if (password != null && !password.isEmpty()) {
        env.put("BEADS_DOLT_PASSWORD", password);
        secrets.add(password);
      }
      env.put("BD_JSON_ENVELOPE", "1");
      env.put("BD_NON_INTERACTIVE", "1");
      env.put("NO_COLOR", "1");
      BdRunner runner = new BdRunner(executable, directory, env, timeout, maxOutputBytes, secrets);
      return new BeadsTracker(this, runner);
    }

    private static String checkLabel(String label, String setting) {
      Objects.requireNonNull(label, setting);
      if (label.isBlank() || label.contains(",") || label.length() > 100) {
        throw new InputException(setting + " '" + label + "': expected a non-blank label of at most 100"
            + " characters without commas");
      }
      return label;
    }

    private static String checkEnvName(String name, String setting) {
      if (!ENV_NAME.matcher(Objects.requireNonNull(name, setting)).matches()) {
        throw new InputException(setting + " '" + name + "': expected an environment variable name such as"
            + " BEADS_DOLT_PASSWORD");
      }
      return name;
    }
  }
}

package dev.loopkit.beads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A fake {@code bd} for tests: a separate process (started through a generated {@code bd} shell script) that
 * answers the subset of the beads 1.3 CLI that {@link BeadsTracker} uses, in beads' JSON contract, over a JSON
 * file store in {@code <dir>/.beads/fake-bd.json}. Every invocation takes an exclusive file lock for its whole
 * read-modify-write, so concurrent processes race as they would on beads' database ({@code update --claim} is
 * a compare-and-set).
 *
 * <p>Contract points reproduced: the envelope under {@code BD_JSON_ENVELOPE=1} ({@code {"schema_version":1,
 * "data":...}}, errors as {@code {"schema_version":1,"data":{"error","code"}}} on stderr); without it, bare
 * arrays for list commands and objects with {@code schema_version} injected; {@code not_found} errors with exit
 * 1; {@code list} items with dependency records ({@code issue_id}, {@code depends_on_id}, {@code type}),
 * {@code labels}, {@code comment_count}, {@code parent}; {@code show} answering an array of details whose
 * {@code dependencies} are the target beads with {@code dependency_type}, plus {@code comments}; {@code create}
 * answering an object and only warning about a missing {@code --deps} target; {@code --deps} direction (bare,
 * {@code blocked-by:}, {@code depends-on:} and {@code TYPE:} mean "this depends on", {@code blocks:} reverses);
 * claim refusals as plain text on stderr with exit 1, as beads' update command writes them; {@code close}
 * refusing a bead with open blockers unless {@code --force}, and succeeding on a closed bead; leases stamped
 * on claims until {@code lease disarm}.
 *
 * <p>Test hooks, read from {@code <dir>/.beads/fake-bd-control.json} when present: {@code hang} (a command name:
 * sleep before doing anything), {@code hangAfterWrite} (do the command, save, then sleep: an answer that is
 * lost), {@code noEnvelope} (ignore {@code BD_JSON_ENVELOPE}, as a bd before it did), {@code stdout}
 * (command → text to print instead of the answer), {@code fail} (command →
 * {@code {"code","error","exit"}}, with {@code $BEADS_DOLT_PASSWORD} replaced by that variable's value). Every
 * invocation is appended to {@code <dir>/.beads/fake-bd.log} as one JSON line: its arguments and the names of
 * its environment variables.
 */
public final class FakeBd {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> VALUE_FLAGS = Set.of("-C", "--actor", "--title", "--body-file", "--description",
      "-d", "--acceptance", "--priority", "-p", "--labels", "-l", "--label", "--metadata", "--deps", "--type", "-t",
      "--status", "-s", "--assignee", "-a", "--add-label", "--remove-label", "--reason", "-r", "--author",
      "--limit", "-n", "--metadata-field", "--has-metadata-key", "--prefix");
  private static final Set<String> STATUSES = Set.of("open", "in_progress", "blocked", "deferred", "closed",
      "pinned", "hooked");

  private final Map<String, List<String>> flags = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();
  private boolean envelope = "1".equals(System.getenv("BD_JSON_ENVELOPE"));
  private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
  private ObjectNode store;

  /** Thrown to end the command with a JSON error and exit 1. */
  private static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;

    Failure(String message, String code) {
      super(message);
      this.code = code;
    }
  }

  public static void main(String[] args) throws Exception {
    System.exit(new FakeBd().run(args));
  }

  private int run(String[] args) throws Exception {
    boolean flagsDone = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!flagsDone && a.equals("--")) {
        flagsDone = true;
      } else if (!flagsDone && a.startsWith("-") && a.length() > 1) {
        int eq = a.indexOf('=');
        String name = eq > 0 ? a.substring(0, eq) : a;
        String value;
        if (eq > 0) {
          value = a.substring(eq + 1);
        } else if (VALUE_FLAGS.contains(name) && i + 1 < args.length) {
          value = args[++i];
        } else {
          value = "true";
        }
        flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        positional.add(a);
      }
    }
    Path dir = Path.of(flag("-C", "."));
    Path beads = dir.resolve(".beads");
    log(beads, args);
    if (positional.isEmpty()) {
      err.println("Error: no command");
      return 1;
    }
    String command = positional.get(0);
    if (command.equals("init")) {
      Files.createDirectories(beads);
      ObjectNode fresh = JSON.createObjectNode().put("prefix", flag("--prefix", "bd")).put("next", 1);
      fresh.putObject("config").put("lease.auto", "on");
      fresh.putArray("issues");
      fresh.putArray("dependencies");
      fresh.putArray("comments");
      Files.writeString(beads.resolve("fake-bd.json"), JSON.writeValueAsString(fresh));
      emit(JSON.createObjectNode().put("prefix", fresh.path("prefix").asText()));
      return 0;
    }
    JsonNode control = readControl(beads);
    if (control.path("noEnvelope").asBoolean(false)) {
      envelope = false; // a bd from before the envelope: bare arrays, objects with schema_version injected
    }
    String name = command.equals("comments") || command.equals("dep") || command.equals("lease")
        ? command + " " + (positional.size() > 1 ? positional.get(1) : "") : command;
    if (name.equals(control.path("hang").asText(null))) {
      Thread.sleep(600_000);
    }
    JsonNode fail = control.path("fail").path(name);
    if (fail.isObject()) {
      String text = fail.path("error").asText("failed");
      String pw = System.getenv("BEADS_DOLT_PASSWORD");
      text = text.replace("$BEADS_DOLT_PASSWORD", pw == null ? "" : pw);
      error(text, fail.path("code").asText(""));
      return fail.path("exit").asInt(1);
    }
    Path file = beads.resolve("fake-bd.json");
    if (!Files.exists(file)) {
      error("no active beads workspace found in " + dir.toAbsolutePath(), "");
      return 1;
    }
    try (FileChannel channel = FileChannel.open(beads.resolve("fake-bd.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
      store = (ObjectNode) JSON.readTree(Files.readString(file));
      JsonNode answer;
      try {
        answer = dispatch(name);
      } catch (Failure f) {
        error(f.getMessage(), f.code);
        return 1;
      }
      if (answer == null) {
        return 1;
      }
      Path tmp = beads.resolve("fake-bd.json.tmp");
      Files.writeString(tmp, JSON.writeValueAsString(store));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      if (name.equals(control.path("hangAfterWrite").asText(null))) {
        lock.release();
        Thread.sleep(600_000);
      }
      JsonNode replaced = control.path("stdout").path(name);
      if (replaced.isTextual()) {
        out.println(replaced.asText());
      } else {
        emit(answer);
      }
      return 0;
    }
  }

  private JsonNode dispatch(String name) throws IOException {
    switch (name) {
      case "list":
        return list();
      case "show":
        return show();
      case "create":
        return create();
      case "update":
        return update();
      case "close":
        return close();
      case "dep add":
        return depAdd();
      case "comments add":
        return commentAdd();
      case "lease disarm":
        ((ObjectNode) store.path("config")).put("lease.auto", "off");
        for (JsonNode issue : store.path("issues")) {
          ((ObjectNode) issue).remove("lease_expires_at");
        }
        return JSON.createObjectNode().put("lease_auto", "off");
      default:
        err.println("Error: unknown command \"" + name.trim() + "\" for \"bd\"");
        return null;
    }
  }

  // ---- commands ----

  private JsonNode list() {
    Set<String> labels = new LinkedHashSet<>();
    for (String l : flags.getOrDefault("--label", List.of())) {
      labels.addAll(List.of(l.split(",")));
    }
    boolean all = flags.containsKey("--all");
    ArrayNode items = JSON.createArrayNode();
    for (JsonNode issue : store.path("issues")) {
      if (!all && "closed".equals(issue.path("status").asText())) {
        continue;
      }
      Set<String> has = new LinkedHashSet<>();
      issue.path("labels").forEach(l -> has.add(l.asText()));
      if (!has.containsAll(labels)) {
        continue;
      }
      boolean match = true;
      for (String field : flags.getOrDefault("--metadata-field", List.of())) {
        int eq = field.indexOf('=');
        if (eq <= 0) {
          throw new Failure("invalid --metadata-field: expected key=value, got \"" + field + "\"", "");
        }
        JsonNode v = issue.path("metadata").path(field.substring(0, eq));
        match &= v.isTextual() && v.asText().equals(field.substring(eq + 1));
      }
      if (!match) {
        continue;
      }
      ObjectNode item = issue.deepCopy();
      item.remove("lease_expires_at");
      ArrayNode deps = item.putArray("dependencies");
      String parent = null;
      for (JsonNode d : store.path("dependencies")) {
        if (d.path("issue_id").asText().equals(issue.path("id").asText())) {
          deps.add(d.deepCopy());
          if (parent == null && d.path("type").asText().equals("parent-child")) {
            parent = d.path("depends_on_id").asText();
          }
        }
      }
      item.put("dependency_count", deps.size());
      item.put("dependent_count", dependents(issue.path("id").asText()).size());
      item.put("comment_count", commentsOf(issue.path("id").asText()).size());
      if (parent != null) {
        item.put("parent", parent);
      }
      if (deps.isEmpty()) {
        item.remove("dependencies");
      }
      items.add(item);
    }
    return items;
  }

  private JsonNode show() {
    ArrayNode details = JSON.createArrayNode();
    List<String> ids = positional.subList(1, positional.size());
    for (String id : ids) {
      ObjectNode issue = find(id);
      if (issue == null) {
        err.println("Issue " + id + " not found");
        continue;
      }
      ObjectNode d = issue.deepCopy();
      ArrayNode deps = JSON.createArrayNode();
      String parent = null;
      for (JsonNode rec : store.path("dependencies")) {
        if (rec.path("issue_id").asText().equals(id)) {
          ObjectNode target = find(rec.path("depends_on_id").asText());
          ObjectNode entry = target == null ? JSON.createObjectNode().put("id", rec.path("depends_on_id").asText())
              : target.deepCopy();
          entry.put("dependency_type", rec.path("type").asText());
          deps.add(entry);
          if (parent == null && rec.path("type").asText().equals("parent-child")) {
            parent = rec.path("depends_on_id").asText();
          }
        }
      }
      if (!deps.isEmpty()) {
        d.set("dependencies", deps);
      }
      ArrayNode dependents = JSON.createArrayNode();
      for (JsonNode rec : dependents(id)) {
        ObjectNode source = find(rec.path("issue_id").asText());
        if (source != null) {
          dependents.add(source.deepCopy().put("dependency_type", rec.path("type").asText()));
        }
      }
      if (!dependents.isEmpty()) {
        d.set("dependents", dependents);
      }
      List<JsonNode> thread = commentsOf(id);
      if (!thread.isEmpty()) {
        d.putArray("comments").addAll(thread);
      }
      if (parent != null) {
        d.put("parent", parent);
      }
      details.add(d);
    }
    if (details.isEmpty()) {
      throw new Failure("issue not found: " + String.join(", ", ids), "not_found");
    }
    return details;
  }

  private JsonNode create() throws IOException {
    String title = flag("--title", positional.size() > 1 ? positional.get(1) : "");
    if (title.isBlank()) {
      throw new Failure("title required", "");
    }
    String bodyFile = flag("--body-file", null);
    String description = bodyFile == null ? flag("--description", flag("-d", ""))
        : bodyFile.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Files.readString(Path.of(bodyFile));
    int priority = priority(flag("--priority", flag("-p", "2")));
    String now = now();
    String id = store.path("prefix").asText() + "-a" + Integer.toString(store.path("next").asInt(), 36);
    store.put("next", store.path("next").asInt() + 1);
    ObjectNode issue = JSON.createObjectNode().put("id", id).put("title", title);
    if (!description.isEmpty()) {
      issue.put("description", description);
    }
    String acceptance = flag("--acceptance", "");
    if (!acceptance.isEmpty()) {
      issue.put("acceptance_criteria", acceptance);
    }
    issue.put("status", "open").put("priority", priority).put("issue_type", flag("--type", flag("-t", "task")))
        .put("created_at", now).put("created_by", flag("--actor", "fake")).put("updated_at", now);
    String metadata = flag("--metadata", null);
    if (metadata != null) {
      JsonNode meta = JSON.readTree(metadata);
      if (!meta.isObject()) {
        throw new Failure("invalid JSON in --metadata: must be valid JSON", "");
      }
      issue.set("metadata", meta);
    }
    ArrayNode labels = issue.putArray("labels");
    for (String l : flags.getOrDefault("--labels", flags.getOrDefault("-l", List.of()))) {
      for (String part : l.split(",")) {
        if (!part.isBlank()) {
          labels.add(part.trim());
        }
      }
    }
    ((ArrayNode) store.path("issues")).add(issue);
    for (String spec : flags.getOrDefault("--deps", List.of())) {
      for (String one : spec.split(",")) {
        String s = one.trim();
        int colon = s.indexOf(':');
        String type = colon < 0 ? "blocks" : s.substring(0, colon);
        String target = colon < 0 ? s : s.substring(colon + 1);
        boolean swap = type.equals("blocks");
        if (type.equals("blocked-by") || type.equals("depends-on")) {
          type = "blocks";
        }
        if (find(target) == null) {
          // beads adds --deps after filing the bead and only warns when one fails
          err.println("Warning: failed to add dependency " + id + " -> " + target + ": issue not found");
          continue;
        }
        addEdge(swap ? target : id, swap ? id : target, type);
      }
    }
    return issue;
  }

  private JsonNode update() {
    ArrayNode updated = JSON.createArrayNode();
    String actor = flag("--actor", "fake");
    for (String id : positional.subList(1, positional.size())) {
      ObjectNode issue = find(id);
      if (issue == null) {
        throw new Failure("issue not found: " + id, "not_found");
      }
      if (flags.containsKey("--claim")) {
        String assignee = issue.path("assignee").asText("");
        String status = issue.path("status").asText();
        boolean mine = assignee.equals(actor) && status.equals("in_progress");
        if (!mine) {
          if (!status.equals("open") || !(assignee.isEmpty() || assignee.equals(actor))) {
            err.println("Error claiming " + id + ": " + (assignee.isEmpty() || assignee.equals(actor)
                ? "issue is not claimable: status " + status : "already claimed by " + assignee));
            continue;
          }
          issue.put("assignee", actor).put("status", "in_progress").put("started_at", now());
          if ("on".equals(store.path("config").path("lease.auto").asText())) {
            issue.put("lease_expires_at", Instant.now().plusSeconds(600).toString());
          }
        }
      }
      String status = flag("--status", flag("-s", null));
      if (status != null) {
        if (!STATUSES.contains(status)) {
          throw new Failure("invalid status \"" + status + "\"", "");
        }
        issue.put("status", status);
        if (status.equals("closed")) {
          issue.put("closed_at", now());
        } else {
          issue.remove("closed_at");
          issue.remove("close_reason");
        }
      }
      if (flags.containsKey("--assignee")) {
        String a = flag("--assignee", "");
        if (a.isEmpty()) {
          issue.remove("assignee");
        } else {
          issue.put("assignee", a);
        }
      }
      ArrayNode labels = issue.withArray("labels");
      for (String l : flags.getOrDefault("--add-label", List.of())) {
        boolean present = false;
        for (JsonNode n : labels) {
          present |= n.asText().equals(l);
        }
        if (!present) {
          labels.add(l);
        }
      }
      for (String l : flags.getOrDefault("--remove-label", List.of())) {
        for (int i = labels.size() - 1; i >= 0; i--) {
          if (labels.get(i).asText().equals(l)) {
            labels.remove(i);
          }
        }
      }
      issue.put("updated_at", now());
      updated.add(issue.deepCopy());
    }
    return updated.isEmpty() ? null : updated;
  }

  private JsonNode close() {
    ArrayNode closed = JSON.createArrayNode();
    for (String id : positional.subList(1, positional.size())) {
      ObjectNode issue = find(id);
      if (issue == null) {
        throw new Failure("issue not found: " + id, "not_found");
      }
      if (!issue.path("status").asText().equals("closed")) {
        List<String> open = new ArrayList<>();
        for (JsonNode d : store.path("dependencies")) {
          ObjectNode blocker = find(d.path("depends_on_id").asText());
          if (d.path("issue_id").asText().equals(id) && d.path("type").asText().equals("blocks") && blocker != null
              && !blocker.path("status").asText().equals("closed")) {
            open.add(blocker.path("id").asText());
          }
        }
        if (!open.isEmpty() && !flags.containsKey("--force") && !flags.containsKey("-f")) {
          err.println("cannot close " + id + ": blocked by open issues " + open + " (use --force to override)");
          continue;
        }
        String now = now();
        issue.put("status", "closed").put("closed_at", now).put("updated_at", now)
            .put("close_reason", flag("--reason", flag("-r", "Closed")));
        issue.remove("lease_expires_at");
      }
      closed.add(issue.deepCopy());
    }
    return closed.isEmpty() ? null : closed;
  }

  private JsonNode depAdd() {
    if (positional.size() != 4) {
      throw new Failure("dep add takes <blocked> <blocker>", "");
    }
    String from = positional.get(2);
    String to = positional.get(3);
    for (String id : List.of(from, to)) {
      if (find(id) == null) {
        throw new Failure("issue not found: " + id, "not_found");
      }
    }
    String type = flag("--type", flag("-t", "blocks"));
    addEdge(from, to, type);
    return JSON.createObjectNode().put("status", "added").put("issue_id", from).put("depends_on_id", to)
        .put("type", type);
  }

  private JsonNode commentAdd() {
    if (positional.size() != 4) {
      throw new Failure("comments add takes <issue-id> <text>", "");
    }
    String id = positional.get(2);
    if (find(id) == null) {
      throw new Failure("issue not found: " + id, "not_found");
    }
    ArrayNode all = (ArrayNode) store.path("comments");
    ObjectNode c = JSON.createObjectNode().put("id", Integer.toString(all.size() + 1)).put("issue_id", id)
        .put("author", flag("--author", flag("--actor", "fake"))).put("text", positional.get(3))
        .put("created_at", now());
    all.add(c);
    return c;
  }

  // ---- store ----

  private void addEdge(String from, String to, String type) {
    for (JsonNode d : store.path("dependencies")) {
      if (d.path("issue_id").asText().equals(from) && d.path("depends_on_id").asText().equals(to)
          && d.path("type").asText().equals(type)) {
        return;
      }
    }
    ((ArrayNode) store.path("dependencies")).add(JSON.createObjectNode().put("issue_id", from)
        .put("depends_on_id", to).put("type", type).put("created_at", now())
        .put("created_by", flag("--actor", "fake")));
  }

  private ObjectNode find(String id) {
    for (JsonNode issue : store.path("issues")) {
      if (issue.path("id").asText().equals(id)) {
        return (ObjectNode) issue;
      }
    }
    return null;
  }

  private List<JsonNode> dependents(String id) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode d : store.path("dependencies")) {
      if (d.path("depends_on_id").asText().equals(id)) {
        out.add(d);
      }
    }
    return out;
  }

  private List<JsonNode> commentsOf(String id) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode c : store.path("comments")) {
      if (c.path("issue_id").asText().equals(id)) {
        out.add(c);
      }
    }
    return out;
  }

  private static int priority(String text) {
    String t = text.startsWith("P") || text.startsWith("p") ? text.substring(1) : text;
    if (!t.matches("[0-4]")) {
      throw new Failure("invalid priority \"" + text + "\" (expected 0-4 or P0-P4)", "");
    }
    return Integer.parseInt(t);
  }

  // ---- output ----

  private void emit(JsonNode payload) throws IOException {
    JsonNode wrapped;
    if (envelope) {
      ObjectNode env = JSON.createObjectNode().put("schema_version", 1);
      env.set("data", payload);
      wrapped = env;
    } else if (payload.isObject()) {
      wrapped = ((ObjectNode) payload.deepCopy()).put("schema_version", 1);
    } else {
      wrapped = payload;
    }
    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(wrapped));
  }

  private void error(String message, String code) throws IOException {
    ObjectNode base = JSON.createObjectNode().put("error", message);
    if (!code.isEmpty()) {
      base.put("code", code);
    }
    JsonNode wrapped;
    if (envelope) {
      ObjectNode env = JSON.createObjectNode().put("schema_version", 1);
      env.set("data", base);
      wrapped = env;
    } else {
      wrapped = base.put("schema_version", 1);
    }
    err.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(wrapped));
  }

  private String flag(String name, String fallback) {
    List<String> values = flags.get(name);
    return values == null || values.isEmpty() ? fallback : values.get(values.size() - 1);
  }

  private static String now() {
    return Instant.now().toString();
  }

  private static JsonNode readControl(Path beads) throws IOException {
    Path control = beads.resolve("fake-bd-control.json");
    return Files.exists(control) ? JSON.readTree(Files.readString(control)) : JSON.createObjectNode();
  }

  private void log(Path beads, String[] args) throws IOException {
    if (!Files.isDirectory(beads)) {
      return;
    }
    ObjectNode line = JSON.createObjectNode();
    ArrayNode argv = line.putArray("argv");
    for (String a : args) {
      argv.add(a);
    }
    ArrayNode env = line.putArray("env");
    new TreeMap<>(System.getenv()).keySet().forEach(env::add);
    Files.writeString(beads.resolve("fake-bd.log"), JSON.writeValueAsString(line) + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}

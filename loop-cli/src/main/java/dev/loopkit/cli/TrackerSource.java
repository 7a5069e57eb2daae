package dev.loopkit.cli;

import dev.loopkit.beads.BeadsTracker;
import dev.loopkit.beads.Leases;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.github.DependencySource;
import dev.loopkit.github.GitHubTracker;
import dev.loopkit.jira.JiraAuth;
import dev.loopkit.jira.JiraTracker;
import dev.loopkit.linear.LinearTracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The tracker a project's {@code loop.yaml} names in its {@code tracker} section: {@code kind} is
 * {@code markdown} (the default), {@code github}, {@code jira}, {@code linear} or {@code beads}, each with the
 * keys its adapter documents. Reading the file checks every key and runs every value through the adapter's
 * builder, so a bad value fails with the file and key named before anything runs; {@link #open} adds the
 * credential, read from the environment variable the file names (never from the file), and builds the tracker.
 * A component that is null was not set: the adapter's default applies. Immutable.
 */
sealed interface TrackerSource {
  List<String> KINDS = List.of("markdown", "github", "jira", "linear", "beads");

  /** The statuses as a file spells them, e.g. {@code human-gated}. */
  Set<String> STATUS_KEYS = Set.of("open", "in-progress", "done", "human-gated", "cancelled");

  /**
   * Builds the tracker; credentials come from {@code environment} by the names the file gives. Makes no request.
   *
   * @throws InputException naming the file, the key and the variable (never its value) when a credential
   *     variable is unset, or when the adapter refuses the settings together
   */
  Tracker open(Path file, Map<String, String> environment);

  /**
   * Checks that every credential variable the file names (or defaults to) is set, without building anything:
   * what a command calls first, before it prepares a repository or starts a run.
   *
   * @throws InputException naming the file, the key and the variable (never its value)
   */
  void requireCredentials(Path file, Map<String, String> environment);

  /** The Markdown tracker's folder; empty for the other kinds, whose tickets are not files of the project. */
  default Optional<Path> ticketFolder() {
    return Optional.empty();
  }

  /**
   * Reads the {@code tracker} section.
   *
   * @throws InputException naming the file and key for an unknown kind, an unknown key of the kind, a missing
   *     required key or a value the adapter refuses
   */
  static TrackerSource parse(Path file, Path project, ConfigNode node) {
    String kind = node.choice("kind", KINDS).orElse("markdown");
    TrackerSource source;
    switch (kind) {
      case "github":
        source = GitHub.parse(node);
        break;
      case "jira":
        source = Jira.parse(node);
        break;
      case "linear":
        source = Linear.parse(node);
        break;
      case "beads":
        source = Beads.parse(project, node);
        break;
      default:
        source = Markdown.parse(project, node);
        break;
    }
    source.check(file);
    return source;
  }

  /** Runs every setting through the adapter's builder (without building), naming the key of a refused one. */
  void check(Path file);

  /** The embedded Markdown tracker: one {@code <id>.md} per ticket in {@code folder}. */
  record Markdown(Path folder, String idPrefix) implements TrackerSource {
    static final Set<String> KEYS = Set.of("kind", "call-timeout", "folder", "id-prefix");

    static Markdown parse(Path project, ConfigNode node) {
      node.only(KEYS);
      return new Markdown(project.resolve(node.requireText("folder", "tickets")),
          node.text("id-prefix").orElse("T"));
    }

    @Override
    public void check(Path file) {
      builder(file);
    }

    private MarkdownTracker.Builder builder(Path file) {
      MarkdownTracker.Builder b = MarkdownTracker.builder(folder);
      set(file, "id-prefix", () -> b.idPrefix(idPrefix));
      return b;
    }

    @Override
    public void requireCredentials(Path file, Map<String, String> environment) {
      // a folder of files needs none
    }

    @Override
    public Tracker open(Path file, Map<String, String> environment) {
      // the folder's existence is the one thing only building checks
      return built(file, "tracker.folder", builder(file)::build);
    }

    @Override
    public Optional<Path> ticketFolder() {
      return Optional.of(folder);
    }
  }

  /** GitHub Issues (loop-github): the issues of {@code repository} with {@code label} or in {@code milestone}. */
  record GitHub(String repository, @Nullable String label, @Nullable Integer milestone, String tokenVariable,
      @Nullable String baseUrl, @Nullable String inProgressLabel, @Nullable String humanGatedLabel,
      @Nullable DependencySource dependencies, @Nullable Duration fullReadEvery, @Nullable Duration sinceOverlap,
      @Nullable Duration maxRateLimitWait, @Nullable Integer maxRetries) implements TrackerSource {
    static final Set<String> KEYS = Set.of("kind", "call-timeout", "repository", "label", "milestone", "token-env", "base-url",
        "in-progress-label", "human-gated-label", "dependencies", "full-read-every", "since-overlap",
        "max-rate-limit-wait", "max-retries");
    static final String DEFAULT_TOKEN_VARIABLE = "GITHUB_TOKEN";

    static GitHub parse(ConfigNode node) {
      node.only(KEYS);
      String repository = node.requireText("repository", "acme/widgets");
      String label = node.text("label").orElse(null);
      Integer milestone = node.integer("milestone", 1).orElse(null);
      if (label == null && milestone == null) {
        throw node.error("label", "is missing: expected the batch's label, e.g. loop:batch-7 (or a milestone"
            + " number under 'milestone')");
      }
      if (label != null && milestone != null) {
        throw node.error("milestone", "is set together with 'label': a GitHub batch is a label or a milestone,"
            + " not both");
      }
      return new GitHub(repository, label, milestone, variable(node, "token-env", DEFAULT_TOKEN_VARIABLE),
          node.text("base-url").orElse(null), node.text("in-progress-label").orElse(null),
          node.text("human-gated-label").orElse(null),
          node.choice("dependencies", List.of("native", "body"))
              .map(d -> DependencySource.valueOf(d.toUpperCase(Locale.ROOT))).orElse(null),
          node.duration("full-read-every").orElse(null), nonNegative(node, "since-overlap"),
          node.duration("max-rate-limit-wait").orElse(null), node.integer("max-retries", 0).orElse(null));
    }

    @Override
    public void check(Path file) {
      builder(file);
    }

    private GitHubTracker.Builder builder(Path file) {
      GitHubTracker.Builder b = GitHubTracker.builder();
      set(file, "repository", () -> b.repository(repository));
      ifSet(file, "label", label, b::label);
      ifSet(file, "milestone", milestone, b::milestone);
      ifSet(file, "base-url", baseUrl, b::baseUrl);
      ifSet(file, "in-progress-label", inProgressLabel, b::inProgressLabel);
      ifSet(file, "human-gated-label", humanGatedLabel, b::humanGatedLabel);
      ifSet(file, "dependencies", dependencies, b::dependencies);
      ifSet(file, "full-read-every", fullReadEvery, b::fullReadEvery);
      ifSet(file, "since-overlap", sinceOverlap, b::sinceOverlap);
      ifSet(file, "max-rate-limit-wait", maxRateLimitWait, b::maxRateLimitWait);
      ifSet(file, "max-retries", maxRetries, b::maxRetries);
      return b;
    }

    @Override
    public void requireCredentials(Path file, Map<String, String> environment) {
      token(file, environment);
    }

    private String token(Path file, Map<String, String> environment) {
      String token = secret(file, environment, "token-env", tokenVariable,
          "a GitHub token with read and write access to the issues of " + repository);
      if (!token.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new InputException(file + ": key 'tracker.token-env' names the environment variable " + tokenVariable
            + ", whose value holds spaces, line breaks or other characters a header cannot carry: expected a"
            + " single-line token (the value is not shown)");
      }
      return token;
    }

    @Override
    public Tracker open(Path file, Map<String, String> environment) {
      String token = token(file, environment);
      GitHubTracker.Builder b = builder(file);
      set(file, "token-env", () -> b.token(token));
      return built(file, "tracker", b::build);
    }
  }

  /** Jira Cloud (loop-jira): the issues of {@code project} with {@code label}, or the issues {@code jql} finds. */
  record Jira(String site, String project, @Nullable String label, @Nullable String jql, String auth,
      @Nullable String email, String tokenVariable, @Nullable String issueType, @Nullable String subtaskIssueType,
      @Nullable String blocksLinkType, @Nullable String relatesLinkType, Map<Status, List<String>> statuses,
      Map<String, Status> statusCategories, List<String> priorityIds, @Nullable Integer pageSize,
      @Nullable Integer fullReadEvery, @Nullable Duration maxRateLimitWait, @Nullable Integer maxRetries)
      implements TrackerSource {
    static final Set<String> KEYS = Set.of("kind", "call-timeout", "site", "project", "label", "jql", "auth", "email", "token-env",
        "issue-type", "subtask-issue-type", "blocks-link-type", "relates-link-type", "statuses",
        "status-categories", "priority-ids", "page-size", "full-read-every", "max-rate-limit-wait", "max-retries");

    public Jira {
      statuses = Map.copyOf(statuses);
      statusCategories = Map.copyOf(statusCategories);
      priorityIds = List.copyOf(priorityIds);
    }

    static Jira parse(ConfigNode node) {
      node.only(KEYS);
      String site = node.requireText("site", "https://acme.atlassian.net");
      String project = node.requireText("project", "ENG (the project new issues are filed in)");
      String label = node.text("label").orElse(null);
      String jql = node.text("jql").orElse(null);
      if (label == null && jql == null) {
        throw node.error("label", "is missing: expected the batch's label, e.g. loop-batch-7 (or a query under"
            + " 'jql')");
      }
      String auth = node.choice("auth", List.of("basic", "bearer")).orElse("basic");
      String email = node.text("email").orElse(null);
      if (auth.equals("basic") && email == null) {
        throw node.error("email", "is missing: expected the Atlassian account's email for auth: basic (or set"
            + " auth: bearer)");
      }
      if (auth.equals("bearer") && email != null) {
        throw node.error("email", "is set with auth: bearer, which sends no email: expected no email, or auth:"
            + " basic");
      }
      if (!node.has("token-env")) {
        throw node.error("token-env", "is missing: expected the NAME of the environment variable holding the Jira"
            + " API token, e.g. JIRA_API_TOKEN (the token itself never goes in this file)");
      }
      String tokenVariable = variable(node, "token-env", "JIRA_API_TOKEN");
      Map<Status, List<String>> statuses = new EnumMap<>(Status.class);
      Optional<ConfigNode> s = node.section("statuses");
      if (s.isPresent()) {
        s.get().only(STATUS_KEYS);
        for (String name : s.get().fieldNames()) {
          List<String> names = s.get().texts(name);
          if (names.isEmpty()) {
            throw s.get().error(name, "is empty: expected one or more Jira status names");
          }
          statuses.put(Status.parse(name), names);
        }
      }
      Map<String, Status> categories = new LinkedHashMap<>();
      Optional<ConfigNode> c = node.section("status-categories");
      if (c.isPresent()) {
        c.get().only(Set.of("new", "indeterminate", "done", "undefined"));
        for (String name : c.get().fieldNames()) {
          categories.put(name, status(c.get(), name));
        }
      }
      return new Jira(site, project, label, jql, auth, email, tokenVariable, node.text("issue-type").orElse(null),
          node.text("subtask-issue-type").orElse(null), node.text("blocks-link-type").orElse(null),
          node.text("relates-link-type").orElse(null), statuses, categories, node.texts("priority-ids"),
          node.integer("page-size", 1).orElse(null), node.integer("full-read-every", 1).orElse(null),
          node.duration("max-rate-limit-wait").orElse(null), node.integer("max-retries", 0).orElse(null));
    }

    @Override
    public void check(Path file) {
      builder(file);
    }

    private JiraTracker.Builder builder(Path file) {
      JiraTracker.Builder b = JiraTracker.builder();
      set(file, "site", () -> b.site(site));
      set(file, "project", () -> b.project(project));
      ifSet(file, "label", label, b::label);
      ifSet(file, "jql", jql, b::jql);
      set(file, auth.equals("basic") ? "email" : "token-env", () -> b.auth(auth.equals("basic")
          ? JiraAuth.basic(Objects.requireNonNull(email), tokenVariable) : JiraAuth.bearer(tokenVariable)));
      ifSet(file, "issue-type", issueType, b::issueType);
      ifSet(file, "subtask-issue-type", subtaskIssueType, b::subtaskIssueType);
      ifSet(file, "blocks-link-type", blocksLinkType, b::blocksLinkType);
      ifSet(file, "relates-link-type", relatesLinkType, b::relatesLinkType);
      statuses.forEach((status, names) -> set(file, "statuses." + status.wireName(), () -> b.statusNames(status,
          names.get(0), names.subList(1, names.size()).toArray(String[]::new))));
      statusCategories.forEach((category, status) -> set(file, "status-categories." + category,
          () -> b.statusCategory(category, status)));
      if (!priorityIds.isEmpty()) {
        set(file, "priority-ids", () -> b.priorityIds(priorityIds));
      }
      ifSet(file, "page-size", pageSize, b::pageSize);
      ifSet(file, "full-read-every", fullReadEvery, b::fullReadEvery);
      ifSet(file, "max-rate-limit-wait", maxRateLimitWait, b::maxRateLimitWait);
      ifSet(file, "max-retries", maxRetries, b::maxRetries);
      return b;
    }

    @Override
    public void requireCredentials(Path file, Map<String, String> environment) {
      secret(file, environment, "token-env", tokenVariable, auth.equals("basic")
          ? "the Atlassian API token of " + email : "a Jira bearer token");
    }

    @Override
    public Tracker open(Path file, Map<String, String> environment) {
      requireCredentials(file, environment);
      JiraTracker.Builder b = builder(file).environment(environment);
      return built(file, "tracker", b::build);
    }
  }

  /** Linear (loop-linear): the issues of {@code team} narrowed by a label, a project and/or a cycle. */
  record Linear(String team, @Nullable String label, @Nullable String project, @Nullable Integer cycle,
      String keyVariable, LinearTracker.@Nullable Credential credential, @Nullable String endpoint,
      Map<Status, String> states, @Nullable String humanGatedLabel, @Nullable Integer pageSize,
      @Nullable Integer changesPageSize, @Nullable Duration overlap, @Nullable Duration fullReadEvery,
      @Nullable Duration maxRateLimitWait, @Nullable Integer maxRetries) implements TrackerSource {
    static final Set<String> KEYS = Set.of("kind", "call-timeout", "team", "label", "project", "cycle", "key-env", "credential",
        "endpoint", "states", "human-gated-label", "page-size", "changes-page-size", "overlap", "full-read-every",
        "max-rate-limit-wait", "max-retries");
    static final String DEFAULT_KEY_VARIABLE = "LINEAR_API_KEY";

    public Linear {
      states = Map.copyOf(states);
    }

    static Linear parse(ConfigNode node) {
      node.only(KEYS);
      String team = node.requireText("team", "ENG (the team key, the prefix of ENG-42)");
      String label = node.text("label").orElse(null);
      String project = node.text("project").orElse(null);
      Integer cycle = node.integer("cycle", 1).orElse(null);
      if (label == null && project == null && cycle == null) {
        throw node.error("label", "is missing: expected the batch as at least one of 'label' (e.g. loop:batch-7),"
            + " 'project' or 'cycle'");
      }
      Map<Status, String> states = new EnumMap<>(Status.class);
      Optional<ConfigNode> s = node.section("states");
      if (s.isPresent()) {
        s.get().only(STATUS_KEYS);
        for (String name : s.get().fieldNames()) {
          states.put(Status.parse(name), s.get().requireText(name, "a workflow state's name, e.g. Needs Human"));
        }
      }
      return new Linear(team, label, project, cycle, variable(node, "key-env", DEFAULT_KEY_VARIABLE),
          node.choice("credential", List.of("personal-api-key", "oauth-token"))
              .map(c -> c.equals("oauth-token") ? LinearTracker.Credential.OAUTH_TOKEN
                  : LinearTracker.Credential.PERSONAL_API_KEY).orElse(null),
          node.text("endpoint").orElse(null), states, node.text("human-gated-label").orElse(null),
          node.integer("page-size", 1).orElse(null), node.integer("changes-page-size", 1).orElse(null),
          nonNegative(node, "overlap"), node.duration("full-read-every").orElse(null),
          node.duration("max-rate-limit-wait").orElse(null), node.integer("max-retries", 0).orElse(null));
    }

    @Override
    public void check(Path file) {
      builder(file);
    }

    private LinearTracker.Builder builder(Path file) {
      LinearTracker.Builder b = LinearTracker.builder();
      set(file, "team", () -> b.team(team));
      ifSet(file, "label", label, b::label);
      ifSet(file, "project", project, b::project);
      ifSet(file, "cycle", cycle, b::cycle);
      set(file, "key-env", () -> b.apiKeyEnv(keyVariable));
      ifSet(file, "credential", credential, b::credential);
      ifSet(file, "endpoint", endpoint, b::endpoint);
      states.forEach((status, name) -> set(file, "states." + status.wireName(), () -> b.stateName(status, name)));
      ifSet(file, "human-gated-label", humanGatedLabel, b::humanGatedLabel);
      ifSet(file, "page-size", pageSize, b::pageSize);
      ifSet(file, "changes-page-size", changesPageSize, b::changesPageSize);
      ifSet(file, "overlap", overlap, b::overlap);
      ifSet(file, "full-read-every", fullReadEvery, b::fullReadEvery);
      ifSet(file, "max-rate-limit-wait", maxRateLimitWait, b::maxRateLimitWait);
      ifSet(file, "max-retries", maxRetries, b::maxRetries);
      return b;
    }

    @Override
    public void requireCredentials(Path file, Map<String, String> environment) {
      secret(file, environment, "key-env", keyVariable, credential == LinearTracker.Credential.OAUTH_TOKEN
          ? "a Linear OAuth access token" : "a Linear personal API key");
    }

    @Override
    public Tracker open(Path file, Map<String, String> environment) {
      requireCredentials(file, environment);
      LinearTracker.Builder b = builder(file).environment(environment);
      return built(file, "tracker", b::build);
    }
  }

  /** beads (loop-beads): the beads with {@code label} in the database of {@code directory}, through {@code bd}. */
  record Beads(Path directory, String label, List<String> executable, @Nullable String actor,
      @Nullable Duration timeout, @Nullable Leases leases, @Nullable String cancelledLabel,
      @Nullable String humanLabel, Map<String, Status> customStatuses, Set<String> retryableCodes,
      @Nullable String passwordVariable, List<String> passVariables) implements TrackerSource {
    static final Set<String> KEYS = Set.of("kind", "call-timeout", "directory", "label", "executable", "actor", "timeout", "leases",
        "cancelled-label", "human-label", "custom-statuses", "retryable-codes", "password-env", "pass-env");

    public Beads {
      executable = List.copyOf(executable);
      customStatuses = Map.copyOf(customStatuses);
      retryableCodes = Set.copyOf(retryableCodes);
      passVariables = List.copyOf(passVariables);
    }

    static Beads parse(Path project, ConfigNode node) {
      node.only(KEYS);
      Path directory = project.resolve(node.requireText("directory", ". (the folder holding .beads/, relative to"
          + " the project)")).normalize();
      String label = node.requireText("label", "loop:batch-7 (the batch)");
      Map<String, Status> custom = new LinkedHashMap<>();
      Optional<ConfigNode> c = node.section("custom-statuses");
      if (c.isPresent()) {
        for (String name : c.get().fieldNames()) {
          custom.put(name, status(c.get(), name));
        }
      }
      String password = node.has("password-env") ? variable(node, "password-env", "BEADS_DOLT_PASSWORD") : null;
      List<String> pass = new ArrayList<>();
      for (String name : node.texts("pass-env")) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw node.error("pass-env", "holds '" + name + "': expected names of environment variables");
        }
        pass.add(name);
      }
      return new Beads(directory, label, node.texts("executable"), node.text("actor").orElse(null),
          node.duration("timeout").orElse(null),
          node.choice("leases", List.of("disarm", "keep"))
              .map(l -> Leases.valueOf(l.toUpperCase(Locale.ROOT))).orElse(null),
          node.text("cancelled-label").orElse(null), node.text("human-label").orElse(null), custom,
          new LinkedHashSet<>(node.texts("retryable-codes")), password, pass);
    }

    @Override
    public void check(Path file) {
      builder(file);
    }

    private BeadsTracker.Builder builder(Path file) {
      BeadsTracker.Builder b = BeadsTracker.builder();
      set(file, "directory", () -> b.directory(directory));
      set(file, "label", () -> b.label(label));
      if (!executable.isEmpty()) {
        set(file, "executable", () -> b.executable(executable.get(0),
            executable.subList(1, executable.size()).toArray(String[]::new)));
      }
      ifSet(file, "actor", actor, b::actor);
      ifSet(file, "timeout", timeout, b::timeout);
      ifSet(file, "leases", leases, b::leases);
      ifSet(file, "cancelled-label", cancelledLabel, b::cancelledLabel);
      ifSet(file, "human-label", humanLabel, b::humanLabel);
      customStatuses.forEach((name, status) -> set(file, "custom-statuses." + name, () -> b.customStatus(name,
          status)));
      if (!retryableCodes.isEmpty()) {
        set(file, "retryable-codes", () -> b.retryableCodes(retryableCodes));
      }
      ifSet(file, "password-env", passwordVariable, b::passwordVariable);
      passVariables.forEach(v -> set(file, "pass-env", () -> b.passVariable(v)));
      return b;
    }

    @Override
    public void requireCredentials(Path file, Map<String, String> environment) {
      // a local beads database needs no password: the variable must be set only when the file names one
      if (passwordVariable != null) {
        secret(file, environment, "password-env", passwordVariable, "the Dolt server's password");
      }
    }

    @Override
    public Tracker open(Path file, Map<String, String> environment) {
      requireCredentials(file, environment);
      BeadsTracker.Builder b = builder(file).environment(environment);
      return built(file, "tracker", b::build);
    }
  }

  // ---- shared by the kinds ----

  /** Applies one setting, naming the key when the adapter refuses the value. */
  private static void set(Path file, String key, Runnable setter) {
    try {
      setter.run();
    } catch (InputException e) {
      throw new InputException(file + ": key 'tracker." + key + "' is refused: " + e.getMessage(), e);
    }
  }

  private static <T> void ifSet(Path file, String key, @Nullable T value, Consumer<T> setter) {
    if (value != null) {
      set(file, key, () -> setter.accept(value));
    }
  }

  /** Builds, naming {@code key} (the section, when the adapter refuses the settings together) on a refusal. */
  private static Tracker built(Path file, String key, Supplier<Tracker> build) {
    try {
      return build.get();
    } catch (InputException e) {
      throw new InputException(file + ": key '" + key + "' is refused: " + e.getMessage(), e);
    }
  }

  /** An environment variable's name under {@code key}, or {@code fallback}; a value that is no name is refused. */
  private static String variable(ConfigNode node, String key, String fallback) {
    String name = node.text(key).orElse(fallback);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      // the value is not repeated: it may be the secret itself, pasted where its variable's name belongs
      throw node.error(key, "is not the name of an environment variable: expected a name such as " + fallback
          + " (letters, digits and _), never the credential itself");
    }
    return name;
  }

  /** The value of a credential variable, or an error naming the variable and the key (never a value). */
  private static String secret(Path file, Map<String, String> environment, String key, String variable,
      String what) {
    String value = environment.get(variable);
    if (value == null || value.isBlank()) {
      throw new InputException(file + ": key 'tracker." + key + "' names the environment variable " + variable
          + ", which is not set: expected it to hold " + what + " (or set tracker." + key
          + " to the variable that does)");
    }
    return value.trim();
  }

  private static Status status(ConfigNode node, String key) {
    String text = node.requireText(key, "a Loop status such as in-progress");
    try {
      return Status.parse(text);
    } catch (InputException e) {
      throw node.error(key, "is '" + text + "': expected one of open, in-progress, done, human-gated, cancelled");
    }
  }

  private static @Nullable Duration nonNegative(ConfigNode node, String key) {
    Optional<String> text = node.text(key);
    if (text.isPresent() && text.get().matches("0+(ms|s|m|h)?")) {
      return Duration.ZERO;
    }
    return node.duration(key).orElse(null);
  }
}

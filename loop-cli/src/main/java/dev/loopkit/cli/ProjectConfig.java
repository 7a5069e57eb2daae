package dev.loopkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.loopkit.core.Caps;
import dev.loopkit.core.InputException;
import dev.loopkit.llm.work.SimplicityGate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A project's {@code loop.yaml}, read and checked. Every problem is an {@link InputException} naming the
 * file, the key and what was expected; unknown keys are errors too. Paths in the file are relative to the
 * project folder. See the module README for every key.
 *
 * <pre>{@code
 * ProjectConfig config = ProjectConfig.read(Path.of("examples/quickstart"));
 * config.caps().maxConcurrency();   // 2
 * }</pre>
 */
public final class ProjectConfig {
  /** The configuration file's name inside a project folder. */
  public static final String FILE_NAME = "loop.yaml";

  static final List<String> VENDORS = List.of("anthropic", "openai", "scripted");

  // a key given twice is an error, not "the last one wins" (a repeated cap would silently change a run)
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  /** How long one tracker call may take before the engine abandons and retries it, without tracker.call-timeout. */
  public static final Duration DEFAULT_TRACKER_CALL_TIMEOUT = Duration.ofSeconds(60);

  private final Path file;
  private final Path project;
  private final TrackerSource tracker;
  private final Workspace workspace;
  private final Map<String, Model> models;
  private final Strategies strategies;
  private final WorkerSettings worker;
  private final @Nullable String reviewerModel;
  private final VerifierSettings verifier;
  private final SandboxSettings sandbox;
  private final @Nullable HealerSettings healer;
  private final Caps caps;
  private final Duration trackerCallTimeout;

  /** Where the batch's code lives and how tickets get into it. */
  public record Workspace(Path repository, @Nullable Path initFrom, @Nullable Path worktrees,
      String integrationBranch) {}

  /**
   * One model of a role: {@code vendor} is {@code anthropic}, {@code openai} or {@code scripted};
   * {@code keyVariable} the environment variable holding the API key; {@code transcripts} the folder of
   * recorded conversations a scripted model replays.
   */
  /**
   * One {@code models} entry. For a compatible server: {@code keyVariable} {@code none} sends no key (a local
   * server), {@code auth} is {@code bearer} or {@code header:<name>}, {@code vendorName} the name the client
   * reports (for the reviewer's cross-vendor rule), {@code tokenLimitField} {@code max_tokens} or
   * {@code max_completion_tokens} (OpenAI-compatible only). {@code api} is {@code chat} (Chat Completions, the
   * default) or {@code responses} (OpenAI's Responses API), for vendor {@code openai}; {@code reasoning} the
   * {@code reasoning-effort} and {@code thinking-budget} every request of this model carries, or null;
   * {@code structuredOutput} false ({@code structured-output: false}) for a server that rejects JSON-schema
   * output, whose requests then go without it.
   */
  public record Model(String role, String vendor, String model, @Nullable String keyVariable,
      @Nullable String baseUrl, @Nullable Path transcripts, @Nullable String auth, @Nullable String vendorName,
      @Nullable String tokenLimitField, String api, dev.loopkit.llm.@Nullable Reasoning reasoning,
      boolean structuredOutput, Map<String, String> headers, dev.loopkit.llm.PriceTable.@Nullable Price price) {
    /**
     * Copies the headers, so the entry cannot change under the clients built from it.
     *
     * @param role the entry's name under {@code models}
     * @param vendor {@code anthropic}, {@code openai} or {@code scripted}
     * @param model the vendor's model name
     * @param keyVariable {@code key-env}: the variable holding the key, {@code none}, or null for the vendor's
     * @param baseUrl {@code base-url}, or null for the vendor's own API
     * @param transcripts the recorded conversations of a scripted model, or null
     * @param auth {@code bearer}, {@code header:<name>}, or null for the vendor's usual header
     * @param vendorName the name the other-vendor rule sees, or null for the vendor's
     * @param tokenLimitField {@code max_tokens} or {@code max_completion_tokens} (openai), or null
     * @param api {@code chat} or {@code responses}
     * @param reasoning the effort or thinking budget of every request, or null
     * @param structuredOutput false for a server that rejects JSON-schema output
     * @param headers extra request headers (never credentials)
     * @param price the fallback price per million tokens, or null
     */
    public Model {
      headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /**
     * No key: a local server that takes none ({@code key-env: none}).
     *
     * @return true when no key is read or sent
     */
    public boolean noKey() {
      return "none".equals(keyVariable);
    }

    /**
     * The key variable to read: the configured one, else the vendor's usual one.
     *
     * @return a variable name such as {@code ANTHROPIC_API_KEY}
     */
    public String keyVariableOrDefault() {
      if (keyVariable != null) {
        return keyVariable;
      }
      return vendor.equals("anthropic") ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    }
  }

  /**
   * How tickets are worked: {@code kind} is {@code model} (the agent loop) or {@code command} (an agent CLI);
   * {@code promptFile}, for a model worker, is a file whose text is appended to the worker's system prompt,
   * read again when each attempt starts (so a heal of it reaches the next attempt).
   */
  public record WorkerSettings(String kind, String model, int maxTurns, List<String> protect,
      Duration commandTimeout, String agent, List<String> argv, @Nullable Path promptFile) {}

  /** One {@code worker.routes} entry: tickets with {@code label}, or of {@code priorityAtLeast} or lower, go to {@code model}. */
  public record Route(String model, @Nullable String label, @Nullable Integer priorityAtLeast) {}

  /**
   * The worker strategies of {@code worker} and {@code reviewer} and the {@code simplicity} gate: routes (in order),
   * the escalation model, continue-turns (0 off), the review panel (empty without one) with its rule
   * ({@code all} or {@code majority}) and its diff-only reviewers, and the gate's budget and hard limits (null
   * without a {@code simplicity} section).
   */
  public record Strategies(List<Route> routes, @Nullable String escalateTo, int continueTurns, List<String> panel,
      String rule, List<String> diffOnly, SimplicityGate.@Nullable Limits simplicityBudget,
      SimplicityGate.@Nullable Limits simplicityHardLimit) {
    /**
     * Copies the lists.
     *
     * @param routes the {@code worker.routes}, in order (the first match wins)
     * @param escalateTo the models entry every attempt after a failed one goes to, or null
     * @param continueTurns turns a failed short conversation may continue for (0: always a fresh worker)
     * @param panel the review panel's models entries (empty: one reviewer or none)
     * @param rule {@code all} or {@code majority}
     * @param diffOnly the reviewers that see only the diff and the finish line
     * @param simplicityBudget the simplicity gate's budget, or null without a {@code simplicity} section
     * @param simplicityHardLimit the limits past which the gate fails the attempt, or null likewise
     */
    public Strategies {
      routes = List.copyOf(routes);
      panel = List.copyOf(panel);
      diffOnly = List.copyOf(diffOnly);
    }
  }

  /**
   * The {@code healer} section: the self-heal agent asked when {@code afterFailures} attempts in a row have
   * failed or the run stalls, at most {@code maxHeals} times a run. {@code model} is a {@code models} entry;
   * {@code harness} the folder the {@code healable} globs are relative to (the only files a heal may change);
   * {@code maxTurns}, {@code maxCostUsd} and {@code timeout} cap each heal's conversation.
   */
  public record HealerSettings(String model, int afterFailures, int maxHeals, int revertAfter, Path harness,
      List<String> healable, int maxTurns, java.math.BigDecimal maxCostUsd, Duration timeout) {
    /**
     * Copies the globs.
     *
     * @param model the healer's models entry
     * @param afterFailures failed attempts in a row that call the healer
     * @param maxHeals heals per run, across sessions
     * @param revertAfter attempts an applied heal has to get a ticket done before it is reverted (0: never)
     * @param harness the folder of the harness's own files
     * @param healable the globs, relative to {@code harness}, a heal may change
     * @param maxTurns the turn cap of each heal's conversation
     * @param maxCostUsd the money cap of each heal
     * @param timeout the time cap of each heal
     */
    public HealerSettings {
      healable = List.copyOf(healable);
    }
  }

  /** The verifier for tickets whose metadata names no {@code verify} command. */
  public record VerifierSettings(@Nullable String command, @Nullable String expectOutput, Duration timeout) {}

  /**
   * How the processes of tickets (the verifier's commands, the code under test) are confined: {@code kind} is
   * {@code bubblewrap} (the default) or {@code none}, the explicit opt-out; {@code network} gives every sandbox
   * the host's network (off by default); {@code readOnly} and {@code writable} are extra host paths, absolute and
   * existing, that every sandbox shows read-only or writable.
   */
  public record SandboxSettings(String kind, boolean network, List<Path> readOnly, List<Path> writable) {
    /** What a project without a {@code sandbox} section gets: bubblewrap, no network, nothing extra. */
    public static final SandboxSettings DEFAULT = new SandboxSettings("bubblewrap", false, List.of(), List.of());

    /**
     * Copies the path lists.
     *
     * @param kind {@code bubblewrap} or {@code none}
     * @param network whether every sandbox gets the host's network
     * @param readOnly extra host paths every sandbox shows read-only
     * @param writable extra host paths every sandbox may write
     */
    public SandboxSettings {
      readOnly = List.copyOf(readOnly);
      writable = List.copyOf(writable);
    }

    /**
     * Whether processes are confined at all ({@code kind: none} is the opt-out).
     *
     * @return false only for {@code kind: none}
     */
    public boolean confines() {
      return !kind.equals("none");
    }
  }

  private ProjectConfig(Path file, Path project, TrackerSource tracker, Workspace workspace,
      Map<String, Model> models, WorkerSettings worker, @Nullable String reviewerModel, VerifierSettings verifier,
      SandboxSettings sandbox, @Nullable HealerSettings healer, Caps caps, Strategies strategies,
      Duration trackerCallTimeout) {
    this.strategies = strategies;
    this.trackerCallTimeout = trackerCallTimeout;
    this.file = file;
    this.project = project;
    this.tracker = tracker;
    this.workspace = workspace;
    this.models = Map.copyOf(models);
    this.worker = worker;
    this.reviewerModel = reviewerModel;
    this.verifier = verifier;
    this.sandbox = sandbox;
    this.healer = healer;
    this.caps = caps;
  }

  /**
   * Reads {@code <project>/loop.yaml}.
   *
   * @param projectDirectory the folder holding {@code loop.yaml}
   * @return the checked configuration
   * @throws InputException if the project or file is missing, the YAML does not parse, or a key is unknown,
   *     missing or holds a value of the wrong kind; the message names the file and the key
   */
  public static ProjectConfig read(Path projectDirectory) {
    Path project = projectDirectory.toAbsolutePath().normalize();
    if (!Files.isDirectory(project)) {
      throw new InputException("project folder " + project + (Files.exists(project) ? " is not a folder"
          : " does not exist") + ": expected a folder holding " + FILE_NAME);
    }
    Path file = project.resolve(FILE_NAME);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InputException(file + " does not exist: expected the project's configuration (tracker, models,"
          + " worker, verifier, caps); see examples/quickstart/" + FILE_NAME, e);
    } catch (IOException e) {
      throw new InputException("cannot read " + file + ": " + IoCause.of(e), e);
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw yamlError(file, e);
    }
    if (root == null || root.isMissingNode() || root.isNull() || !root.isObject()) {
      throw new InputException(file + " holds " + (root == null || root.isMissingNode() || root.isNull()
          ? "nothing" : ConfigNode.describe(root)) + ": expected a mapping with at least 'tracker' and 'verifier'");
    }
    return parse(file, project, new ConfigNode(file, "", root));
  }

  /**
   * A YAML error on one line (the CLI prints messages on one line): a key given twice names its dotted key; a
   * syntax error names where it was found and, when the parser says so, where the construct it was in began.
   */
  private static InputException yamlError(Path file, JsonProcessingException e) {
    String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr();
    String message = String.valueOf(e.getOriginalMessage());
    if (message.startsWith("Duplicate field") && e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p) {
      List<String> keys = new ArrayList<>();
      for (com.fasterxml.jackson.core.JsonStreamContext c = p.getParsingContext(); c != null; c = c.getParent()) {
        if (c.getCurrentName() != null) {
          keys.add(0, c.getCurrentName());
        }
      }
      return new InputException(file + ": key '" + String.join(".", keys) + "' is given twice" + where
          + ": expected each key once (a second value would silently replace the first)", e);
    }
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
      String problem = m.getProblem() == null ? "" : m.getProblem().strip();
      String context = m.getContext() == null ? "" : m.getContext().strip();
      String started = m.getContextMark() == null ? "" : " at line " + (m.getContextMark().getLine() + 1)
          + ", column " + (m.getContextMark().getColumn() + 1);
      if (m.getProblemMark() != null) {
        where = " at line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1);
      }
      return new InputException(file + " is not valid YAML" + where + ": " + problem
          + (context.isEmpty() ? "" : " (" + context + started + ")"), e);
    }
    return new InputException(file + " is not valid YAML" + where + ": " + message.strip().replace('\n', ' '), e);
  }

  /** The branch names git's check-ref-format accepts, narrowed to what is portable and unambiguous. */
  private static boolean validBranch(String name) {
    if (!name.matches("[A-Za-z0-9._/-]+") || name.contains("..") || name.contains("//") || name.endsWith("/")
        || name.endsWith(".") || name.equals("HEAD")) {
      return false;
    }
    for (String part : name.split("/")) {
      if (part.startsWith(".") || part.startsWith("-") || part.endsWith(".lock")) {
        return false;
      }
    }
    return true;
  }

  private static ProjectConfig parse(Path file, Path project, ConfigNode root) {
    root.only(Set.of("tracker", "workspace", "models", "worker", "reviewer", "verifier", "sandbox", "caps",
        "concurrency", "healer", "simplicity"));

    TrackerSource tracker = TrackerSource.parse(file, project, root.requireSection("tracker"));
    Duration trackerCallTimeout = root.requireSection("tracker").duration("call-timeout")
        .orElse(DEFAULT_TRACKER_CALL_TIMEOUT);

    ConfigNode ws = root.section("workspace").orElseThrow(() -> root.error("workspace",
        "is missing: expected a mapping with 'repo' (the git repository the tickets change)"))
        .only(Set.of("repo", "init-from", "worktrees", "integration-branch"));
    Path repo = project.resolve(ws.requireText("repo", "work/repo"));
    Path initFrom = ws.text("init-from").map(project::resolve).orElse(null);
    if (initFrom != null && !Files.isDirectory(initFrom)) {
      throw ws.error("init-from", "names " + initFrom + ", which is not a folder: expected the folder whose files"
          + " seed a new repository");
    }
    String branch = ws.text("integration-branch").orElse("main");
    if (!validBranch(branch)) {
      throw ws.error("integration-branch", "is '" + branch + "': expected a git branch name such as main or"
          + " release/2.x (letters, digits, '.', '_', '-' and '/' between parts; no '..', no part starting with '.'"
          + " or '-', not ending in '.lock')");
    }
    Workspace workspace = new Workspace(repo, initFrom, ws.text("worktrees").map(project::resolve).orElse(null),
        branch);

    Map<String, Model> models = new LinkedHashMap<>();
    Optional<ConfigNode> modelsNode = root.section("models");
    if (modelsNode.isPresent()) {
      ConfigNode m = modelsNode.get();
      for (String role : m.fieldNames()) {
        models.put(role, model(project, role, m.requireSection(role)));
      }
    }

    ConfigNode w = root.section("worker").orElseGet(() -> new ConfigNode(file, "worker",
        YAML.createObjectNode())).only(Set.of("kind", "model", "max-turns", "protect", "command-timeout", "agent",
            "argv", "prompt-file", "routes", "escalate-to", "continue-turns"));
    String kind = w.choice("kind", List.of("model", "command")).orElse("model");
    String workerModel = w.text("model").orElse("worker");
    String agent = w.choice("agent", List.of("claude-code", "codex", "custom")).orElse("claude-code");
    List<String> argv = w.texts("argv");
    if (kind.equals("model") && !models.containsKey(workerModel)) {
      throw w.has("model")
          ? w.error("model", "names '" + workerModel + "', which is not under 'models': expected one of "
              + models.keySet())
          : root.error("models", "has no 'worker' entry: expected the worker's model, e.g. models.worker:"
              + " {vendor: anthropic, model: claude-sonnet-4-5}");
    }
    if (kind.equals("command") && agent.equals("custom") && argv.isEmpty()) {
      throw w.error("argv", "is missing: expected the agent's command for agent: custom, e.g. [my-agent, '{task}']");
    }
    Path promptFile = w.text("prompt-file").map(project::resolve).map(Path::normalize).orElse(null);
    if (promptFile != null) {
      if (!kind.equals("model")) {
        throw w.error("prompt-file", "is set, but key '" + w.key("kind") + "' is " + kind + ": expected kind model"
            + " (the prompt file is appended to the model worker's system prompt), or no prompt-file");
      }
      if (!Files.isRegularFile(promptFile)) {
        throw w.error("prompt-file", "names " + promptFile + ", which is not a file: expected the worker's prompt"
            + " file (text appended to its system prompt), e.g. harness/prompts/worker.md");
      }
      boolean blank;
      try {
        blank = Files.readString(promptFile, StandardCharsets.UTF_8).isBlank();
      } catch (IOException e) {
        throw w.error("prompt-file", "names " + promptFile + ", which cannot be read (" + IoCause.of(e) + ")");
      }
      if (blank) {
        throw w.error("prompt-file", "names " + promptFile + ", which is empty: expected the project's instructions"
            + " for the worker");
      }
    }
    WorkerSettings worker = new WorkerSettings(kind, workerModel, w.integer("max-turns", 1).orElse(50),
        w.texts("protect"), w.duration("command-timeout").orElse(Duration.ofMinutes(5)), agent, argv, promptFile);

    String reviewerModel = null;
    Optional<ConfigNode> r = root.section("reviewer");
    if (r.isPresent() && r.get().has("panel")) {
      r.get().only(Set.of("panel", "rule", "diff-only"));
    } else if (r.isPresent()) {
      r.get().only(Set.of("model", "diff-only"));
      String name = r.get().requireText("model", "reviewer (a key under 'models'), or none");
      if (!name.equalsIgnoreCase("none")) {
        if (!models.containsKey(name)) {
          throw r.get().error("model", "names '" + name + "', which is not under 'models': expected one of "
              + models.keySet() + " or none");
        }
        reviewerModel = name;
      }
    } else if (models.containsKey("reviewer")) {
      reviewerModel = "reviewer";
    }

    ConfigNode v = root.section("verifier").orElseThrow(() -> root.error("verifier",
        "is missing: expected a mapping with 'command' and 'expect-output' (the default finish line)"))
        .only(Set.of("command", "expect-output", "timeout"));
    String command = v.text("command").orElse(null);
    String expect = v.text("expect-output").orElse(null);
    if (command != null && expect == null) {
      throw v.error("expect-output", "is missing: expected a regular expression the command's output must"
          + " contain (an exit code alone is absence of error, not evidence)");
    }
    if (expect != null) {
      try {
        java.util.regex.Pattern.compile(expect);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw v.error("expect-output", "is '" + expect + "': expected a regular expression (" + e.getDescription()
            + ")");
      }
    }
    VerifierSettings verifier = new VerifierSettings(command, expect,
        v.duration("timeout").orElse(Duration.ofMinutes(10)));

    Caps.Builder caps = Caps.builder();
    Optional<ConfigNode> c = root.section("caps");
    if (c.isPresent()) {
      ConfigNode cn = c.get().only(Set.of("passes", "wall-clock", "cost-usd", "tokens", "attempts-per-ticket",
          "discovered-tickets", "turns-per-worker", "unmetered-usage", "infrastructure-interruptions"));
      cn.integer("passes", 1).ifPresent(caps::maxPasses);
      cn.duration("wall-clock").ifPresent(caps::maxWallClock);
      cn.money("cost-usd").ifPresent(caps::maxCostUsd);
      cn.longValue("tokens", 1).ifPresent(caps::maxTokens);
      cn.integer("attempts-per-ticket", 1).ifPresent(caps::maxAttemptsPerTicket);
      cn.integer("discovered-tickets", 0).ifPresent(caps::maxDiscoveredTickets);
      cn.integer("turns-per-worker", 1).ifPresent(caps::maxTurnsPerWorker);
      cn.integer("infrastructure-interruptions", 1).ifPresent(caps::maxInfrastructureInterruptions);
      cn.choice("unmetered-usage", List.of("stop", "free"))
          .ifPresent(u -> caps.allowUnmeteredUsage(u.equals("free")));
    }
    root.integer("concurrency", 1).ifPresent(caps::maxConcurrency);

    SandboxSettings sandbox = sandbox(project, file, root, tracker, workspace);
    HealerSettings healer = healer(project, root, tracker, workspace, models, worker);

    Strategies strategies = strategies(root, w, r.orElse(null), models, reviewerModel);

    return new ProjectConfig(file, project, tracker, workspace, models, worker, reviewerModel, verifier, sandbox,
        healer, caps.build(), strategies, trackerCallTimeout);
  }

  /**
   * The worker strategies: {@code worker.routes} (a models entry per condition, {@code {label: mechanical}} or
   * {@code {priority-at-least: 3}}, first match wins), {@code worker.escalate-to} (the entry every attempt after a
   * failed one goes to), {@code worker.continue-turns}, {@code reviewer.panel} with {@code reviewer.rule} and
   * {@code reviewer.diff-only}, and the {@code simplicity} section.
   */
  private static Strategies strategies(ConfigNode root, ConfigNode w, @Nullable ConfigNode r, Map<String, Model> models,
      @Nullable String reviewerModel) {
    List<Route> routes = new ArrayList<>();
    Optional<ConfigNode> routesNode = w.section("routes");
    if (routesNode.isPresent()) {
      for (String name : routesNode.get().fieldNames()) {
        if (!models.containsKey(name)) {
          throw routesNode.get().error(name, "names a model that is not under 'models': expected one of "
              + models.keySet());
        }
        ConfigNode when = routesNode.get().requireSection(name).only(Set.of("label", "priority-at-least"));
        String label = when.text("label").orElse(null);
        Integer priority = when.integer("priority-at-least", 0).orElse(null);
        if ((label == null) == (priority == null)) {
          throw routesNode.get().error(name, "needs exactly one condition: expected {label: <label>} or"
              + " {priority-at-least: <0-4>}");
        }
        if (priority != null && priority > 4) {
          throw when.error("priority-at-least", "is " + priority + ": expected 0 (highest) to 4 (lowest)");
        }
        routes.add(new Route(name, label, priority));
      }
    }
    String escalateTo = w.text("escalate-to").orElse(null);
    if (escalateTo != null && !models.containsKey(escalateTo)) {
      throw w.error("escalate-to", "names '" + escalateTo + "', which is not under 'models': expected one of "
          + models.keySet());
    }
    int continueTurns = w.integer("continue-turns", 0).orElse(0);
    if (continueTurns > 50) {
      throw w.error("continue-turns", "is " + continueTurns + ": expected 0 (off, the default) to 50");
    }
    if ((!routes.isEmpty() || escalateTo != null || continueTurns > 0)
        && !w.choice("kind", List.of("model", "command")).orElse("model").equals("model")) {
      throw w.error("kind", "is command with routes, escalate-to or continue-turns set: expected kind model (the"
          + " strategies choose and continue model workers)");
    }
    List<String> panel = r == null ? List.of() : r.texts("panel");
    for (String name : panel) {
      if (!models.containsKey(name)) {
        throw r.error("panel", "names '" + name + "', which is not under 'models': expected entries of "
            + models.keySet());
      }
    }
    if (r != null && r.has("panel") && (panel.size() < 2 || new java.util.HashSet<>(panel).size() != panel.size())) {
      throw r.error("panel", "is " + panel + ": expected at least two different models entries (one reviewer needs"
          + " no panel: use reviewer.model)");
    }
    String rule = r == null ? "all" : r.choice("rule", List.of("all", "majority")).orElse("all");
    List<String> diffOnly = r == null ? List.of() : r.texts("diff-only");
    List<String> reviewers = !panel.isEmpty() ? panel : reviewerModel == null ? List.of() : List.of(reviewerModel);
    for (String name : diffOnly) {
      if (!reviewers.contains(name)) {
        throw r.error("diff-only", "names '" + name + "', which is not a reviewer: expected entries of "
            + reviewers);
      }
    }
    SimplicityGate.Limits budget = null;
    SimplicityGate.Limits hard = null;
    Optional<ConfigNode> simplicity = root.section("simplicity");
    if (simplicity.isPresent()) {
      ConfigNode sg = simplicity.get().only(Set.of("budget", "hard-limit"));
      budget = limits(sg, "budget", SimplicityGate.DEFAULT_BUDGET);
      hard = limits(sg, "hard-limit", SimplicityGate.DEFAULT_HARD_LIMIT);
      try {
        SimplicityGate.builder().budget(budget).hardLimit(hard).build();
      } catch (InputException e) {
        throw sg.error("hard-limit", "is below the budget (" + e.getMessage() + ")");
      }
    }
    return new Strategies(List.copyOf(routes), escalateTo, continueTurns, panel, rule, diffOnly, budget, hard);
  }

  private static SimplicityGate.Limits limits(ConfigNode section, String name, SimplicityGate.Limits defaults) {
    Optional<ConfigNode> node = section.section(name);
    if (node.isEmpty()) {
      return defaults;
    }
    ConfigNode l = node.get().only(Set.of("net-lines", "new-files", "duplicated-blocks", "catch-alls"));
    return new SimplicityGate.Limits(l.integer("net-lines", 0).orElse(defaults.netLines()),
        l.integer("new-files", 0).orElse(defaults.newFiles()),
        l.integer("duplicated-blocks", 0).orElse(defaults.duplicatedBlocks()),
        l.integer("catch-alls", 0).orElse(defaults.catchAlls()));
  }

  /**
   * The {@code sandbox} section: a mapping ({@code {kind: none}}, or kind, network, read-only, writable), or just
   * the kind ({@code sandbox: none}). Extra paths are relative to the project, {@code ~} is the user's home; each
   * must exist and must not overlap what the sandbox hides (the configuration file, the run directory, the
   * ticket folder, the repository, the run journals' keys).
   */
  private static SandboxSettings sandbox(Path project, Path file, ConfigNode root, TrackerSource tracker,
      Workspace workspace) {
    if (!root.has("sandbox")) {
      return SandboxSettings.DEFAULT;
    }
    List<String> kinds = List.of("bubblewrap", "none");
    if (!root.holdsMapping("sandbox")) {
      String kind = root.choice("sandbox", kinds).orElseThrow();
      return new SandboxSettings(kind, false, List.of(), List.of());
    }
    ConfigNode s = root.requireSection("sandbox").only(Set.of("kind", "network", "read-only", "writable"));
    String kind = s.choice("kind", kinds).orElse("bubblewrap");
    if (kind.equals("none")) {
      for (String key : List.of("network", "read-only", "writable")) {
        if (s.has(key)) {
          throw s.error(key, "is set, but key '" + s.key("kind") + "' is none (no sandbox): expected kind"
              + " bubblewrap for " + key + ", or no " + key + " without a sandbox");
        }
      }
    }
    Map<String, Path> hidden = new LinkedHashMap<>();
    hidden.put("the configuration file", file);
    hidden.put("the run directory", project.resolve(".loop"));
    tracker.ticketFolder().ifPresent(f -> hidden.put("the ticket folder", f));
    hidden.put("the repository", workspace.repository());
    // where the engine keeps the run journals' keys (loop-core's default: kept outside every sandbox)
    String keys = System.getProperty("loop.journal.keys");
    hidden.put("the run journals' keys", keys != null ? Path.of(keys)
        : Path.of(System.getProperty("user.home"), ".loop", "journal-keys"));
    return new SandboxSettings(kind, s.bool("network").orElse(false), hostPaths(project, s, "read-only", hidden),
        hostPaths(project, s, "writable", hidden));
  }

  /**
   * The {@code healer} section, or null without one. The harness folder must exist apart from everything that
   * defines done or holds the run (the repository, the run directory, the ticket folder), and the worker's
   * prompt file must be one of its healable files, or a heal could never reach the next attempt.
   */
  private static @Nullable HealerSettings healer(Path project, ConfigNode root, TrackerSource tracker,
      Workspace workspace, Map<String, Model> models, WorkerSettings worker) {
    Optional<ConfigNode> section = root.section("healer");
    if (section.isEmpty()) {
      return null;
    }
    ConfigNode h = section.get().only(Set.of("model", "after-failures", "max-heals", "revert-after", "harness",
        "healable", "max-turns", "max-cost-usd", "timeout"));
    String model = h.text("model").orElse("healer");
    if (!models.containsKey(model)) {
      throw h.has("model")
          ? h.error("model", "names '" + model + "', which is not under 'models': expected one of " + models.keySet())
          : root.error("models", "has no 'healer' entry: expected the healer's model, e.g. models.healer:"
              + " {vendor: anthropic, model: claude-sonnet-4-5}, or healer.model naming another entry");
    }
    Path harness = project.resolve(h.requireText("harness", "harness")).normalize();
    if (!Files.isDirectory(harness)) {
      throw h.error("harness", "names " + harness + ", which is not a folder: expected the folder of the"
          + " harness's own files (prompt files) the healable globs are relative to");
    }
    Map<String, Path> apart = new LinkedHashMap<>();
    apart.put("the repository", workspace.repository());
    apart.put("the run directory", project.resolve(".loop"));
    tracker.ticketFolder().ifPresent(f -> apart.put("the ticket folder", f));
    for (Map.Entry<String, Path> e : apart.entrySet()) {
      Path other = e.getValue().toAbsolutePath().normalize();
      if (other.startsWith(harness) || harness.startsWith(other)) {
        throw h.error("harness", "names " + harness + ", which overlaps " + e.getKey() + " (" + other + "):"
            + " expected a folder apart from it (a heal may change only the harness, never the tickets, the"
            + " code or the run)");
      }
    }
    List<String> healable = h.texts("healable");
    if (healable.isEmpty()) {
      throw h.error("healable", "is missing: expected globs under the harness folder naming the files a heal may"
          + " change, e.g. [prompts/*.md]");
    }
    List<java.nio.file.PathMatcher> matchers = new ArrayList<>();
    for (String glob : healable) {
      String g = glob.strip();
      if (g.startsWith("/") || g.equals("..") || g.startsWith("../") || g.contains("/../") || g.endsWith("/..")
          || g.equals(".git") || g.startsWith(".git/") || g.contains("/.git/") || g.endsWith("/.git")) {
        throw h.error("healable", "holds '" + glob + "': expected a glob relative to the harness folder, without"
            + " '..' or '.git', e.g. prompts/*.md");
      }
      try {
        matchers.add(harness.getFileSystem().getPathMatcher("glob:" + g));
      } catch (IllegalArgumentException e) {
        throw h.error("healable", "holds '" + glob + "', which is not a glob (" + e.getMessage() + "): expected"
            + " e.g. prompts/*.md");
      }
    }
    if (!worker.kind().equals("model")) {
      throw h.error("model", "is set for a worker of kind " + worker.kind() + ": expected worker.kind model with a"
          + " worker.prompt-file under the harness (a heal reaches the next attempt through that file)");
    }
    Path prompt = worker.promptFile();
    if (prompt == null) {
      throw root.error("worker.prompt-file", "is missing: expected the worker's prompt file under the healer's"
          + " harness (" + harness + "), e.g. harness/prompts/worker.md, so a heal of it reaches the next attempt");
    }
    Path rel = prompt.startsWith(harness) ? harness.relativize(prompt) : null;
    if (rel == null || matchers.stream().noneMatch(m -> m.matches(rel))) {
      throw root.error("worker.prompt-file", "names " + prompt + ", which is not a healable file: expected a file"
          + " under healer.harness (" + harness + ") matching healer.healable " + healable + ", so a heal of the"
          + " prompt reaches the next attempt");
    }
    return new HealerSettings(model, h.integer("after-failures", 1).orElse(2), h.integer("max-heals", 1).orElse(3),
        h.integer("revert-after", 0).orElse(3), harness, healable.stream().map(String::strip).toList(), h.integer("max-turns", 1).orElse(30),
        h.money("max-cost-usd").orElse(new java.math.BigDecimal("2")),
        h.duration("timeout").orElse(Duration.ofMinutes(15)));
  }

  private static List<Path> hostPaths(Path project, ConfigNode s, String key, Map<String, Path> hidden) {
    List<Path> out = new ArrayList<>();
    for (String value : s.texts(key)) {
      String v = value.strip();
      Path p;
      if (v.equals("~") || v.startsWith("~/")) {
        p = Path.of(System.getProperty("user.home")).resolve(v.equals("~") ? "" : v.substring(2));
      } else if (v.startsWith("~")) {
        throw s.error(key, "holds '" + value + "': expected a path relative to the project, an absolute path or"
            + " ~/... (another user's ~name is not supported)");
      } else {
        p = project.resolve(v);
      }
      p = p.toAbsolutePath().normalize();
      if (p.getNameCount() == 0) {
        throw s.error(key, "holds '" + value + "': expected a path below the root (the root would show the whole"
            + " host to every sandbox)");
      }
      if (!Files.exists(p)) {
        throw s.error(key, "holds '" + value + "', and " + p + " does not exist: expected an existing file or"
            + " folder to show every sandbox " + (key.equals("writable") ? "writable" : "read-only"));
      }
      for (Map.Entry<String, Path> h : hidden.entrySet()) {
        Path other = h.getValue().toAbsolutePath().normalize();
        if (other.startsWith(p) || p.startsWith(other)) {
          throw s.error(key, "holds '" + value + "' (" + p + "), which overlaps " + h.getKey() + " (" + other
              + "): expected a path apart from it, since tickets' processes must never see it");
        }
      }
      out.add(p);
    }
    return out;
  }

  private static Model model(Path project, String role, ConfigNode m) {
    m.only(Set.of("vendor", "model", "key-env", "base-url", "transcripts", "auth", "vendor-name",
        "token-limit-field", "api", "reasoning-effort", "thinking-budget", "structured-output", "headers", "price"));
    String vendor = m.choice("vendor", VENDORS).orElseThrow(() -> m.error("vendor",
        "is missing: expected one of " + String.join(", ", VENDORS)));
    String model = m.requireText("model", vendor.equals("anthropic") ? "claude-sonnet-4-5" : "gpt-5");
    Path transcripts = m.text("transcripts").map(project::resolve).orElse(null);
    if (vendor.equals("scripted")) {
      if (transcripts == null) {
        throw m.error("transcripts", "is missing: expected the folder of recorded conversations a scripted model"
            + " replays (<ticket>-attempt-<n>.jsonl)");
      }
      if (!Files.isDirectory(transcripts)) {
        throw m.error("transcripts", "names " + transcripts + ", which is not a folder: expected the folder of"
            + " recorded conversations");
      }
    }
    String baseUrl = m.text("base-url").orElse(null);
    if (baseUrl != null && !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
      throw m.error("base-url", "is '" + baseUrl + "': expected an http:// or https:// URL");
    }
    String keyEnv = m.text("key-env").orElse(null);
    if (keyEnv != null && !keyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw m.error("key-env", "is '" + keyEnv + "': expected the name of an environment variable, not the key"
          + " itself (or none, for a local server that takes no key)");
    }
    if ("none".equals(keyEnv) && baseUrl == null) {
      throw m.error("key-env", "is none without base-url: expected base-url naming the local server that takes no"
          + " key (a vendor's own API always needs one)");
    }
    String auth = m.text("auth").orElse(null);
    if (auth != null && !(auth.equals("bearer") || auth.matches("header:[A-Za-z0-9!#$%&'*+.^_`|~-]+"))) {
      throw m.error("auth", "is '" + auth + "': expected bearer or header:<name> (such as header:api-key)");
    }
    if (auth != null && "none".equals(keyEnv)) {
      throw m.error("auth", "is set but key-env is none: a server that takes no key needs no auth");
    }
    String vendorName = m.text("vendor-name").orElse(null);
    if (vendorName != null && !vendorName.matches("[a-z0-9][a-z0-9._-]{0,39}")) {
      throw m.error("vendor-name", "is '" + vendorName + "': expected 1 to 40 lower-case letters, digits, '.', '_'"
          + " or '-' (such as vllm or openrouter)");
    }
    String tokenLimitField = m.text("token-limit-field").orElse(null);
    if (tokenLimitField != null && !(vendor.equals("openai")
        && (tokenLimitField.equals("max_tokens") || tokenLimitField.equals("max_completion_tokens")))) {
      throw m.error("token-limit-field", "is '" + tokenLimitField + "' for vendor " + vendor + ": expected"
          + " max_tokens or max_completion_tokens, for vendor openai");
    }
    if (vendor.equals("scripted") && (auth != null || vendorName != null || keyEnv != null || baseUrl != null)) {
      throw m.error("vendor", "is scripted with key-env, base-url, auth or vendor-name set: a scripted model"
          + " replays its transcripts and calls no server");
    }
    String api = m.choice("api", List.of("chat", "responses")).orElse("chat");
    if (api.equals("responses") && !vendor.equals("openai")) {
      throw m.error("api", "is responses for vendor " + vendor + ": expected vendor openai (the Responses API is"
          + " OpenAI's), or no api");
    }
    if (api.equals("responses") && tokenLimitField != null) {
      throw m.error("token-limit-field", "is set with api responses, whose limit is always max_output_tokens:"
          + " expected no token-limit-field, or api chat");
    }
    Map<String, String> headers = headers(m);
    dev.loopkit.llm.PriceTable.Price price = price(m);
    if (vendor.equals("scripted") && (!headers.isEmpty() || price != null)) {
      throw m.error(headers.isEmpty() ? "price" : "headers", "is set for a scripted model, which calls no server"
          + " and replays its recorded usage");
    }
    return new Model(role, vendor, model, keyEnv, baseUrl, transcripts, auth, vendorName, tokenLimitField, api,
        reasoning(m), m.bool("structured-output").orElse(true), headers, price);
  }

  /**
   * {@code headers}: extra headers sent with every request to the model's server (a gateway's routing header,
   * OpenRouter's {@code HTTP-Referer}); never credentials, which go through {@code key-env} and {@code auth}.
   */
  private static Map<String, String> headers(ConfigNode m) {
    Optional<ConfigNode> section = m.section("headers");
    if (section.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : section.get().fieldNames()) {
      String lower = name.toLowerCase(java.util.Locale.ROOT);
      if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw section.get().error(name, "is not a header name: expected letters, digits and - such as X-Org");
      }
      if (lower.equals("authorization") || lower.equals("x-api-key") || lower.equals("api-key")) {
        throw section.get().error(name, "carries credentials: expected the key in the variable key-env names,"
            + " sent as auth says (bearer or header:" + name + "), so it stays out of loop.yaml and the logs");
      }
      String value = section.get().requireText(name, "acme-prod");
      if (value.contains("\n") || value.contains("\r")) {
        throw section.get().error(name, "holds a line break: expected a one-line header value");
      }
      out.put(name, value);
    }
    return out;
  }

  /**
   * {@code price}: dollars per million tokens for a model the stock price table does not list (a local or routed
   * model), so its calls are metered: {@code input} and {@code output} required, {@code cache-read} and
   * {@code cache-write} default 0.
   */
  private static dev.loopkit.llm.PriceTable.@Nullable Price price(ConfigNode m) {
    Optional<ConfigNode> section = m.section("price");
    if (section.isEmpty()) {
      return null;
    }
    ConfigNode p = section.get().only(Set.of("input", "output", "cache-read", "cache-write"));
    return new dev.loopkit.llm.PriceTable.Price(perMillion(p, "input", true), perMillion(p, "output", true),
        perMillion(p, "cache-read", false), perMillion(p, "cache-write", false));
  }

  private static java.math.BigDecimal perMillion(ConfigNode p, String name, boolean required) {
    if (!p.has(name)) {
      if (required) {
        throw p.error(name, "is missing: expected dollars per million tokens such as 0.50");
      }
      return java.math.BigDecimal.ZERO;
    }
    String text = p.requireText(name, "0.50");
    try {
      java.math.BigDecimal d = new java.math.BigDecimal(text.strip());
      if (d.signum() < 0) {
        throw p.error(name, "is " + text + ": expected dollars per million tokens, 0 or more, such as 0.50");
      }
      return d;
    } catch (NumberFormatException e) {
      throw p.error(name, "is '" + text + "': expected dollars per million tokens such as 0.50");
    }
  }

  /** {@code reasoning-effort} (an OpenAI effort) and {@code thinking-budget} (Anthropic tokens) of a model entry. */
  private static dev.loopkit.llm.@Nullable Reasoning reasoning(ConfigNode m) {
    String effort = m.text("reasoning-effort").orElse(null);
    if (effort != null && !effort.matches("[a-z]{1,20}")) {
      throw m.error("reasoning-effort", "is '" + effort + "': expected a lower-case word such as low, medium or"
          + " high");
    }
    Integer budget = m.integer("thinking-budget", dev.loopkit.llm.Reasoning.MIN_BUDGET_TOKENS).orElse(null);
    if (effort == null && budget == null) {
      return null;
    }
    return new dev.loopkit.llm.Reasoning(effort == null ? "" : effort, budget == null ? 0 : budget);
  }

  /**
   * This configuration with one role's model replaced ({@code --model worker=anthropic:claude-sonnet-4-5}); the
   * key variable and base URL go back to the vendor's defaults unless the vendor stays the same.
   *
   * @param role the models entry to replace, e.g. {@code worker}
   * @param vendor {@code anthropic}, {@code openai} or {@code scripted}
   * @param model the vendor's model name
   * @return a new configuration; this one is unchanged
   */
  public ProjectConfig withModel(String role, String vendor, String model) {
    String v = vendor.toLowerCase(Locale.ROOT);
    if (!VENDORS.contains(v) || v.equals("scripted")) {
      throw new InputException("--model " + role + "=" + vendor + ":" + model + ": expected vendor anthropic or"
          + " openai");
    }
    if (model.isBlank()) {
      throw new InputException("--model " + role + "=" + vendor + ": expected a model id after the colon");
    }
    Model old = models.get(role);
    boolean same = old != null && old.vendor().equals(v);
    Map<String, Model> copy = new LinkedHashMap<>(models);
    copy.put(role, new Model(role, v, model, same ? old.keyVariable() : null, same ? old.baseUrl() : null, null,
        same ? old.auth() : null, same ? old.vendorName() : null, same ? old.tokenLimitField() : null,
        same ? old.api() : "chat", same ? old.reasoning() : null, !same || old.structuredOutput(),
        same ? old.headers() : Map.of(), same ? old.price() : null));
    String reviewer = reviewerModel == null && role.equals("reviewer") ? "reviewer" : reviewerModel;
    return new ProjectConfig(file, project, tracker, workspace, copy, worker, reviewer, verifier, sandbox, healer,
        caps, strategies, trackerCallTimeout);
  }

  /**
   * The file read.
   *
   * @return the project's {@code loop.yaml}
   */
  public Path file() {
    return file;
  }

  /**
   * The project folder, which relative paths in the file are resolved against.
   *
   * @return the folder holding {@code loop.yaml}
   */
  public Path project() {
    return project;
  }

  /**
   * The {@code tracker} section: its kind and settings, checked; {@link TrackerSource#open} builds the tracker
   * with the credential from the environment.
   */
  TrackerSource tracker() {
    return tracker;
  }

  /**
   * The {@code workspace} section.
   *
   * @return the repository, its seed, the workspaces' folder and the integration branch
   */
  public Workspace workspace() {
    return workspace;
  }

  /**
   * The {@code models} entries.
   *
   * @return the entries by role name, in the file's order
   */
  public Map<String, Model> models() {
    return models;
  }

  /**
   * One {@code models} entry.
   *
   * @param role the entry's name, e.g. {@code worker}
   * @return the entry
   * @throws InputException naming the file and the key when there is no such entry
   */
  public Model model(String role) {
    return Objects.requireNonNull(models.get(role), role);
  }

  /**
   * The {@code worker} section.
   *
   * @return the worker's kind, model, caps and protected globs
   */
  public WorkerSettings worker() {
    return worker;
  }

  /**
   * The models entry of the reviewer.
   *
   * @return the entry's name; empty when the run has no review stage
   */
  public Optional<String> reviewerModel() {
    return Optional.ofNullable(reviewerModel);
  }

  /**
   * The {@code verifier} section: the fallback for tickets without a {@code verify} command.
   *
   * @return the command, its expected output and its timeout
   */
  public VerifierSettings verifier() {
    return verifier;
  }

  /**
   * The {@code sandbox} section.
   *
   * @return the section, or {@link SandboxSettings#DEFAULT} without one
   */
  public SandboxSettings sandbox() {
    return sandbox;
  }

  /** The {@code healer} section; empty when the run has no self-heal agent. */
  /**
   * Routing, escalation, continue-turns, the review panel and the simplicity gate.
   *
   * @return the worker strategies (none set: a single model worker and reviewer)
   */
  public Strategies strategies() {
    return strategies;
  }

  /**
   * The {@code healer} section.
   *
   * @return the healer's settings; empty without the section (no healer)
   */
  public Optional<HealerSettings> healer() {
    return Optional.ofNullable(healer);
  }

  /**
   * The {@code caps} and {@code concurrency} keys.
   *
   * @return the run's caps
   */
  public Caps caps() {
    return caps;
  }

  /**
   * {@code tracker.call-timeout}: how long the engine waits for one tracker call before it abandons and retries
   * it; {@link #DEFAULT_TRACKER_CALL_TIMEOUT} without the key.
   *
   * @return a positive duration
   */
  public Duration trackerCallTimeout() {
    return trackerCallTimeout;
  }

  /**
   * Where runs live.
   *
   * @return {@code <project>/.loop/runs}
   */
  public Path runsDirectory() {
    return project.resolve(".loop").resolve("runs");
  }
}

package dev.loopkit.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code loop.*} keys of {@code application.yml}: the stock parts the starter builds when the host defines
 * none of its own. Bound by Spring Boot and checked when the parts are built, so a bad value fails the context
 * start with a message naming the key and the value. Relative paths resolve against the working directory.
 *
 * <pre>{@code
 * loop:
 *   tracker.folder: tickets
 *   workspace.repo: work/repo
 *   worker.argv: [my-agent, --task, '{task}']
 *   verifier: {command: 'sh tests/run.sh', expect-output: '(?m)^ok$'}
 *   caps: {attempts-per-ticket: 3, cost-usd: 20, concurrency: 2}
 * }</pre>
 *
 * <p>Mutable JavaBean, as Spring Boot binds it; read it only after the context has started.
 */
@ConfigurationProperties(prefix = "loop")
public class LoopProperties {
  /** Whether the starter configures anything at all. */
  private boolean enabled = true;

  private final Tracker tracker = new Tracker();
  private final Workspace workspace = new Workspace();
  private final Worker worker = new Worker();
  private final Verifier verifier = new Verifier();
  private final Sandbox sandbox = new Sandbox();
  private final Caps caps = new Caps();
  private final Runs runs = new Runs();
  private final Metrics metrics = new Metrics();
  private final Tracing tracing = new Tracing();

  /** Creates the defaults; Spring Boot then binds the {@code loop.*} keys onto them. */
  public LoopProperties() {}

  /** @return whether the starter configures anything ({@code loop.enabled}, default true) */
  public boolean isEnabled() {
    return enabled;
  }

  /** @param enabled {@code loop.enabled} */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** @return the {@code loop.tracker.*} keys */
  public Tracker getTracker() {
    return tracker;
  }

  /** @return the {@code loop.workspace.*} keys */
  public Workspace getWorkspace() {
    return workspace;
  }

  /** @return the {@code loop.worker.*} keys */
  public Worker getWorker() {
    return worker;
  }

  /** @return the {@code loop.verifier.*} keys */
  public Verifier getVerifier() {
    return verifier;
  }

  /** @return the {@code loop.sandbox.*} keys */
  public Sandbox getSandbox() {
    return sandbox;
  }

  /** @return the {@code loop.caps.*} keys */
  public Caps getCaps() {
    return caps;
  }

  /** @return the {@code loop.runs.*} keys */
  public Runs getRuns() {
    return runs;
  }

  /** @return the {@code loop.metrics.*} keys */
  public Metrics getMetrics() {
    return metrics;
  }

  /** @return the {@code loop.tracing.*} keys */
  public Tracing getTracing() {
    return tracing;
  }

  /** {@code loop.tracker.*}: the embedded Markdown tracker (a folder of one {@code .md} file per ticket). */
  public static class Tracker {
    /** The Markdown tracker's folder: one .md file per ticket. Required unless the host defines a Tracker bean. */
    private @Nullable Path folder;

    /** The id prefix of tickets workers file (T-1, T-2, ...). */
    private String idPrefix = "T";

    /** Whether a missing tracker folder is created (otherwise it is an error). */
    private boolean createFolder = false;

    /** Creates the defaults. */
    public Tracker() {}

    /** @return {@code loop.tracker.folder}, or null when unset */
    public @Nullable Path getFolder() {
      return folder;
    }

    /** @param folder {@code loop.tracker.folder} */
    public void setFolder(@Nullable Path folder) {
      this.folder = folder;
    }

    /** @return {@code loop.tracker.id-prefix} */
    public String getIdPrefix() {
      return idPrefix;
    }

    /** @param idPrefix {@code loop.tracker.id-prefix} */
    public void setIdPrefix(String idPrefix) {
      this.idPrefix = idPrefix;
    }

    /** @return {@code loop.tracker.create-folder} */
    public boolean isCreateFolder() {
      return createFolder;
    }

    /** @param createFolder {@code loop.tracker.create-folder} */
    public void setCreateFolder(boolean createFolder) {
      this.createFolder = createFolder;
    }
  }

  /** {@code loop.workspace.*}: a git worktree per attempt, and the merge integrator that builds candidates. */
  public static class Workspace {
    /** The git working tree the tickets change, on the integration branch. Required unless the host defines a Workspaces bean. */
    private @Nullable Path repo;

    /** Where each attempt's repository goes (default: the repository's path with .workspaces appended). */
    private @Nullable Path worktrees;

    /** The branch that holds only verified commits. */
    private String integrationBranch = "main";

    /** Creates the defaults. */
    public Workspace() {}

    /** @return {@code loop.workspace.repo}, or null when unset */
    public @Nullable Path getRepo() {
      return repo;
    }

    /** @param repo {@code loop.workspace.repo} */
    public void setRepo(@Nullable Path repo) {
      this.repo = repo;
    }

    /** @return {@code loop.workspace.worktrees}, or null for the default */
    public @Nullable Path getWorktrees() {
      return worktrees;
    }

    /** @param worktrees {@code loop.workspace.worktrees} */
    public void setWorktrees(@Nullable Path worktrees) {
      this.worktrees = worktrees;
    }

    /** @return {@code loop.workspace.integration-branch} */
    public String getIntegrationBranch() {
      return integrationBranch;
    }

    /** @param integrationBranch {@code loop.workspace.integration-branch} */
    public void setIntegrationBranch(String integrationBranch) {
      this.integrationBranch = integrationBranch;
    }
  }

  /** {@code loop.worker.*}: the command (agent CLI) worker, unless the host defines a Worker bean. */
  public static class Worker {
    /** The agent CLI: custom (with argv), claude-code or codex. Default: custom when argv is set. */
    private @Nullable String agent;

    /** For agent custom: the agent's command; an argument that is exactly {task} receives the task text, else the task goes to standard input. */
    private List<String> argv = new ArrayList<>();

    /** How long one attempt's agent may run before its process tree is killed. */
    private Duration timeout = Duration.ofMinutes(5);

    /** For agent custom: whether the agent's sandbox shares the host's network (the stock agents always have it, to reach their vendor). */
    private boolean network = false;

    /** For agent claude-code: its --max-turns. */
    private int maxTurns = 50;

    /** Globs in the repository no worker's change may touch (tests/**); the tripwire fingerprints them. */
    private List<String> protect = new ArrayList<>();

    /** Creates the defaults. */
    public Worker() {}

    /** @return {@code loop.worker.agent}, or null when unset */
    public @Nullable String getAgent() {
      return agent;
    }

    /** @param agent {@code loop.worker.agent} */
    public void setAgent(@Nullable String agent) {
      this.agent = agent;
    }

    /** @return {@code loop.worker.argv} */
    public List<String> getArgv() {
      return argv;
    }

    /** @param argv {@code loop.worker.argv} */
    public void setArgv(List<String> argv) {
      this.argv = argv;
    }

    /** @return {@code loop.worker.timeout} */
    public Duration getTimeout() {
      return timeout;
    }

    /** @param timeout {@code loop.worker.timeout} */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    /** @return {@code loop.worker.network} */
    public boolean isNetwork() {
      return network;
    }

    /** @param network {@code loop.worker.network} */
    public void setNetwork(boolean network) {
      this.network = network;
    }

    /** @return {@code loop.worker.max-turns} */
    public int getMaxTurns() {
      return maxTurns;
    }

    /** @param maxTurns {@code loop.worker.max-turns} */
    public void setMaxTurns(int maxTurns) {
      this.maxTurns = maxTurns;
    }

    /** @return {@code loop.worker.protect} */
    public List<String> getProtect() {
      return protect;
    }

    /** @param protect {@code loop.worker.protect} */
    public void setProtect(List<String> protect) {
      this.protect = protect;
    }
  }

  /** {@code loop.verifier.*}: the finish line of tickets whose metadata names no verify command of their own. */
  public static class Verifier {
    /** A shell command line (run as sh -c in the ticket's sandbox) for tickets without verify metadata. */
    private @Nullable String command;

    /** A regular expression the command's output must contain: required with command (an exit code alone is not evidence). */
    private @Nullable String expectOutput;

    /** How long one verification may run. */
    private Duration timeout = Duration.ofMinutes(10);

    /** Creates the defaults. */
    public Verifier() {}

    /** @return {@code loop.verifier.command}, or null when unset */
    public @Nullable String getCommand() {
      return command;
    }

    /** @param command {@code loop.verifier.command} */
    public void setCommand(@Nullable String command) {
      this.command = command;
    }

    /** @return {@code loop.verifier.expect-output}, or null when unset */
    public @Nullable String getExpectOutput() {
      return expectOutput;
    }

    /** @param expectOutput {@code loop.verifier.expect-output} */
    public void setExpectOutput(@Nullable String expectOutput) {
      this.expectOutput = expectOutput;
    }

    /** @return {@code loop.verifier.timeout} */
    public Duration getTimeout() {
      return timeout;
    }

    /** @param timeout {@code loop.verifier.timeout} */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** {@code loop.sandbox.*}: how every process of a ticket (worker, verifier, code under test) is confined. */
  public static class Sandbox {
    /** bubblewrap (the default) or none, the explicit, recorded opt-out. */
    private String kind = "bubblewrap";

    /** Whether every sandbox shares the host's network (otherwise loopback only). */
    private boolean network = false;

    /** Extra host paths, existing and apart from the tracker folder, the repository and the runs, every sandbox may read. */
    private List<Path> readOnly = new ArrayList<>();

    /** Extra host paths every sandbox may write: each one is a hole in the sandbox. */
    private List<Path> writable = new ArrayList<>();

    /** Creates the defaults. */
    public Sandbox() {}

    /** @return {@code loop.sandbox.kind} */
    public String getKind() {
      return kind;
    }

    /** @param kind {@code loop.sandbox.kind} */
    public void setKind(String kind) {
      this.kind = kind;
    }

    /** @return {@code loop.sandbox.network} */
    public boolean isNetwork() {
      return network;
    }

    /** @param network {@code loop.sandbox.network} */
    public void setNetwork(boolean network) {
      this.network = network;
    }

    /** @return {@code loop.sandbox.read-only} */
    public List<Path> getReadOnly() {
      return readOnly;
    }

    /** @param readOnly {@code loop.sandbox.read-only} */
    public void setReadOnly(List<Path> readOnly) {
      this.readOnly = readOnly;
    }

    /** @return {@code loop.sandbox.writable} */
    public List<Path> getWritable() {
      return writable;
    }

    /** @param writable {@code loop.sandbox.writable} */
    public void setWritable(List<Path> writable) {
      this.writable = writable;
    }
  }

  /** {@code loop.caps.*}: every loop is capped, and caps fail closed. Unset keys keep loop-core's defaults. */
  public static class Caps {
    /** Passes of the outer loop. */
    private @Nullable Integer passes;

    /** Wall clock of the run, across sessions. */
    private @Nullable Duration wallClock;

    /** Money in US dollars, e.g. 12.50. */
    private @Nullable String costUsd;

    /** Model tokens. */
    private @Nullable Long tokens;

    /** Attempts per ticket before it waits for a person. */
    private @Nullable Integer attemptsPerTicket;

    /** Tickets workers may file in one run. */
    private @Nullable Integer discoveredTickets;

    /** Turns of one worker. */
    private @Nullable Integer turnsPerWorker;

    /** Tickets in flight at once. */
    private @Nullable Integer concurrency;

    /** stop (the default): usage no price accounts for stops the run; free: such usage (a command agent reporting no cost) is declared free. */
    private @Nullable String unmeteredUsage;

    /** Creates the defaults. */
    public Caps() {}

    /** @return {@code loop.caps.passes}, or null for the default */
    public @Nullable Integer getPasses() {
      return passes;
    }

    /** @param passes {@code loop.caps.passes} */
    public void setPasses(@Nullable Integer passes) {
      this.passes = passes;
    }

    /** @return {@code loop.caps.wall-clock}, or null for the default */
    public @Nullable Duration getWallClock() {
      return wallClock;
    }

    /** @param wallClock {@code loop.caps.wall-clock} */
    public void setWallClock(@Nullable Duration wallClock) {
      this.wallClock = wallClock;
    }

    /** @return {@code loop.caps.cost-usd}, or null for the default */
    public @Nullable String getCostUsd() {
      return costUsd;
    }

    /** @param costUsd {@code loop.caps.cost-usd} */
    public void setCostUsd(@Nullable String costUsd) {
      this.costUsd = costUsd;
    }

    /** @return {@code loop.caps.tokens}, or null for the default */
    public @Nullable Long getTokens() {
      return tokens;
    }

    /** @param tokens {@code loop.caps.tokens} */
    public void setTokens(@Nullable Long tokens) {
      this.tokens = tokens;
    }

    /** @return {@code loop.caps.attempts-per-ticket}, or null for the default */
    public @Nullable Integer getAttemptsPerTicket() {
      return attemptsPerTicket;
    }

    /** @param attemptsPerTicket {@code loop.caps.attempts-per-ticket} */
    public void setAttemptsPerTicket(@Nullable Integer attemptsPerTicket) {
      this.attemptsPerTicket = attemptsPerTicket;
    }

    /** @return {@code loop.caps.discovered-tickets}, or null for the default */
    public @Nullable Integer getDiscoveredTickets() {
      return discoveredTickets;
    }

    /** @param discoveredTickets {@code loop.caps.discovered-tickets} */
    public void setDiscoveredTickets(@Nullable Integer discoveredTickets) {
      this.discoveredTickets = discoveredTickets;
    }

    /** @return {@code loop.caps.turns-per-worker}, or null for the default */
    public @Nullable Integer getTurnsPerWorker() {
      return turnsPerWorker;
    }

    /** @param turnsPerWorker {@code loop.caps.turns-per-worker} */
    public void setTurnsPerWorker(@Nullable Integer turnsPerWorker) {
      this.turnsPerWorker = turnsPerWorker;
    }

    /** @return {@code loop.caps.concurrency}, or null for the default */
    public @Nullable Integer getConcurrency() {
      return concurrency;
    }

    /** @param concurrency {@code loop.caps.concurrency} */
    public void setConcurrency(@Nullable Integer concurrency) {
      this.concurrency = concurrency;
    }

    /** @return {@code loop.caps.unmetered-usage}, or null for the default */
    public @Nullable String getUnmeteredUsage() {
      return unmeteredUsage;
    }

    /** @param unmeteredUsage {@code loop.caps.unmetered-usage} */
    public void setUnmeteredUsage(@Nullable String unmeteredUsage) {
      this.unmeteredUsage = unmeteredUsage;
    }
  }

  /** {@code loop.runs.*}: where runs live and how the application starts and stops them. */
  public static class Runs {
    /** The folder of run directories (run-001, run-002, ...): journals, transcripts, workspaces of failed attempts. */
    private Path directory = Path.of(".loop", "runs");

    /** Whether the application resumes the newest unfinished run (or starts one) when the context has started. */
    private boolean startOnStartup = false;

    /** How long shutdown waits for in-flight runs to stop (attempts interrupted, tickets reopened). */
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    /** Where the journals' keys are kept (default: loop-core's, ~/.loop/journal-keys or -Dloop.journal.keys). */
    private @Nullable Path journalKeys;

    /** Creates the defaults. */
    public Runs() {}

    /** @return {@code loop.runs.directory} */
    public Path getDirectory() {
      return directory;
    }

    /** @param directory {@code loop.runs.directory} */
    public void setDirectory(Path directory) {
      this.directory = directory;
    }

    /** @return {@code loop.runs.start-on-startup} */
    public boolean isStartOnStartup() {
      return startOnStartup;
    }

    /** @param startOnStartup {@code loop.runs.start-on-startup} */
    public void setStartOnStartup(boolean startOnStartup) {
      this.startOnStartup = startOnStartup;
    }

    /** @return {@code loop.runs.shutdown-timeout} */
    public Duration getShutdownTimeout() {
      return shutdownTimeout;
    }

    /** @param shutdownTimeout {@code loop.runs.shutdown-timeout} */
    public void setShutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
    }

    /** @return {@code loop.runs.journal-keys}, or null for loop-core's default */
    public @Nullable Path getJournalKeys() {
      return journalKeys;
    }

    /** @param journalKeys {@code loop.runs.journal-keys} */
    public void setJournalKeys(@Nullable Path journalKeys) {
      this.journalKeys = journalKeys;
    }
  }

  /** {@code loop.metrics.*}: loop-micrometer's meters, when it and a MeterRegistry are present. */
  public static class Metrics {
    /** Whether LoopMetrics is registered when loop-micrometer and a MeterRegistry are present. */
    private boolean enabled = true;

    /** The run tag on every meter: a kind of run, not one run. */
    private String runName = "loop";

    /** Host stage names that may be tag values; other host stages are tagged other. */
    private List<String> checkStages = new ArrayList<>();

    /** Creates the defaults. */
    public Metrics() {}

    /** @return {@code loop.metrics.enabled} */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled {@code loop.metrics.enabled} */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** @return {@code loop.metrics.run-name} */
    public String getRunName() {
      return runName;
    }

    /** @param runName {@code loop.metrics.run-name} */
    public void setRunName(String runName) {
      this.runName = runName;
    }

    /** @return {@code loop.metrics.check-stages} */
    public List<String> getCheckStages() {
      return checkStages;
    }

    /** @param checkStages {@code loop.metrics.check-stages} */
    public void setCheckStages(List<String> checkStages) {
      this.checkStages = checkStages;
    }
  }

  /** {@code loop.tracing.*}: loop-opentelemetry's spans, when it and an OpenTelemetry bean are present. */
  public static class Tracing {
    /** Whether LoopTracing is registered when loop-opentelemetry and an OpenTelemetry bean are present. */
    private boolean enabled = true;

    /** Whether each stage's own attributes (workspace directory, commit, prompt hash) go on its span. */
    private boolean stageAttributes = true;

    /** Creates the defaults. */
    public Tracing() {}

    /** @return {@code loop.tracing.enabled} */
    public boolean isEnabled() {
      return enabled;
    }

    /** @param enabled {@code loop.tracing.enabled} */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** @return {@code loop.tracing.stage-attributes} */
    public boolean isStageAttributes() {
      return stageAttributes;
    }

    /** @param stageAttributes {@code loop.tracing.stage-attributes} */
    public void setStageAttributes(boolean stageAttributes) {
      this.stageAttributes = stageAttributes;
    }
  }
}

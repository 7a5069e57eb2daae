package dev.loopkit.spring;

import dev.loopkit.core.Caps;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Tracker;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.core.process.BubblewrapSandbox;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.core.process.SandboxUnavailableException;
import dev.loopkit.llm.work.AgentProfile;
import dev.loopkit.llm.work.CommandWorker;
import dev.loopkit.oracle.CommandVerifier;
import dev.loopkit.oracle.DefinitionTripwire;
import dev.loopkit.oracle.TicketCommandVerifier;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.Verifier;
import dev.loopkit.scheduler.GitMergeIntegrator;
import dev.loopkit.scheduler.GitWorkspaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Builds each stock part from its {@code loop.*} keys. Every refusal is an {@link InputException} naming the key,
 * the value and what was expected; loop-core's own builders' refusals are passed on under the key that fed them.
 */
final class StockParts {
  /** Where programs are looked for when the JVM's environment has no {@code PATH} (execvp's default). */
  static final String DEFAULT_PATH = "/usr/bin:/bin";

  private StockParts() {}

  static MarkdownTracker tracker(LoopProperties.Tracker p) {
    Path folder = p.getFolder();
    if (folder == null) {
      throw new InputException("loop.tracker.folder is not set: expected the Markdown tracker's folder (one .md file"
          + " per ticket), or a Tracker bean of the application's own");
    }
    Path abs = folder.toAbsolutePath().normalize();
    if (!p.isCreateFolder() && !Files.isDirectory(abs)) {
      throw new InputException("loop.tracker.folder is " + folder + " (" + abs + "), which "
          + (Files.exists(abs) ? "is not a folder" : "does not exist") + ": expected the folder of the batch's"
          + " ticket files (or loop.tracker.create-folder: true to start with an empty batch)");
    }
    return keyed("loop.tracker.folder", folder, () -> MarkdownTracker.builder(abs).idPrefix(p.getIdPrefix())
        .createFolder(p.isCreateFolder()).build());
  }

  static GitWorkspaces workspaces(LoopProperties.Workspace p) {
    Path repo = repository(p).orElseThrow(() -> new InputException("loop.workspace.repo is not set: expected the"
        + " git working tree the tickets change, or a Workspaces bean of the application's own"));
    GitWorkspaces.Builder b = keyed("loop.workspace.integration-branch", p.getIntegrationBranch(),
        () -> GitWorkspaces.builder(repo).integrationBranch(p.getIntegrationBranch()));
    if (p.getWorktrees() != null) {
      Path worktrees = p.getWorktrees().toAbsolutePath().normalize();
      keyed("loop.workspace.worktrees", p.getWorktrees(), () -> b.workspaceRoot(worktrees));
    }
    return keyed("loop.workspace.repo", p.getRepo(), b::build);
  }

  /** The configured repository, checked to be a git working tree; empty when {@code loop.workspace.repo} is unset. */
  static Optional<Path> repository(LoopProperties.Workspace p) {
    if (p.getRepo() == null) {
      return Optional.empty();
    }
    Path repo = p.getRepo().toAbsolutePath().normalize();
    if (!Files.exists(repo.resolve(".git"))) {
      throw new InputException("loop.workspace.repo is " + p.getRepo() + " (" + repo + "), which is not a git"
          + " working tree: expected a git repository on branch " + p.getIntegrationBranch());
    }
    return Optional.of(repo);
  }

  /**
   * What no worker's change may touch when it is merged: {@code loop.worker.protect}, plus the tracker's folder
   * and the runs' folder where they lie in the repository (a worker's edit of a ticket file or a journal would
   * otherwise be merged into the harness's own files with its branch).
   */
  static List<String> protectedGlobs(LoopProperties p, Tracker tracker, Path repository) {
    List<String> globs = new ArrayList<>(p.getWorker().getProtect());
    List<Path> harness = new ArrayList<>();
    if (tracker instanceof MarkdownTracker m) {
      harness.add(m.folder().toAbsolutePath().normalize());
    }
    harness.add(p.getRuns().getDirectory().toAbsolutePath().normalize());
    for (Path h : harness) {
      if (h.startsWith(repository) && !h.equals(repository)) {
        globs.add(repository.relativize(h).toString().replace('\\', '/') + "/**");
      } else if (repository.startsWith(h)) {
        throw new InputException("loop.workspace.repo is " + repository + ", which lies inside " + h + ", a folder"
            + " of the harness (loop.tracker.folder or loop.runs.directory): expected the repository apart from it");
      }
    }
    return globs;
  }

  static GitMergeIntegrator integrator(GitWorkspaces workspaces, Tracker tracker, LoopProperties p) {
    Path repository = workspaces.repository().toAbsolutePath().normalize();
    List<String> globs = protectedGlobs(p, tracker, repository);
    return keyed("loop.worker.protect", p.getWorker().getProtect(),
        () -> GitMergeIntegrator.builder(workspaces).protect(globs).build());
  }

  static TicketCommandVerifier verifier(LoopProperties.Verifier p, Tracker tracker) {
    TicketCommandVerifier.Builder b = keyed("loop.verifier.timeout", p.getTimeout(),
        () -> TicketCommandVerifier.builder().defaultTimeout(p.getTimeout()).origins(tracker::find));
    String command = p.getCommand();
    String expect = p.getExpectOutput();
    if (command == null && expect != null) {
      throw new InputException("loop.verifier.expect-output is '" + expect + "' but loop.verifier.command is not"
          + " set: expected both (the command for tickets without verify metadata, and what its output must show)");
    }
    if (command != null) {
      if (command.isBlank()) {
        throw new InputException("loop.verifier.command is blank: expected a shell command line, e.g."
            + " 'sh tests/run.sh', or no loop.verifier.command");
      }
      if (expect == null) {
        throw new InputException("loop.verifier.expect-output is not set for loop.verifier.command '" + command
            + "': expected a regular expression the command's output must contain (an exit code alone is absence"
            + " of error, not evidence)");
      }
      try {
        Pattern.compile(expect);
      } catch (PatternSyntaxException e) {
        throw new InputException("loop.verifier.expect-output is '" + expect + "': expected a regular expression ("
            + e.getDescription() + ")", e);
      }
      b.fallback(keyed("loop.verifier.command", command, () -> CommandVerifier.of("sh", "-c", command)
          .expectOutput(expect).timeout(p.getTimeout()).build()));
    }
    return b.build();
  }

  static CommandWorker worker(LoopProperties.Worker p) {
    String agent = p.getAgent() != null ? p.getAgent() : p.getArgv().isEmpty() ? null : "custom";
    if (agent == null) {
      throw new InputException("loop.worker.agent is not set: expected custom (with loop.worker.argv, the agent's"
          + " command), claude-code or codex, or a Worker bean of the application's own");
    }
    AgentProfile profile;
    switch (agent) {
      case "custom":
        if (p.getArgv().isEmpty()) {
          throw new InputException("loop.worker.argv is empty: expected the agent's command for loop.worker.agent"
              + " custom, e.g. [my-agent, --task, '{task}'] (without {task} the task goes to standard input)");
        }
        profile = keyed("loop.worker.argv", p.getArgv(), () -> AgentProfile.custom("custom", "custom",
            List.copyOf(p.getArgv()), AgentProfile.OutputFormat.TEXT).withNetwork(p.isNetwork()));
        break;
      case "claude-code":
        profile = keyed("loop.worker.max-turns", p.getMaxTurns(), () -> AgentProfile.claudeCode(p.getMaxTurns()));
        break;
      case "codex":
        profile = AgentProfile.codex();
        break;
      default:
        throw new InputException("loop.worker.agent is '" + agent + "': expected custom, claude-code or codex");
    }
    if (!agent.equals("custom") && !p.getArgv().isEmpty()) {
      throw new InputException("loop.worker.argv is set, but loop.worker.agent is " + agent + ": expected"
          + " loop.worker.agent custom for a command of your own, or no argv");
    }
    return keyed("loop.worker.timeout", p.getTimeout(), () -> CommandWorker.builder(profile)
        .timeout(p.getTimeout()).build());
  }

  static Caps caps(LoopProperties.Caps p) {
    Caps.Builder b = Caps.builder();
    set("loop.caps.passes", p.getPasses(), b::maxPasses);
    set("loop.caps.wall-clock", p.getWallClock(), b::maxWallClock);
    set("loop.caps.cost-usd", p.getCostUsd(), (String v) -> b.maxCostUsd(v.strip()));
    set("loop.caps.tokens", p.getTokens(), b::maxTokens);
    set("loop.caps.attempts-per-ticket", p.getAttemptsPerTicket(), b::maxAttemptsPerTicket);
    set("loop.caps.discovered-tickets", p.getDiscoveredTickets(), b::maxDiscoveredTickets);
    set("loop.caps.turns-per-worker", p.getTurnsPerWorker(), b::maxTurnsPerWorker);
    set("loop.caps.concurrency", p.getConcurrency(), b::maxConcurrency);
    String unmetered = p.getUnmeteredUsage();
    if (unmetered != null) {
      if (!unmetered.equals("stop") && !unmetered.equals("free")) {
        throw new InputException("loop.caps.unmetered-usage is '" + unmetered + "': expected stop (usage no price"
            + " accounts for stops the run) or free");
      }
      b.allowUnmeteredUsage(unmetered.equals("free"));
    }
    return b.build();
  }

  /**
   * The {@code loop.sandbox} section's sandbox, checked to start: bubblewrap found on the JVM's {@code PATH}, or
   * {@code Sandbox.none()} for {@code kind: none}. Extra paths must exist and stay apart from what every sandbox
   * hides ({@code hidden}: the ticket folder, the repository, the runs, the journals' keys).
   */
  static Sandbox sandbox(LoopProperties.Sandbox p, Map<String, Path> hidden, Map<String, String> environment) {
    String kind = p.getKind();
    if (kind.equals("none")) {
      if (p.isNetwork() || !p.getReadOnly().isEmpty() || !p.getWritable().isEmpty()) {
        throw new InputException("loop.sandbox.kind is none (no sandbox), but loop.sandbox.network, read-only or"
            + " writable is set: expected kind bubblewrap for those, or none of them without a sandbox");
      }
      return Sandbox.none();
    }
    if (!kind.equals("bubblewrap")) {
      throw new InputException("loop.sandbox.kind is '" + kind + "': expected bubblewrap (the default) or none (the"
          + " explicit opt-out: tickets' processes then reach everything the application can)");
    }
    BubblewrapSandbox.Builder b = BubblewrapSandbox.builder()
        .searchPath(environment.getOrDefault("PATH", DEFAULT_PATH)).network(p.isNetwork());
    hostPaths("loop.sandbox.read-only", p.getReadOnly(), hidden).forEach(b::readOnly);
    hostPaths("loop.sandbox.writable", p.getWritable(), hidden).forEach(b::writable);
    BubblewrapSandbox sandbox = b.build();
    try {
      sandbox.check();
    } catch (SandboxUnavailableException e) {
      // never a silent fallback to running tickets' processes unconfined
      throw new InputException("loop.sandbox.kind is bubblewrap, which cannot start here: " + e.getMessage()
          + " (or set loop.sandbox.kind: none, the explicit opt-out)", e);
    }
    return sandbox;
  }

  /** What every sandbox hides, by what it is, for the overlap check of extra sandbox paths. */
  static Map<String, Path> hidden(LoopProperties p, @Nullable Path trackerFolder, @Nullable Path repository) {
    Map<String, Path> hidden = new LinkedHashMap<>();
    if (trackerFolder != null) {
      hidden.put("the ticket folder (loop.tracker.folder)", trackerFolder);
    }
    if (repository != null) {
      hidden.put("the repository (loop.workspace.repo)", repository);
    }
    hidden.put("the runs (loop.runs.directory)", p.getRuns().getDirectory());
    Path keys = p.getRuns().getJournalKeys();
    String property = System.getProperty("loop.journal.keys");
    hidden.put("the run journals' keys", keys != null ? keys : property != null ? Path.of(property)
        : Path.of(System.getProperty("user.home"), ".loop", "journal-keys"));
    return hidden;
  }

  private static List<Path> hostPaths(String key, List<Path> paths, Map<String, Path> hidden) {
    List<Path> out = new ArrayList<>();
    for (Path given : paths) {
      Path p = given.toAbsolutePath().normalize();
      if (p.getNameCount() == 0) {
        throw new InputException(key + " holds " + given + ": expected a path below the root (the root would show"
            + " the whole host to every sandbox)");
      }
      if (!Files.exists(p)) {
        throw new InputException(key + " holds " + given + ", and " + p + " does not exist: expected an existing"
            + " file or folder");
      }
      for (Map.Entry<String, Path> h : hidden.entrySet()) {
        Path other = h.getValue().toAbsolutePath().normalize();
        if (other.startsWith(p) || p.startsWith(other)) {
          throw new InputException(key + " holds " + given + " (" + p + "), which overlaps " + h.getKey() + " ("
              + other + "): expected a path apart from it, since tickets' processes must never see it");
        }
      }
      out.add(p);
    }
    return out;
  }

  /**
   * The definition of done frozen: the oracle and the verifier the engine uses (the same instances), and the
   * {@code loop.worker.protect} globs in the repository.
   */
  static DefinitionTripwire tripwire(Oracle oracle, Verifier verifier, LoopProperties p) {
    DefinitionTripwire.Builder b = DefinitionTripwire.builder().oracle(oracle).verifier(verifier);
    List<String> protect = p.getWorker().getProtect();
    if (!protect.isEmpty()) {
      Path repo = repository(p.getWorkspace()).orElseThrow(() -> new InputException("loop.worker.protect is "
          + protect + " but loop.workspace.repo is not set: expected the repository the globs are relative to"));
      for (String glob : protect) {
        keyed("loop.worker.protect", protect, () -> protect(b, repo, glob));
      }
    }
    return b.build();
  }

  /**
   * Protects {@code glob} under the repository, walking from its literal leading folders ({@code tests/**} is
   * {@code **} under {@code tests}): a walk from the root would also walk {@code .git}, whose files come and go
   * while merges run.
   */
  private static DefinitionTripwire.Builder protect(DefinitionTripwire.Builder tripwire, Path repository,
      String glob) {
    if (glob.isBlank() || glob.startsWith("/") || glob.equals("..") || glob.startsWith("../")
        || glob.contains("/../")) {
      throw new InputException("'" + glob + "' is not a glob relative to the repository: expected e.g. tests/**");
    }
    Path base = repository;
    String rest = glob;
    int slash;
    while ((slash = rest.indexOf('/')) > 0 && rest.substring(0, slash).matches("[^*?\\[\\]{}]+")) {
      base = base.resolve(rest.substring(0, slash));
      rest = rest.substring(slash + 1);
    }
    return tripwire.glob(base, rest.isEmpty() ? "**" : rest);
  }

  private static <T> void set(String key, @Nullable T value, Consumer<T> setter) {
    if (value != null) {
      keyed(key, value, () -> {
        setter.accept(value);
        return value;
      });
    }
  }

  /** Runs {@code build}, passing on a refusal under the key and value that fed it. */
  private static <T> T keyed(String key, Object value, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (InputException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(key)) {
        throw e;
      }
      throw new InputException(key + " is " + describe(value) + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new InputException(key + " is " + describe(value) + ": " + e.getMessage(), e);
    }
  }

  private static String describe(Object value) {
    return value instanceof String s ? "'" + s + "'" : value instanceof Duration d ? d.toString() : String.valueOf(value);
  }
}

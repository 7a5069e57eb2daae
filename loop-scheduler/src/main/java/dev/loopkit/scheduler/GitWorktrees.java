package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import dev.loopkit.core.Workspaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Workspaces} as git worktrees: one worktree per ticket, at {@code <worktreeRoot>/<ticket id>}, on
 * branch {@code loop/<ticket id>}.
 *
 * <p><b>First attempt:</b> the branch is cut from the integration branch as it stands when the attempt
 * starts, that is after every ticket it depends on has been integrated, so the worker sees its blockers'
 * work. <b>Retry:</b> the ticket's branch and worktree are reused, so the fresh worker continues from the
 * commits (and notes files) already made, and the integration branch is merged into the branch first; a
 * conflict aborts that merge and fails the attempt with an {@link AdapterException} that lists the
 * conflicting paths. The workspace's {@linkplain Workspace#attributes() attributes}, which the engine
 * journals, record {@code branch}, {@code base-commit} (the integration commit the attempt starts from),
 * {@code head}, {@code worktree}, {@code integration-branch} and {@code reused}.
 *
 * <p><b>Close:</b> a succeeded attempt's worktree is removed (its branch is kept); a failed one is kept for
 * inspection and its location logged.
 *
 * <p><b>Safety:</b> git runs as a child process with a timeout and a minimal environment (no host secrets,
 * no global or system git config, so no commit signing, hooks or prompts) and a fixed identity. Operations on
 * the repository's shared refs and worktree metadata are serialized per repository within the JVM, and a
 * git lock file held by another process is waited out briefly (with the injected {@link Sleeper}) rather
 * than raced. A missing or dirty repository, a missing integration branch or a worktree path already taken
 * is an {@link InputException} naming it.
 *
 * <p>{@link #open} and {@link #close} are called from worker threads, concurrently for different tickets.
 */
public final class GitWorktrees implements Workspaces {
  private static final Logger LOG = LoggerFactory.getLogger(GitWorktrees.class);
  private static final Pattern BRANCH_NAME = Pattern.compile("[A-Za-z0-9._/-]+");

  private final Path repository;
  private final Path worktreeRoot;
  private final String integrationBranch;
  private final String branchPrefix;
  private final Git git;

  private GitWorktrees(Builder b, Path worktreeRoot) {
    this.repository = b.repository;
    this.worktreeRoot = worktreeRoot;
    this.integrationBranch = b.integrationBranch;
    this.branchPrefix = b.branchPrefix;
    this.git = new Git(b.repository, new Git.GitSettings(b.gitExecutable, b.gitTimeout, b.sleeper, b.lockRetries,
        b.lockRetryDelay, b.authorName, b.authorEmail));
  }

  /** Worktrees of the git repository whose working tree is {@code repository}. */
  public static Builder builder(Path repository) {
    return new Builder(repository);
  }

  public Path repository() {
    return repository;
  }

  public Path worktreeRoot() {
    return worktreeRoot;
  }

  public String integrationBranch() {
    return integrationBranch;
  }

  /** The branch of a ticket, e.g. {@code loop/T-1}. */
  public String branchOf(String ticketId) {
    return branchPrefix + ticketId;
  }

  /** Where a ticket's worktree lives. */
  public Path worktreeOf(String ticketId) {
    return worktreeRoot.resolve(ticketId);
  }

  Git git() {
    return git;
  }

  /**
   * Creates the ticket's worktree (first attempt) or reuses it brought up to date (retry).
   *
   * @throws InputException if the repository is missing or dirty, the integration branch does not exist, or
   *     the worktree path is taken by something else
   * @throws AdapterException if git fails, times out, or bringing a reused branch up to date conflicts (the
   *     message lists the conflicting paths; the merge is aborted)
   */
  @Override
  public Workspace open(WorkspaceRequest request) {
    String id = request.ticket().id();
    String branch = branchOf(id);
    Path dir = worktreeOf(id);
    ReentrantLock lock = git.lock();
    lock.lock();
    try {
      checkRepository(git, integrationBranch);
      String base = resolveBranch(git, integrationBranch, "the integration branch");
      boolean reused = git.run(repository, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).ok();
      git.ok(repository, "pruning stale worktree records", "worktree", "prune");
      Map<Path, String> worktrees = worktrees();
      if (!reused) {
        requireFree(dir, branch, worktrees);
        createDirectories(worktreeRoot);
        git.ok(repository, "creating the worktree of ticket " + id, "worktree", "add", "-b", branch,
            dir.toString(), base);
      } else {
        Path current = null;
        for (Map.Entry<Path, String> w : worktrees.entrySet()) {
          if (w.getValue().equals("refs/heads/" + branch)) {
            current = w.getKey();
          }
        }
        if (current != null && !samePath(current, dir)) {
          throw new InputException("branch " + branch + " of ticket " + id + " is checked out in " + current
              + ": expected it in " + dir + " (remove that worktree or check out another branch there)");
        }
        if (current == null) {
          requireFree(dir, branch, worktrees);
          createDirectories(worktreeRoot);
          git.ok(repository, "recreating the worktree of ticket " + id, "worktree", "add", dir.toString(), branch);
        }
        catchUp(dir, branch, base, request.attempt());
      }
      String head = git.ok(dir, "reading the head of " + branch, "rev-parse", "HEAD");
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("branch", branch);
      attributes.put("base-commit", base);
      attributes.put("head", head);
      attributes.put("worktree", dir.toString());
      attributes.put("integration-branch", integrationBranch);
      attributes.put("reused", Boolean.toString(reused));
      return new Workspace(id, dir, attributes);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes the worktree of a succeeded attempt (the branch stays); keeps a failed attempt's worktree and logs
   * where it is. A workspace outside this instance's worktree root is left alone.
   */
  @Override
  public void close(Workspace workspace, boolean succeeded) {
    Path dir = workspace.directory();
    if (!dir.toAbsolutePath().normalize().startsWith(worktreeRoot.toAbsolutePath().normalize())) {
      LOG.warn("not closing workspace {} of ticket {}: it is not under {}", dir, workspace.ticketId(), worktreeRoot);
      return;
    }
    if (!succeeded) {
      LOG.info("attempt on ticket {} failed; keeping its worktree {} (branch {}) for inspection",
          workspace.ticketId(), dir, workspace.attributes().getOrDefault("branch", branchOf(workspace.ticketId())));
      return;
    }
    ReentrantLock lock = git.lock();
    lock.lock();
    try {
      if (Files.exists(dir)) {
        git.ok(repository, "removing the worktree of ticket " + workspace.ticketId(), "worktree", "remove",
            "--force", dir.toString());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Merges the integration branch into a reused ticket branch, or aborts and throws naming the conflicts. */
  private void catchUp(Path dir, String branch, String base, int attempt) {
    git.awaitIndexUnlocked(dir);
    Git.Result merge = git.run(dir, "merge", "--no-edit", "-m", "Merge " + integrationBranch + " into " + branch
        + " for attempt " + attempt, base);
    if (merge.ok()) {
      return;
    }
    List<String> conflicts = Git.nulSeparated(
        git.ok(dir, "listing conflicts", "diff", "--name-only", "--diff-filter=U", "-z"));
    if (git.run(dir, "rev-parse", "--verify", "--quiet", "MERGE_HEAD").ok()) {
      git.ok(dir, "aborting the merge of " + integrationBranch + " into " + branch, "merge", "--abort");
    }
    if (!conflicts.isEmpty()) {
      throw new AdapterException("bringing " + branch + " up to date with " + integrationBranch + " ("
          + abbreviate(base) + ") conflicts in " + String.join(", ", conflicts) + "; the merge was aborted and the"
          + " branch left as the last attempt made it (worktree " + dir + "): expected the ticket's commits to"
          + " merge cleanly with " + integrationBranch);
    }
    throw new AdapterException("bringing " + branch + " up to date with " + integrationBranch + " ("
        + abbreviate(base) + ") in " + dir + " failed: " + Git.firstLines(merge.err().isBlank() ? merge.out() : merge.err()));
  }

  /** Fails unless {@code dir} is free: absent, or an empty directory no worktree is registered at. */
  private static void requireFree(Path dir, String branch, Map<Path, String> worktrees) {
    for (Map.Entry<Path, String> w : worktrees.entrySet()) {
      if (samePath(w.getKey(), dir)) {
        throw new InputException("worktree path " + dir + " is already taken by the worktree of "
            + w.getValue() + ": expected it free for branch " + branch + " (remove that worktree)");
      }
    }
    if (Files.exists(dir)) {
      throw new InputException("worktree path " + dir + " is already taken by a "
          + (Files.isDirectory(dir) ? "directory" : "file") + " git does not know as a worktree: expected it free"
          + " for branch " + branch + " (move it away or choose another worktreeRoot)");
    }
  }

  /** The registered worktrees: path to the ref checked out there ({@code refs/heads/x}, or "" if detached). */
  private Map<Path, String> worktrees() {
    String out = git.ok(repository, "listing worktrees", "worktree", "list", "--porcelain", "-z");
    Map<Path, String> result = new LinkedHashMap<>();
    Path current = null;
    for (String field : Git.nulSeparated(out)) {
      if (field.startsWith("worktree ")) {
        current = Path.of(field.substring("worktree ".length()));
        result.put(current, "");
      } else if (field.startsWith("branch ") && current != null) {
        result.put(current, field.substring("branch ".length()));
      }
    }
    return result;
  }

  /**
   * Checks that {@code git}'s repository exists, is the top of a git working tree and has no uncommitted
   * changes to tracked files.
   */
  static void checkRepository(Git git, String integrationBranch) {
    Path repo = git.repo();
    if (!Files.isDirectory(repo)) {
      throw new InputException("git repository " + repo + " does not exist: expected the working tree of a"
          + " repository with branch " + integrationBranch);
    }
    Git.Result top = git.run(repo, "rev-parse", "--show-toplevel");
    if (!top.ok()) {
      throw new InputException("git repository " + repo + " is not a git working tree (" + Git.firstLines(top.err())
          + "): expected the working tree of a repository with branch " + integrationBranch);
    }
    if (!samePath(Path.of(top.out().strip()), repo)) {
      throw new InputException("git repository " + repo + " is inside the working tree " + top.out().strip()
          + ": expected the top of the working tree");
    }
    List<String> entries = git.uncommittedTracked(repo);
    if (!entries.isEmpty()) {
      throw new InputException("git repository " + repo + " has uncommitted changes to tracked files ("
          + String.join(", ", entries.subList(0, Math.min(entries.size(), 10)))
          + (entries.size() > 10 ? ", ..." : "") + "): expected a clean working tree, so every ticket starts from"
          + " committed work and merges apply cleanly; commit or stash them");
    }
  }

  /** The commit a local branch points at. */
  static String resolveBranch(Git git, String branch, String role) {
    Git.Result r = git.run(git.repo(), "rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}");
    if (!r.ok()) {
      throw new InputException(role + " '" + branch + "' does not exist in " + git.repo()
          + ": expected a local branch with at least one commit");
    }
    return r.out().strip();
  }

  static String abbreviate(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  private static boolean samePath(Path a, Path b) {
    try {
      if (Files.exists(a) && Files.exists(b)) {
        return Files.isSameFile(a, b);
      }
    } catch (IOException e) {
      // fall through to a textual comparison
    }
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the worktree root " + dir, e);
    }
  }

  /** Builds {@link GitWorktrees}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Path repository;
    private @Nullable Path worktreeRoot;
    private String integrationBranch = "main";
    private String branchPrefix = "loop/";
    private String gitExecutable = "git";
    private Duration gitTimeout = Duration.ofMinutes(2);
    private Sleeper sleeper = Sleeper.system();
    private int lockRetries = 50;
    private Duration lockRetryDelay = Duration.ofMillis(100);
    private String authorName = "Loop";
    private String authorEmail = "loop@loopkit.invalid";

    private Builder(Path repository) {
      this.repository = Objects.requireNonNull(repository, "repository").toAbsolutePath().normalize();
    }

    /**
     * The folder holding one worktree per ticket. Default: {@code <repository>.worktrees} next to the
     * repository (outside it, so worktrees never show up as untracked files).
     */
    public Builder worktreeRoot(Path worktreeRoot) {
      this.worktreeRoot = Objects.requireNonNull(worktreeRoot, "worktreeRoot").toAbsolutePath().normalize();
      return this;
    }

    /** The branch tickets are cut from and merged into. Default {@code main}. */
    public Builder integrationBranch(String branch) {
      this.integrationBranch = branchName(branch, "integrationBranch");
      return this;
    }

    /** Prefix of ticket branches. Default {@code loop/}. */
    public Builder branchPrefix(String prefix) {
      this.branchPrefix = branchName(prefix, "branchPrefix");
      return this;
    }

    /** The git executable, a name on the PATH or a path. Default {@code git}. */
    public Builder gitExecutable(String executable) {
      if (executable.isBlank()) {
        throw new InputException("gitExecutable is blank: expected git or a path to it");
      }
      this.gitExecutable = executable;
      return this;
    }

    /** How long one git command may run before it is killed. Default 2 minutes. */
    public Builder gitTimeout(Duration timeout) {
      this.gitTimeout = Git.positive(timeout, "gitTimeout");
      return this;
    }

    /** Waits between tries while another git process holds a lock file. Default: sleeps for real. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** How often, and how far apart, to retry a git command that found a lock file held. Default 50 x 100 ms. */
    public Builder lockRetry(int retries, Duration delay) {
      if (retries < 0) {
        throw new InputException("lock retries is " + retries + ": expected 0 or more");
      }
      this.lockRetries = retries;
      this.lockRetryDelay = Git.positive(delay, "lock retry delay");
      return this;
    }

    /** The identity of the merge commits Loop makes. Default {@code Loop <loop@loopkit.invalid>}. */
    public Builder identity(String name, String email) {
      if (name.isBlank() || email.isBlank() || email.indexOf('@') < 0) {
        throw new InputException("git identity '" + name + " <" + email + ">': expected a name and an email");
      }
      this.authorName = name;
      this.authorEmail = email;
      return this;
    }

    public GitWorktrees build() {
      Path root = worktreeRoot != null ? worktreeRoot
          : repository.resolveSibling(repository.getFileName() + ".worktrees");
      if (root.startsWith(repository.resolve(".git"))) {
        throw new InputException("worktreeRoot " + root + " is inside the git directory of " + repository
            + ": expected a folder outside .git");
      }
      return new GitWorktrees(this, root);
    }

    private static String branchName(String name, String what) {
      if (!BRANCH_NAME.matcher(name).matches() || name.contains("..") || name.startsWith("-")
          || name.startsWith("/")) {
        throw new InputException(what + " '" + name + "': expected a git branch name of letters, digits, '.',"
            + " '_', '-' and '/'");
      }
      return name;
    }
  }
}

package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import dev.loopkit.core.Workspaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Workspaces} as one git repository per attempt: the attempt's own repository at {@code
 * <workspaceRoot>/<ticket id>}, checked out on the ticket's branch {@code loop/<ticket id>}, borrowing the main
 * repository's objects read-only (git alternates; the object store is in {@link Workspace#readOnlyPaths()} so the
 * sandbox shows it read-only). The worker's repository has its own refs, config and hooks: whatever it commits,
 * checks out, configures or marks ({@code skip-worktree}, {@code assume-unchanged}) there, the harness never reads
 * or runs any of it.
 *
 * <p><b>What the harness takes in:</b> only the working tree's files as they are on disk. A snapshot (at
 * integration, and when the workspace closes) hashes them into the <em>main</em> repository with the main
 * repository's hardened git and a temporary index ({@code read-tree} of the ticket branch, {@code add -A}, {@code
 * write-tree}, {@code commit-tree}, a compare-and-swap {@code update-ref refs/heads/loop/<id>}). Refused, with a
 * finding naming the paths: a nested repository or gitlink (a {@code .git} below the top), anything that is not a
 * regular file, directory or symbolic link, and a symbolic link that is absolute or leads out of the tree.
 *
 * <p><b>First attempt:</b> the branch is cut from the integration branch as it stands when the attempt starts,
 * after every blocker has been integrated. <b>Later attempts</b> (in this run or a resumed one) get a fresh
 * repository on the ticket's branch, which holds every earlier attempt's snapshot (memory lives in the branch),
 * with the integration branch merged in first (in the main repository, without a working tree); a conflict
 * throws an {@link AdapterException} listing the conflicting paths. The worker's repository also has a local
 * branch named like the integration branch at the base commit, for {@code git diff main}.
 *
 * <p><b>Attributes</b> journaled by the engine: {@code branch}, {@code base-commit}, {@code head}, {@code
 * workspace}, {@code integration-branch}, {@code reused}, {@code baseline} (the commit the run's definition of done
 * is restored from, {@code refs/loop/baselines/<run id>}).
 *
 * <p><b>Close:</b> the attempt's files are snapshotted into the ticket branch (so the next attempt starts from
 * them); a succeeded attempt's repository is then deleted, a failed one kept for inspection (and replaced by the
 * next attempt's, after one more snapshot in case the run was killed before it closed).
 *
 * <p>{@link #open} and {@link #close} are called from worker threads, concurrently for different tickets; work on
 * the main repository's refs is serialized per repository within the JVM ({@link GitRunner#lock}).
 */
public final class GitWorkspaces implements Workspaces {
  private static final Logger LOG = LoggerFactory.getLogger(GitWorkspaces.class);
  private static final Pattern BRANCH_NAME = Pattern.compile("[A-Za-z0-9._/-]+");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  /** As the old value of {@code update-ref}: the ref must not exist yet (any object format). */
  private static final String ABSENT = "";
  private static final String OWNED = ".owned";

  private final Path repository;
  private final Path workspaceRoot;
  private final String integrationBranch;
  private final String branchPrefix;
  private final GitRunner git;
  private volatile @Nullable Main main;
  /** The snapshot of each open workspace's attempt, once taken (by the integrator or at close). */
  private final Map<Path, String> snapshots = new ConcurrentHashMap<>();

  private GitWorkspaces(Builder b, Path workspaceRoot) {
    this.repository = b.repository;
    this.workspaceRoot = workspaceRoot;
    this.integrationBranch = b.integrationBranch;
    this.branchPrefix = b.branchPrefix;
    GitRunner.Builder runner = GitRunner.builder().executable(b.gitExecutable).timeout(b.gitTimeout)
        .sleeper(b.sleeper).lockRetry(b.lockRetries, b.lockRetryDelay).identity(b.authorName, b.authorEmail);
    this.git = runner.build();
  }

  /**
   * Workspaces for the git repository whose working tree is {@code repository}.
   *
   * @param repository the main repository's working tree; made absolute and normalized, checked when a workspace
   *     is opened
   * @return a new builder: integration branch {@code main}, ticket branches {@code loop/<id>}, workspaces in
   *     {@code <repository>.workspaces}
   */
  public static Builder builder(Path repository) {
    return new Builder(repository);
  }

  /**
   * The repository every attempt's workspace borrows objects from and whose integration branch it starts at.
   *
   * @return the repository's path, as the builder was given it (absolute, normalized)
   */
  public Path repository() {
    return repository;
  }

  /**
   * Where the attempts' repositories live ({@code <repo>.workspaces} unless the builder said otherwise).
   *
   * @return the folder holding one repository per attempt
   */
  public Path workspaceRoot() {
    return workspaceRoot;
  }

  /**
   * The branch each workspace starts from and integration moves ({@code main} unless the builder said otherwise).
   *
   * @return the branch name
   */
  public String integrationBranch() {
    return integrationBranch;
  }

  /**
   * The hardened git this instance (and its integrator) runs.
   *
   * @return the runner built from this instance's git settings
   */
  public GitRunner git() {
    return git;
  }

  /**
   * The branch of a ticket, e.g. {@code loop/T-1}.
   *
   * @param ticketId the ticket's id
   * @return the branch prefix followed by the id, without {@code refs/heads/}
   */
  public String branchOf(String ticketId) {
    return branchPrefix + ticketId;
  }

  /**
   * Where a ticket's attempt repository lives.
   *
   * @param ticketId the ticket's id
   * @return {@code <workspaceRoot>/<ticketId>}, whether or not it exists now
   */
  public Path workspaceOf(String ticketId) {
    return workspaceRoot.resolve(ticketId);
  }

  /**
   * Creates the attempt's own repository on the ticket's branch (cutting the branch from the integration branch
   * on the first attempt, bringing it up to date on later ones).
   *
   * @throws InputException if the repository is missing, not a git working tree, dirty while it has the
   *     integration branch checked out, the integration branch does not exist, the ticket id cannot name a
   *     branch, or the workspace path is taken by something that is not an earlier attempt's repository
   * @throws AdapterException if git fails or times out, or bringing the branch up to date conflicts (the message
   *     lists the conflicting paths; nothing is changed)
   */
  @Override
  public Workspace open(WorkspaceRequest request) {
    String id = ticketId(request.ticket().id());
    String branch = branchOf(id);
    String ref = "refs/heads/" + branch;
    Path dir = workspaceOf(id);
    Main main;
    String base;
    String head;
    boolean reused;
    String baseline;
    ReentrantLock lock = git.lock(repository);
    lock.lock();
    try {
      main = checkRepository(true);
      base = resolveBranch(integrationBranch, "the integration branch");
      baseline = baseline(request.runId());
      if (Files.exists(dir)) {
        if (!isWorkspace(id)) {
          throw new InputException("workspace path " + dir + " is already taken by a "
              + (Files.isDirectory(dir) ? "directory" : "file") + " that is not an attempt's repository: expected"
              + " it free for ticket " + id + " (move it away or choose another workspaceRoot)");
        }
        recoverLeftover(dir, id);
      }
      removeCandidateLeftovers(id);
      reused = git.run(repository, "rev-parse", "--verify", "--quiet", ref).ok();
      if (!reused) {
        git.ok(repository, "creating the branch of ticket " + id, "update-ref", ref, base, ABSENT);
      } else {
        catchUp(branch, base, request.attempt());
      }
      head = git.ok(repository, "reading the head of " + branch, "rev-parse", "--verify", ref + "^{commit}");
    } finally {
      lock.unlock();
    }
    createRepository(main, dir, id, base, head);
    snapshots.remove(dir);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("branch", branch);
    attributes.put("base-commit", base);
    attributes.put("head", head);
    attributes.put("workspace", dir.toString());
    attributes.put("integration-branch", integrationBranch);
    attributes.put("reused", Boolean.toString(reused));
    attributes.put("baseline", baseline);
    return new Workspace(id, dir, attributes, main.objectStores());
  }

  /**
   * Snapshots the attempt's files into the ticket branch, then deletes a succeeded attempt's repository or keeps
   * a failed one (logging where). A snapshot that is refused (a nested repository, a device, an escaping link) is
   * logged and leaves the branch as it was. A workspace outside this instance's root is left alone.
   */
  @Override
  public void close(Workspace workspace, boolean succeeded) {
    Path dir = workspace.directory().toAbsolutePath().normalize();
    if (!isUnderRoot(dir)) {
      LOG.warn("not closing workspace {} of ticket {}: it is not under {}", dir, workspace.ticketId(), workspaceRoot);
      return;
    }
    try {
      if (Files.isDirectory(dir) && !(succeeded && snapshots.containsKey(dir))) {
        Snapshot s = snapshot(workspace, workspace.ticketId() + ": the attempt's files as they are on disk ("
            + (succeeded ? "succeeded" : "failed") + ")");
        if (!s.refused().isEmpty()) {
          LOG.warn("attempt on ticket {}: its files were not taken into {}: {}", workspace.ticketId(),
              branchOf(workspace.ticketId()), String.join("; ", s.refused()));
        }
      }
    } finally {
      if (succeeded) {
        snapshots.remove(dir);
        DiskTree.delete(dir);
        forget(workspace.ticketId());
      } else {
        LOG.info("attempt on ticket {} failed; keeping its repository {} (branch {}) for inspection",
            workspace.ticketId(), dir, branchOf(workspace.ticketId()));
      }
    }
  }

  /** A snapshot: the ticket branch's commit holding the attempt's files, or why they were refused. */
  record Snapshot(String commit, boolean changed, List<String> refused) {
    static Snapshot refusedBecause(List<String> refused) {
      return new Snapshot("", false, refused);
    }
  }

  /**
   * Hashes the workspace's working tree, as it is on disk, into the main repository as a new commit on the ticket
   * branch (none when nothing changed). Reads nothing of the workspace's own repository. Thread-safe for
   * different tickets.
   *
   * @throws InputException if the workspace is not one of this instance's
   * @throws AdapterException if git fails or the branch moved during the snapshot
   */
  Snapshot snapshot(Workspace workspace, String message) {
    Path dir = workspace.directory().toAbsolutePath().normalize();
    String id = workspace.ticketId();
    if (!isUnderRoot(dir) || !dir.equals(workspaceOf(id)) || !isWorkspace(id)) {
      throw new InputException("workspace " + dir + " of ticket " + id + " is not a repository opened by these"
          + " workspaces (root " + workspaceRoot + "): expected the workspace GitWorkspaces.open returned");
    }
    List<String> refused = DiskTree.refusals(dir);
    if (!refused.isEmpty()) {
      return Snapshot.refusedBecause(refused);
    }
    Main main = main();
    String ref = "refs/heads/" + branchOf(id);
    String parent = git.ok(repository, "reading the head of " + branchOf(id), "rev-parse", "--verify",
        ref + "^{commit}");
    Path scratch = scratch();
    try {
      Path index = scratch.resolve("index");
      List<String> prefix = List.of("--git-dir=" + main.gitDir(), "--work-tree=" + dir);
      run(dir, index, "reading " + branchOf(id) + " into a temporary index", prefix, "read-tree", parent);
      run(dir, index, "hashing the files of " + dir, prefix, "-c", "core.fileMode=true", "-c", "core.symlinks=true",
          "-c", "core.autocrlf=false", "add", "-A");
      String tree = run(dir, index, "writing the tree of " + dir, prefix, "write-tree");
      String parentTree = git.ok(repository, "reading the tree of " + branchOf(id), "rev-parse", parent + "^{tree}");
      List<String> gitlinks = new ArrayList<>();
      for (TreeChange c : changes(parentTree, tree)) {
        if (c.newMode().equals("160000")) {
          gitlinks.add("nested repository or gitlink " + c.path() + ": expected plain files");
        }
      }
      if (!gitlinks.isEmpty()) {
        return Snapshot.refusedBecause(gitlinks);
      }
      if (tree.equals(parentTree)) {
        snapshots.put(dir, parent);
        return new Snapshot(parent, false, List.of());
      }
      String commit = git.ok(repository, "committing the snapshot of " + id, "commit-tree", tree, "-p", parent,
          "-m", message);
      git.ok(repository, "moving " + branchOf(id) + " to its snapshot (it must not move meanwhile)", "update-ref",
          ref, commit, parent);
      snapshots.put(dir, commit);
      return new Snapshot(commit, true, List.of());
    } finally {
      DiskTree.delete(scratch);
    }
  }

  /** One entry of {@code git diff-tree -r --raw}: modes, objects, status and path. */
  record TreeChange(String oldMode, String newMode, String oldObject, String newObject, char status, String path) {}

  /** What changed between two trees (or commits), renames not detected, so both sides of a move are listed. */
  List<TreeChange> changes(String from, String to) {
    String out = git.ok(repository, "listing what changed from " + abbreviate(from) + " to " + abbreviate(to),
        "diff-tree", "-r", "-z", "--no-renames", "--raw", from, to);
    List<TreeChange> changes = new ArrayList<>();
    List<String> fields = GitRunner.nulSeparated(out);
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String[] meta = fields.get(i).substring(1).split(" ");
      changes.add(new TreeChange(meta[0], meta[1], meta[2], meta[3], meta[4].charAt(0), fields.get(i + 1)));
    }
    return changes;
  }

  /**
   * The commit the run's definition of done is restored from: the integration branch as it stood when the run
   * first opened a workspace or integrated, kept in {@code refs/loop/baselines/<run id>} so a resumed run finds the
   * same one.
   *
   * @throws InputException when the run id cannot name a ref
   */
  String baseline(String runId) {
    if (!SEGMENT.matcher(runId).matches() || runId.contains("..") || runId.endsWith(".lock")) {
      throw new InputException("run id '" + runId + "' cannot name the baseline ref refs/loop/baselines/" + runId
          + ": expected letters, digits, '.', '_' and '-'");
    }
    String ref = "refs/loop/baselines/" + runId;
    GitRunner.Result known = git.run(repository, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
    if (known.ok()) {
      return known.out();
    }
    String head = resolveBranch(integrationBranch, "the integration branch");
    GitRunner.Result created = git.run(repository, "update-ref", ref, head, ABSENT);
    if (!created.ok()) {
      // another thread recorded it first; read theirs
      return git.ok(repository, "reading the baseline of run " + runId, "rev-parse", "--verify", ref + "^{commit}");
    }
    return head;
  }

  /**
   * Deletes the candidate checkouts ({@code <workspaceRoot>/.candidates/<id>-<attempt>-<n>}) earlier attempts on the
   * ticket left behind when their run was killed before it released them: a ticket has one attempt at a time, so
   * none of them is in use when the next one opens its workspace.
   */
  private void removeCandidateLeftovers(String id) {
    Path candidates = workspaceRoot.resolve(".candidates");
    if (!Files.isDirectory(candidates)) {
      return;
    }
    Pattern mine = Pattern.compile(Pattern.quote(id) + "-\\d+-\\d+");
    try (java.util.stream.Stream<Path> s = Files.list(candidates)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (mine.matcher(p.getFileName().toString()).matches()) {
          LOG.info("ticket {}: removing the candidate checkout {} an earlier attempt left", id, p);
          DiskTree.delete(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("ticket {}: could not list {} for leftover candidate checkouts", id, candidates, e);
    }
  }

  /** Snapshots what a killed run left in an earlier attempt's repository, then deletes it. */
  private void recoverLeftover(Path dir, String id) {
    try {
      Snapshot s = snapshot(new Workspace(id, dir, Map.of()), id + ": files an earlier attempt left on disk");
      if (!s.refused().isEmpty()) {
        LOG.warn("ticket {}: the files an earlier attempt left in {} were not taken in: {}", id, dir,
            String.join("; ", s.refused()));
      }
    } catch (RuntimeException e) {
      LOG.warn("ticket {}: could not snapshot what an earlier attempt left in {}; deleting it", id, dir, e);
    }
    snapshots.remove(dir);
    DiskTree.delete(dir);
    forget(id);
  }

  /** Drops the record that the ticket's workspace directory is one of ours, once the directory is gone. */
  private void forget(String id) {
    if (Files.exists(workspaceOf(id))) {
      return; // a deletion that did not finish: keep the record, so the next open recovers the rest
    }
    try {
      Files.deleteIfExists(owned(id));
    } catch (IOException e) {
      LOG.warn("could not delete the record {} of a deleted workspace", owned(id), e);
    }
  }

  /** The attempt's own repository: objects borrowed from main, the ticket branch checked out, nothing else. */
  private void createRepository(Main main, Path dir, String id, String base, String head) {
    Path parent = Objects.requireNonNull(dir.getParent());
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the workspace root " + parent, e);
    }
    String ref = "refs/heads/" + branchOf(id);
    try {
      // recorded first, so a run killed right after the init still recognises the folder as its own
      Files.createDirectories(owned(id).getParent());
      Files.writeString(owned(id), "ticket " + id + "\nworkspace " + dir + "\nrepository " + repository + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the workspace " + dir + " of ticket " + id, e);
    }
    git.ok(parent, "creating the repository of ticket " + id, "init", "-q", "--template=", dir.toString());
    try {
      Files.writeString(dir.resolve(".git/objects/info/alternates"), main.objects() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up the repository " + dir + " of ticket " + id, e);
    }
    git.ok(dir, "creating " + integrationBranch + " in the workspace", "update-ref", "refs/heads/" + integrationBranch,
        base);
    git.ok(dir, "creating " + branchOf(id) + " in the workspace", "update-ref", ref, head);
    git.ok(dir, "checking out " + branchOf(id), "symbolic-ref", "HEAD", ref);
    String[] who = git.identity().split(" <", 2);
    git.ok(dir, "setting the workspace's identity", "config", "user.name", who[0]);
    git.ok(dir, "setting the workspace's identity", "config", "user.email", who[1].substring(0, who[1].length() - 1));
    git.ok(dir, "checking out " + branchOf(id), "reset", "-q", "--hard", ref);
  }

  /** Merges the integration branch into the ticket branch in the main repository, or throws naming the conflicts. */
  private void catchUp(String branch, String base, int attempt) {
    String ref = "refs/heads/" + branch;
    String tip = git.ok(repository, "reading the head of " + branch, "rev-parse", "--verify", ref + "^{commit}");
    if (isAncestor(base, tip)) {
      return;
    }
    if (isAncestor(tip, base)) {
      git.ok(repository, "fast-forwarding " + branch + " to " + integrationBranch, "update-ref", ref, base, tip);
      return;
    }
    Merge merge = mergeTrees(tip, base);
    if (!merge.conflicts().isEmpty()) {
      throw new AdapterException("bringing " + branch + " up to date with " + integrationBranch + " ("
          + abbreviate(base) + ") conflicts in " + String.join(", ", merge.conflicts()) + "; nothing was changed and"
          + " the branch is left as the last attempt made it: expected the ticket's files to merge cleanly with "
          + integrationBranch);
    }
    String commit = git.ok(repository, "committing the merge of " + integrationBranch + " into " + branch,
        "commit-tree", merge.tree(), "-p", tip, "-p", base, "-m", "Merge " + integrationBranch + " into " + branch
            + " for attempt " + attempt);
    git.ok(repository, "moving " + branch + " to the merge", "update-ref", ref, commit, tip);
  }

  /** A merge computed without a working tree: its tree, or the conflicting paths. */
  record Merge(String tree, List<String> conflicts) {}

  /** {@code git merge-tree --write-tree}: merges two commits in the object store, touching no working tree. */
  Merge mergeTrees(String ours, String theirs) {
    GitRunner.Result r = git.run(repository, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages",
        ours, theirs);
    if (r.exitCode() != 0 && r.exitCode() != 1) {
      throw new AdapterException("merging " + abbreviate(theirs) + " into " + abbreviate(ours) + ": " + r.describe());
    }
    List<String> fields = GitRunner.nulSeparated(r.stdout());
    if (fields.isEmpty()) {
      throw new AdapterException("merging " + abbreviate(theirs) + " into " + abbreviate(ours) + ": git merge-tree"
          + " printed no tree: " + r.describe());
    }
    Set<String> conflicts = new LinkedHashSet<>(fields.subList(1, fields.size()));
    if (r.exitCode() == 1 && conflicts.isEmpty()) {
      conflicts.add("(a conflict git could not attribute to a path)");
    }
    return new Merge(fields.get(0).strip(), List.copyOf(conflicts));
  }

  boolean isAncestor(String ancestor, String commit) {
    GitRunner.Result r = git.run(repository, "merge-base", "--is-ancestor", ancestor, commit);
    if (r.exitCode() > 1) {
      throw new AdapterException("checking whether " + abbreviate(ancestor) + " is in the history of "
          + abbreviate(commit) + ": " + r.describe());
    }
    return r.ok();
  }

  /** Runs git with a temporary index and leading options. */
  String run(Path dir, Path index, String what, List<String> prefix, String... args) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(args));
    return git.ok(dir, index, null, what, all);
  }

  /** The main repository's git directory and the object stores a workspace borrows from. */
  record Main(Path gitDir, Path objects, List<Path> objectStores) {}

  Main main() {
    Main known = main;
    if (known != null) {
      return known;
    }
    List<String> dirs = git.ok(repository, "locating the git directory", "rev-parse", "--absolute-git-dir",
        "--git-common-dir").lines().toList();
    Path gitDir = Path.of(dirs.get(0));
    Path common = repository.resolve(dirs.get(1)).toAbsolutePath().normalize();
    Path objects = common.resolve("objects");
    List<Path> stores = new ArrayList<>();
    collectStores(objects, stores);
    known = new Main(gitDir, objects, List.copyOf(stores));
    main = known; // a repository's git directory does not move under a running engine
    return known;
  }

  /** An object store and, transitively, the stores it borrows from itself (its own alternates). */
  private static void collectStores(Path objects, List<Path> stores) {
    if (stores.contains(objects) || stores.size() > 16) {
      return;
    }
    stores.add(objects);
    Path alternates = objects.resolve("info/alternates");
    if (!Files.isRegularFile(alternates)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(alternates, StandardCharsets.UTF_8)) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#")) {
          collectStores(objects.resolve(l).toAbsolutePath().normalize(), stores);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + alternates, e);
    }
  }

  /**
   * Checks that the repository exists and is the top of a git working tree; with {@code requireClean}, that it
   * has no uncommitted changes to tracked files while the integration branch is checked out there (advancing
   * the branch updates that working tree).
   */
  Main checkRepository(boolean requireClean) {
    if (!Files.isDirectory(repository)) {
      throw new InputException("git repository " + repository + " does not exist: expected the working tree of a"
          + " repository with branch " + integrationBranch);
    }
    GitRunner.Result top = git.run(repository, "rev-parse", "--show-toplevel");
    if (!top.ok()) {
      throw new InputException("git repository " + repository + " is not a git working tree ("
          + GitRunner.firstLines(top.stderr()) + "): expected the working tree of a repository with branch "
          + integrationBranch);
    }
    if (!samePath(Path.of(top.out()), repository)) {
      throw new InputException("git repository " + repository + " is inside the working tree " + top.out()
          + ": expected the top of the working tree");
    }
    if (requireClean && hasIntegrationBranchCheckedOut()) {
      List<String> entries = uncommittedTracked();
      if (!entries.isEmpty()) {
        throw new InputException("git repository " + repository + " has uncommitted changes to tracked files ("
            + String.join(", ", entries.subList(0, Math.min(entries.size(), 10)))
            + (entries.size() > 10 ? ", ..." : "") + ") on the integration branch " + integrationBranch
            + ": expected a clean working tree, which Loop updates as the branch advances; commit or stash them");
      }
    }
    return main();
  }

  boolean hasIntegrationBranchCheckedOut() {
    GitRunner.Result head = git.run(repository, "symbolic-ref", "--quiet", "HEAD");
    return head.ok() && head.out().equals("refs/heads/" + integrationBranch);
  }

  /** The tracked files of the main working tree with uncommitted changes (untracked files do not count). */
  List<String> uncommittedTracked() {
    GitRunner.Result status = git.run(repository, "status", "--porcelain", "-z", "--untracked-files=no");
    if (!status.ok()) {
      throw new AdapterException("checking " + repository + " for uncommitted changes: " + status.describe());
    }
    String out = status.stdout(); // not stripped: each entry starts with its status columns, often a space
    List<String> paths = new ArrayList<>();
    List<String> entries = GitRunner.nulSeparated(out);
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      if (entry.length() > 3) {
        paths.add(entry.substring(3));
      }
      if (entry.charAt(0) == 'R' || entry.charAt(0) == 'C') {
        i++; // a rename or copy is followed by its source path
      }
    }
    return paths;
  }

  /** The commit a local branch points at. */
  String resolveBranch(String branch, String role) {
    GitRunner.Result r = git.run(repository, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}");
    if (!r.ok()) {
      throw new InputException(role + " '" + branch + "' does not exist in " + repository
          + ": expected a local branch with at least one commit");
    }
    return r.out();
  }

  /** A scratch directory for temporary indexes, outside every workspace. */
  static Path scratch() {
    try {
      return Files.createTempDirectory("loop-git-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for git", e);
    }
  }

  boolean isUnderRoot(Path dir) {
    return dir.toAbsolutePath().normalize().startsWith(workspaceRoot);
  }

  /**
   * Whether the ticket's workspace directory was created by these workspaces: a record kept under {@code
   * <workspaceRoot>/.owned}, outside every workspace, so no worker can forge or erase it.
   */
  private boolean isWorkspace(String id) {
    return Files.isRegularFile(owned(id));
  }

  private Path owned(String id) {
    return workspaceRoot.resolve(OWNED).resolve(id);
  }

  static String abbreviate(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  /** @throws InputException when the id cannot be one path segment and one branch name component */
  static String ticketId(String id) {
    if (!SEGMENT.matcher(id).matches() || id.contains("..") || id.endsWith(".lock") || id.endsWith(".")) {
      throw new InputException("ticket id '" + id + "' cannot name a workspace folder and a git branch: expected"
          + " letters, digits, '.', '_' and '-', starting with a letter or digit, without '..'");
    }
    return id;
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

  @Override
  public String toString() {
    return "GitWorkspaces{" + repository + " on " + integrationBranch + ", workspaces in " + workspaceRoot + "}";
  }

  /** Builds {@link GitWorkspaces}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Path repository;
    private @Nullable Path workspaceRoot;
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
     * The folder holding one repository per ticket (and the candidates' checkouts, in {@code .candidates}).
     * Default: {@code <repository>.workspaces} next to the repository (outside it, so workspaces never show up
     * as untracked files).
     *
     * @param workspaceRoot a folder outside the repository; made absolute and normalized; created when needed
     * @return this builder
     */
    public Builder workspaceRoot(Path workspaceRoot) {
      this.workspaceRoot = Objects.requireNonNull(workspaceRoot, "workspaceRoot").toAbsolutePath().normalize();
      return this;
    }

    /**
     * The branch tickets are cut from and merged into. Default {@code main}.
     *
     * @param branch a branch name of letters, digits, {@code .}, {@code _}, {@code -} and {@code /}
     * @return this builder
     * @throws InputException if it is not such a branch name, naming it
     */
    public Builder integrationBranch(String branch) {
      this.integrationBranch = branchName(branch, "integrationBranch");
      return this;
    }

    /**
     * Prefix of ticket branches. Default {@code loop/}.
     *
     * @param prefix the start of every ticket branch's name, in the same characters as a branch name
     * @return this builder
     * @throws InputException if it is not such a name, naming it
     */
    public Builder branchPrefix(String prefix) {
      this.branchPrefix = branchName(prefix, "branchPrefix");
      return this;
    }

    /**
     * The git executable, a name on the PATH or a path. Default {@code git}.
     *
     * @param executable a program name or a path
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder gitExecutable(String executable) {
      if (executable.isBlank()) {
        throw new InputException("gitExecutable is blank: expected git or a path to it");
      }
      this.gitExecutable = executable;
      return this;
    }

    /**
     * How long one git command may run before it is killed. Default 2 minutes.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder gitTimeout(Duration timeout) {
      this.gitTimeout = GitRunner.positive(timeout, "gitTimeout");
      return this;
    }

    /**
     * Waits between tries while another git process holds a lock file. Default: sleeps for real.
     *
     * @param sleeper called on the thread running git, between lock retries only
     * @return this builder
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * How often, and how far apart, to retry a git command that found a lock file held. Default 50 x 100 ms.
     *
     * @param retries 0 or more; 0 fails at the first held lock
     * @param delay a positive wait between tries
     * @return this builder
     * @throws InputException if {@code retries} is negative or {@code delay} is not positive
     */
    public Builder lockRetry(int retries, Duration delay) {
      if (retries < 0) {
        throw new InputException("lock retries is " + retries + ": expected 0 or more");
      }
      this.lockRetries = retries;
      this.lockRetryDelay = GitRunner.positive(delay, "lock retry delay");
      return this;
    }

    /**
     * The identity of the commits Loop makes. Default {@code Loop <loop@loopkit.invalid>}.
     *
     * @param name a non-blank name without {@code <} or a line break
     * @param email a non-blank address containing {@code @}, without {@code >} or a line break
     * @return this builder
     * @throws InputException if either does not fit, naming both
     */
    public Builder identity(String name, String email) {
      GitRunner.builder().identity(name, email); // validates
      this.authorName = name;
      this.authorEmail = email;
      return this;
    }

    /**
     * Builds the workspaces; the repository itself is checked when the first workspace is opened.
     *
     * @return workspaces with this builder's settings, for worker threads working on different tickets at once
     * @throws InputException if the workspace root is inside the repository (its files would show up as the
     *     repository's own) or inside its git directory
     */
    public GitWorkspaces build() {
      Path root = workspaceRoot != null ? workspaceRoot
          : repository.resolveSibling(repository.getFileName() + ".workspaces");
      if (root.startsWith(repository)) {
        throw new InputException("workspaceRoot " + root + " is inside the repository " + repository
            + ": expected a folder outside it");
      }
      return new GitWorkspaces(this, root);
    }

    private static String branchName(String name, String what) {
      if (!BRANCH_NAME.matcher(name).matches() || name.contains("..") || name.startsWith("-")
          || name.startsWith("/") || name.contains("//") || name.endsWith(".lock") || name.contains("@{")) {
        throw new InputException(what + " '" + name + "': expected a git branch name of letters, digits, '.',"
            + " '_', '-' and '/', without '..'");
      }
      return name;
    }
  }
}

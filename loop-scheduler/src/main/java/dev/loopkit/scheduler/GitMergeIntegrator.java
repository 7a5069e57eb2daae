package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.IntegrateRequest;
import dev.loopkit.core.Integration;
import dev.loopkit.core.Integrator;
import dev.loopkit.core.Workspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stock {@link Integrator} for {@link GitWorkspaces}, in two phases, so the integration branch only ever
 * holds verified commits.
 *
 * <p><b>{@link #integrate}</b> takes the attempt's files in (a snapshot of the working tree as it is on disk; see
 * {@link GitWorkspaces}), rejects a change to a {@linkplain Builder#protect protected path} before any merge
 * (a conflict naming the paths), then builds a candidate on a ref of its own, {@code refs/loop/candidates/<id>}:
 * the integration branch with the ticket branch merged in ({@link MergeStyle}), computed in the object store
 * ({@code git merge-tree --write-tree}) without touching any working tree. The candidate is checked out fresh into
 * {@code <workspaceRoot>/.candidates/} with every protected path restored from the run's baseline, and returned as
 * {@link Integration#candidate}: the engine verifies it there. The integration branch does not move.
 *
 * <p><b>{@link #advance}</b> moves the integration branch to the verified candidate with a compare-and-swap
 * ({@code update-ref <branch> <candidate> <base>}), answering {@link Integration.Advance#moved} when the branch moved
 * since the candidate was built. When the main repository has the integration branch checked out, its working
 * tree is brought along ({@code read-tree -m -u}). {@link #release} deletes a candidate's checkout; {@link #head}
 * checks out the integration branch's head (protected paths restored) for the engine's final gate.
 *
 * <p>Attributes of a candidate: {@code candidate} (the commit), {@code candidate-ref}, {@code tree} (the tree
 * that was checked out and verified, after restoring protected paths), {@code previous-commit} (the integration
 * branch it was built on), {@code snapshot} (the ticket branch's commit), {@code branch}, {@code integration-branch},
 * {@code fast-forward}, {@code baseline} and {@code restored} (how many protected paths differed from the baseline).
 *
 * <p>The engine runs {@code integrate} and {@code advance} one at a time under the {@code merge} resource
 * ({@link #resources()}); git work on the repository is also serialized with {@link GitWorkspaces}' own in this
 * JVM. Thread-safe.
 */
public final class GitMergeIntegrator implements Integrator {
  private static final Logger LOG = LoggerFactory.getLogger(GitMergeIntegrator.class);
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final String CANDIDATES = ".candidates";
  private static final String HEADS = ".head";

  private final GitWorkspaces workspaces;
  private final MergeStyle style;
  private final ProtectedGlobs protectedGlobs;
  private final AtomicLong checkouts = new AtomicLong();

  private GitMergeIntegrator(GitWorkspaces workspaces, MergeStyle style, ProtectedGlobs protectedGlobs) {
    this.workspaces = workspaces;
    this.style = style;
    this.protectedGlobs = protectedGlobs;
  }

  /**
   * Merges into {@code workspaces}' integration branch with a merge commit per ticket, nothing protected.
   *
   * @param workspaces the engine's workspaces, whose repository and integration branch the integrator uses
   * @return the integrator
   */
  public static GitMergeIntegrator from(GitWorkspaces workspaces) {
    return builder(workspaces).build();
  }

  /**
   * Merges into {@code workspaces}' integration branch in {@code style}, nothing protected.
   *
   * @param workspaces the engine's workspaces, whose repository and integration branch the integrator uses
   * @param style how a ticket branch is merged
   * @return the integrator
   */
  public static GitMergeIntegrator from(GitWorkspaces workspaces, MergeStyle style) {
    return builder(workspaces).style(style).build();
  }

  /**
   * Starts an integrator to configure, e.g. with protected globs.
   *
   * @param workspaces the engine's workspaces, whose repository and integration branch the integrator uses
   * @return a new builder with {@link MergeStyle#MERGE_COMMIT} and nothing protected
   */
  public static Builder builder(GitWorkspaces workspaces) {
    return new Builder(Objects.requireNonNull(workspaces, "workspaces"));
  }

  /**
   * How ticket branches are merged.
   *
   * @return the style given to the builder
   */
  public MergeStyle style() {
    return style;
  }

  /**
   * The protected globs, as given.
   *
   * @return an unmodifiable list of globs relative to the repository root; empty when nothing is protected
   */
  public List<String> protectedGlobs() {
    return protectedGlobs.globs();
  }

  /**
   * Snapshots the attempt's files into the ticket branch and builds the candidate (see the class comment).
   *
   * @return a candidate checked out for verification, or a conflict: refused files, protected paths changed,
   *     merge conflicts, or (with {@link MergeStyle#FAST_FORWARD_ONLY}) a branch that cannot be fast-forwarded
   * @throws InputException if the workspace is not one of these workspaces', the repository is missing, or the
   *     integration branch does not exist
   * @throws AdapterException if git fails in a way that is not a conflict
   */
  @Override
  public Integration integrate(IntegrateRequest request) {
    String id = request.ticket().id();
    String branch = workspaces.branchOf(id);
    String target = workspaces.integrationBranch();
    GitRunner git = workspaces.git();
    Path repo = workspaces.repository();
    GitWorkspaces.Snapshot snapshot = workspaces.snapshot(request.workspace(), id + ": " + oneLine(
        request.ticket().title()) + " (attempt " + request.attempt() + ", the workspace's files as they are on disk)");
    if (!snapshot.refused().isEmpty()) {
      List<String> findings = new ArrayList<>();
      findings.add("the workspace of " + id + " holds what Loop does not take in, so nothing was integrated:");
      findings.addAll(snapshot.refused());
      return Integration.conflict(findings);
    }
    String tip = snapshot.commit();
    String baseline;
    String base;
    String candidate;
    boolean fastForward = false;
    ReentrantLock lock = git.lock(repo);
    lock.lock();
    try {
      workspaces.checkRepository(false);
      baseline = workspaces.baseline(request.runId());
      base = workspaces.resolveBranch(target, "the integration branch");
      String mergeBase = git.run(repo, "merge-base", base, tip).out();
      if (mergeBase.isEmpty()) {
        return Integration.conflict(List.of(branch + " shares no history with " + target + ": expected the ticket"
            + " branch to start from " + target));
      }
      List<String> touched = new ArrayList<>();
      if (!protectedGlobs.isEmpty()) {
        for (GitWorkspaces.TreeChange c : workspaces.changes(mergeBase, tip)) {
          touched.add(c.path());
        }
      }
      List<String> hits = protectedGlobs.matching(touched);
      if (!hits.isEmpty()) {
        return Integration.conflict(List.of("the change of " + id + " touches protected paths "
            + String.join(", ", hits) + ", which define done and are not the worker's to change (protected: "
            + String.join(", ", protectedGlobs.globs()) + "); rejected before any merge: commit " + tip + " on "
            + branch + ", " + target + " stays at " + base + "; restore them as they are on " + target
            + ", e.g. git checkout " + target + " -- " + String.join(" ", hits)));
      }
      boolean upToDate = mergeBase.equals(base);
      if (mergeBase.equals(tip)) {
        candidate = base; // nothing new: the candidate is the integration branch itself
      } else if (upToDate && style != MergeStyle.MERGE_COMMIT) {
        candidate = tip;
        fastForward = true;
      } else if (!upToDate && style == MergeStyle.FAST_FORWARD_ONLY) {
        return Integration.conflict(List.of(target + " moved past the base of " + branch + " and only"
            + " fast-forward merges are allowed: the branch must be brought up to date with " + target));
      } else {
        String tree;
        if (upToDate) {
          tree = git.ok(repo, "reading the tree of " + branch, "rev-parse", tip + "^{tree}");
        } else {
          GitWorkspaces.Merge merge = workspaces.mergeTrees(base, tip);
          if (!merge.conflicts().isEmpty()) {
            return Integration.conflict(merge.conflicts());
          }
          tree = merge.tree();
        }
        candidate = git.ok(repo, "committing the merge of " + branch, "commit-tree", tree, "-p", base, "-p", tip,
            "-m", "Merge " + branch + ": " + oneLine(request.ticket().title()) + " (" + id + ", attempt "
                + request.attempt() + ")");
      }
      git.ok(repo, "recording the candidate of " + id, "update-ref", candidateRef(id), candidate);
    } finally {
      lock.unlock();
    }
    Path dir = workspaces.workspaceRoot().resolve(CANDIDATES)
        .resolve(id + "-" + request.attempt() + "-" + checkouts.incrementAndGet());
    DiskTree.delete(dir); // a checkout a killed run left behind; candidates are rebuilt, never reused
    Checkout checkout = checkout(candidate, dir, baseline);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("candidate", candidate);
    attributes.put("candidate-ref", candidateRef(id));
    attributes.put("tree", checkout.tree());
    attributes.put("previous-commit", base);
    attributes.put("snapshot", tip);
    attributes.put("branch", branch);
    attributes.put("integration-branch", target);
    attributes.put("fast-forward", Boolean.toString(fastForward));
    attributes.put("baseline", baseline);
    attributes.put("restored", Integer.toString(checkout.restored().size()));
    String summary = candidate.equals(base)
        ? branch + " had nothing new for " + target + "; candidate is " + target + " itself ("
            + GitWorkspaces.abbreviate(base) + ")"
        : "candidate " + GitWorkspaces.abbreviate(candidate) + ": " + branch + " merged onto " + target + " at "
            + GitWorkspaces.abbreviate(base) + (fastForward ? " (fast-forward)" : "") + ", checked out in " + dir;
    return Integration.candidate(summary, attributes, new Workspace(id, dir, attributes));
  }

  /**
   * Fast-forwards the integration branch to the verified candidate if it is still where the candidate was built
   * from; brings the main working tree along when it has the branch checked out.
   *
   * @return advanced (attributes {@code commit}, {@code previous-commit}, {@code integration-branch}), or moved
   * @throws InputException if the candidate is not one this integrator built
   */
  @Override
  public Integration.Advance advance(Integration.Candidate candidate, IntegrateRequest request) {
    String commit = commitAttribute(candidate, "candidate");
    String base = commitAttribute(candidate, "previous-commit");
    String target = workspaces.integrationBranch();
    GitRunner git = workspaces.git();
    Path repo = workspaces.repository();
    ReentrantLock lock = git.lock(repo);
    lock.lock();
    try {
      GitRunner.Result moved = git.run(repo, "update-ref", "refs/heads/" + target, commit, base);
      if (!moved.ok()) {
        GitRunner.Result now = git.run(repo, "rev-parse", "--verify", "--quiet", "refs/heads/" + target);
        if (now.ok() && !now.out().equals(base)) {
          return Integration.Advance.moved(target + " moved from " + GitWorkspaces.abbreviate(base) + " to "
              + GitWorkspaces.abbreviate(now.out()) + " since the candidate " + GitWorkspaces.abbreviate(commit)
              + " was built");
        }
        throw new AdapterException("advancing " + target + " to the verified candidate "
            + GitWorkspaces.abbreviate(commit) + ": " + moved.describe());
      }
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("commit", commit);
      attributes.put("previous-commit", base);
      attributes.put("integration-branch", target);
      if (!commit.equals(base) && workspaces.hasIntegrationBranchCheckedOut()) {
        GitRunner.Result sync = git.run(repo, "read-tree", "-m", "-u", base, commit);
        if (!sync.ok()) {
          attributes.put("working-tree", "not updated: " + GitRunner.firstLines(sync.stderr()));
          LOG.warn("{} advanced to {}, but the working tree of {} could not follow ({}); run git reset --keep"
              + " there", target, commit, repo, sync.describe());
        }
      }
      return Integration.Advance.advanced(target + " advanced to the verified candidate "
          + GitWorkspaces.abbreviate(commit) + " (was " + GitWorkspaces.abbreviate(base) + ")", attributes);
    } finally {
      lock.unlock();
    }
  }

  /** Deletes the candidate's checkout (its ref and commit stay, for the record). */
  @Override
  public void release(Integration.Candidate candidate) {
    Path dir = candidate.workspace().directory().toAbsolutePath().normalize();
    if (dir.startsWith(workspaces.workspaceRoot().resolve(CANDIDATES))) {
      DiskTree.delete(dir);
    }
  }

  /** Deletes the final gate's checkout of the head. */
  @Override
  public void releaseHead(Workspace head) {
    Path dir = head.directory().toAbsolutePath().normalize();
    if (dir.startsWith(workspaces.workspaceRoot().resolve(HEADS))) {
      DiskTree.delete(dir);
    }
  }

  /**
   * A fresh checkout of the integration branch's head in {@code <workspaceRoot>/.head/<run id>} (replaced on
   * every call), protected paths restored from the run's baseline: for the engine's final gate.
   */
  @Override
  public Workspace head(String runId) {
    String baseline;
    String head;
    ReentrantLock lock = workspaces.git().lock(workspaces.repository());
    lock.lock();
    try {
      workspaces.checkRepository(false);
      baseline = workspaces.baseline(runId);
      head = workspaces.resolveBranch(workspaces.integrationBranch(), "the integration branch");
    } finally {
      lock.unlock();
    }
    Path dir = workspaces.workspaceRoot().resolve(HEADS).resolve(runId);
    DiskTree.delete(dir);
    Checkout checkout = checkout(head, dir, baseline);
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("commit", head);
    attributes.put("tree", checkout.tree());
    attributes.put("baseline", baseline);
    attributes.put("integration-branch", workspaces.integrationBranch());
    attributes.put("restored", Integer.toString(checkout.restored().size()));
    return new Workspace(runId, dir, attributes);
  }

  /**
   * A checkout: where, of which commit, the tree that was written there, and the protected paths that differed
   * from the baseline and were restored from it.
   *
   * @param directory the absolute folder the files were written into
   * @param commit the full id of the commit checked out
   * @param tree the full id of the tree written there, protected paths restored (the tree that is verified)
   * @param restored the repository-relative protected paths that differed from the baseline; empty when none did
   */
  public record Checkout(Path directory, String commit, String tree, List<String> restored) {
    /**
     * Copies {@code restored}, so the record never changes with the caller's list.
     *
     * @param directory the folder the files were written into
     * @param commit the commit checked out
     * @param tree the tree written there
     * @param restored the protected paths restored from the baseline
     */
    public Checkout {
      restored = List.copyOf(restored);
    }
  }

  /**
   * Writes {@code commit}'s files into {@code directory} (which must not exist or be empty) with every path this
   * integrator protects taken from {@code baseline} instead: present as there, absent if absent there. Plain files
   * only, no {@code .git}: nothing in the checkout can reach a repository. Used for candidates and the final gate.
   *
   * @param commitish the commit to check out: an id, branch or other name git resolves to a commit
   * @param directory the folder to write into; created when missing
   * @param baselineCommitish the commit the protected paths are taken from, e.g. the run's baseline
   * @return where and what was checked out, and which protected paths were restored
   * @throws InputException if a commit does not exist or the directory is not empty
   * @throws java.io.UncheckedIOException if the directory cannot be created or listed
   * @throws AdapterException if git fails
   */
  public Checkout checkout(String commitish, Path directory, String baselineCommitish) {
    GitRunner git = workspaces.git();
    Path dir = directory.toAbsolutePath().normalize();
    String commit = resolveCommit(commitish);
    String baseline = resolveCommit(baselineCommitish);
    try {
      Files.createDirectories(dir);
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new InputException("checkout directory " + dir + " is not empty: expected a new or empty folder");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the checkout directory " + dir, e);
    }
    Path scratch = GitWorkspaces.scratch();
    try {
      Path index = scratch.resolve("index");
      GitWorkspaces.Main main = workspaces.main();
      List<String> prefix = List.of("--git-dir=" + main.gitDir(), "--work-tree=" + dir);
      workspaces.run(dir, index, "reading " + GitWorkspaces.abbreviate(commit) + " into a temporary index", prefix,
          "read-tree", commit);
      List<String> restored = new ArrayList<>();
      if (!protectedGlobs.isEmpty()) {
        Map<String, String> ours = protectedEntries(commit);
        Map<String, String> theirs = protectedEntries(baseline);
        StringBuilder info = new StringBuilder();
        Set<String> paths = new LinkedHashSet<>(ours.keySet());
        paths.addAll(theirs.keySet());
        for (String p : paths) {
          String mine = ours.get(p);
          String frozen = theirs.get(p);
          if (Objects.equals(mine, frozen)) {
            continue;
          }
          restored.add(p);
          if (mine != null) {
            info.append("0 ").append("0".repeat(commit.length())).append('\t').append(p).append('\0');
          }
        }
        for (String p : restored) {
          String frozen = theirs.get(p);
          if (frozen != null) {
            info.append(frozen).append('\t').append(p).append('\0');
          }
        }
        if (!restored.isEmpty()) {
          List<String> args = new ArrayList<>(prefix);
          args.addAll(List.of("update-index", "-z", "--index-info"));
          git.ok(dir, index, info.toString(), "restoring protected paths from the baseline "
              + GitWorkspaces.abbreviate(baseline), args);
        }
      }
      String tree = workspaces.run(dir, index, "writing the checked-out tree", prefix, "write-tree");
      workspaces.run(dir, index, "checking out " + GitWorkspaces.abbreviate(commit) + " into " + dir, prefix,
          "-c", "core.symlinks=true", "checkout-index", "-a", "-f");
      return new Checkout(dir, commit, tree, restored);
    } finally {
      DiskTree.delete(scratch);
    }
  }

  private String resolveCommit(String commitish) {
    GitRunner.Result r = workspaces.git().run(workspaces.repository(), "rev-parse", "--verify", "--quiet",
        commitish + "^{commit}");
    if (!r.ok()) {
      throw new InputException("commit '" + commitish + "' does not exist in " + workspaces.repository()
          + ": expected a commit to check out");
    }
    return r.out();
  }

  /** Path to {@code mode type object} of the protected entries of a commit's tree. */
  private Map<String, String> protectedEntries(String commit) {
    String out = workspaces.git().ok(workspaces.repository(), "listing the files of " + GitWorkspaces.abbreviate(
        commit), "ls-tree", "-r", "-z", "--full-tree", commit);
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : GitRunner.nulSeparated(out)) {
      int tab = line.indexOf('\t');
      String path = line.substring(tab + 1);
      if (protectedGlobs.protects(path)) {
        entries.put(path, line.substring(0, tab));
      }
    }
    return entries;
  }

  private static String candidateRef(String id) {
    return "refs/loop/candidates/" + id;
  }

  private static String commitAttribute(Integration.Candidate candidate, String key) {
    String value = candidate.attributes().getOrDefault(key, "");
    if (!COMMIT.matcher(value).matches()) {
      throw new InputException("candidate " + candidate.workspace().directory() + " has " + key + " '" + value
          + "': expected a commit id, as GitMergeIntegrator.integrate records it");
    }
    return value;
  }

  private static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.isEmpty() ? "(untitled)" : line.length() > 72 ? line.substring(0, 72) + "..." : line;
  }

  @Override
  public String toString() {
    return "GitMergeIntegrator{" + workspaces.integrationBranch() + ", " + style + ", protected "
        + protectedGlobs + "}";
  }

  /** Builds a {@link GitMergeIntegrator}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final GitWorkspaces workspaces;
    private MergeStyle style = MergeStyle.MERGE_COMMIT;
    private final List<String> globs = new ArrayList<>();

    private Builder(GitWorkspaces workspaces) {
      this.workspaces = workspaces;
    }

    /**
     * How the ticket branch is merged. Default {@link MergeStyle#MERGE_COMMIT}.
     *
     * @param style the merge style
     * @return this builder
     */
    public Builder style(MergeStyle style) {
      this.style = Objects.requireNonNull(style, "style");
      return this;
    }

    /**
     * Paths that define done (the verifier's files, the tests), as globs relative to the repository root in the
     * JDK's {@code glob:} syntax; a glob matching a directory protects all below it. A ticket whose change touches
     * one is rejected before any merge; candidates and the final gate get them restored from the baseline.
     *
     * @param globs globs such as {@code verify/**} or {@code src/test/**}; they add to earlier calls'
     * @return this builder
     * @throws InputException naming a glob that is blank, absolute, climbs out with {@code ..} or does not parse
     */
    public Builder protect(String... globs) {
      return protect(Arrays.asList(globs));
    }

    /**
     * The same as {@link #protect(String...)}, from a list (e.g. read from configuration).
     *
     * @param globs globs relative to the repository root; they add to earlier calls'
     * @return this builder
     * @throws InputException naming a glob that is blank, absolute, climbs out with {@code ..} or does not parse
     */
    public Builder protect(List<String> globs) {
      ProtectedGlobs.of(globs, "protected glob");
      this.globs.addAll(globs);
      return this;
    }

    /**
     * Builds the integrator.
     *
     * @return a thread-safe integrator over the builder's workspaces
     */
    public GitMergeIntegrator build() {
      return new GitMergeIntegrator(workspaces, style, ProtectedGlobs.of(globs, "protected glob"));
    }
  }
}

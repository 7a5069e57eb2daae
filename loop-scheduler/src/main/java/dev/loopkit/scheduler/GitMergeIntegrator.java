package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.IntegrateRequest;
import dev.loopkit.core.Integration;
import dev.loopkit.core.Integrator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The stock {@link Integrator} for {@link GitWorktrees}: merges a ticket's branch into the integration branch
 * in the repository's own working tree, which must have the integration branch checked out and no
 * uncommitted changes to tracked files.
 *
 * <p>A clean merge returns {@link Integration#integrated} with the attributes {@code commit} (the integration
 * branch's new head), {@code previous-commit}, {@code branch}, {@code integration-branch} and {@code
 * fast-forward}. A merge conflict returns {@link Integration#conflict} with the conflicting paths, after
 * aborting the merge: the integration branch and working tree are left exactly as before, never half-merged.
 * Uncommitted changes to tracked files in the ticket's worktree would silently not be integrated, so they too
 * are a conflict, listing the files; with {@link MergeStyle#FAST_FORWARD_ONLY} a branch that cannot be
 * fast-forwarded is one as well.
 *
 * <p>The engine runs integrations one at a time under the {@code merge} resource ({@link #resources()}); git
 * work on the repository is serialized with {@link GitWorktrees}' own in this JVM as well.
 */
public final class GitMergeIntegrator implements Integrator {
  private final GitWorktrees worktrees;
  private final MergeStyle style;

  private GitMergeIntegrator(GitWorktrees worktrees, MergeStyle style) {
    this.worktrees = worktrees;
    this.style = style;
  }

  /** Merges into {@code worktrees}' integration branch with a merge commit per ticket. */
  public static GitMergeIntegrator from(GitWorktrees worktrees) {
    return from(worktrees, MergeStyle.MERGE_COMMIT);
  }

  public static GitMergeIntegrator from(GitWorktrees worktrees, MergeStyle style) {
    return new GitMergeIntegrator(Objects.requireNonNull(worktrees, "worktrees"), Objects.requireNonNull(style,
        "style"));
  }

  public MergeStyle style() {
    return style;
  }

  /**
   * Merges the ticket's branch (the workspace's {@code branch} attribute, else {@code loop/<id>}).
   *
   * @throws InputException if the repository is missing or dirty, is not on the integration branch, or the
   *     ticket branch does not exist
   * @throws AdapterException if git fails in a way that is not a conflict (the integration branch is restored)
   */
  @Override
  public Integration integrate(IntegrateRequest request) {
    String id = request.ticket().id();
    String branch = request.workspace().attributes().getOrDefault("branch", worktrees.branchOf(id));
    String target = worktrees.integrationBranch();
    Git git = worktrees.git();
    Path repo = git.repo();
    ReentrantLock lock = git.lock();
    lock.lock();
    try {
      GitWorktrees.checkRepository(git, target);
      Git.Result head = git.run(repo, "symbolic-ref", "--quiet", "HEAD");
      if (!head.ok() || !head.out().strip().equals("refs/heads/" + target)) {
        throw new InputException("git repository " + repo + " has "
            + (head.ok() ? head.out().strip().replaceFirst("^refs/heads/", "branch ") : "a detached HEAD")
            + " checked out: expected the integration branch " + target + ", which merges are made on");
      }
      String before = GitWorktrees.resolveBranch(git, target, "the integration branch");
      String tip = GitWorktrees.resolveBranch(git, branch, "ticket branch");
      List<String> uncommitted = git.uncommittedTracked(request.workspace().directory());
      if (!uncommitted.isEmpty()) {
        List<String> findings = new ArrayList<>();
        findings.add("uncommitted changes in the worktree of " + id + " were not integrated; commit them: "
            + String.join(", ", uncommitted));
        return Integration.conflict(findings);
      }
      git.awaitIndexUnlocked(repo);
      Git.Result merge = git.run(repo, "merge", "--no-edit", style.flag(), "-m",
          "Merge " + branch + ": " + oneLine(request.ticket().title()) + " (" + id + ", attempt " + request.attempt()
              + ")", tip);
      if (!merge.ok()) {
        List<String> conflicts = Git.nulSeparated(
            git.ok(repo, "listing conflicts", "diff", "--name-only", "--diff-filter=U", "-z"));
        restore(git, repo, before);
        if (!conflicts.isEmpty()) {
          return Integration.conflict(conflicts);
        }
        if (style == MergeStyle.FAST_FORWARD_ONLY) {
          return Integration.conflict(List.of(target + " moved past the base of " + branch + " and only"
              + " fast-forward merges are allowed: the branch must be brought up to date with " + target));
        }
        throw new AdapterException("merging " + branch + " into " + target + " in " + repo + " failed (" + target
            + " left at " + GitWorktrees.abbreviate(before) + "): "
            + Git.firstLines(merge.err().isBlank() ? merge.out() : merge.err()));
      }
      String after = git.ok(repo, "reading the new head of " + target, "rev-parse", "HEAD");
      boolean fastForward = after.equals(tip) && !after.equals(before);
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("commit", after);
      attributes.put("previous-commit", before);
      attributes.put("branch", branch);
      attributes.put("integration-branch", target);
      attributes.put("fast-forward", Boolean.toString(fastForward));
      String summary = after.equals(before)
          ? branch + " had nothing new for " + target + " (still " + GitWorktrees.abbreviate(after) + ")"
          : "merged " + branch + " into " + target + " at " + GitWorktrees.abbreviate(after)
              + (fastForward ? " (fast-forward)" : "");
      return Integration.integrated(summary, attributes);
    } finally {
      lock.unlock();
    }
  }

  /** Undoes a failed merge so the integration branch and working tree are exactly as before. */
  private static void restore(Git git, Path repo, String before) {
    if (git.run(repo, "rev-parse", "--verify", "--quiet", "MERGE_HEAD").ok()) {
      git.ok(repo, "aborting the failed merge", "merge", "--abort");
    }
    String now = git.ok(repo, "reading HEAD", "rev-parse", "HEAD");
    if (!now.equals(before) || !git.uncommittedTracked(repo).isEmpty()) {
      // the tree was clean before the merge (checked under the same lock), so this discards only the merge
      git.ok(repo, "restoring the integration branch", "reset", "--hard", before);
    }
  }

  private static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.isEmpty() ? "(untitled)" : line.length() > 72 ? line.substring(0, 72) + "..." : line;
  }
}

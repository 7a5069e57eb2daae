package dev.loopkit.cli;

import dev.loopkit.core.Assignment;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;

/**
 * Commits what a worker leaves in its worktree when it claims completion, so the reviewer sees the change as
 * a commit and the merge integrates it (the git merge integrator treats uncommitted changes as a conflict,
 * and untracked files would be left out). Failed and interrupted attempts are left as they are, for the next
 * attempt and for inspection.
 */
final class CommittingWorker implements Worker {
  private final Worker delegate;
  private final GitCommands git;

  CommittingWorker(Worker delegate, GitCommands git) {
    this.delegate = delegate;
    this.git = git;
  }

  @Override
  public WorkResult work(Assignment assignment) throws Exception {
    WorkResult result = delegate.work(assignment);
    if (result instanceof WorkResult.Completed done) {
      String first = done.summary().strip().lines().findFirst().orElse("").strip();
      if (first.length() > 72) {
        first = first.substring(0, 72) + "...";
      }
      git.commitAll(assignment.workspace().directory(), assignment.ticket().id() + " (attempt "
          + assignment.attempt() + "): " + (first.isEmpty() ? assignment.ticket().title() : first));
    }
    return result;
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}

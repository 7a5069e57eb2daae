package dev.loopkit.llm.work;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Workspace;
import dev.loopkit.llm.tools.CommandOutcome;
import dev.loopkit.llm.tools.CommandRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * The change a workspace holds, as git shows it: against its {@code base-commit} attribute when present
 * (commits and uncommitted edits since the base), else the working tree against {@code HEAD}; new untracked
 * files are added as whole-file diffs. git runs with external diff drivers, text conversion and the file
 * system monitor turned off, so a configuration a worker wrote cannot run code here.
 */
final class WorkspaceDiff {
  static final String BASE_ATTRIBUTE = "base-commit";
  private static final int MAX_UNTRACKED = 200;
  private static final List<String> GIT = List.of("git", "-c", "core.fsmonitor=false", "-c", "diff.external=",
      "-c", "core.quotepath=false");

  private WorkspaceDiff() {}

  record Diff(String base, String text) {}

  static Diff of(Workspace workspace, CommandRunner git) throws InterruptedException {
    String base = workspace.attributes().getOrDefault(BASE_ATTRIBUTE, "HEAD");
    StringBuilder text = new StringBuilder();
    text.append(run(workspace, git, List.of("diff", "--no-color", "--no-ext-diff", "--no-textconv", base, "--"))
        .stdout());
    String untracked = run(workspace, git, List.of("ls-files", "--others", "--exclude-standard", "-z")).stdout();
    int count = 0;
    for (String file : untracked.split("\0")) {
      if (file.isEmpty()) {
        continue;
      }
      if (++count > MAX_UNTRACKED) {
        text.append("[... more than ").append(MAX_UNTRACKED).append(" untracked files; the rest not shown ...]\n");
        break;
      }
      List<String> args = List.of("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-index", "--",
          "/dev/null", file);
      text.append(run(workspace, git, args).stdout());
    }
    return new Diff(base, text.toString());
  }

  private static CommandOutcome run(Workspace workspace, CommandRunner git, List<String> args)
      throws InterruptedException {
    List<String> command = new ArrayList<>(GIT);
    command.addAll(args);
    CommandOutcome out = git.run(workspace.directory(), command, null);
    boolean noIndexDifference = args.contains("--no-index") && out.exitCode() == 1;
    if (!out.succeeded() && !noIndexDifference) {
      throw new AdapterException("git " + String.join(" ", args) + " failed in workspace " + workspace.directory()
          + " (" + out.status() + "): " + out.stderr().strip() + "; expected a git work tree"
          + (args.get(0).equals("diff") && !args.contains("--no-index") ? " where '" + args.get(4)
              + "' names a commit" : ""));
    }
    return out;
  }
}

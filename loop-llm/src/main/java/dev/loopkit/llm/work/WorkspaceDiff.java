package dev.loopkit.llm.work;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The change a workspace holds, as it is on disk: against its {@code base-commit} attribute when present
 * (commits and uncommitted edits since the base), else against {@code HEAD}, new files (not ignored) included.
 *
 * <p>Everything in the workspace, its git configuration included, is the worker's, so git runs in the
 * attempt's sandbox ({@link ProcessRunner} of the review request) and is told to trust none of it: no
 * external diff or text conversion ({@code --no-ext-diff --no-textconv}), no file system monitor, no hooks, no
 * system or global configuration, and every clean/smudge filter the repository configures turned off (a
 * filter could show the reviewer other content than the file holds). Files flagged skip-worktree or
 * assume-unchanged ({@code git ls-files -v}) are hidden from {@code git diff}; the diff is therefore taken with
 * a private copy of the index whose flags are cleared, and the flagged files are named at the top of the text,
 * since hiding a change from git is worth a finding by itself; so are paths on disk that git ignores (up to 20
 * named, such as build output, or a file hidden with {@code .git/info/exclude}). The workspace is not written.
 */
final class WorkspaceDiff {
  static final String BASE_ATTRIBUTE = "base-commit";
  private static final int MAX_IGNORED = 20;
  private static final Pattern FILTER_KEY = Pattern.compile("filter\\.[^\\s=]+\\.(clean|smudge|process|required)");
  /**
   * Stages the tree as it is on disk in a private index (flags cleared, the flagged paths on standard input)
   * and diffs it against $1. New blobs go to a private object directory that borrows the repository's, so
   * nothing is written to the workspace's repository (whose objects may be read-only, borrowed from the main
   * repository).
   */
  private static final String DIFF_SCRIPT = "set -e\n"
      + "src=$(git rev-parse --git-path index)\n"
      + "objects=$(cd \"$(git rev-parse --git-path objects)\" && pwd)\n"
      + "scratch=$(mktemp -d)\n"
      + "trap 'rm -rf \"$scratch\"' EXIT\n"
      + "cat > \"$scratch/flagged\"\n"
      + "mkdir \"$scratch/objects\"\n"
      + "GIT_INDEX_FILE=$scratch/index GIT_OBJECT_DIRECTORY=$scratch/objects GIT_ALTERNATE_OBJECT_DIRECTORIES=$objects\n"
      + "export GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n"
      + "if [ -f \"$src\" ]; then cp \"$src\" \"$GIT_INDEX_FILE\"; fi\n"
      + "git update-index -z --no-skip-worktree --stdin < \"$scratch/flagged\"\n"
      + "git update-index -z --no-assume-unchanged --stdin < \"$scratch/flagged\"\n"
      + "git add -A\n"
      + "git diff --cached --no-color --no-ext-diff --no-textconv \"$1\" --\n";

  private WorkspaceDiff() {}

  /**
   * @param base what the change is compared with
   * @param text the diff, headed by a note naming flagged files when there are any
   * @param change whether the workspace holds any change at all
   * @param flagged the files git was told to ignore changes of, as {@code git ls-files -v} tags them
   */
  record Diff(String base, String text, boolean change, List<String> flagged) {}

  static Diff of(Workspace workspace, ProcessRunner processes, Duration timeout, int outputCap)
      throws InterruptedException {
    String base = workspace.attributes().getOrDefault(BASE_ATTRIBUTE, "HEAD");
    Map<String, String> env = environment(List.of());
    CommandOutcome filters = run(workspace, processes, env, timeout, outputCap, null,
        "git", "config", "-z", "--name-only", "--get-regexp", "^filter\\.");
    List<String> off = new ArrayList<>();
    for (String key : filters.stdout().split("\0")) {
      if (FILTER_KEY.matcher(key.strip()).matches()) {
        off.add(key.strip());
      }
    }
    env = environment(off);
    List<String> flagged = new ArrayList<>();
    StringBuilder flaggedPaths = new StringBuilder();
    CommandOutcome files = run(workspace, processes, env, timeout, outputCap, null, "git", "ls-files", "-v", "-z");
    for (String entry : files.stdout().split("\0")) {
      if (entry.length() < 3) {
        continue;
      }
      char tag = entry.charAt(0);
      if (tag == 'S' || Character.isLowerCase(tag)) {
        String path = entry.substring(2);
        flagged.add((tag == 'S' ? "skip-worktree " : "assume-unchanged ") + path);
        flaggedPaths.append(path).append('\0');
      }
    }
    CommandOutcome diff = run(workspace, processes, env, timeout, outputCap, flaggedPaths.toString(),
        "/bin/sh", "-c", DIFF_SCRIPT, "loop-review-diff", base);
    List<String> ignored = new ArrayList<>();
    CommandOutcome others = run(workspace, processes, env, timeout, outputCap, null, "git", "ls-files", "-z",
        "--others", "--ignored", "--exclude-standard", "--directory");
    for (String path : others.stdout().split("\0")) {
      if (!path.isEmpty()) {
        ignored.add(path);
      }
    }
    StringBuilder text = new StringBuilder();
    if (!flagged.isEmpty()) {
      text.append("[loop: ").append(flagged.size()).append(flagged.size() == 1 ? " file is" : " files are")
          .append(" flagged in git's index so that git status and git diff ignore their changes (a way to hide a"
              + " change from review and from the harness's commit); the diff below compares them as they are"
              + " on disk: ").append(String.join(", ", flagged)).append("]\n");
    }
    if (!ignored.isEmpty()) {
      text.append("[loop: ").append(ignored.size()).append(ignored.size() == 1 ? " path" : " paths")
          .append(" on disk ").append(ignored.size() == 1 ? "is" : "are").append(" ignored by git (.gitignore,"
              + " .git/info/exclude) and not in the diff: ")
          .append(String.join(", ", ignored.subList(0, Math.min(MAX_IGNORED, ignored.size()))))
          .append(ignored.size() > MAX_IGNORED ? ", ..." : "").append("]\n");
    }
    text.append(diff.stdout());
    return new Diff(base, text.toString(), !diff.stdout().isBlank(), List.copyOf(flagged));
  }

  /**
   * A fixed environment: nothing of the host's, no system or global git configuration, and the overrides
   * given as {@code GIT_CONFIG_*} variables so that every git of the script gets them.
   */
  private static Map<String, String> environment(List<String> filtersOff) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/bin:/bin");
    env.put("LC_ALL", "C");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_PAGER", "cat");
    env.put("GIT_WORK_TREE", "."); // the workspace itself, whatever core.worktree the worker configured
    Map<String, String> config = new LinkedHashMap<>();
    config.put("core.fsmonitor", "false");
    config.put("core.hooksPath", "/dev/null");
    config.put("diff.external", "");
    config.put("core.quotepath", "false");
    config.put("core.pager", "cat");
    for (String key : filtersOff) {
      config.put(key, key.endsWith(".required") ? "false" : "");
    }
    int n = 0;
    for (Map.Entry<String, String> e : config.entrySet()) {
      env.put("GIT_CONFIG_KEY_" + n, e.getKey());
      env.put("GIT_CONFIG_VALUE_" + n, e.getValue());
      n++;
    }
    env.put("GIT_CONFIG_COUNT", String.valueOf(n));
    return env;
  }

  private static CommandOutcome run(Workspace workspace, ProcessRunner processes, Map<String, String> env,
      Duration timeout, int outputCap, @Nullable String stdin, String... argv) throws InterruptedException {
    Command command = Command.builder(List.of(argv)).directory(workspace.directory()).environment(env)
        .stdin(stdin).timeout(timeout).outputCap(outputCap).build();
    CommandOutcome out = processes.run(command);
    boolean configFoundNothing = argv[1].equals("config") && out.exitCode() == 1 && !out.timedOut();
    if (!out.succeeded() && !configFoundNothing) {
      String what = argv[0].equals("git") ? String.join(" ", argv) : "git diff against " + argv[argv.length - 1];
      throw new AdapterException(what + " failed in workspace " + workspace.directory() + " (" + out.status()
          + "): " + out.stderr().strip() + "; expected a git work tree" + (argv[0].equals("git") ? ""
              : " where '" + argv[argv.length - 1] + "' names a commit"));
    }
    return out;
  }
}

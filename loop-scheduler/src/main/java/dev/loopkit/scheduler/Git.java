package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real {@code git} for one repository: with a timeout, a minimal environment (no host secrets, no
 * global or system config, so no signing, hooks or prompts), a fixed identity, and brief retries while
 * another git process holds one of git's lock files. Operations on shared refs and worktree metadata run
 * under {@link #lock()}, one lock per repository per JVM.
 */
final class Git {
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
  private static final Pattern LOCK_FILE = Pattern.compile("Unable to create '([^']+\\.lock)': File exists");
  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  private static final String NULL_DEVICE = WINDOWS ? "NUL" : "/dev/null";

  private final Path repo;
  private final GitSettings settings;

  Git(Path repo, GitSettings settings) {
    this.repo = repo;
    this.settings = settings;
  }

  Path repo() {
    return repo;
  }

  /** The JVM-wide lock for this repository's refs, index and worktree metadata. */
  ReentrantLock lock() {
    return LOCKS.computeIfAbsent(repo.toAbsolutePath().normalize(), p -> new ReentrantLock());
  }

  /** What one git command did. */
  record Result(int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }
  }

  /** Runs git in {@code dir}; a non-zero exit is returned, not thrown. */
  Result run(Path dir, String... args) {
    for (int attempt = 1; ; attempt++) {
      Result r = once(dir, args);
      Matcher m = LOCK_FILE.matcher(r.err);
      if (r.ok() || !m.find()) {
        return r;
      }
      waitForLock(m.group(1), attempt, "git " + String.join(" ", args) + " in " + dir + ": ");
    }
  }

  /**
   * Waits (with the sleeper) while another git process holds the index lock of the working tree at {@code
   * dir}. Needed before a merge: unlike most commands, {@code git merge} reports a held index lock only as
   * "Unable to write index", after starting.
   *
   * @throws AdapterException (retryable) if the lock stays held through every retry
   */
  void awaitIndexUnlocked(Path dir) {
    Path gitDir = dir.resolve(ok(dir, "locating the git directory", "rev-parse", "--git-dir"));
    Path lock = gitDir.resolve("index.lock");
    for (int attempt = 1; java.nio.file.Files.exists(lock); attempt++) {
      waitForLock(lock.toString(), attempt, "");
    }
  }

  /** Sleeps before the next try, or gives up after the configured retries. */
  private void waitForLock(String lock, int attempt, String context) {
    if (attempt > settings.lockRetries()) {
      throw new AdapterException(context + "the lock file " + lock + " stayed held by another git process through "
          + attempt + " tries: expected it released (if no git process is running, delete the file)", null, true);
    }
    try {
      settings.sleeper().sleep(settings.lockRetryDelay());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdapterException("interrupted while waiting for git lock " + lock, e);
    }
  }

  /**
   * Runs git in {@code dir} and returns its trimmed standard output.
   *
   * @throws AdapterException on a non-zero exit, with {@code what} and git's own message
   */
  String ok(Path dir, String what, String... args) {
    Result r = run(dir, args);
    if (!r.ok()) {
      throw new AdapterException(what + ": git " + String.join(" ", args) + " in " + dir + " exited " + r.exit
          + ": " + firstLines(r.err.isBlank() ? r.out : r.err));
    }
    return r.out.strip();
  }

  static String firstLines(String text) {
    String[] lines = text.strip().split("\\R");
    return String.join(" / ", Arrays.asList(lines).subList(0, Math.min(lines.length, 6)));
  }

  /**
   * The tracked files with uncommitted changes in the working tree at {@code dir} (untracked files, such as
   * notes, do not count).
   */
  List<String> uncommittedTracked(Path dir) {
    Result r = run(dir, "status", "--porcelain", "-z", "--untracked-files=no");
    if (!r.ok()) {
      throw new AdapterException("checking " + dir + " for uncommitted changes: git status exited " + r.exit + ": "
          + firstLines(r.err));
    }
    List<String> paths = new ArrayList<>();
    List<String> entries = nulSeparated(r.out);
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

  /** Splits NUL-separated output ({@code -z}) into its entries. */
  static List<String> nulSeparated(String out) {
    List<String> entries = new ArrayList<>();
    for (String s : out.split("\0")) {
      if (!s.isEmpty()) {
        entries.add(s);
      }
    }
    return entries;
  }

  private Result once(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(settings.executable());
    // no signing prompts, no host hooks, no background gc racing the next command
    for (String c : List.of("commit.gpgsign=false", "tag.gpgsign=false", "core.hooksPath=" + NULL_DEVICE,
        "gc.auto=0", "maintenance.auto=false", "advice.detachedHead=false", "init.defaultBranch=main")) {
      command.add("-c");
      command.add(c);
    }
    command.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    Map<String, String> host = Map.copyOf(env);
    env.clear();
    for (String keep : List.of("PATH", "Path", "SystemRoot", "TMPDIR", "TEMP", "TMP", "HOME")) {
      if (host.containsKey(keep)) {
        env.put(keep, host.get(keep));
      }
    }
    env.put("LC_ALL", "C");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", NULL_DEVICE);
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_OPTIONAL_LOCKS", "0");
    env.put("GIT_AUTHOR_NAME", settings.name());
    env.put("GIT_AUTHOR_EMAIL", settings.email());
    env.put("GIT_COMMITTER_NAME", settings.name());
    env.put("GIT_COMMITTER_EMAIL", settings.email());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File(NULL_DEVICE)));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AdapterException("cannot start '" + settings.executable() + "' in " + dir
          + ": expected git on the PATH (" + e.getMessage() + ")", e);
    }
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try {
      if (!p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AdapterException("git " + String.join(" ", args) + " in " + dir + " did not finish within "
            + settings.timeout() + ": expected it to (raise gitTimeout if the repository is large)", null, true);
      }
      return new Result(p.exitValue(), out.get(), err.get());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AdapterException("interrupted while running git " + String.join(" ", args) + " in " + dir, e);
    } catch (ExecutionException e) {
      throw new AdapterException("cannot read the output of git " + String.join(" ", args), e.getCause());
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (in) {
        result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        result.completeExceptionally(new UncheckedIOException(e));
      }
    }, "loop-git-output");
    reader.setDaemon(true);
    reader.start();
    return result;
  }

  /** Settings shared by the worktrees and the integrator of one repository. */
  record GitSettings(String executable, Duration timeout, Sleeper sleeper, int lockRetries,
      Duration lockRetryDelay, String name, String email) {}

  static Duration positive(Duration d, String what) {
    if (d.isNegative() || d.isZero()) {
      throw new InputException(what + " is " + d + ": expected a positive duration");
    }
    return d;
  }
}

package dev.loopkit.scheduler;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Sleeper;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one way Loop runs {@code git} for itself (the scheduler's workspaces and integrator, the CLI's project
 * seeding): hardened so that nothing a repository's files, config or a worker planted can make the harness run a
 * program of someone else's choosing.
 *
 * <p>Every command runs through {@link ProcessRunner#unconfined()} with:
 * <ul>
 *   <li><b>a clean environment</b>: {@code PATH} (to find git), {@code LC_ALL=C}, and git's own switches only
 *       ({@code GIT_CONFIG_NOSYSTEM=1}, {@code GIT_CONFIG_GLOBAL=/dev/null}, {@code GIT_ATTR_NOSYSTEM=1},
 *       {@code GIT_TERMINAL_PROMPT=0}, {@code GIT_NO_REPLACE_OBJECTS=1}, {@code GIT_OPTIONAL_LOCKS=0}); no host
 *       {@code GIT_*} variable, no {@code HOME}, so no user or system config, attributes or ignore files;</li>
 *   <li><b>command-line config, which wins over every file</b> (the repository's own config and its includes):
 *       hooks off ({@code core.hooksPath=/dev/null}), {@code core.fsmonitor=false}, no pager, editor, askpass,
 *       credential helper, ssh command or signing program ({@code core.pager=cat}, {@code core.editor=false},
 *       {@code sequence.editor=false}, {@code gpg.*.program=false}, {@code commit/tag.gpgSign=false},
 *       {@code log.showSignature=false}, {@code merge.verifySignatures=false}), {@code protocol.allow=never}
 *       (the harness never talks to a remote), {@code diff.external} unset, no untracked cache, split index or
 *       sparse checkout, no automatic gc, and the commit identity {@code user.name}/{@code user.email} from
 *       {@link Builder#identity};</li>
 *   <li><b>attribute-selected programs neutralised</b>: before any command that may read the work tree, merge
 *       or diff, the repository's config is read ({@code git config --get-regexp}) for {@code filter.<name>.*}
 *       and {@code merge.<name>.driver} entries, and each is overridden on the command line (filters emptied and
 *       not required, merge drivers set to {@code false}, so a path that names one conflicts instead of running
 *       it); diff commands get {@code --no-ext-diff --no-textconv};</li>
 *   <li>a timeout (the process tree is killed), an output cap that is an error when exceeded (output is never
 *       parsed truncated), and brief retries with the injected {@link Sleeper} while another git process holds a
 *       lock file.</li>
 * </ul>
 *
 * <p>Needs git {@value #MINIMUM_VERSION} or later ({@code merge-tree --write-tree}); {@link #requireVersion()}
 * checks. Immutable and thread-safe; every method blocks on a child process. Operations that must not overlap on
 * one repository take {@link #lock(Path)}, one lock per repository per JVM.
 */
public final class GitRunner {
  /** The oldest git this runner works with. */
  public static final String MINIMUM_VERSION = "2.38";

  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
  private static final Pattern LOCK_FILE = Pattern.compile("Unable to create '([^']+\\.lock)': File exists");
  private static final Pattern VERSION = Pattern.compile("git version (\\d+)\\.(\\d+)");
  private static final String NULL_DEVICE = "/dev/null";
  private static final int OUTPUT_CAP = 64 * 1024 * 1024;

  /** Config set on every command line: each key names a program git could run, or a behaviour we rule out. */
  private static final List<String> HARDENING = List.of(
      "core.hooksPath=" + NULL_DEVICE,
      "core.fsmonitor=false",
      "core.untrackedCache=false",
      "core.splitIndex=false",
      "core.sparseCheckout=false",
      "index.sparse=false",
      "core.attributesFile=" + NULL_DEVICE,
      "core.excludesFile=" + NULL_DEVICE,
      "core.pager=cat",
      "core.editor=false",
      "sequence.editor=false",
      "core.askPass=",
      "credential.helper=",
      "core.sshCommand=false",
      "protocol.allow=never",
      "diff.external=",
      "commit.gpgSign=false",
      "tag.gpgSign=false",
      "log.showSignature=false",
      "merge.verifySignatures=false",
      "gpg.program=false",
      "gpg.openpgp.program=false",
      "gpg.x509.program=false",
      "gpg.ssh.program=false",
      "submodule.recurse=false",
      "gc.auto=0",
      "maintenance.auto=false",
      "advice.detachedHead=false");

  /**
   * Subcommands that only read refs and objects, never the work tree or an index entry's file: no drivers to
   * neutralise. (Not {@code write-tree}: it re-reads a racily clean file through its clean filter.)
   */
  private static final Set<String> DRIVERLESS = Set.of("rev-parse", "update-ref", "symbolic-ref", "commit-tree",
      "cat-file", "ls-tree", "for-each-ref", "show-ref", "merge-base", "rev-list", "config", "init", "mktree",
      "diff-tree", "check-ref-format", "var", "count-objects", "--version");

  /** Subcommands that accept {@code --no-ext-diff --no-textconv}. */
  private static final Set<String> DIFFS = Set.of("diff", "log", "show");

  private static final String DRIVER_KEYS =
      "^(filter\\..+\\.(clean|smudge|process|required)|merge\\..+\\.driver)$";

  private final String executable;
  private final Duration timeout;
  private final Sleeper sleeper;
  private final int lockRetries;
  private final Duration lockRetryDelay;
  private final String name;
  private final String email;
  private final String path;

  private GitRunner(Builder b) {
    this.executable = b.executable;
    this.timeout = b.timeout;
    this.sleeper = b.sleeper;
    this.lockRetries = b.lockRetries;
    this.lockRetryDelay = b.lockRetryDelay;
    this.name = b.name;
    this.email = b.email;
    this.path = b.path;
  }

  /**
   * The defaults: {@code git} from the host's {@code PATH}, 2 minutes per command, {@code Loop <loop@loopkit.invalid>}.
   *
   * @return a runner with every default; it does not check the installed git (see {@link #requireVersion()})
   */
  public static GitRunner defaults() {
    return builder().build();
  }

  /**
   * Starts a runner to configure.
   *
   * @return a new builder with the defaults of {@link #defaults()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The identity of the commits this runner makes, {@code Name <email>}.
   *
   * @return the author and committer, e.g. {@code Loop <loop@loopkit.invalid>}
   */
  public String identity() {
    return name + " <" + email + ">";
  }

  /**
   * How long one git command may run.
   *
   * @return the positive timeout after which a command's process tree is killed
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * What one git command did.
   *
   * @param args the arguments as the caller gave them (without the hardening this runner adds)
   * @param directory where it ran
   * @param exitCode git's exit status; 0 is success
   * @param stdout everything git wrote to standard output, decoded as UTF-8
   * @param stderr everything git wrote to standard error, decoded as UTF-8
   */
  public record Result(List<String> args, Path directory, int exitCode, String stdout, String stderr) {
    /**
     * Copies {@code args}, so the result never changes with the caller's list.
     *
     * @param args the arguments as the caller gave them
     * @param directory where git ran
     * @param exitCode git's exit status
     * @param stdout git's standard output
     * @param stderr git's standard error
     */
    public Result {
      args = List.copyOf(args);
    }

    /**
     * Whether git succeeded.
     *
     * @return true if the exit code is 0
     */
    public boolean ok() {
      return exitCode == 0;
    }

    /**
     * Standard output without the trailing newline.
     *
     * @return the output stripped of leading and trailing white space; empty when git wrote nothing
     */
    public String out() {
      return stdout.strip();
    }

    /**
     * {@code git <args> in <dir> exited N: <first lines of stderr>}, for error messages.
     *
     * @return one line with up to six lines of stderr (of stdout when stderr is blank), joined by {@code " / "}
     */
    public String describe() {
      return "git " + String.join(" ", args) + " in " + directory + " exited " + exitCode + ": "
          + firstLines(stderr.isBlank() ? stdout : stderr);
    }
  }

  /**
   * The JVM-wide lock for one repository's refs, index and working tree. It does not keep out git processes of
   * other JVMs; those are waited for through their lock files.
   *
   * @param repository the repository's directory; made absolute and normalized, so two spellings of one path
   *     share a lock
   * @return the same lock for the same repository, shared by every runner in this JVM
   */
  public ReentrantLock lock(Path repository) {
    return LOCKS.computeIfAbsent(repository.toAbsolutePath().normalize(), p -> new ReentrantLock());
  }

  /**
   * Runs git in {@code directory}; a non-zero exit is returned, not thrown.
   *
   * @param directory the working directory, a repository or worktree (or any directory, for {@code git init})
   * @param args git's arguments, without {@code git}; leading {@code -c key=value} pairs are allowed
   * @return what git did, with its exit code and both streams
   * @throws InputException when git cannot be started (not on the {@code PATH}, or the directory is missing)
   * @throws AdapterException when git times out (retryable), its output exceeds 64 MiB, a lock file stays held, or
   *     the thread is interrupted (the interrupt flag is restored)
   */
  public Result run(Path directory, String... args) {
    return run(directory, null, null, Arrays.asList(args));
  }

  /**
   * Runs git and returns its trimmed standard output.
   *
   * @param directory the working directory, a repository or worktree
   * @param what what the command is for, leading the error message
   * @param args git's arguments, without {@code git}
   * @return standard output without leading and trailing white space
   * @throws InputException when git cannot be started
   * @throws AdapterException on a non-zero exit, naming {@code what}, the command, the directory and git's stderr,
   *     and in every case {@link #run} throws it
   */
  public String ok(Path directory, String what, String... args) {
    return ok(directory, null, null, what, Arrays.asList(args));
  }

  String ok(Path directory, @Nullable Path index, @Nullable String stdin, String what, List<String> args) {
    Result r = run(directory, index, stdin, args);
    if (!r.ok()) {
      throw new AdapterException(what + ": " + r.describe());
    }
    return r.out();
  }

  /**
   * Runs git with a temporary index ({@code GIT_INDEX_FILE}) and standard input, both optional. Leading
   * {@code --git-dir=}/{@code --work-tree=} options and {@code -c key=value} pairs in {@code args} are kept in
   * front of the subcommand (and also used to read the repository's drivers).
   */
  Result run(Path directory, @Nullable Path index, @Nullable String stdin, List<String> args) {
    for (int attempt = 1; ; attempt++) {
      Result r = once(directory, index, stdin, args);
      Matcher m = LOCK_FILE.matcher(r.stderr());
      if (r.ok() || !m.find()) {
        return r;
      }
      if (attempt > lockRetries) {
        throw new AdapterException("git " + String.join(" ", args) + " in " + directory + ": the lock file "
            + m.group(1) + " stayed held by another git process through " + attempt + " tries: expected it"
            + " released (if no git process is running, delete the file)", null, true);
      }
      try {
        sleeper.sleep(lockRetryDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AdapterException("interrupted while waiting for git lock " + m.group(1), e);
      }
    }
  }

  /**
   * Checks that git is installed and recent enough.
   *
   * @return the version line, e.g. {@code git version 2.39.5}
   * @throws InputException naming what was found and what is needed
   */
  public String requireVersion() {
    Result r;
    try {
      r = once(Path.of("").toAbsolutePath(), null, null, List.of("--version"));
    } catch (InputException e) {
      throw new InputException("git is not on the PATH (" + path + "): expected git " + MINIMUM_VERSION
          + " or later (" + e.getMessage() + ")", e);
    }
    Matcher m = VERSION.matcher(r.stdout());
    if (!r.ok() || !m.find()) {
      throw new InputException("'" + executable + " --version' answered '" + firstLines(r.stdout() + r.stderr())
          + "': expected git " + MINIMUM_VERSION + " or later");
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    String[] need = MINIMUM_VERSION.split("\\.");
    int needMajor = Integer.parseInt(need[0]);
    int needMinor = Integer.parseInt(need[1]);
    if (major < needMajor || (major == needMajor && minor < needMinor)) {
      throw new InputException(r.out() + " is too old: expected git " + MINIMUM_VERSION + " or later (Loop builds"
          + " merges with 'git merge-tree --write-tree')");
    }
    return r.out();
  }

  private Result once(Path directory, @Nullable Path index, @Nullable String stdin, List<String> args) {
    int split = subcommandIndex(args);
    List<String> leading = args.subList(0, split);
    String subcommand = split < args.size() ? args.get(split) : "";
    List<String> argv = new ArrayList<>();
    argv.add(executable);
    argv.add("--no-pager");
    for (String c : HARDENING) {
      argv.add("-c");
      argv.add(c);
    }
    argv.add("-c");
    argv.add("user.name=" + name);
    argv.add("-c");
    argv.add("user.email=" + email);
    if (!DRIVERLESS.contains(subcommand) && !subcommand.isEmpty()) {
      for (String c : neutralisedDrivers(directory, leading)) {
        argv.add("-c");
        argv.add(c);
      }
    }
    argv.addAll(leading);
    if (!subcommand.isEmpty()) {
      argv.add(subcommand);
      if (DIFFS.contains(subcommand)) {
        argv.add("--no-ext-diff");
        argv.add("--no-textconv");
      }
      argv.addAll(args.subList(split + 1, args.size()));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", path);
    env.put("LC_ALL", "C");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", NULL_DEVICE);
    env.put("GIT_ATTR_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_NO_REPLACE_OBJECTS", "1");
    env.put("GIT_OPTIONAL_LOCKS", "0");
    env.put("GIT_PROTOCOL_FROM_USER", "0");
    if (index != null) {
      env.put("GIT_INDEX_FILE", index.toString());
    }
    Command command = Command.builder(argv).directory(directory).environment(env).stdin(stdin).timeout(timeout)
        .outputCap(OUTPUT_CAP).build();
    CommandOutcome outcome;
    try {
      outcome = ProcessRunner.unconfined().run(command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdapterException("interrupted while running git " + String.join(" ", args) + " in " + directory, e);
    }
    if (outcome.timedOut()) {
      throw new AdapterException("git " + String.join(" ", args) + " in " + directory + " did not finish within "
          + timeout + " and was killed: expected it to (raise gitTimeout for a large repository)", null, true);
    }
    if (outcome.truncated()) {
      throw new AdapterException("git " + String.join(" ", args) + " in " + directory + " wrote more than "
          + OUTPUT_CAP + " bytes: expected less (the output is never parsed cut)");
    }
    return new Result(args, directory, outcome.exitCode(), outcome.stdout(), outcome.stderr());
  }

  /**
   * The {@code -c} overrides that disarm every filter and merge driver the repository's config defines, so that
   * a {@code .gitattributes} line (which a worker can write) cannot make the harness's git run one.
   */
  private List<String> neutralisedDrivers(Path directory, List<String> leading) {
    List<String> args = new ArrayList<>(leading);
    args.addAll(List.of("config", "--null", "--name-only", "--get-regexp", DRIVER_KEYS));
    Result keys = once(directory, null, null, args);
    if (keys.exitCode() == 1 && keys.stderr().isBlank()) {
      return List.of(); // no such key
    }
    if (!keys.ok()) {
      // not a repository yet (clone target, init): there is no repository config to read
      return List.of();
    }
    List<String> overrides = new ArrayList<>();
    for (String key : nulSeparated(keys.stdout())) {
      if (key.indexOf('=') >= 0 || key.indexOf('\n') >= 0) {
        throw new AdapterException("the git config of " + directory + " defines the driver '" + key + "', whose"
            + " name holds '=' or a newline: expected a plain name, so it can be switched off (rename it)");
      }
      if (key.endsWith(".required")) {
        overrides.add(key + "=false");
      } else if (key.endsWith(".driver")) {
        overrides.add(key + "=false");
      } else {
        overrides.add(key + "=");
      }
    }
    return overrides;
  }

  /** Where the subcommand is: after leading {@code --option}s and {@code -c key=value} pairs. */
  private static int subcommandIndex(List<String> args) {
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.equals("-c")) {
        i += 2;
      } else if (a.startsWith("--") && !a.equals("--version")) {
        i++;
      } else {
        break;
      }
    }
    return Math.min(i, args.size());
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

  static String firstLines(String text) {
    String[] lines = text.strip().split("\\R");
    return String.join(" / ", Arrays.asList(lines).subList(0, Math.min(lines.length, 6)));
  }

  static Duration positive(Duration d, String what) {
    if (d.isNegative() || d.isZero()) {
      throw new InputException(what + " is " + d + ": expected a positive duration");
    }
    return d;
  }

  @Override
  public String toString() {
    return "GitRunner{" + executable + ", timeout " + timeout + ", " + identity() + "}";
  }

  /** Builds a {@link GitRunner}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private String executable = "git";
    private Duration timeout = Duration.ofMinutes(2);
    private Sleeper sleeper = Sleeper.system();
    private int lockRetries = 50;
    private Duration lockRetryDelay = Duration.ofMillis(100);
    private String name = "Loop";
    private String email = "loop@loopkit.invalid";
    private String path = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin");

    private Builder() {}

    /**
     * The git executable, a name looked up on {@link #path} or an absolute path. Default {@code git}.
     *
     * @param executable a program name or an absolute path
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder executable(String executable) {
      if (executable.isBlank()) {
        throw new InputException("git executable is blank: expected git or a path to it");
      }
      this.executable = executable;
      return this;
    }

    /**
     * The {@code PATH} git runs with (and is looked up on). Default: the host's {@code PATH}.
     *
     * @param path directories separated by {@code :}, e.g. {@code /usr/bin:/bin}
     * @return this builder
     * @throws InputException if it is blank
     */
    public Builder path(String path) {
      if (path.isBlank()) {
        throw new InputException("git PATH is blank: expected directories such as /usr/bin:/bin");
      }
      this.path = path;
      return this;
    }

    /**
     * How long one git command may run before its process tree is killed. Default 2 minutes.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder timeout(Duration timeout) {
      this.timeout = positive(timeout, "gitTimeout");
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
      this.lockRetryDelay = positive(delay, "lock retry delay");
      return this;
    }

    /**
     * The author and committer of every commit Loop makes. Default {@code Loop <loop@loopkit.invalid>}.
     *
     * @param name a non-blank name without {@code <} or a line break
     * @param email a non-blank address containing {@code @}, without {@code >} or a line break
     * @return this builder
     * @throws InputException if either does not fit, naming both
     */
    public Builder identity(String name, String email) {
      if (name.isBlank() || email.isBlank() || email.indexOf('@') < 0 || (name + email).contains("\n")
          || name.contains("<") || email.contains(">")) {
        throw new InputException("git identity '" + name + " <" + email + ">': expected a name and an email");
      }
      this.name = name;
      this.email = email;
      return this;
    }

    /**
     * Builds the immutable runner.
     *
     * @return a runner with this builder's settings
     */
    public GitRunner build() {
      return new GitRunner(this);
    }
  }
}

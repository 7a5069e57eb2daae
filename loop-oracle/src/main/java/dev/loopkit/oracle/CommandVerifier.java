package dev.loopkit.oracle;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.Jail;
import dev.loopkit.core.process.ProcessRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Runs a command in the attempt's workspace and passes only on positive evidence: the required exit code
 * <em>and</em> the required output (a regular expression found in the output: stdout, then stderr) and/or a
 * required non-empty file. A timeout, another exit code, missing output or a missing file is a failure, and
 * the evidence is kept either way.
 *
 * <p>The command is an argv list, run without a shell (use {@code sh -c} explicitly if you want one), with
 * the workspace directory (or a subdirectory of it) as working directory and an empty stdin. Every argument
 * may name the ticket as {@code {ticket}}, replaced by its id (ids are plain: letters, digits, {@code .},
 * {@code _} and {@code -}, so one is safe inside a shell string too). It runs through the request's {@link VerifyRequest#processes() runner}:
 * confined by the engine's sandbox to the workspace, plus the files this verifier {@linkplain #files() reads},
 * shown read-only (so the harness's own copy of a verify script runs, not one a worker wrote). Whatever it
 * starts is killed when it ends or times out.
 *
 * <p>The environment is the verifier's, never the worker's nor the JVM's: a fixed system {@code PATH}
 * ({@value #SYSTEM_PATH}), a private {@code HOME} (the sandbox's; a fresh empty folder when the runner does
 * not confine), {@code LANG}, {@code LC_ALL}, {@code TZ}, {@code USER} and {@code JAVA_HOME} from the host
 * when set, the host variables named with {@link Builder#passEnvironment} and the values set with
 * {@link Builder#environment} (either may replace {@code PATH}: that is the host's decision, not a
 * worker's). No {@code LOOP_*} variable reaches it: code under test cannot tell that it is being verified.
 *
 * <p>Evidence ({@code kind = command}) records the command, working directory, exit code, whether it timed
 * out, the duration, the sandbox ({@link dev.loopkit.core.process.Sandbox#describe()}), the output's kept size
 * and SHA-256, an excerpt of its end, the text the pattern matched, the names (never the values) of the
 * environment, and the expected file's SHA-256. Each stream is kept up to {@link Builder#outputLimitBytes}:
 * beyond that only its head and tail are kept, searched and hashed, and {@code outputTruncated} says so.
 *
 * <p>Called on the engine's worker thread; blocks until the command ends or times out. Interrupting the
 * thread kills the process tree and throws {@link InterruptedException}. A sandbox that cannot start throws
 * {@link dev.loopkit.core.process.SandboxUnavailableException} (a fault of the host, not of the ticket).
 * Immutable and thread-safe.
 */
public final class CommandVerifier implements Verifier, Fingerprinted {
  /** The {@code PATH} every verify command gets unless the host sets another. */
  public static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";
  /** Host variables passed when set: what a build needs for its locale and its JDK, nothing a worker shapes. */
  static final List<String> DEFAULT_PASSED_ENVIRONMENT = List.of("LANG", "LC_ALL", "TZ", "USER", "JAVA_HOME");
  /** Stands for the ticket's id in an argument. */
  public static final String TICKET_PLACEHOLDER = "{ticket}";

  private final List<String> command;
  private final Duration timeout;
  private final int expectedExitCode;
  private final @Nullable Pattern expectedOutput;
  private final @Nullable String expectedFile;
  private final @Nullable String subdirectory;
  private final Set<String> passedEnvironment;
  private final Map<String, String> environment;
  private final int outputLimitBytes;
  private final int excerptChars;
  private final List<Path> reads;
  private final Clock clock;

  private CommandVerifier(Builder b) {
    this.command = List.copyOf(b.command);
    this.timeout = b.timeout;
    this.expectedExitCode = b.expectedExitCode;
    this.expectedOutput = b.expectedOutput;
    this.expectedFile = b.expectedFile;
    this.subdirectory = b.subdirectory;
    this.passedEnvironment = Set.copyOf(b.passedEnvironment);
    this.environment = Map.copyOf(b.environment);
    this.outputLimitBytes = b.outputLimitBytes;
    this.excerptChars = b.excerptChars;
    this.reads = List.copyOf(b.reads);
    this.clock = b.clock;
  }

  /**
   * Starts a verifier with no command yet; {@link Builder#command(List)} and an expected output or file must be
   * set before {@link Builder#build()}.
   *
   * @return a new builder with the defaults (exit code 0, a 10-minute timeout, 8 MiB of output kept)
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder for {@code command}, e.g. {@code CommandVerifier.of("mvn", "-q", "test")}.
   *
   * @param command the program, then its arguments; any of them may contain {@value #TICKET_PLACEHOLDER}
   * @return a builder with the command set; an expected output or file is still needed
   * @throws InputException if the command is empty or its program is blank
   */
  public static Builder of(String... command) {
    return builder().command(List.of(command));
  }

  /**
   * The argv as configured, before {@value #TICKET_PLACEHOLDER} is replaced.
   *
   * @return the program and its arguments; never empty, unmodifiable
   */
  public List<String> command() {
    return command;
  }

  @Override
  public Verification verify(VerifyRequest request) throws IOException, InterruptedException {
    Path workspace = request.workspace().directory();
    Path directory = subdirectory == null ? workspace : workspace.resolve(subdirectory);
    ProcessRunner runner = request.processes();
    List<String> argv = new ArrayList<>();
    for (String arg : command) {
      // ticket ids are plain (letters, digits, '.', '_', '-'; Ticket checks), so pasting one into a shell string is safe
      argv.add(arg.replace(TICKET_PLACEHOLDER, request.ticket().id()));
    }
    String shown = display(argv);
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("command", shown);
    evidence.put("workingDirectory", directory.toString());
    evidence.put("expectedExitCode", Integer.toString(expectedExitCode));
    if (expectedOutput != null) {
      evidence.put("expectedOutput", expectedOutput.pattern());
    }
    evidence.put("sandbox", runner.sandbox().describe());
    if (!Files.isDirectory(directory)) {
      return Verification.failed(List.of("command " + shown + " not run: working directory "
          + directory + " does not exist"), List.of(new Evidence("command", "not run: no working directory", evidence)));
    }

    Path home = runner.confines() ? null : Files.createTempDirectory("loop-verify-home-");
    try {
      Map<String, String> env = environment(home);
      evidence.put("environment", String.join(",", new TreeSet<>(env.keySet())));
      Command run = Command.builder(argv).directory(directory).environment(env).timeout(timeout)
          .outputCap(outputLimitBytes).build();
      Instant start = clock.instant();
      CommandOutcome outcome;
      try {
        outcome = withReads(runner).run(run);
      } catch (InputException e) {
        // no such program, or a path it needs vanished; a SandboxUnavailableException is not caught: the host's fault
        evidence.put("error", e.getMessage());
        return Verification.failed(List.of("command " + shown + " could not start: " + e.getMessage()),
            List.of(new Evidence("command", "could not start", evidence)));
      }
      Duration took = Duration.between(start, clock.instant());
      return judge(shown, outcome, took, directory, workspace, evidence);
    } finally {
      if (home != null) {
        deleteTree(home);
      }
    }
  }

  /** The runner with this verifier's own files shown read-only, when it confines at all. */
  private ProcessRunner withReads(ProcessRunner runner) {
    Jail jail = runner.jail();
    if (jail == null || !runner.confines()) {
      return runner;
    }
    List<Path> extra = new ArrayList<>();
    for (Path p : files()) {
      if (Files.exists(p) && !jail.contains(p)) {
        extra.add(p);
      }
    }
    return extra.isEmpty() ? runner : runner.withJail(jail.withReadOnly(extra));
  }

  /** The child's environment: fixed PATH, host names on the allow-list, the host's own values on top. */
  private Map<String, String> environment(@Nullable Path home) {
    Map<String, String> host = System.getenv();
    Map<String, String> env = new TreeMap<>();
    env.put("PATH", SYSTEM_PATH);
    if (home != null) {
      env.put("HOME", home.toString());
    }
    for (String name : passedEnvironment) {
      String value = host.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putAll(environment);
    return env;
  }

  private Verification judge(String shown, CommandOutcome outcome, Duration took, Path directory, Path workspace,
      Map<String, String> evidence) throws IOException {
    boolean timedOut = outcome.timedOut();
    String text = outcome.stderr().isEmpty() ? outcome.stdout()
        : outcome.stdout().isEmpty() || outcome.stdout().endsWith("\n") ? outcome.stdout() + outcome.stderr()
        : outcome.stdout() + "\n" + outcome.stderr();
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    evidence.put("timedOut", Boolean.toString(timedOut));
    evidence.put("exitCode", timedOut ? "none" : Integer.toString(outcome.exitCode()));
    evidence.put("durationMillis", Long.toString(Math.max(0, took.toMillis())));
    evidence.put("outputBytes", Integer.toString(bytes));
    evidence.put("outputSha256", Sha256.hex(text));
    evidence.put("outputTruncated", Boolean.toString(outcome.truncated()));
    evidence.put("excerpt", excerpt(text));

    List<String> findings = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    if (timedOut) {
      findings.add("command " + shown + " timed out after " + timeout + " (its process tree was killed)");
    } else if (outcome.exitCode() != expectedExitCode) {
      findings.add("command " + shown + " exited " + outcome.exitCode() + ": expected "
          + expectedExitCode);
    } else {
      seen.add("exited " + outcome.exitCode());
    }
    if (expectedOutput != null && !timedOut) {
      Matcher m = expectedOutput.matcher(text);
      if (m.find()) {
        evidence.put("matched", clip(m.group(), 200));
        seen.add("output matched /" + expectedOutput.pattern() + "/");
      } else {
        findings.add("output of " + shown + " did not contain a match for /" + expectedOutput.pattern()
            + "/ (" + bytes + " bytes of output" + (outcome.truncated() ? ", cut to the output limit" : "") + ")");
      }
    }
    if (expectedFile != null && !timedOut) {
      evidence.put("expectedFile", expectedFile);
      Path file = insideWorkspace(directory.resolve(expectedFile).normalize(), workspace);
      if (file != null && Files.isRegularFile(file) && Files.size(file) > 0) {
        evidence.put("expectedFileSha256", Sha256.ofFile(file));
        evidence.put("expectedFileBytes", Long.toString(Files.size(file)));
        seen.add(expectedFile + " written (" + Files.size(file) + " bytes)");
      } else if (file == null) {
        findings.add("expected file " + expectedFile + " after " + shown + " leads outside the"
            + " workspace (a symbolic link): expected a file written in the workspace");
      } else {
        findings.add("expected file " + expectedFile + " is missing or empty after " + shown);
      }
    }
    String summary = shown + (timedOut ? " timed out after " + timeout
        : " exited " + outcome.exitCode() + " in " + took.toMillis() + " ms")
        + (seen.isEmpty() ? "" : "; " + String.join(", ", seen));
    Evidence record = new Evidence("command", summary, evidence);
    return findings.isEmpty() ? Verification.passed(record) : Verification.failed(findings, List.of(record));
  }

  /**
   * The file itself when it lies in the workspace once links are followed; null when a link leads out of it
   * (a worker must not prove its work with a link to some non-empty host file). A missing file is returned
   * as it is.
   */
  private static @Nullable Path insideWorkspace(Path file, Path workspace) throws IOException {
    if (!Files.exists(file)) {
      return file;
    }
    return file.toRealPath().startsWith(workspace.toRealPath()) ? file : null;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a private home left behind in the temporary folder is harmless; the OS cleans it
    }
  }

  private String excerpt(String text) {
    return text.length() <= excerptChars ? text : "..." + text.substring(text.length() - excerptChars);
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }

  /** The command as a person would type it: arguments with spaces or quotes are single-quoted. */
  static String display(List<String> argv) {
    List<String> out = new ArrayList<>();
    for (String arg : argv) {
      out.add(arg.matches("[A-Za-z0-9_./=:,@%+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
    }
    return String.join(" ", out);
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.config("command", command)
        .config("timeout", timeout)
        .config("expected-exit-code", expectedExitCode)
        .config("expected-output", expectedOutput)
        .config("expected-file", expectedFile)
        .config("subdirectory", subdirectory)
        .config("passed-environment", new TreeSet<>(passedEnvironment))
        .config("environment", environment);
    for (String arg : command) {
      Path p = pathOrNull(arg);
      if (p != null && p.isAbsolute() && Files.isRegularFile(p)) {
        sink.file(p);
      }
    }
    reads.forEach(sink::file);
  }

  private static @Nullable Path pathOrNull(String arg) {
    try {
      return Path.of(arg);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The files this verifier reads, for {@link ProtectedPaths}: {@link Builder#reads} and absolute argv files.
   *
   * @return absolute paths, declared ones first, then argv arguments naming an existing regular file (checked
   *     on every call); empty when there are none
   */
  public List<Path> files() {
    List<Path> out = new ArrayList<>(reads);
    for (String arg : command) {
      Path p = pathOrNull(arg);
      if (p != null && p.isAbsolute() && Files.isRegularFile(p)) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "CommandVerifier{" + display(command) + "}";
  }

  /** Builds a {@link CommandVerifier}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private List<String> command = List.of();
    private Duration timeout = Duration.ofMinutes(10);
    private int expectedExitCode;
    private @Nullable Pattern expectedOutput;
    private @Nullable String expectedFile;
    private @Nullable String subdirectory;
    private final Set<String> passedEnvironment = new LinkedHashSet<>(DEFAULT_PASSED_ENVIRONMENT);
    private final Map<String, String> environment = new LinkedHashMap<>();
    private int outputLimitBytes = 8 * 1024 * 1024;
    private int excerptChars = 2_000;
    private final List<Path> reads = new ArrayList<>();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The argv: program first, then its arguments, e.g. {@code List.of("mvn", "-q", "test")}.
     *
     * @param argv the program and its arguments; {@value CommandVerifier#TICKET_PLACEHOLDER} in any of them
     *     stands for the ticket's id
     * @return this builder
     * @throws InputException if the list is empty or its program is blank
     */
    public Builder command(List<String> argv) {
      if (argv.isEmpty() || argv.get(0).isBlank()) {
        throw new InputException("verifier command " + argv + " is empty: expected a program and its arguments");
      }
      argv.forEach(a -> Objects.requireNonNull(a, "command argument"));
      this.command = List.copyOf(argv);
      return this;
    }

    /**
     * The argv as varargs; the same as {@link #command(List)}.
     *
     * @param argv the program and its arguments
     * @return this builder
     * @throws InputException if there is no argument or the program is blank
     */
    public Builder command(String... argv) {
      return command(List.of(argv));
    }

    /**
     * How long the command may run before its process tree is killed; default 10 minutes.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("verifier timeout " + timeout + " is not positive: expected e.g. PT5M");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The exit code that counts as success; default 0.
     *
     * @param code 0 to 255
     * @return this builder
     * @throws InputException if the code is outside 0 to 255
     */
    public Builder expectExitCode(int code) {
      if (code < 0 || code > 255) {
        throw new InputException("expected exit code " + code + " is out of range: expected 0 to 255");
      }
      this.expectedExitCode = code;
      return this;
    }

    /**
     * A regular expression that must be found in the output (stdout and stderr merged), e.g.
     * {@code Tests run: \d+, Failures: 0, Errors: 0}. Use {@code (?m)} for line anchors.
     *
     * @param regex a {@link Pattern} expression, searched for (not matched against the whole output)
     * @return this builder
     * @throws InputException if it does not compile, naming it
     */
    public Builder expectOutput(String regex) {
      try {
        return expectOutput(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        throw new InputException("expected-output pattern '" + regex + "' does not compile: " + e.getDescription(), e);
      }
    }

    /**
     * A compiled pattern that must be found in the output; its flags are kept and are part of the fingerprint.
     *
     * @param pattern a non-empty pattern
     * @return this builder
     * @throws InputException if the pattern is empty (it would match any output)
     */
    public Builder expectOutput(Pattern pattern) {
      if (pattern.pattern().isEmpty()) {
        throw new InputException("expected-output pattern is empty: it would match any output, expected real text");
      }
      this.expectedOutput = pattern;
      return this;
    }

    /**
     * A file (relative to the working directory) that must exist and be non-empty after the command. A file that
     * is a symbolic link leading out of the workspace fails the check.
     *
     * @param relativePath a relative path without {@code ..}, e.g. {@code target/report.xml}
     * @return this builder
     * @throws InputException if the path is blank, absolute, leads out with {@code ..} or is not a path
     */
    public Builder expectFile(String relativePath) {
      this.expectedFile = relativeInside(relativePath, "expected file");
      return this;
    }

    /**
     * Runs in this subdirectory of the workspace instead of its root; a subdirectory missing at verify time is a
     * failed verification, not an error.
     *
     * @param relativePath a relative path without {@code ..}, e.g. {@code service}
     * @return this builder
     * @throws InputException if the path is blank, absolute, leads out with {@code ..} or is not a path
     */
    public Builder subdirectory(String relativePath) {
      this.subdirectory = relativeInside(relativePath, "verifier subdirectory");
      return this;
    }

    /**
     * Passes these host environment variables through as well (only if set); secrets only deliberately.
     *
     * @param names variable names matching {@code [A-Za-z_][A-Za-z0-9_]*}, added to {@code LANG}, {@code LC_ALL},
     *     {@code TZ}, {@code USER} and {@code JAVA_HOME}
     * @return this builder
     * @throws InputException naming the variable when the name is not valid or starts with {@code LOOP_}
     */
    public Builder passEnvironment(String... names) {
      for (String name : names) {
        passedEnvironment.add(checkName(name));
      }
      return this;
    }

    static String checkName(String name) {
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new InputException("environment variable name '" + name + "' is not valid: expected [A-Za-z_][A-Za-z0-9_]*");
      }
      if (name.startsWith("LOOP_")) {
        throw new InputException("environment variable '" + name + "' for a verify command: expected a name"
            + " without the LOOP_ prefix (code under test must not be able to tell it is being verified; put "
            + TICKET_PLACEHOLDER + " in the command if it needs the ticket's id)");
      }
      return name;
    }

    /**
     * Sets an environment variable for the command; its value is never recorded in evidence (its name is).
     * It wins over a host variable of the same name passed through.
     *
     * @param name a name matching {@code [A-Za-z_][A-Za-z0-9_]*}, not starting with {@code LOOP_}
     * @param value the value; may be empty
     * @return this builder
     * @throws InputException naming the variable when the name is not valid or starts with {@code LOOP_}
     */
    public Builder environment(String name, String value) {
      checkName(name);
      passedEnvironment.remove(name);
      environment.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Bytes of output kept (head and tail) and searched; default 8 MiB; at least 1 KiB.
     *
     * @param bytes the limit per stream, at least 1024
     * @return this builder
     * @throws InputException if the limit is below 1024
     */
    public Builder outputLimitBytes(int bytes) {
      if (bytes < 1024) {
        throw new InputException("output limit " + bytes + " bytes is too small: expected at least 1024");
      }
      this.outputLimitBytes = bytes;
      return this;
    }

    /**
     * Characters of the output's end kept in the evidence; default 2000.
     *
     * @param chars at least 1
     * @return this builder
     * @throws InputException if the number is not positive
     */
    public Builder excerptChars(int chars) {
      if (chars < 1) {
        throw new InputException("excerpt length " + chars + " is not positive: expected e.g. 2000");
      }
      this.excerptChars = chars;
      return this;
    }

    /**
     * Declares a file (or directory) the command reads, such as a test script or its configuration: it becomes
     * part of the fingerprint and of the protected paths, and the sandbox shows it read-only at its own path.
     * Absolute files named in the argv are added anyway.
     *
     * @param path the file or directory; a relative path is resolved against the JVM's working directory now
     * @return this builder
     */
    public Builder reads(Path path) {
      reads.add(path.toAbsolutePath().normalize());
      return this;
    }

    /**
     * The clock the duration is measured with; default the system clock.
     *
     * @param clock the clock read before and after the command
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the immutable verifier.
     *
     * @return a verifier with this builder's settings; later changes to the builder do not reach it
     * @throws InputException if no command is set, or if neither an expected output nor an expected file is:
     *     an exit code alone is absence of error, not evidence
     */
    public CommandVerifier build() {
      if (command.isEmpty()) {
        throw new InputException("CommandVerifier.builder(): no command: expected command(...) to be set");
      }
      if (expectedOutput == null && expectedFile == null) {
        throw new InputException("CommandVerifier for " + display(command) + " has no positive evidence to look for:"
            + " expected expectOutput(regex) or expectFile(path) (an exit code alone is absence of error)");
      }
      return new CommandVerifier(this);
    }

    private static String relativeInside(String relativePath, String what) {
      Path p;
      try {
        p = Path.of(relativePath).normalize();
      } catch (RuntimeException e) {
        throw new InputException(what + " '" + relativePath + "' is not a path: " + e.getMessage(), e);
      }
      if (relativePath.isBlank() || p.isAbsolute() || p.startsWith("..")) {
        throw new InputException(what + " '" + relativePath + "' is not inside the workspace: expected a relative"
            + " path without ..");
      }
      return p.toString();
    }
  }
}

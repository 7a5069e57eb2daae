package dev.loopkit.oracle;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Runs a command in the attempt's workspace and passes only on positive evidence: the required exit code
 * <em>and</em> the required output (a regular expression found in stdout and stderr, merged) and/or a
 * required non-empty file. A timeout, another exit code, missing output or a missing file is a failure, and
 * the evidence is kept either way.
 *
 * <p>The command is an argv list, run without a shell (use {@code sh -c} explicitly if you want one), with
 * the workspace directory (or a subdirectory of it) as working directory and stdin closed. It runs with an
 * environment built from scratch: a few harmless host variables ({@code PATH}, {@code HOME}, {@code LANG},
 * {@code LC_ALL}, {@code TZ}, {@code TMPDIR}, {@code USER}, {@code JAVA_HOME}), any host variables named
 * with {@link Builder#passEnvironment}, the values set with {@link Builder#environment}, and
 * {@code LOOP_RUN_ID}, {@code LOOP_TICKET_ID}, {@code LOOP_ATTEMPT}. Nothing else of the host's environment
 * (API keys, tokens) reaches it. At the timeout the process and all its descendants are killed.
 *
 * <p>Evidence ({@code kind = command}) records the command, working directory, exit code, whether it timed
 * out, the duration, the output's size and SHA-256 (of all of it), an excerpt of its end, the text the
 * pattern matched, and the expected file's SHA-256. Output beyond {@link Builder#outputLimitBytes} is hashed
 * and counted but only its head and tail are kept and searched.
 *
 * <p>Called on the engine's worker thread; blocks until the command ends or times out. Interrupting the
 * thread kills the process tree and throws {@link InterruptedException}. Immutable and thread-safe.
 */
public final class CommandVerifier implements Verifier, Fingerprinted {
  static final List<String> DEFAULT_PASSED_ENVIRONMENT =
      List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "JAVA_HOME");
  private static final Duration KILL_GRACE = Duration.ofSeconds(5);
  private static final long DRAIN_MILLIS = 2_000;

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

  public static Builder builder() {
    return new Builder();
  }

  /** A builder for {@code command}, e.g. {@code CommandVerifier.of("mvn", "-q", "test")}. */
  public static Builder of(String... command) {
    return builder().command(List.of(command));
  }

  public List<String> command() {
    return command;
  }

  @Override
  public Verification verify(VerifyRequest request) throws IOException, InterruptedException {
    Path directory = request.workspace().directory();
    if (subdirectory != null) {
      directory = directory.resolve(subdirectory);
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("command", display(command));
    evidence.put("workingDirectory", directory.toString());
    evidence.put("expectedExitCode", Integer.toString(expectedExitCode));
    if (expectedOutput != null) {
      evidence.put("expectedOutput", expectedOutput.pattern());
    }
    if (!Files.isDirectory(directory)) {
      return Verification.failed(List.of("command " + display(command) + " not run: working directory "
          + directory + " does not exist"), List.of(new Evidence("command", "not run: no working directory", evidence)));
    }

    ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    Map<String, String> host = new TreeMap<>(env);
    env.clear();
    for (String name : passedEnvironment) {
      String value = host.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putAll(environment);
    env.put("LOOP_RUN_ID", request.runId());
    env.put("LOOP_TICKET_ID", request.ticket().id());
    env.put("LOOP_ATTEMPT", Integer.toString(request.attempt()));
    evidence.put("environment", String.join(",", new java.util.TreeSet<>(env.keySet())));

    Instant start = clock.instant();
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      evidence.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
      return Verification.failed(List.of("command " + display(command) + " could not start: " + e.getMessage()),
          List.of(new Evidence("command", "could not start", evidence)));
    }
    process.getOutputStream().close();
    OutputCapture output = new OutputCapture(process.getInputStream(), outputLimitBytes,
        "loop-verify-" + request.ticket().id());
    output.start();

    boolean timedOut;
    int killed = 0;
    try {
      timedOut = !process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (timedOut) {
        killed = killTree(process);
        process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
    boolean drained = output.await(DRAIN_MILLIS);
    Duration took = Duration.between(start, clock.instant());

    String text = output.text();
    evidence.put("timedOut", Boolean.toString(timedOut));
    evidence.put("exitCode", timedOut || process.isAlive() ? "none" : Integer.toString(process.exitValue()));
    evidence.put("durationMillis", Long.toString(Math.max(0, took.toMillis())));
    evidence.put("outputBytes", Long.toString(output.totalBytes()));
    evidence.put("outputSha256", output.sha256());
    evidence.put("outputTruncated", Boolean.toString(output.truncated()));
    evidence.put("excerpt", excerpt(text));
    if (!drained) {
      evidence.put("outputStillOpen", "true");
    }

    List<String> findings = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    if (timedOut) {
      findings.add("command " + display(command) + " timed out after " + timeout + " (killed it and " + killed
          + " descendant processes)");
    } else {
      int exit = process.exitValue();
      if (exit != expectedExitCode) {
        findings.add("command " + display(command) + " exited " + exit + ": expected " + expectedExitCode);
      } else {
        seen.add("exited " + exit);
      }
    }
    if (expectedOutput != null && !timedOut) {
      Matcher m = expectedOutput.matcher(text);
      if (m.find()) {
        evidence.put("matched", clip(m.group(), 200));
        seen.add("output matched /" + expectedOutput.pattern() + "/");
      } else {
        findings.add("output of " + display(command) + " did not contain a match for /" + expectedOutput.pattern()
            + "/ (" + output.totalBytes() + " bytes of output)");
      }
    }
    if (expectedFile != null && !timedOut) {
      Path file = directory.resolve(expectedFile).normalize();
      evidence.put("expectedFile", expectedFile);
      if (Files.isRegularFile(file) && Files.size(file) > 0) {
        evidence.put("expectedFileSha256", Sha256.ofFile(file));
        evidence.put("expectedFileBytes", Long.toString(Files.size(file)));
        seen.add(expectedFile + " written (" + Files.size(file) + " bytes)");
      } else {
        findings.add("expected file " + expectedFile + " is missing or empty after " + display(command));
      }
    }
    String summary = display(command) + (timedOut ? " timed out after " + timeout
        : " exited " + process.exitValue() + " in " + took.toMillis() + " ms")
        + (seen.isEmpty() ? "" : "; " + String.join(", ", seen));
    Evidence record = new Evidence("command", summary, evidence);
    return findings.isEmpty() ? Verification.passed(record) : Verification.failed(findings, List.of(record));
  }

  /** Kills the process and every descendant; returns how many descendants there were. */
  private static int killTree(Process process) {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    // descendants first seen, then the root, then anything spawned meanwhile
    process.descendants().forEach(all::add);
    process.destroyForcibly();
    process.descendants().forEach(all::add);
    all.forEach(ProcessHandle::destroyForcibly);
    return all.size();
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
        .config("passed-environment", new java.util.TreeSet<>(passedEnvironment))
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

  /** The files this verifier reads, for {@link ProtectedPaths}: {@link Builder#reads} and absolute argv files. */
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

    /** The argv: program first, then its arguments, e.g. {@code List.of("mvn", "-q", "test")}. */
    public Builder command(List<String> argv) {
      if (argv.isEmpty() || argv.get(0).isBlank()) {
        throw new InputException("verifier command " + argv + " is empty: expected a program and its arguments");
      }
      argv.forEach(a -> Objects.requireNonNull(a, "command argument"));
      this.command = List.copyOf(argv);
      return this;
    }

    public Builder command(String... argv) {
      return command(List.of(argv));
    }

    /** How long the command may run before its process tree is killed; default 10 minutes. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("verifier timeout " + timeout + " is not positive: expected e.g. PT5M");
      }
      this.timeout = timeout;
      return this;
    }

    /** The exit code that counts as success; default 0. */
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
     * @throws InputException if it does not compile, naming it
     */
    public Builder expectOutput(String regex) {
      try {
        return expectOutput(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        throw new InputException("expected-output pattern '" + regex + "' does not compile: " + e.getDescription(), e);
      }
    }

    public Builder expectOutput(Pattern pattern) {
      if (pattern.pattern().isEmpty()) {
        throw new InputException("expected-output pattern is empty: it would match any output, expected real text");
      }
      this.expectedOutput = pattern;
      return this;
    }

    /** A file (relative to the working directory) that must exist and be non-empty after the command. */
    public Builder expectFile(String relativePath) {
      this.expectedFile = relativeInside(relativePath, "expected file");
      return this;
    }

    /** Runs in this subdirectory of the workspace instead of its root. */
    public Builder subdirectory(String relativePath) {
      this.subdirectory = relativeInside(relativePath, "verifier subdirectory");
      return this;
    }

    /** Passes these host environment variables through as well (only if set); secrets only deliberately. */
    public Builder passEnvironment(String... names) {
      for (String name : names) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw new InputException("environment variable name '" + name + "' is not valid: expected [A-Za-z_][A-Za-z0-9_]*");
        }
        passedEnvironment.add(name);
      }
      return this;
    }

    /** Sets an environment variable for the command; its value is never recorded in evidence. */
    public Builder environment(String name, String value) {
      passEnvironment(name);
      passedEnvironment.remove(name);
      environment.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Bytes of output kept (head and tail) and searched; default 8 MiB; at least 1 KiB. */
    public Builder outputLimitBytes(int bytes) {
      if (bytes < 1024) {
        throw new InputException("output limit " + bytes + " bytes is too small: expected at least 1024");
      }
      this.outputLimitBytes = bytes;
      return this;
    }

    /** Characters of the output's end kept in the evidence; default 2000. */
    public Builder excerptChars(int chars) {
      if (chars < 1) {
        throw new InputException("excerpt length " + chars + " is not positive: expected e.g. 2000");
      }
      this.excerptChars = chars;
      return this;
    }

    /**
     * Declares a file (or directory) the command reads, such as a test script or its configuration: it becomes
     * part of the fingerprint and of the protected paths. Absolute files named in the argv are added anyway.
     */
    public Builder reads(Path path) {
      reads.add(path.toAbsolutePath().normalize());
      return this;
    }

    /** The clock the duration is measured with; default the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
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

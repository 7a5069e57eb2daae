package dev.loopkit.llm.tools;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs one child process: an argument vector (never a shell string built from input), a working directory,
 * an environment from a {@link CommandEnvironment} allow-list, optional standard input, a timeout after which
 * the whole process tree is killed, and an output cap. The one place Loop starts processes: the
 * {@code run_command} tool and {@link dev.loopkit.llm.work.CommandWorker} both go through it.
 *
 * <p>Immutable and thread-safe; {@link #run} blocks the calling thread until the process ends or times out.
 * Output goes to temporary files rather than pipes, so a background child that outlives its parent cannot
 * hang the caller; descendants seen while the command ran are killed when it ends, so nothing it started
 * keeps running after {@link #run} returns.
 */
public final class CommandRunner {
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration KILL_GRACE = Duration.ofSeconds(5);

  private final Duration timeout;
  private final int outputCap;
  private final CommandEnvironment environment;
  private final Supplier<Map<String, String>> hostEnvironment;

  private CommandRunner(Builder b) {
    this.timeout = b.timeout;
    this.outputCap = b.outputCap;
    this.environment = b.environment;
    this.hostEnvironment = b.hostEnvironment;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A runner with the defaults: 10 minutes, 100,000 bytes per stream, {@link CommandEnvironment#defaults()}. */
  public static CommandRunner defaults() {
    return builder().build();
  }

  public Duration timeout() {
    return timeout;
  }

  public int outputCap() {
    return outputCap;
  }

  public CommandEnvironment environment() {
    return environment;
  }

  /** The environment a child of this runner gets, resolved against the host's now. */
  public Map<String, String> childEnvironment() {
    return environment.resolve(hostEnvironment.get());
  }

  /** Runs with this runner's timeout. */
  public CommandOutcome run(Path directory, List<String> command, @Nullable String stdin)
      throws InterruptedException {
    return run(directory, command, stdin, timeout);
  }

  /**
   * Runs {@code command} in {@code directory} and waits for it, at most {@code timeout} (and never longer
   * than this runner's own timeout).
   *
   * @param stdin what the process reads on standard input, or null for an empty input
   * @throws InputException when the command is empty or cannot be started (no such executable)
   * @throws InterruptedException when the calling thread is interrupted; the process tree is killed first
   */
  public CommandOutcome run(Path directory, List<String> command, @Nullable String stdin, Duration timeout)
      throws InterruptedException {
    if (command.isEmpty()) {
      throw new InputException("empty command for directory " + directory + ": expected an executable and its"
          + " arguments");
    }
    Duration limit = timeout.compareTo(this.timeout) < 0 ? timeout : this.timeout;
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("loop-command-");
      Path in = scratch.resolve("stdin");
      Path out = scratch.resolve("stdout");
      Path err = scratch.resolve("stderr");
      Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
      Map<String, String> env = childEnvironment();
      List<String> argv = new ArrayList<>(command);
      argv.set(0, executable(command.get(0), env, directory));
      ProcessBuilder builder = new ProcessBuilder(argv).directory(directory.toFile())
          .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().clear();
      builder.environment().putAll(env);
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new InputException("command '" + command.get(0) + "' could not be started in " + directory + ": "
            + e.getMessage() + "; expected an executable on the PATH of the child environment", e);
      }
      boolean timedOut = !awaitExit(process, limit);
      int exitCode = process.isAlive() ? -1 : process.exitValue();
      Capped stdoutText = readCapped(out, outputCap);
      Capped stderrText = readCapped(err, outputCap);
      return new CommandOutcome(command, exitCode, timedOut, stdoutText.text, stderrText.text,
          stdoutText.truncated || stderrText.truncated);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run '" + command.get(0) + "' in " + directory, e);
    } finally {
      if (scratch != null) {
        deleteQuietly(scratch);
      }
    }
  }

  /**
   * The program to start: a name without a slash is looked up on the child's own {@code PATH} (the JDK
   * would search the parent's), so the allow-listed environment decides which binary runs.
   */
  private static String executable(String program, Map<String, String> env, Path directory) {
    if (program.contains("/")) {
      return program;
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new InputException("command '" + program + "' could not be started in " + directory + ": not found on"
        + " the child environment's PATH (" + path + "); expected an executable there, or an absolute path");
  }

  /**
   * Waits for exit while remembering every descendant seen, so children that outlive their parent can still
   * be found and killed. Returns false when the timeout ended the process.
   */
  private static boolean awaitExit(Process process, Duration limit) throws InterruptedException {
    Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
    long deadline = System.nanoTime() + limit.toNanos();
    boolean exited = false;
    try {
      while (true) {
        process.descendants().forEach(h -> seen.putIfAbsent(h.pid(), h));
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (process.waitFor(Math.min(left, POLL.toNanos()), TimeUnit.NANOSECONDS)) {
          exited = true;
          break;
        }
      }
    } finally {
      killTree(process, seen);
    }
    return exited;
  }

  /** Kills the process, every descendant it has now and every one seen earlier, and waits for them. */
  private static void killTree(Process process, Map<Long, ProcessHandle> seen) throws InterruptedException {
    process.descendants().forEach(h -> seen.putIfAbsent(h.pid(), h));
    List<ProcessHandle> victims = new ArrayList<>(seen.values());
    for (ProcessHandle handle : List.copyOf(victims)) {
      handle.descendants().forEach(victims::add);
    }
    process.destroyForcibly();
    victims.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    long deadline = System.nanoTime() + KILL_GRACE.toNanos();
    for (ProcessHandle handle : victims) {
      while (handle.isAlive() && System.nanoTime() < deadline) {
        try {
          handle.onExit().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          // not gone yet; poll again until the grace period ends
        }
      }
    }
  }

  private record Capped(String text, boolean truncated) {}

  /** The file's text, or its first and last halves of {@code cap} bytes with a marker between. */
  private static Capped readCapped(Path file, int cap) throws IOException {
    long size = Files.size(file);
    if (size <= cap) {
      return new Capped(Files.readString(file, StandardCharsets.UTF_8), false);
    }
    int half = cap / 2;
    byte[] head = new byte[half];
    byte[] tail = new byte[half];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.readFully(head);
      raf.seek(size - half);
      raf.readFully(tail);
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw e;
    }
    String text = new String(head, StandardCharsets.UTF_8) + "\n[... " + (size - 2L * half)
        + " bytes omitted: output cap " + cap + " bytes ...]\n" + new String(tail, StandardCharsets.UTF_8);
    return new Capped(text, true);
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory left behind is harmless; the OS cleans its temp folder
    }
  }

  @Override
  public String toString() {
    return "CommandRunner{timeout=" + timeout + ", outputCap=" + outputCap + ", " + environment + "}";
  }

  /** Builds a {@link CommandRunner}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private Duration timeout = Duration.ofMinutes(10);
    private int outputCap = 100_000;
    private CommandEnvironment environment = CommandEnvironment.defaults();
    private Supplier<Map<String, String>> hostEnvironment = System::getenv;

    private Builder() {}

    /** @throws InputException unless positive */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("command timeout " + timeout + " passed to CommandRunner.timeout: expected a"
            + " positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /** Bytes kept per stream (first and last halves). @throws InputException unless at least 256 */
    public Builder outputCap(int bytes) {
      if (bytes < 256) {
        throw new InputException("output cap " + bytes + " passed to CommandRunner.outputCap: expected at least"
            + " 256 bytes");
      }
      this.outputCap = bytes;
      return this;
    }

    public Builder environment(CommandEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** Where host variables are read from; {@link System#getenv()} unless a host (or a test) says otherwise. */
    public Builder hostEnvironment(Supplier<Map<String, String>> hostEnvironment) {
      this.hostEnvironment = Objects.requireNonNull(hostEnvironment, "hostEnvironment");
      return this;
    }

    public CommandRunner build() {
      return new CommandRunner(this);
    }
  }
}

package dev.loopkit.core.process;

import dev.loopkit.core.InputException;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link Command}s: the one place Loop starts processes. A runner is either {@linkplain #unconfined()
 * unconfined} (the harness's own commands, such as its hardened git) or {@linkplain #confined confined} by a
 * {@link Sandbox} to one ticket's {@link Jail}; the engine hands every stage a confined runner for its attempt
 * ({@code StageContext.processes()}, {@code Assignment.processes()}, {@code VerifyRequest.processes()}).
 *
 * <p>Each run: the child starts with exactly the command's environment (the JVM's is never inherited), its
 * output goes to temporary files rather than pipes (a background child cannot hang the caller), and when the
 * command ends, times out or the calling thread is interrupted, the process and everything it started is
 * killed before {@link #run} returns. Immutable and thread-safe; {@link #run} blocks.
 */
public final class ProcessRunner {
  private static final long POLL_MS = 50;
  private static final long KILL_GRACE_MS = 5_000;
  private static final ProcessRunner UNCONFINED = new ProcessRunner(Sandbox.none(), null);

  private final Sandbox sandbox;
  private final @Nullable Jail jail;

  private ProcessRunner(Sandbox sandbox, @Nullable Jail jail) {
    this.sandbox = sandbox;
    this.jail = jail;
  }

  /**
   * Runs commands as the harness itself, without a sandbox: only for the harness's own tools.
   *
   * @return the one unconfined runner
   */
  public static ProcessRunner unconfined() {
    return UNCONFINED;
  }

  /**
   * Runs every command inside {@code jail}, confined by {@code sandbox}.
   *
   * @param sandbox how commands are confined
   * @param jail the workspace and extra paths commands may see, and whether they get the network
   * @return the runner
   */
  public static ProcessRunner confined(Sandbox sandbox, Jail jail) {
    return new ProcessRunner(Objects.requireNonNull(sandbox, "sandbox"), Objects.requireNonNull(jail, "jail"));
  }

  /**
   * {@return the default for a ticket's workspace when no engine handed one over: bubblewrap, no network}
   *
   * @param workspace the ticket's workspace: the only directory commands may write
   */
  public static ProcessRunner confinedTo(Path workspace) {
    return confined(Sandbox.bubblewrap(), Jail.of(workspace));
  }

  /** {@return how this runner confines commands; {@link Sandbox#none()} for {@link #unconfined()}} */
  public Sandbox sandbox() {
    return sandbox;
  }

  /** {@return the jail, or null for {@link #unconfined()}} */
  public @Nullable Jail jail() {
    return jail;
  }

  /** {@return whether commands are actually confined (a jail and a sandbox that is not {@link Sandbox#none()})} */
  public boolean confines() {
    return jail != null && sandbox.confines();
  }

  /**
   * {@return this runner with the jail changed, e.g. {@code runner.withJail(runner.jail().withNetwork(true))}}
   *
   * @param jail the new jail
   */
  public ProcessRunner withJail(Jail jail) {
    return confined(sandbox, jail);
  }

  /**
   * Runs {@code command} and waits for it, at most its timeout.
   *
   * @param command what to run, where, with which environment, input, timeout and output cap
   * @return how it ended, with its output cut to the command's cap
   * @throws InputException when the command cannot be started (no such executable), or, when confined, its
   *     directory is outside the jail
   * @throws SandboxUnavailableException when the sandbox cannot start here
   * @throws InterruptedException when the calling thread is interrupted; everything started is killed first
   */
  public CommandOutcome run(Command command) throws InterruptedException {
    List<String> argv;
    if (jail == null) {
      argv = resolved(command);
    } else {
      if (!jail.contains(command.directory())) {
        throw new InputException("command " + command.argv().get(0) + " asked to run in " + command.directory()
            + ", outside its jail (" + jail.workspace() + "): expected a directory inside the workspace");
      }
      argv = sandbox.wrap(command, jail);
    }
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("loop-command-");
      Path in = scratch.resolve("stdin");
      Path out = scratch.resolve("stdout");
      Path err = scratch.resolve("stderr");
      String stdin = command.stdin();
      Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
      boolean wrapped = jail != null && sandbox.confines();
      ProcessBuilder builder = new ProcessBuilder(argv).directory(wrapped ? scratch.toFile()
          : command.directory().toFile()).redirectInput(in.toFile()).redirectOutput(out.toFile())
          .redirectError(err.toFile());
      builder.environment().clear();
      if (!wrapped) {
        builder.environment().putAll(command.environment());
      }
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new InputException("command '" + command.argv().get(0) + "' could not be started in "
            + command.directory() + ": " + e.getMessage() + "; expected an executable on the PATH of the child"
            + " environment", e);
      }
      boolean timedOut = !awaitExit(process, command.timeout().toNanos());
      int exitCode = process.isAlive() ? -1 : process.exitValue();
      Capped stdoutText = readCapped(out, command.outputCap());
      Capped stderrText = readCapped(err, command.outputCap());
      if (wrapped && exitCode != 0 && stderrText.text.startsWith("bwrap: execvp ")) {
        throw new InputException("command '" + command.argv().get(0) + "' could not be started in "
            + command.directory() + " inside the sandbox (" + stderrText.text.strip() + "); expected an"
            + " executable on the sandbox's PATH (" + command.environment().getOrDefault("PATH", "") + ")");
      }
      return new CommandOutcome(command.argv(), exitCode, timedOut, stdoutText.text, stderrText.text,
          stdoutText.truncated || stderrText.truncated);
    } catch (IOException e) {
      throw new UncheckedIOException("could not run '" + command.argv().get(0) + "' in " + command.directory(), e);
    } finally {
      if (scratch != null) {
        deleteQuietly(scratch);
      }
    }
  }

  /**
   * The argument vector with the program looked up on the child's own {@code PATH} (the JDK would search the
   * parent's), so the command's environment decides which binary runs.
   */
  static List<String> resolved(Command command) {
    List<String> argv = new ArrayList<>(command.argv());
    String program = argv.get(0);
    if (program.contains("/")) {
      return argv;
    }
    String path = command.environment().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        argv.set(0, candidate.toString());
        return argv;
      }
    }
    throw new InputException("command '" + program + "' could not be started in " + command.directory()
        + ": not found on the child environment's PATH (" + path + "); expected an executable there, or an"
        + " absolute path");
  }

  /** Waits while remembering every descendant seen, so orphans can still be killed. False on timeout. */
  private static boolean awaitExit(Process process, long limitNanos) throws InterruptedException {
    Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
    long deadline = System.nanoTime() + limitNanos;
    boolean exited = false;
    try {
      while (true) {
        process.descendants().forEach(h -> seen.putIfAbsent(h.pid(), h));
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (process.waitFor(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MS)), TimeUnit.NANOSECONDS)) {
          exited = true;
          break;
        }
      }
    } finally {
      killTree(process, seen);
    }
    return exited;
  }

  private static void killTree(Process process, Map<Long, ProcessHandle> seen) throws InterruptedException {
    process.descendants().forEach(h -> seen.putIfAbsent(h.pid(), h));
    List<ProcessHandle> victims = new ArrayList<>(seen.values());
    for (ProcessHandle handle : List.copyOf(victims)) {
      handle.descendants().forEach(victims::add);
    }
    process.destroyForcibly();
    victims.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(KILL_GRACE_MS, TimeUnit.MILLISECONDS);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_GRACE_MS);
    for (ProcessHandle handle : victims) {
      while (running(handle) && System.nanoTime() < deadline) {
        try {
          handle.onExit().get(POLL_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // not gone yet; poll again until the grace period ends
        }
      }
    }
  }

  /**
   * Whether the process still runs. A killed process whose parent has not reaped it yet (a zombie: in a container
   * the reaper can take seconds, as bubblewrap's processes are reparented to it) runs nothing any more; Java's
   * {@code isAlive} counts it as alive, {@code /proc/<pid>/stat} says {@code Z}.
   *
   * @param handle the process
   * @return false once it has exited or is a zombie
   */
  public static boolean running(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(handle.pid()), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.US_ASCII);
      int close = text.lastIndexOf(')');
      return close < 0 || close + 2 >= text.length() || text.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return Files.exists(stat.getParent()); // gone, or no /proc (not Linux): trust isAlive's answer
    }
  }

  private record Capped(String text, boolean truncated) {}

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
    return jail == null ? "ProcessRunner.unconfined()" : "ProcessRunner{" + sandbox.describe() + ", " + jail + "}";
  }
}

package dev.loopkit.beads;

import dev.loopkit.core.AdapterException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@code bd} invocation as a real process: {@code -C <directory>} in front of the arguments, an
 * environment made only of the entries given (never the host's whole environment), stdout and stderr captured
 * on their own threads up to a byte cap, and a timeout after which the process and its descendants are killed.
 * Thread-safe: every call is independent; {@link #run} blocks until the process ends or is killed.
 */
final class BdRunner {
  /** What one finished invocation left: its exit code and both streams, decoded as UTF-8. */
  record Result(int exit, String stdout, String stderr) {}

  private final List<String> executable;
  private final Path directory;
  private final Map<String, String> environment;
  private final Duration timeout;
  private final int maxOutputBytes;
  private final List<String> secrets;
  private final AtomicLong invocations = new AtomicLong();

  BdRunner(List<String> executable, Path directory, Map<String, String> environment, Duration timeout,
      int maxOutputBytes, List<String> secrets) {
    this.executable = List.copyOf(executable);
    this.directory = directory;
    this.environment = Map.copyOf(environment);
    this.timeout = timeout;
    this.maxOutputBytes = maxOutputBytes;
    this.secrets = List.copyOf(secrets);
  }

  long invocations() {
    return invocations.get();
  }

  Path directory() {
    return directory;
  }

  /**
   * Runs {@code bd -C <directory> <args...>}, feeding {@code stdin} when not null.
   *
   * @param what the command as a person would name it ({@code "bd list"}), for messages
   * @throws AdapterException if bd cannot be started (not retryable), does not finish within the timeout
   *     (retryable: killed, its effect unknown) or writes more than the cap (not retryable)
   */
  Result run(List<String> args, @Nullable String stdin, String what) {
    List<String> command = new ArrayList<>(executable);
    command.add("-C");
    command.add(directory.toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(environment);
    Process process;
    invocations.incrementAndGet();
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new AdapterException("could not start " + what + " (" + executable.get(0) + "): " + e.getMessage()
          + "; expected a bd executable (beads 1.3) on the PATH, or set BeadsTracker.builder().executable(...)", e);
    }
    AtomicBoolean overflow = new AtomicBoolean();
    Capture out = new Capture(process.getInputStream(), overflow, process);
    Capture err = new Capture(process.getErrorStream(), overflow, process);
    out.start();
    err.start();
    try {
      // fed from its own thread: a bd that does not read its stdin must still meet the timeout, not block us
      Thread feeder = new Thread(() -> {
        try (OutputStream in = process.getOutputStream()) {
          if (stdin != null) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
          }
        } catch (IOException e) {
          // bd closed its stdin early (it does not read it for this command, or it died): its exit tells
        }
      }, "bd-input");
      feeder.setDaemon(true);
      feeder.start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        kill(process);
        throw new AdapterException(what + " in " + directory + " did not finish within " + timeout
            + " and was killed; whether it changed the database is unknown", null, true);
      }
      out.join(timeout.toMillis());
      err.join(timeout.toMillis());
      if (overflow.get()) {
        throw new AdapterException(what + " in " + directory + " wrote more than " + maxOutputBytes
            + " bytes and was killed: expected a smaller answer (raise maxOutputBytes for a larger batch)");
      }
      return new Result(process.exitValue(), out.text(), err.text());
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new AdapterException(what + " was interrupted and killed", e, true);
    }
  }

  /** The text with every secret value replaced, for anything bd wrote that may reach a message or a log. */
  String redact(String text) {
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, "[redacted]");
    }
    return out;
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drains one stream into memory up to the cap; past it, flags the overflow and kills the process. */
  private final class Capture extends Thread {
    private final InputStream stream;
    private final AtomicBoolean overflow;
    private final Process process;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Capture(InputStream stream, AtomicBoolean overflow, Process process) {
      super("bd-output");
      setDaemon(true);
      this.stream = stream;
      this.overflow = overflow;
      this.process = process;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (InputStream in = stream) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          synchronized (bytes) {
            if (bytes.size() + n > maxOutputBytes) {
              overflow.set(true);
              process.descendants().forEach(ProcessHandle::destroyForcibly);
              process.destroyForcibly();
              return;
            }
            bytes.write(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        // the stream closed under us because the process was killed: what was read is all there is
      }
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** The executable named {@code name} on {@code path} (a PATH value); the name itself when not found. */
  static String resolve(String name, @Nullable String path) {
    if (name.contains("/") || path == null) {
      return name;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return name;
  }

}

package dev.loopkit.beads;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@code bd} invocation as a real process on core's {@link ProcessRunner#unconfined() unconfined}
 * runner (bd is the harness's own tool, not a ticket's process, and must reach the tracker's database):
 * {@code -C <directory>} in front of the arguments, an environment made only of the entries given (never the
 * host's whole environment), stdin from a file (a bd that never reads it cannot block us), stdout and stderr
 * kept up to a byte cap, and a timeout after which the process and everything it started are killed.
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
    List<String> argv = new ArrayList<>(executable);
    argv.add("-C");
    argv.add(directory.toString());
    argv.addAll(args);
    invocations.incrementAndGet();
    CommandOutcome outcome;
    try {
      // the program is looked up on the PATH of bd's own environment, as a shell would
      Command command = Command.builder(argv).directory(directory).environment(environment).stdin(stdin)
          .timeout(timeout).outputCap(maxOutputBytes).build();
      outcome = ProcessRunner.unconfined().run(command);
    } catch (InputException e) {
      throw new AdapterException("could not start " + what + " (" + executable.get(0) + "): " + e.getMessage()
          + "; expected a bd executable (beads 1.3) on the PATH, or set BeadsTracker.builder().executable(...)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdapterException(what + " was interrupted and killed", e, true);
    }
    if (outcome.timedOut()) {
      throw new AdapterException(what + " in " + directory + " did not finish within " + timeout
          + " and was killed; whether it changed the database is unknown", null, true);
    }
    if (outcome.truncated()) {
      throw new AdapterException(what + " in " + directory + " wrote more than " + maxOutputBytes
          + " bytes on one stream: expected a smaller answer (raise maxOutputBytes for a larger batch)");
    }
    return new Result(outcome.exitCode(), outcome.stdout(), outcome.stderr());
  }

  /** The text with every secret value replaced, for anything bd wrote that may reach a message or a log. */
  String redact(String text) {
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, "[redacted]");
    }
    return out;
  }
}

package dev.loopkit.core.process;

import dev.loopkit.core.InputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One process to run: an argument vector (never a shell string built from input), a working directory, the
 * exact environment the child gets (nothing is inherited; build it with {@link CommandEnvironment}), optional
 * standard input, a timeout and an output cap. Immutable; build with {@link #builder(List)}.
 */
public final class Command {
  private final List<String> argv;
  private final Path directory;
  private final Map<String, String> environment;
  private final @Nullable String stdin;
  private final Duration timeout;
  private final int outputCap;

  private Command(Builder b) {
    this.argv = b.argv;
    this.directory = b.directory;
    this.environment = Map.copyOf(b.environment);
    this.stdin = b.stdin;
    this.timeout = b.timeout;
    this.outputCap = b.outputCap;
  }

  /**
   * @param argv the executable and its arguments; a name without a slash is looked up on the child's own
   *     {@code PATH} (inside the sandbox when confined)
   * @throws InputException when {@code argv} is empty or holds a NUL
   */
  public static Builder builder(List<String> argv) {
    return new Builder(argv);
  }

  public List<String> argv() {
    return argv;
  }

  public Path directory() {
    return directory;
  }

  /** Exactly what the child gets (a sandbox may add {@code HOME} and {@code TMPDIR}). */
  public Map<String, String> environment() {
    return environment;
  }

  public @Nullable String stdin() {
    return stdin;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Bytes kept per stream: the first and last halves when longer. */
  public int outputCap() {
    return outputCap;
  }

  /** {@return a copy with another timeout} */
  public Command withTimeout(Duration timeout) {
    return toBuilder().timeout(timeout).build();
  }

  public Builder toBuilder() {
    Builder b = new Builder(argv).directory(directory).environment(environment).timeout(timeout)
        .outputCap(outputCap);
    b.stdin = stdin;
    return b;
  }

  @Override
  public String toString() {
    return "Command" + argv + " in " + directory;
  }

  /** Builds a {@link Command}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final List<String> argv;
    private Path directory = Path.of("").toAbsolutePath();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable String stdin;
    private Duration timeout = Duration.ofMinutes(10);
    private int outputCap = 100_000;

    private Builder(List<String> argv) {
      if (argv.isEmpty()) {
        throw new InputException("empty command: expected an executable and its arguments");
      }
      for (String arg : argv) {
        if (arg.indexOf('\0') >= 0) {
          throw new InputException("command argument '" + arg.replace('\0', '?') + "' of " + argv.get(0)
              + " holds a NUL byte: expected plain text");
        }
      }
      this.argv = List.copyOf(argv);
    }

    public Builder directory(Path directory) {
      this.directory = directory.toAbsolutePath().normalize();
      return this;
    }

    /** Replaces the environment; see {@link CommandEnvironment#resolve}. */
    public Builder environment(Map<String, String> environment) {
      this.environment.clear();
      environment.forEach(this::env);
      return this;
    }

    /** Sets one variable. */
    public Builder env(String name, String value) {
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new InputException("environment variable name '" + name + "' for " + argv.get(0)
            + ": expected a non-empty name without '=' or NUL");
      }
      this.environment.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** What the process reads on standard input; null (the default) for an empty input. */
    public Builder stdin(@Nullable String stdin) {
      this.stdin = stdin;
      return this;
    }

    /** @throws InputException unless positive */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("timeout " + timeout + " for " + argv.get(0) + ": expected a positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /** @throws InputException unless at least 256 bytes */
    public Builder outputCap(int bytes) {
      if (bytes < 256) {
        throw new InputException("output cap " + bytes + " for " + argv.get(0) + ": expected at least 256 bytes");
      }
      this.outputCap = bytes;
      return this;
    }

    public Command build() {
      return new Command(this);
    }
  }
}

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
   * Starts a command: run in the JVM's working directory, with an empty environment and no input, a 10-minute
   * timeout and a 100,000-byte output cap.
   *
   * @param argv the executable and its arguments; a name without a slash is looked up on the child's own
   *     {@code PATH} (inside the sandbox when confined)
   * @return a builder for a command with that argument vector
   * @throws InputException when {@code argv} is empty or holds a NUL
   */
  public static Builder builder(List<String> argv) {
    return new Builder(argv);
  }

  /** {@return the executable and its arguments, as given} */
  public List<String> argv() {
    return argv;
  }

  /** {@return the absolute, normalized working directory} */
  public Path directory() {
    return directory;
  }

  /**
   * Exactly what the child gets (a sandbox may add {@code HOME} and {@code TMPDIR}).
   *
   * @return the variables, possibly none
   */
  public Map<String, String> environment() {
    return environment;
  }

  /** {@return what the process reads on standard input; null for an empty input} */
  public @Nullable String stdin() {
    return stdin;
  }

  /** {@return how long the process may run} */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Bytes kept per stream: the first and last halves when longer.
   *
   * @return the cap, at least 256
   */
  public int outputCap() {
    return outputCap;
  }

  /**
   * {@return a copy with another timeout}
   *
   * @param timeout positive
   * @throws InputException if {@code timeout} is not positive
   */
  public Command withTimeout(Duration timeout) {
    return toBuilder().timeout(timeout).build();
  }

  /**
   * Starts a builder holding every field of this command, to change some of them.
   *
   * @return a builder whose {@code build()} gives a command like this one until a setter is called
   */
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

    /**
     * @param directory the working directory; a relative path is taken against the JVM's working directory
     * @return this builder
     */
    public Builder directory(Path directory) {
      this.directory = directory.toAbsolutePath().normalize();
      return this;
    }

    /**
     * Replaces the environment; see {@link CommandEnvironment#resolve}.
     *
     * @param environment the variables, by name
     * @return this builder
     * @throws InputException if a name is empty or holds {@code =} or a NUL
     */
    public Builder environment(Map<String, String> environment) {
      this.environment.clear();
      environment.forEach(this::env);
      return this;
    }

    /**
     * Sets one variable.
     *
     * @param name a non-empty name without {@code =} or NUL
     * @param value the variable's value
     * @return this builder
     * @throws InputException if the name is empty or holds {@code =} or a NUL
     */
    public Builder env(String name, String value) {
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new InputException("environment variable name '" + name + "' for " + argv.get(0)
            + ": expected a non-empty name without '=' or NUL");
      }
      this.environment.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * What the process reads on standard input; null (the default) for an empty input.
     *
     * @param stdin the input, or null
     * @return this builder
     */
    public Builder stdin(@Nullable String stdin) {
      this.stdin = stdin;
      return this;
    }

    /**
     * @param timeout how long the process may run; default 10 minutes
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("timeout " + timeout + " for " + argv.get(0) + ": expected a positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * @param bytes bytes kept per stream; default 100,000
     * @return this builder
     * @throws InputException unless at least 256 bytes
     */
    public Builder outputCap(int bytes) {
      if (bytes < 256) {
        throw new InputException("output cap " + bytes + " for " + argv.get(0) + ": expected at least 256 bytes");
      }
      this.outputCap = bytes;
      return this;
    }

    /** {@return the command} */
    public Command build() {
      return new Command(this);
    }
  }
}

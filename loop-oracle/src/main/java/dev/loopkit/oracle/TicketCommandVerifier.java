package dev.loopkit.oracle;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.DependencyType;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.VerifyRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A verifier built from the ticket itself, so a batch carries its finish lines in the tracker. It reads the
 * ticket's metadata:
 *
 * <ul>
 *   <li>{@code verify} (required): the acceptance command, run through the shell ({@code sh -c}) in the
 *       workspace, e.g. {@code mvn -q test -Dtest=OrderTest};
 *   <li>{@code verify-expect}: a regular expression that must be found in its output, e.g.
 *       {@code Tests run: [1-9]\d*, Failures: 0, Errors: 0};
 *   <li>{@code verify-file}: a file (relative to the workspace) that must exist and be non-empty afterwards;
 *       at least one of {@code verify-expect} and {@code verify-file} is required, since an exit code alone
 *       is absence of error, not evidence;
 *   <li>{@code verify-exit} (optional, default 0): the exit code that counts as success;
 *   <li>{@code verify-timeout} (optional, default the builder's): {@code 90s}, {@code 5m}, {@code 1h} or an
 *       ISO-8601 duration such as {@code PT5M}.
 * </ul>
 *
 * <p>The command then runs as a {@link CommandVerifier}: through the request's sandboxed runner, with the
 * verifier's own environment (a fixed {@code PATH}, a private {@code HOME}, no {@code LOOP_*} variable; write
 * {@code {ticket}} in the command for the ticket's id), the same evidence and the same process-tree kill. A
 * ticket without {@code verify} goes to the fallback verifier if one is set, and otherwise fails, as does a ticket
 * whose entries do not parse. A ticket a worker filed ({@code discovered-from} another) without a finish line of
 * its own must pass both the fallback and its origin's {@code verify} line (when {@link Builder#origins} can look
 * the origin up, and unless it blocks its origin, whose line then waits for it), so discovered work cannot pass on
 * the project's lint alone: the finding names the ticket, the key and the value. The
 * tickets' own commands are tracker data, which workers cannot write; the fingerprint covers this verifier's
 * configuration (shell, default timeout, environment, fallback). Thread-safe.
 */
public final class TicketCommandVerifier implements Verifier, Fingerprinted {
  /** Metadata key of the acceptance command, run with the shell. */
  public static final String COMMAND_KEY = "verify";
  /** Metadata key of the regular expression the command's output must contain. */
  public static final String EXPECT_KEY = "verify-expect";
  /** Metadata key of the workspace-relative file the command must leave non-empty. */
  public static final String FILE_KEY = "verify-file";
  /** Metadata key of the exit code that counts as success (0 to 255; default 0). */
  public static final String EXIT_KEY = "verify-exit";
  /** Metadata key of the command's timeout ({@code 90s}, {@code 5m}, {@code 1h} or ISO-8601). */
  public static final String TIMEOUT_KEY = "verify-timeout";

  private final List<String> shell;
  private final Duration defaultTimeout;
  private final List<String> passedEnvironment;
  private final @Nullable Verifier fallback;
  private final Clock clock;
  private final Function<String, Optional<Ticket>> origins;

  private TicketCommandVerifier(Builder b) {
    this.shell = List.copyOf(b.shell);
    this.defaultTimeout = b.defaultTimeout;
    this.passedEnvironment = List.copyOf(b.passedEnvironment);
    this.fallback = b.fallback;
    this.clock = b.clock;
    this.origins = b.origins;
  }

  /**
   * A verifier with every default: {@code sh -c}, a 10-minute timeout, no fallback and no origin lookup.
   *
   * @return the verifier; a ticket without {@code verify} metadata fails with it
   */
  public static TicketCommandVerifier create() {
    return builder().build();
  }

  /**
   * Starts a verifier to configure; every setting is optional.
   *
   * @return a new builder with the defaults of {@link #create()}
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Verification verify(VerifyRequest request) throws Exception {
    Ticket ticket = request.ticket();
    String command = ticket.metadata().get(COMMAND_KEY);
    if (command == null || command.isBlank()) {
      Ticket origin = origin(ticket).orElse(null);
      if (origin != null) {
        return withOrigin(request, origin);
      }
      if (fallback != null) {
        return fallback.verify(request);
      }
      return Verification.failed("ticket " + ticket.id() + " has no '" + COMMAND_KEY + "' metadata: expected its"
          + " acceptance command, e.g. " + COMMAND_KEY + ": mvn -q test");
    }
    CommandVerifier verifier;
    try {
      verifier = forTicket(ticket, command);
    } catch (InputException e) {
      return Verification.failed(e.getMessage());
    }
    return verifier.verify(request);
  }

  /**
   * What this verifier reads of {@code ticket} to decide its finish line: the acceptance criteria and the
   * {@code verify*} metadata it has (keys as in the metadata). This is {@code Verifier.finishLine} of the engine
   * that freezes finish lines at the run's start, so that a ticket whose verify command or expectation changes
   * mid-run trips the run instead of passing on an easier line. Wrappers (the tripwire's guard, a composite)
   * must hand it through.
   */
  @Override
  public Map<String, String> finishLine(Ticket ticket) {
    Map<String, String> line = new TreeMap<>();
    line.put("acceptance-criteria", String.join("\n", ticket.acceptanceCriteria()));
    for (String key : List.of(COMMAND_KEY, EXPECT_KEY, FILE_KEY, EXIT_KEY, TIMEOUT_KEY)) {
      String value = ticket.metadata().get(key);
      if (value != null) {
        line.put(key, value);
      }
    }
    String own = ticket.metadata().get(COMMAND_KEY);
    if (own == null || own.isBlank()) {
      origin(ticket).ifPresent(o -> finishLine(o).forEach((k, v) -> line.put("origin." + o.id() + "." + k, v)));
    }
    return line;
  }

  /**
   * The ticket this one was discovered from, when it has a finish line of its own to lend. Not when this ticket
   * blocks its origin: the origin's line can only pass once this one is done, and is checked when the origin is.
   */
  private Optional<Ticket> origin(Ticket ticket) {
    for (Dependency d : ticket.dependencies()) {
      if (d.type() == DependencyType.DISCOVERED_FROM) {
        Optional<Ticket> origin = origins.apply(d.target());
        String command = origin.map(o -> o.metadata().get(COMMAND_KEY)).orElse(null);
        boolean blocksOrigin = origin.map(o -> o.dependencies().stream()
            .anyMatch(e -> e.type() == DependencyType.BLOCKS && e.target().equals(ticket.id()))).orElse(false);
        return command == null || command.isBlank() || blocksOrigin ? Optional.empty() : origin;
      }
    }
    return Optional.empty();
  }

  /** The fallback (when set) and the origin's own line, on this ticket's workspace: both must pass. */
  private Verification withOrigin(VerifyRequest request, Ticket origin) throws Exception {
    List<Evidence> evidence = new ArrayList<>();
    if (fallback != null) {
      Verification own = fallback.verify(request);
      if (!(own instanceof Verification.Passed)) {
        return own;
      }
      evidence.addAll(own.evidence());
    }
    CommandVerifier line;
    try {
      line = forTicket(origin, origin.metadata().get(COMMAND_KEY));
    } catch (InputException e) {
      return Verification.failed(e.getMessage());
    }
    Verification inherited = line.verify(request);
    if (!(inherited instanceof Verification.Passed)) {
      List<String> findings = new ArrayList<>();
      for (String f : ((Verification.Failed) inherited).findings()) {
        findings.add("the finish line of " + origin.id() + ", which " + request.ticket().id() + " was discovered"
            + " from and inherits: " + f);
      }
      return Verification.failed(findings, inherited.evidence());
    }
    evidence.addAll(inherited.evidence());
    return Verification.passed(evidence);
  }

  /**
   * Checks a ticket's {@code verify*} metadata without running anything, as {@link #verify} would read it: a
   * host calls it for every ticket when it reads the batch, so a bad expectation is found before any attempt
   * instead of failing attempts. A ticket without a {@code verify} command passes (it uses the fallback).
   *
   * @param ticket a ticket of the batch, as read
   * @throws InputException naming the ticket, the key and what was expected
   */
  public void check(Ticket ticket) {
    String command = ticket.metadata().get(COMMAND_KEY);
    if (command == null) {
      return;
    }
    if (command.isBlank()) {
      throw new InputException("'" + COMMAND_KEY + "' in the metadata of ticket " + ticket.id() + " is blank:"
          + " expected its acceptance command, e.g. " + COMMAND_KEY + ": mvn -q test");
    }
    forTicket(ticket, command);
  }

  /** The command verifier this ticket's metadata describes. */
  CommandVerifier forTicket(Ticket ticket, String command) {
    Map<String, String> meta = ticket.metadata();
    List<String> argv = new ArrayList<>(shell);
    argv.add(command);
    CommandVerifier.Builder b = CommandVerifier.builder().command(argv).timeout(defaultTimeout).clock(clock);
    passedEnvironment.forEach(b::passEnvironment);
    String where = " in the metadata of ticket " + ticket.id();
    String expect = meta.get(EXPECT_KEY);
    if (expect != null) {
      try {
        b.expectOutput(expect);
      } catch (InputException e) {
        throw new InputException(EXPECT_KEY + " '" + expect + "'" + where + " is not usable: " + e.getMessage(), e);
      }
    }
    String file = meta.get(FILE_KEY);
    if (file != null) {
      try {
        b.expectFile(file);
      } catch (InputException e) {
        throw new InputException(FILE_KEY + " '" + file + "'" + where + " is not usable: " + e.getMessage(), e);
      }
    }
    if (expect == null && file == null) {
      throw new InputException("ticket " + ticket.id() + " has '" + COMMAND_KEY + "' but neither '" + EXPECT_KEY
          + "' nor '" + FILE_KEY + "': expected the output or file that proves the command worked"
          + " (an exit code alone is absence of error)");
    }
    String exit = meta.get(EXIT_KEY);
    if (exit != null) {
      try {
        b.expectExitCode(Integer.parseInt(exit.trim()));
      } catch (NumberFormatException e) {
        throw new InputException(EXIT_KEY + " '" + exit + "'" + where + " is not a number: expected e.g. 0", e);
      }
    }
    String timeout = meta.get(TIMEOUT_KEY);
    if (timeout != null) {
      b.timeout(parseDuration(timeout, TIMEOUT_KEY + where));
    }
    return b.build();
  }

  /**
   * Parses {@code 90s}, {@code 5m}, {@code 2h}, {@code 500ms} or an ISO-8601 duration.
   *
   * @throws InputException naming the value and {@code source}
   */
  static Duration parseDuration(String value, String source) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return positive(Duration.parse(v.toUpperCase(Locale.ROOT)), value, source);
      }
      if (v.endsWith("ms")) {
        return positive(Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim())), value, source);
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1).trim());
      switch (v.charAt(v.length() - 1)) {
        case 's':
          return positive(Duration.ofSeconds(n), value, source);
        case 'm':
          return positive(Duration.ofMinutes(n), value, source);
        case 'h':
          return positive(Duration.ofHours(n), value, source);
        default:
          break;
      }
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw badDuration(value, source, e);
    }
    throw badDuration(value, source, null);
  }

  private static Duration positive(Duration d, String value, String source) {
    if (d.isNegative() || d.isZero()) {
      throw badDuration(value, source, null);
    }
    return d;
  }

  private static InputException badDuration(String value, String source, @Nullable Exception cause) {
    return new InputException("duration '" + value + "' (" + source + ") is not valid: expected a positive"
        + " duration such as 90s, 5m, 1h or PT5M", cause);
  }

  @Override
  public void describe(FingerprintSink sink) {
    sink.config("shell", shell).config("default-timeout", defaultTimeout)
        .config("passed-environment", passedEnvironment)
        .config("keys", List.of(COMMAND_KEY, EXPECT_KEY, FILE_KEY, EXIT_KEY, TIMEOUT_KEY));
    if (fallback != null) {
      sink.part("fallback", fallback);
    }
  }

  @Override
  public String toString() {
    return "TicketCommandVerifier{metadata '" + COMMAND_KEY + "' via " + shell + "}";
  }

  /** Builds a {@link TicketCommandVerifier}. */
  public static final class Builder {
    private List<String> shell = List.of("sh", "-c");
    private Duration defaultTimeout = Duration.ofMinutes(10);
    private final List<String> passedEnvironment = new ArrayList<>();
    private @Nullable Verifier fallback;
    private Clock clock = Clock.systemUTC();
    private Function<String, Optional<Ticket>> origins = id -> Optional.empty();

    private Builder() {}

    /**
     * The program and options the ticket's command is appended to; default {@code sh -c}.
     *
     * @param shell the argv prefix, e.g. {@code List.of("bash", "-lc")}; the command becomes its last argument
     * @return this builder
     * @throws InputException if the list is empty or its program is blank
     */
    public Builder shell(List<String> shell) {
      if (shell.isEmpty() || shell.get(0).isBlank()) {
        throw new InputException("shell " + shell + " is empty: expected e.g. [sh, -c] or [bash, -lc]");
      }
      this.shell = List.copyOf(shell);
      return this;
    }

    /**
     * The timeout for tickets without {@code verify-timeout}; default 10 minutes.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InputException if the duration is zero or negative
     */
    public Builder defaultTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("default verify timeout " + timeout + " is not positive: expected e.g. PT10M");
      }
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * Extra host environment variables passed to the commands (see {@link CommandVerifier}).
     *
     * @param names variable names matching {@code [A-Za-z_][A-Za-z0-9_]*}, none starting with {@code LOOP_}
     * @return this builder
     * @throws InputException naming the first name that is not valid
     */
    public Builder passEnvironment(String... names) {
      CommandVerifier.builder().passEnvironment(names); // validates the names, naming a bad one
      passedEnvironment.addAll(List.of(names));
      return this;
    }

    /**
     * How to look up the ticket a discovered ticket came from (usually {@code tracker::find}), so one filed
     * without a finish line of its own inherits its origin's. Without it, such a ticket gets the fallback alone.
     *
     * @param lookup from a ticket id to the ticket, empty when unknown; called on the verifying thread
     * @return this builder
     */
    public Builder origins(Function<String, Optional<Ticket>> lookup) {
      this.origins = Objects.requireNonNull(lookup, "lookup");
      return this;
    }

    /**
     * The verifier for tickets without {@code verify}; default none (such tickets fail verification).
     *
     * @param fallback e.g. the project's own build; part of this verifier's fingerprint
     * @return this builder
     */
    public Builder fallback(Verifier fallback) {
      this.fallback = Objects.requireNonNull(fallback, "fallback");
      return this;
    }

    /**
     * The clock the commands' durations are measured with; default the system clock.
     *
     * @param clock the clock handed to each ticket's {@link CommandVerifier}
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the verifier; a ticket's own entries are only parsed when it is verified.
     *
     * @return the immutable verifier
     */
    public TicketCommandVerifier build() {
      return new TicketCommandVerifier(this);
    }
  }
}

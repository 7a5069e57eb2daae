package dev.loopkit.oracle;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Oracle;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tripwire;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The tripwire that freezes the definition of done: the oracle, the verifiers, the files they read, and any
 * further protected paths. Give the engine this as its {@link Tripwire} and the same oracle and verifier
 * instances as its oracle and verifier.
 *
 * <p>{@link #fingerprint()} describes the oracle under {@code oracle} and each verifier under its name
 * ({@code verifier} by default), see {@link Fingerprint} for how; every file they name and every file of the
 * extra {@link ProtectedPaths} (so a new file matching a protected glob is a change too) is recorded by its
 * SHA-256 under {@code file:<absolute path>}.
 *
 * <p>{@link #canaries()} hands the oracle synthetic, read-only batches and reports each misjudgement: a batch
 * with an open ticket and one with an in-progress ticket must be pending and name that ticket; a batch of
 * done and human-gated tickets must be done. An oracle that runs verifiers ({@link VerifyingOracle}) is
 * checked with a verifier that passes (the all-done batch must then be done) and one that fails (it must then
 * be pending); its real verifiers never see a synthetic ticket. An oracle that judges done by other live
 * checks can switch the all-done canary off with {@link Builder#doneCanary(boolean)}.
 *
 * <p>Called on the engine's thread. Thread-safe if the described parts are.
 */
public final class DefinitionTripwire implements Tripwire {
  private final Oracle oracle;
  private final Map<String, Verifier> verifiers;
  private final ProtectedPaths extra;
  private final boolean doneCanary;
  private final Clock clock;
  private final AtomicReference<@Nullable Map<String, String>> baseline = new AtomicReference<>();

  private DefinitionTripwire(Builder b, Oracle oracle) {
    this.oracle = oracle;
    this.verifiers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.verifiers));
    this.extra = b.extra.build();
    this.doneCanary = b.doneCanary;
    this.clock = b.clock;
  }

  /**
   * Starts a tripwire; {@link Builder#oracle} is required, everything else optional.
   *
   * @return a new builder with no verifiers, no extra protected paths and the all-done canary on
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The fingerprint as a {@link Fingerprint}, with the set of files it read. Unlike {@link #fingerprint()} it
   * never sets the baseline.
   *
   * @return a fresh fingerprint of the oracle, the verifiers and the protected paths as they are now
   */
  public Fingerprint snapshot() {
    Fingerprint.Builder b = Fingerprint.builder().add("oracle", oracle);
    verifiers.forEach(b::add);
    extra.paths().forEach(b::file);
    extra.files().forEach(b::file);
    return b.build();
  }

  /**
   * {@inheritDoc}
   *
   * <p>The first fingerprint taken becomes this tripwire's baseline for {@link #guard(Verifier)}; the engine
   * takes it when the run starts.
   */
  @Override
  public Map<String, String> fingerprint() {
    Map<String, String> parts = snapshot().parts();
    baseline.compareAndSet(null, parts);
    return parts;
  }

  /**
   * Wraps the engine's verifier so a pass is only trusted while the definition of done is unchanged: after
   * {@code verifier} passes, the fingerprint is taken again and compared with the baseline (the first
   * fingerprint, taken at run start), and any change turns the pass into a failure naming the changed parts.
   * This closes the window between an attempt that weakened its own verifier (edited the script it runs) and
   * the engine's next tripwire check: the ticket is never marked done on the weakened check, and the next
   * oracle call ends the run {@code TAMPERED}. Give the engine the wrapper; the tripwire may fingerprint
   * either (the wrapper describes the verifier it wraps).
   *
   * @param verifier the verifier to wrap, usually one registered with {@link Builder#verifier}
   * @return a verifier that returns {@code verifier}'s failures as they are and its passes only while the
   *     fingerprint matches the baseline
   */
  public Verifier guard(Verifier verifier) {
    Objects.requireNonNull(verifier, "verifier");
    return new GuardedVerifier(verifier);
  }

  private final class GuardedVerifier implements Verifier, Fingerprinted {
    private final Verifier inner;

    GuardedVerifier(Verifier inner) {
      this.inner = inner;
    }

    @Override
    public Verification verify(dev.loopkit.core.VerifyRequest request) throws Exception {
      Map<String, String> before = baseline.get();
      if (before == null) {
        before = fingerprint();
      }
      Verification result = inner.verify(request);
      if (!(result instanceof Verification.Passed)) {
        return result;
      }
      List<String> changes = Fingerprint.changes(before, snapshot().parts());
      if (changes.isEmpty()) {
        return result;
      }
      return Verification.failed(List.of("the definition of done changed since the run started ("
          + String.join("; ", changes) + "): the pass is not trusted"), result.evidence());
    }

    @Override
    public Map<String, String> finishLine(dev.loopkit.core.Ticket ticket) {
      return inner.finishLine(ticket);
    }

    @Override
    public void describe(FingerprintSink sink) {
      sink.part("guarded", inner);
    }

    @Override
    public String toString() {
      return "guarded " + inner;
    }
  }

  /**
   * Every file that defines done: the files the oracle and verifiers read now, plus the extra protected paths
   * and globs. Hand it to workspace tools so they refuse to write there, and to a {@link HealGuard}.
   *
   * @return the files read as of this call (taken from a fresh {@link #snapshot()}) plus the extra entries
   */
  public ProtectedPaths protectedPaths() {
    return ProtectedPaths.of(snapshot().files()).plus(extra);
  }

  @Override
  public List<String> canaries() {
    List<String> failures = new ArrayList<>();
    expectPending(oracle, "a batch with an open ticket", List.of(ticket("canary-1", Status.DONE),
        ticket("canary-2", Status.OPEN)), "canary-2", failures);
    expectPending(oracle, "a batch with an in-progress ticket", List.of(ticket("canary-1", Status.IN_PROGRESS),
        ticket("canary-2", Status.HUMAN_GATED)), "canary-1", failures);
    List<Ticket> settled = List.of(ticket("canary-1", Status.DONE), ticket("canary-2", Status.HUMAN_GATED));
    if (oracle instanceof VerifyingOracle) {
      VerifyingOracle verifying = (VerifyingOracle) oracle;
      Verifier passing = request -> Verification.passed(Evidence.of("canary", "synthetic pass for the canary"));
      Verifier failing = request -> Verification.failed("synthetic failure for the canary");
      if (doneCanary) {
        expectDone(verifying.withVerifier(passing), "an all-done batch whose verifier passes", settled, failures);
      }
      expectPending(verifying.withVerifier(failing), "an all-done batch whose verifier fails", settled, "canary-1",
          failures);
    } else if (doneCanary) {
      expectDone(oracle, "an all-done batch", settled, failures);
    }
    return failures;
  }

  private void expectPending(Oracle o, String what, List<Ticket> tickets, String outstandingId,
      List<String> failures) {
    Verdict verdict = judge(o, what, tickets, failures);
    if (verdict == null) {
      return;
    }
    if (verdict.isDone()) {
      failures.add("canary: the oracle judged " + what + " done: expected pending");
    } else if (((Verdict.Pending) verdict).outstanding().stream().noneMatch(x -> x.ticketId().equals(outstandingId))) {
      failures.add("canary: the oracle judged " + what + " pending without naming " + outstandingId + ": got "
          + ((Verdict.Pending) verdict).outstanding());
    }
  }

  private void expectDone(Oracle o, String what, List<Ticket> tickets, List<String> failures) {
    Verdict verdict = judge(o, what, tickets, failures);
    if (verdict != null && !verdict.isDone()) {
      failures.add("canary: the oracle judged " + what + " not done: expected done, got "
          + ((Verdict.Pending) verdict).outstanding());
    }
  }

  private @Nullable Verdict judge(Oracle o, String what, List<Ticket> tickets, List<String> failures) {
    try {
      return o.judge(OracleContext.of(new SyntheticTracker(tickets), clock));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.add("canary: interrupted while judging " + what);
    } catch (Exception e) {
      failures.add("canary: the oracle threw " + e.getClass().getSimpleName() + " judging " + what + ": "
          + e.getMessage());
    }
    return null;
  }

  private static Ticket ticket(String id, Status status) {
    return Ticket.builder(id).title("synthetic canary ticket " + id).status(status).build();
  }

  @Override
  public String toString() {
    return "DefinitionTripwire{oracle=" + oracle + ", verifiers=" + verifiers.keySet() + "}";
  }

  /** Builds a {@link DefinitionTripwire}; {@link #oracle} is required. */
  public static final class Builder {
    private @Nullable Oracle oracle;
    private final Map<String, Verifier> verifiers = new LinkedHashMap<>();
    private final ProtectedPaths.Builder extra = ProtectedPaths.builder();
    private boolean doneCanary = true;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The oracle the engine uses (the same instance), fingerprinted under {@code oracle} and given the canaries.
     *
     * @param oracle the engine's oracle
     * @return this builder
     */
    public Builder oracle(Oracle oracle) {
      this.oracle = Objects.requireNonNull(oracle, "oracle");
      return this;
    }

    /**
     * The engine's verifier (the same instance), fingerprinted under {@code verifier}.
     *
     * @param verifier the engine's verifier
     * @return this builder
     * @throws InputException if a verifier was already registered under {@code verifier}
     */
    public Builder verifier(Verifier verifier) {
      return verifier("verifier", verifier);
    }

    /**
     * A verifier fingerprinted under {@code name}, e.g. a per-label verifier of the host's.
     *
     * @param name letters, digits, {@code .}, {@code _} and {@code -}; not {@code oracle}, and unique in this
     *     builder
     * @param verifier the verifier
     * @return this builder
     * @throws InputException if the name is not usable or already taken, naming it
     */
    public Builder verifier(String name, Verifier verifier) {
      if (!name.matches("[A-Za-z0-9._-]+") || name.equals("oracle")) {
        throw new InputException("verifier name '" + name + "' is not usable: expected letters, digits, . _ -"
            + " and not 'oracle'");
      }
      if (verifiers.putIfAbsent(name, Objects.requireNonNull(verifier, "verifier")) != null) {
        throw new InputException("verifier name '" + name + "' is used twice: expected unique names");
      }
      return this;
    }

    /**
     * A further file or directory that defines done (e.g. the oracle's configuration).
     *
     * @param path a file, or a directory protecting everything under it; it need not exist yet (one that
     *     appears later is a change)
     * @return this builder
     */
    public Builder file(Path path) {
      extra.path(path);
      return this;
    }

    /**
     * Further protected files under {@code base} matching {@code glob}; new matches count as changes.
     *
     * @param base the directory the glob is matched under
     * @param glob a {@code glob:} pattern relative to {@code base}, e.g. {@code **}{@code /verify*.sh}
     * @return this builder
     * @throws InputException if the glob is blank or does not parse, naming it
     */
    public Builder glob(Path base, String glob) {
      extra.glob(base, glob);
      return this;
    }

    /**
     * Adds every path and glob of {@code paths}, e.g. ones the host already hands its workspace tools.
     *
     * @param paths further entries that define done
     * @return this builder
     */
    public Builder protect(ProtectedPaths paths) {
      extra.addAll(paths);
      return this;
    }

    /**
     * Whether the all-done batch must be judged done; default true.
     *
     * @param enabled false for an oracle that judges done by live checks a synthetic batch cannot pass; the
     *     pending canaries still run
     * @return this builder
     */
    public Builder doneCanary(boolean enabled) {
      this.doneCanary = enabled;
      return this;
    }

    /**
     * The clock in the canaries' oracle context; default the system clock.
     *
     * @param clock the clock the canaries' {@link OracleContext} carries
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the tripwire; its baseline is set by the first {@link DefinitionTripwire#fingerprint()} call.
     *
     * @return a tripwire over the oracle, the verifiers and the extra paths registered so far
     * @throws InputException if no oracle is set
     */
    public DefinitionTripwire build() {
      if (oracle == null) {
        throw new InputException("DefinitionTripwire.builder(): no oracle: expected oracle(...) to be set");
      }
      return new DefinitionTripwire(this, oracle);
    }
  }
}

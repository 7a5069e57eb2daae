package dev.loopkit.core.process;

import java.util.List;

/**
 * How processes started on behalf of a ticket are confined: the host-wide policy (what the system looks
 * like inside, whether there is a network) applied to a per-ticket {@link Jail}. The engine takes one with
 * {@code LoopEngine.Builder.sandbox}, checks it before the first worker starts (a run never falls back to
 * running unconfined: {@link #check()} throws instead) and records {@link #describe()} in the journal.
 *
 * <p>Two ship: {@link #bubblewrap()} (Linux, the default) and {@link #none()}, the explicit opt-out, which
 * runs processes as the harness's own user with the whole filesystem in reach and is recorded as such.
 * Implementations are immutable and thread-safe.
 */
public interface Sandbox {

  /**
   * Bubblewrap with the defaults: the system read-only, the workspace writable, no network.
   *
   * @return the default bubblewrap sandbox
   */
  static Sandbox bubblewrap() {
    return BubblewrapSandbox.builder().build();
  }

  /**
   * No confinement at all: processes run as the harness's user and can reach everything it can (the
   * tracker, the journal, the verifier's files, the JVM's environment through {@code /proc}). For hosts
   * that confine workers another way (a container per run); the journal and the report say "unsandboxed".
   *
   * @return the one unconfined sandbox
   */
  static Sandbox none() {
    return NoSandbox.INSTANCE;
  }

  /** {@return whether processes are confined at all ({@code false} only for {@link #none()})} */
  boolean confines();

  /**
   * {@return one line for the journal, the progress output and the report, such as {@code bubblewrap 0.8.0, network
   * off}}
   */
  String describe();

  /**
   * Proves the sandbox can start here (once per process and configuration; cheap after the first call).
   *
   * @throws SandboxUnavailableException naming the cause and the fix
   */
  void check();

  /**
   * The argument vector that runs {@code command} confined to {@code jail}. Called by {@link ProcessRunner}
   * after {@link #check()}; the result is started with an empty environment.
   *
   * @param command what to run, and where
   * @param jail what the process may see and write, and whether it gets the network
   * @return the executable and arguments to start, ending with the command's own
   */
  List<String> wrap(Command command, Jail jail);
}

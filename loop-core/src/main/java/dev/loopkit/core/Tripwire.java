package dev.loopkit.core;

import java.util.List;
import java.util.Map;

/**
 * Freezes the definition of done. The engine records {@link #fingerprint()} when a run starts (and keeps it
 * in the journal, so a resumed run compares against the original), runs {@link #canaries()} once per
 * process, and compares a fresh fingerprint before every oracle call and after every heal. Any difference
 * ends the run {@code TAMPERED}, naming the parts that changed.
 *
 * <p>{@code loop-oracle} builds tripwires that fingerprint oracles, verifiers and the files they read.
 */
public interface Tripwire {

  /**
   * The current fingerprint: a part name (a class, a configuration entry, a file path) mapped to a digest of
   * that part. Called on the engine's thread.
   *
   * @return part names mapped to digests, in a stable order
   * @throws Exception if a part cannot be read
   */
  Map<String, String> fingerprint() throws Exception;

  /**
   * Runs the canary checks (e.g. a synthetic batch with an open ticket must be judged not done) and returns
   * each failure; empty when every canary behaved.
   *
   * @return one line per misbehaving canary; empty when every canary behaved
   * @throws Exception if a canary cannot be run
   */
  default List<String> canaries() throws Exception {
    return List.of();
  }

  /** {@return a tripwire with nothing to protect (one shared instance)} A healer is refused with it. */
  static Tripwire none() {
    return NoTripwire.INSTANCE;
  }
}

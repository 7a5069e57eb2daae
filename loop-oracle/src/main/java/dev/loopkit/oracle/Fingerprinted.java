package dev.loopkit.oracle;

/**
 * A part of the definition of done that says what it is made of, so a {@link DefinitionTripwire} can
 * fingerprint it exactly: its configuration entries, the files it reads, and the parts it is composed of.
 * Every oracle and verifier in this module implements it; a host's own oracle or verifier should too. Parts
 * that do not are described by a fallback that records their class and the values of their non-transient
 * fields (see {@link Fingerprint}).
 *
 * <p>Describe only what defines the check, never bookkeeping that changes while a run goes on (counters,
 * caches, clocks): a description that changes during a run ends it {@code TAMPERED}.
 */
@FunctionalInterface
public interface Fingerprinted {

  /**
   * Lists this part's configuration, files and sub-parts into {@code sink}. Called on the engine's thread.
   *
   * @param sink where to record them; valid only during this call
   */
  void describe(FingerprintSink sink);
}

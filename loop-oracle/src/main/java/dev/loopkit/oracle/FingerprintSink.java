package dev.loopkit.oracle;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link Fingerprinted} part lists what it is made of. Keys name the parts in a {@code TAMPERED}
 * message, so choose names a person recognises ({@code command}, {@code timeout}, {@code expected-output}).
 * Values are never stored as written: the fingerprint keeps a SHA-256 of each, so configuration that holds a
 * secret does not leak into the journal.
 */
public interface FingerprintSink {

  /**
   * Records one configuration entry. Strings, numbers, booleans, enums, paths, durations, patterns and
   * collections or maps of them are written canonically; any other object is described as a sub-part under
   * {@code key} (see {@link #part}).
   *
   * @param key the entry's name as a person would recognise it in a {@code TAMPERED} message
   * @param value the value; null is recorded as absent, so setting it later is a change
   * @return this sink, for chaining
   */
  FingerprintSink config(String key, @Nullable Object value);

  /**
   * Records a file (or every file under a directory) that the part reads, by the SHA-256 of its bytes. A file
   * that does not exist is recorded as missing, so creating it later is a change too. The path is made
   * absolute against the process's working directory.
   *
   * @param file the file or directory
   * @return this sink, for chaining
   */
  FingerprintSink file(Path file);

  /**
   * Records a sub-part (e.g. a composite's members) under {@code name}: its class and its own description.
   *
   * @param name the sub-part's name, unique within this part
   * @param component the sub-part; a {@link Fingerprinted} one describes itself, any other by its fields
   * @return this sink, for chaining
   */
  FingerprintSink part(String name, Object component);
}

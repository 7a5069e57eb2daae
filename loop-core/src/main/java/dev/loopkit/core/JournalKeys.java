package dev.loopkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Where the per-run secrets that authenticate run journals live: one 32-byte key per run, in a directory
 * outside the project (so outside every workspace and every sandbox), by default {@code ~/.loop/journal-keys}
 * (the system property {@code loop.journal.keys} or {@code LoopEngine.Builder.journalKeys} moves it). The
 * journal names its key by a random id in its first line; the key never appears in the journal, a log or an
 * event. Thread-safe.
 */
final class JournalKeys {
  static final String PROPERTY = "loop.journal.keys";
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path directory;

  JournalKeys(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  /** The default location: the system property {@value #PROPERTY}, else {@code ~/.loop/journal-keys}. */
  static JournalKeys defaults() {
    String configured = System.getProperty(PROPERTY);
    return new JournalKeys(configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".loop", "journal-keys"));
  }

  Path directory() {
    return directory;
  }

  /** A fresh random key id. */
  static String newId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return java.util.HexFormat.of().formatHex(id);
  }

  /** Creates and durably stores the key {@code id}; only the owner may read it. */
  byte[] create(String id) {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    Path target = file(id);
    Path tmp = directory.resolve("." + id + ".tmp");
    try {
      Files.createDirectories(directory);
      try {
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the directory keeps its default permissions
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // see above
        }
        ch.write(java.nio.ByteBuffer.wrap(key));
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
      try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException e) {
        // some file systems cannot sync a directory; the key file itself is synced
      }
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("journal key " + id + " exists already in " + directory, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the journal key in " + directory + " (set the system property "
          + PROPERTY + " or LoopEngine.Builder.journalKeys to a writable directory outside the project)", e);
    }
    return key;
  }

  /**
   * The key {@code id}.
   *
   * @throws InputException when the id is malformed or the key is missing: the journal cannot be authenticated
   */
  byte[] load(String id, Path journal) {
    if (!ID.matcher(id).matches()) {
      throw new InputException("run journal " + journal + " names key '" + id + "': expected 32 hex digits; the"
          + " journal's first line was changed, so it cannot be trusted: start a new run directory");
    }
    try {
      byte[] key = Files.readAllBytes(file(id));
      if (key.length != 32) {
        throw new InputException("journal key " + file(id) + " holds " + key.length + " bytes: expected 32");
      }
      return key;
    } catch (NoSuchFileException e) {
      throw new InputException("run journal " + journal + " is signed with key " + id + ", which is not in "
          + directory + ": the journal cannot be authenticated (resume it where it was written, point the system"
          + " property " + PROPERTY + " at the keys, or start a new run directory)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read journal key " + file(id), e);
    }
  }

  private Path file(String id) {
    return directory.resolve(id + ".key");
  }
}

package dev.loopkit.core.markdown;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The folder of ticket files: listing, reading, atomic writing, and the lock that serializes writers.
 *
 * <p>Writers are serialized twice: within the JVM by a {@link ReentrantLock} shared by every tracker open on
 * the same folder (a JVM may hold only one {@link FileLock} per file, a second attempt throws
 * {@code OverlappingFileLockException}), and across processes by an exclusive lock on {@code .loop.lock}. The
 * lock file is created on first use and never deleted, since deleting a lock file races with its next user.
 */
final class TicketFolder {
  static final String LOCK_FILE = ".loop.lock";
  private static final String EXTENSION = ".md";
  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  private static final ConcurrentMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path lockFile;
  private final ReentrantLock jvmLock;

  /** @param dir the folder's real path, so every tracker on the same folder shares one JVM lock */
  TicketFolder(Path dir) {
    this.dir = dir;
    this.lockFile = dir.resolve(LOCK_FILE);
    this.jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
  }

  Path dir() {
    return dir;
  }

  /** The file that holds the ticket with this (already validated) id. */
  Path fileOf(String id) {
    return dir.resolve(id + EXTENSION);
  }

  /** The id a ticket file's name promises: its name without {@code .md}. */
  static String idOf(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.length() - EXTENSION.length());
  }

  /**
   * Runs {@code action} holding the folder's JVM lock and its file lock. A thread that already holds them
   * runs the action directly.
   *
   * @throws AdapterException if the lock file cannot be opened or locked (including on interrupt)
   */
  <T> T locked(Supplier<T> action) {
    if (jvmLock.isHeldByCurrentThread()) {
      return action.get();
    }
    jvmLock.lock();
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.lock();
      try {
        return action.get();
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new AdapterException("cannot lock the ticket folder through " + lockFile + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }

  /**
   * What a file's attributes say about its content without reading it: size, modification time at the file
   * system's full precision, and the file key (device and inode on Unix; null where the OS gives none). An
   * atomic replace changes the key, an edit in place the time or the size.
   */
  record FileIdentity(long size, FileTime modified, @Nullable Object fileKey) {}

  /**
   * Every ticket file in the folder with its identity, in no particular order: regular files (symbolic links
   * followed) ending in {@code .md} whose name does not start with a dot (temporary files and the lock file are
   * hidden). One directory listing plus one {@code stat} per entry; no file is opened.
   */
  Map<Path, FileIdentity> ticketFiles() {
    Map<Path, FileIdentity> files = new HashMap<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        if (!isTicketFile(p)) {
          continue;
        }
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // deleted since the listing, or a dangling link
        }
        if (a.isRegularFile()) {
          files.put(p, new FileIdentity(a.size(), a.lastModifiedTime(), a.fileKey()));
        }
      }
    } catch (IOException e) {
      throw new AdapterException("cannot list the ticket folder " + dir + ": " + e, e);
    }
    return files;
  }

  /** Whether the name is one of a ticket file: {@code .md}, not hidden (temporary files, the lock file). */
  static boolean isTicketFile(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(EXTENSION) && name.length() > EXTENSION.length() && !name.startsWith(".");
  }

  /**
   * The identity of one ticket file, as {@link #ticketFiles()} takes it; empty when the file is gone, is not a
   * regular file, or its name is not a ticket file's.
   */
  Optional<FileIdentity> identity(Path file) {
    if (!isTicketFile(file)) {
      return Optional.empty();
    }
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.isRegularFile() ? Optional.of(new FileIdentity(a.size(), a.lastModifiedTime(), a.fileKey()))
          : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new AdapterException("cannot read the attributes of ticket file " + file + ": " + e, e);
    }
  }

  /**
   * The file's text, or empty when it does not exist.
   *
   * @throws InputException if the file is not UTF-8
   */
  Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (CharacterCodingException e) {
      throw new InputException(file + ": not valid UTF-8 text: expected a UTF-8 Markdown file", e);
    } catch (IOException e) {
      throw new AdapterException("cannot read ticket file " + file + ": " + e, e);
    }
  }

  /**
   * Replaces {@code file} with {@code content} atomically: a reader sees the old or the new file, never a
   * part, and after a crash the file is one or the other. Writes a temporary file in the same folder, syncs
   * it, renames it over the target and syncs the folder so the rename itself is durable.
   */
  void write(Path file, String content) {
    Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      FolderWatch.touched(dir, file); // this JVM's indexes see the write on their next refresh, event or not
      syncDirectory();
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new AdapterException("cannot write ticket file " + file + ": " + e, e);
    }
  }

  private void syncDirectory() throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory as a channel; its rename is already durable enough to rely on.
      if (!WINDOWS) {
        throw e;
      }
    }
  }
}

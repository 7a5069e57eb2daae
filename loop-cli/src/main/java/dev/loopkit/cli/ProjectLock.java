package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One {@code loop run} per project at a time: {@code <project>/.loop/project.lock}, held for the whole command
 * (seeding the repository included), released when the command or its JVM ends. Two runs on one project would
 * share the repository's integration branch and the tracker; the run directory's own lock covers only one run.
 */
final class ProjectLock implements AutoCloseable {
  private final FileChannel channel;

  private ProjectLock(FileChannel channel) {
    this.channel = channel;
  }

  /** @throws InputException when another process (or command in this JVM) holds the project */
  static ProjectLock acquire(ProjectConfig config) {
    Path file = config.runsDirectory().toAbsolutePath().getParent().resolve("project.lock");
    try {
      Files.createDirectories(file.getParent());
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new InputException("another 'loop run' is active on " + config.file().getParent() + " (" + file
            + " is locked): wait for it to end or stop it first; two runs on one project would share its"
            + " integration branch and tracker");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
      return new ProjectLock(channel);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the project at " + file + ": " + IoCause.of(e), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close(); // releases the lock
    } catch (IOException e) {
      // the OS releases the lock with the process anyway
    }
  }
}

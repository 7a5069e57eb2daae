package dev.loopkit.core;

import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The earlier runs of a batch ({@link LoopEngine.Builder#earlierRuns}, oldest first), for the claims they left: a ticket one of
 * them dispatched and that is still in progress when this run starts was left stuck by it (a run that ended, or
 * was killed, with the ticket claimed). Each directory is read once, lazily, at the first question; a directory
 * whose run is active (its lock is held), that holds no journal, or that is this run's own is skipped, and one
 * whose journal cannot be read is skipped with a warning (reclaiming is recovery, never a reason to stop).
 * Engine thread only.
 */
final class EarlierRuns {
  private record Claims(String runId, RunHistory history) {}

  private final List<Path> directories;
  private final Path own;
  private @Nullable List<Claims> read;

  EarlierRuns(List<Path> directories, RunDirectory own) {
    this.directories = List.copyOf(directories);
    this.own = own.path().toAbsolutePath().normalize();
  }

  /** The id of the newest earlier run that dispatched this ticket, or null when none did. */
  @Nullable String claimant(String ticketId) {
    for (Claims c : claims()) {
      if (c.history().nextAttempt(ticketId) > 1) { // it dispatched, so claimed, the ticket
        return c.runId();
      }
    }
    return null;
  }

  private List<Claims> claims() {
    if (read == null) {
      List<Claims> out = new ArrayList<>();
      for (Path dir : directories) {
        Path p = dir.toAbsolutePath().normalize();
        RunDirectory run = RunDirectory.of(p);
        if (p.equals(own) || !run.exists()) {
          continue;
        }
        FileLock lock;
        try {
          lock = run.lock();
        } catch (RuntimeException e) {
          continue; // active: its claims are its own
        }
        try {
          RunHistory h = run.history();
          out.add(0, new Claims(h.runId().orElse(p.getFileName().toString()), h)); // newest first
        } catch (RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(EarlierRuns.class).warn("cannot read the earlier run {} for the"
              + " tickets it left in progress; skipping it", p, e);
        } finally {
          try {
            lock.channel().close();
          } catch (java.io.IOException e) {
            // closing releases the lock
          }
        }
      }
      read = out;
    }
    return read;
  }
}

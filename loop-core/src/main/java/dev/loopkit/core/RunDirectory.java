package dev.loopkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * A run directory, read-only: where a run keeps its journal ({@value RunJournal#FILE_NAME}), the journal's
 * checkpoint, the lock that keeps a second process out, and (by default) transcripts and workspaces. Tools,
 * reports and services read a run through this type rather than through file names.
 *
 * <pre>{@code
 * RunDirectory run = RunDirectory.of(Path.of("runs/batch-7"));
 * RunReport report = run.report();           // attempts, time, tokens, cost, interventions
 * run.history().ending();                    // how the latest session ended, if it has
 * }</pre>
 *
 * <p>Reading while a run is appending is safe: a read sees the journal up to its last complete line.
 */
public final class RunDirectory {
  private final Path path;

  private RunDirectory(Path path) {
    this.path = path;
  }

  /**
   * A view of the run directory at {@code path}; nothing is read or created until a method needs it.
   *
   * @param path the run directory
   * @return the view
   */
  public static RunDirectory of(Path path) {
    return new RunDirectory(Objects.requireNonNull(path, "path"));
  }

  /** {@return the run directory's path, as given} */
  public Path path() {
    return path;
  }

  /** {@return the journal: one JSON event per line} */
  public Path journal() {
    return path.resolve(RunJournal.FILE_NAME);
  }

  /** {@return the journal's checkpoint, a snapshot of the history that lets a resume skip replaying the journal} */
  public Path checkpoint() {
    return path.resolve(RunJournal.CHECKPOINT);
  }

  /** {@return where model workers write their transcripts} */
  public Path transcripts() {
    return path.resolve("transcripts");
  }

  /**
   * Where a healer keeps what it needs to revert its heals across sessions ({@link HealContext#stateDirectory()}):
   * inside the run directory, which no ticket's process can see.
   *
   * @return the directory's path; it may not exist yet
   */
  public Path heals() {
    return path.resolve("heals");
  }

  /** {@return where the engine's default workspaces live (one directory per ticket)} */
  public Path workspaces() {
    return path.resolve("workspaces");
  }

  /** {@return whether a run has started here (its journal exists)} */
  public boolean exists() {
    return Files.isRegularFile(journal());
  }

  /**
   * What the run has done, from the checkpoint and the journal's tail: O(journal since the checkpoint).
   *
   * @return the history, of no events when no run has started here
   * @throws InputException if the journal is damaged beyond a torn last line, naming the file and line
   */
  public RunHistory history() {
    return RunJournal.history(path);
  }

  /** {@return the run's report, drawn from {@link #history()}} */
  public RunReport report() {
    return RunReport.of(history());
  }

  /**
   * Every event of the journal, in order: O(journal) in time and memory, for tools that need each event (a
   * timeline, an export); prefer {@link #history()}.
   *
   * @return the events, possibly none
   */
  public List<LoopEvent> events() {
    return RunJournal.read(journal());
  }

  /**
   * Records a person's decision on a ticket of this run: approved done (the work is there, the engine could not
   * verify it), or cancelled. Besides the engine's own verification this is the only way a ticket counts as done:
   * a status someone writes straight into the tracker is reported as an intervention and reopened. The decision
   * goes into the run's decision log, sealed with the run's key; a running engine reads it on its next pass (an
   * attempt in flight on the ticket is stopped and its outcome not applied), a stopped run when it continues, and
   * journals it and writes it to the tracker.
   *
   * @param status {@link Status#DONE} or {@link Status#CANCELLED}
   * @param reason why, in a person's words: shown in the report as an intervention
   * @param ticketId the ticket decided on
   * @throws InputException if the directory holds no run, the run's key is not here, the ticket id or the status
   *     is not valid, or the reason is blank
   */
  public void recordDecision(String ticketId, Status status, String reason) {
    recordDecision(ticketId, status, reason, JournalKeys.defaults());
  }

  void recordDecision(String ticketId, Status status, String reason, JournalKeys keys) {
    if (status != Status.DONE && status != Status.CANCELLED) {
      throw new InputException("decision '" + status.wireName() + "' for " + ticketId + ": expected done or"
          + " cancelled");
    }
    if (reason.isBlank()) {
      throw new InputException("the decision on " + ticketId + " has no reason: say why (it is shown in the"
          + " report as an intervention)");
    }
    if (!Ticket.isValidId(ticketId)) {
      throw new InputException("ticket id '" + ticketId + "' is not valid: expected letters, digits, '-', '_'"
          + " or '.'");
    }
    if (!exists()) {
      throw new InputException("run directory " + path + " holds no run: nothing to record a decision in");
    }
    DecisionLog.append(path, RunJournal.keyOf(path, keys), ticketId, status, reason.strip(), java.time.Instant.now());
  }

  /** Locks the directory against a second process; released when the JVM or the channel closes. */
  FileLock lock() {
    Path lockFile = path.resolve("run.lock");
    try {
      Files.createDirectories(path);
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new InputException("run directory " + path + " is in use by another run (" + lockFile
            + " is locked): wait for it to finish or use another directory");
      }
      return lock;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock run directory " + path + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}

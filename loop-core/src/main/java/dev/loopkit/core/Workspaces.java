package dev.loopkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens the workspace of an attempt and closes it afterwards. Called from worker threads, concurrently for
 * different tickets. {@code loop-scheduler} provides git worktrees; the stock factories here suit tests and
 * hosts without git.
 */
public interface Workspaces {

  /**
   * Opens (or reopens, on a retry) the workspace for this attempt.
   *
   * @param request the ticket and attempt, with the run's id
   * @return the workspace the attempt's stages work in
   * @throws Exception if it cannot be opened; the attempt then runs no worker
   */
  Workspace open(WorkspaceRequest request) throws Exception;

  /**
   * Closes a workspace once the attempt is over. {@code succeeded} is false when the attempt failed, in
   * which case implementations keep what is there for inspection. The default does nothing.
   *
   * @param workspace the workspace {@link #open} returned
   * @param succeeded whether the attempt succeeded
   * @throws Exception if it cannot be closed
   */
  default void close(Workspace workspace, boolean succeeded) throws Exception {}

  /**
   * Every ticket works in the same directory; nothing is created or removed.
   *
   * @param directory the directory every attempt works in
   * @return the workspaces
   */
  static Workspaces shared(Path directory) {
    return request -> new Workspace(request.ticket().id(), directory, Map.of());
  }

  /**
   * Each ticket gets its own directory {@code root/<ticket id>}, created on first use and kept.
   *
   * @param root the directory that holds one directory per ticket
   * @return the workspaces
   */
  static Workspaces directoryPerTicket(Path root) {
    return request -> {
      Path dir = root.resolve(request.ticket().id());
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create workspace directory " + dir, e);
      }
      return new Workspace(request.ticket().id(), dir, Map.of());
    };
  }
}

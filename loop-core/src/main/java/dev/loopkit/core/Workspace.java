package dev.loopkit.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where one attempt on one ticket works: a directory (e.g. a git clone) and facts about it worth recording
 * (branch, base commit), which the engine writes to the journal.
 *
 * @param ticketId the ticket
 * @param directory the workspace: the only place the attempt's processes may write
 * @param attributes facts to record
 * @param readOnlyPaths paths outside the directory that the attempt's processes need to read (for example the
 *     object store a clone borrows from); the sandbox shows them read-only and nothing else of the host
 */
public record Workspace(String ticketId, Path directory, Map<String, String> attributes, List<Path> readOnlyPaths) {
  /**
   * Copies the attributes and paths.
   *
   * @param ticketId the ticket
   * @param directory the workspace: the only place the attempt's processes may write
   * @param attributes facts to record
   * @param readOnlyPaths paths outside the directory that the attempt's processes need to read
   */
  public Workspace {
    attributes = Map.copyOf(attributes);
    readOnlyPaths = List.copyOf(readOnlyPaths);
  }

  /**
   * A workspace that needs nothing outside its directory.
   *
   * @param ticketId the ticket
   * @param directory the workspace: the only place the attempt's processes may write
   * @param attributes facts to record
   */
  public Workspace(String ticketId, Path directory, Map<String, String> attributes) {
    this(ticketId, directory, attributes, List.of());
  }
}

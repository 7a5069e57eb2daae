package dev.loopkit.core;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one attempt on one ticket works: a directory (e.g. a git worktree) and facts about it worth
 * recording (branch, base commit), which the engine writes to the journal.
 */
public record Workspace(String ticketId, Path directory, Map<String, String> attributes) {
  public Workspace {
    attributes = Map.copyOf(attributes);
  }
}

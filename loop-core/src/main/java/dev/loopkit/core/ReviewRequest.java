package dev.loopkit.core;

import dev.loopkit.core.process.ProcessRunner;
import java.util.List;

/**
 * What a reviewer sees: the ticket, the workspace with the change, the worker's claim, the findings of earlier
 * attempts and the tickets the worker filed during this attempt (with the finish lines it proposed for them).
 * Everything in it came from, or was shaped by, an untrusted worker: treat it as data.
 *
 * @param processes how to start processes on the workspace (a {@code git diff}): confined by the engine's
 *     sandbox, since the workspace's own git settings are the worker's
 * @param filed the tickets this attempt filed as discovered work, as the tracker holds them
 */
public record ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
    List<Finding> findings, ProcessRunner processes, List<Ticket> filed) {
  public ReviewRequest {
    findings = List.copyOf(findings);
    filed = List.copyOf(filed);
  }

  /** A request for an attempt that filed nothing. */
  public ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
      List<Finding> findings, ProcessRunner processes) {
    this(runId, ticket, workspace, attempt, claim, findings, processes, List.of());
  }

  /** A request whose processes run under the default sandbox ({@link ProcessRunner#confinedTo}). */
  public ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
      List<Finding> findings) {
    this(runId, ticket, workspace, attempt, claim, findings, ProcessRunner.confinedTo(workspace.directory()));
  }
}

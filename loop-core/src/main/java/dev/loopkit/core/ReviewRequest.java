package dev.loopkit.core;

import dev.loopkit.core.process.ProcessRunner;
import java.util.List;

/**
 * What a reviewer sees: the ticket, the workspace with the change, the worker's claim and the findings of
 * earlier attempts. Everything in it came from, or was shaped by, an untrusted worker: treat it as data.
 *
 * @param processes how to start processes on the workspace (a {@code git diff}): confined by the engine's
 *     sandbox, since the workspace's own git settings are the worker's
 */
public record ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
    List<Finding> findings, ProcessRunner processes) {
  public ReviewRequest {
    findings = List.copyOf(findings);
  }

  /** A request whose processes run under the default sandbox ({@link ProcessRunner#confinedTo}). */
  public ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
      List<Finding> findings) {
    this(runId, ticket, workspace, attempt, claim, findings, ProcessRunner.confinedTo(workspace.directory()));
  }
}

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
  /**
   * Copies the lists.
   *
   * @param runId the run's id
   * @param ticket the ticket as it was when the attempt started
   * @param workspace the workspace holding the worker's change
   * @param attempt the attempt's number on the ticket, from 1
   * @param claim what the worker said it did
   * @param findings what earlier attempts and reviews found, oldest first
   * @param processes how to start processes on the workspace, confined by the engine's sandbox
   * @param filed the tickets this attempt filed as discovered work
   */
  public ReviewRequest {
    findings = List.copyOf(findings);
    filed = List.copyOf(filed);
  }

  /**
   * A request for an attempt that filed nothing.
   *
   * @param runId the run's id
   * @param ticket the ticket as it was when the attempt started
   * @param workspace the workspace holding the worker's change
   * @param attempt the attempt's number on the ticket, from 1
   * @param claim what the worker said it did
   * @param findings what earlier attempts and reviews found, oldest first
   * @param processes how to start processes on the workspace, confined by the engine's sandbox
   */
  public ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
      List<Finding> findings, ProcessRunner processes) {
    this(runId, ticket, workspace, attempt, claim, findings, processes, List.of());
  }

  /**
   * A request whose processes run under the default sandbox ({@link ProcessRunner#confinedTo}).
   *
   * @param runId the run's id
   * @param ticket the ticket as it was when the attempt started
   * @param workspace the workspace holding the worker's change
   * @param attempt the attempt's number on the ticket, from 1
   * @param claim what the worker said it did
   * @param findings what earlier attempts and reviews found, oldest first
   */
  public ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
      List<Finding> findings) {
    this(runId, ticket, workspace, attempt, claim, findings, ProcessRunner.confinedTo(workspace.directory()));
  }
}

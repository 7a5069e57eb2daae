package dev.loopkit.core;

import dev.loopkit.core.process.ProcessRunner;

/**
 * Asks a {@link Verifier} whether one attempt on one ticket reached its finish line.
 *
 * @param runId the run
 * @param ticket the ticket as it was when the attempt started
 * @param workspace what to verify
 * @param attempt the attempt's number
 * @param processes how to start processes (the verifier's commands, the code under test): confined by the
 *     engine's sandbox to the workspace
 */
public record VerifyRequest(String runId, Ticket ticket, Workspace workspace, int attempt, ProcessRunner processes) {

  /**
   * A request whose processes run under the default sandbox ({@link ProcessRunner#confinedTo}).
   *
   * @param runId the run
   * @param ticket the ticket as it was when the attempt started
   * @param workspace what to verify
   * @param attempt the attempt's number
   */
  public VerifyRequest(String runId, Ticket ticket, Workspace workspace, int attempt) {
    this(runId, ticket, workspace, attempt, ProcessRunner.confinedTo(workspace.directory()));
  }
}

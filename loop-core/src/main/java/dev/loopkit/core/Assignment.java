package dev.loopkit.core;

import dev.loopkit.core.process.ProcessRunner;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a fresh worker gets for one attempt on one ticket. Workers start with an empty context: what
 * earlier attempts learned arrives here as {@link #findings()} and on the ticket's comments.
 *
 * @param runId the run this attempt belongs to
 * @param ticket the ticket as the tracker holds it now
 * @param workspace where to work
 * @param attempt 1 for the first attempt on this ticket in this run, then 2, 3, ...
 * @param findings what earlier attempts and reviews found, oldest first
 * @param budget what is left of the run's caps
 * @param discoveries where to file discovered work
 * @param runDirectory the run's directory, for the harness's transcripts and other artifacts (never hand it to
 *     a process: it holds the journal)
 * @param processes how to start processes for this attempt: confined by the engine's sandbox to the workspace
 */
public record Assignment(String runId, Ticket ticket, Workspace workspace, int attempt, List<Finding> findings,
    Budget budget, DiscoverySink discoveries, Path runDirectory, ProcessRunner processes) {
  /**
   * Copies the findings.
   *
   * @param runId the run this attempt belongs to
   * @param ticket the ticket as the tracker holds it now
   * @param workspace where to work
   * @param attempt 1 for the first attempt on this ticket in this run, then 2, 3, ...
   * @param findings what earlier attempts and reviews found, oldest first
   * @param budget what is left of the run's caps
   * @param discoveries where to file discovered work
   * @param runDirectory the run's directory, for the harness's transcripts and other artifacts (never hand it to
   *     a process: it holds the journal)
   * @param processes how to start processes for this attempt: confined by the engine's sandbox to the workspace
   */
  public Assignment {
    findings = List.copyOf(findings);
  }

  /**
   * An assignment whose processes run under the default sandbox ({@link ProcessRunner#confinedTo}).
   *
   * @param runId the run this attempt belongs to
   * @param ticket the ticket as the tracker holds it now
   * @param workspace where to work
   * @param attempt 1 for the first attempt on this ticket in this run, then 2, 3, ...
   * @param findings what earlier attempts and reviews found, oldest first
   * @param budget what is left of the run's caps
   * @param discoveries where to file discovered work
   * @param runDirectory the run's directory, for the harness's transcripts and other artifacts (never hand it to
   *     a process: it holds the journal)
   */
  public Assignment(String runId, Ticket ticket, Workspace workspace, int attempt, List<Finding> findings,
      Budget budget, DiscoverySink discoveries, Path runDirectory) {
    this(runId, ticket, workspace, attempt, findings, budget, discoveries, runDirectory,
        ProcessRunner.confinedTo(workspace.directory()));
  }
}

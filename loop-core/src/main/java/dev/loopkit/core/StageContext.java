package dev.loopkit.core;

import dev.loopkit.core.process.ProcessRunner;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Stage} gets: the ticket, the attempt, its workspace, what earlier attempts found, what the
 * worker claimed (after the work stage) and the evidence earlier stages of this attempt gathered. Built by the
 * engine; immutable.
 */
public final class StageContext {
  private final String runId;
  private final Ticket ticket;
  private final int attempt;
  private final Workspace workspace;
  private final List<Finding> findings;
  private final Budget budget;
  private final DiscoverySink discoveries;
  private final Path runDirectory;
  private final String claim;
  private final List<Evidence> evidence;
  private final ProcessRunner processes;
  private final List<Ticket> filed;

  StageContext(String runId, Ticket ticket, int attempt, Workspace workspace, List<Finding> findings,
      Budget budget, DiscoverySink discoveries, Path runDirectory, String claim, List<Evidence> evidence,
      ProcessRunner processes) {
    this(runId, ticket, attempt, workspace, findings, budget, discoveries, runDirectory, claim, evidence, processes,
        List.of());
  }

  StageContext(String runId, Ticket ticket, int attempt, Workspace workspace, List<Finding> findings,
      Budget budget, DiscoverySink discoveries, Path runDirectory, String claim, List<Evidence> evidence,
      ProcessRunner processes, List<Ticket> filed) {
    this.runId = runId;
    this.ticket = ticket;
    this.attempt = attempt;
    this.workspace = workspace;
    this.findings = List.copyOf(findings);
    this.budget = budget;
    this.discoveries = discoveries;
    this.runDirectory = runDirectory;
    this.claim = claim;
    this.evidence = List.copyOf(evidence);
    this.processes = processes;
    this.filed = filed; // the attempt's live (synchronized) list: tickets filed so far
  }

  StageContext after(String newClaim, List<Evidence> gathered) {
    return new StageContext(runId, ticket, attempt, workspace, findings, budget, discoveries, runDirectory,
        newClaim, gathered, processes, filed);
  }

  /** The same attempt, working on another workspace from here on (a candidate to verify). */
  StageContext on(Workspace other, ProcessRunner otherProcesses) {
    return new StageContext(runId, ticket, attempt, other, findings, budget, discoveries, runDirectory, claim,
        evidence, otherProcesses, filed);
  }

  /** {@return the run this attempt belongs to} */
  public String runId() {
    return runId;
  }

  /** {@return the ticket as it was when the attempt started} */
  public Ticket ticket() {
    return ticket;
  }

  /**
   * 1 for the first attempt on this ticket in this run, then 2, 3, ...
   *
   * @return the attempt's number
   */
  public int attempt() {
    return attempt;
  }

  /** {@return where the attempt works: its own workspace, or from integration on a candidate's checkout} */
  public Workspace workspace() {
    return workspace;
  }

  /** {@return what earlier attempts and reviews found, oldest first} */
  public List<Finding> findings() {
    return findings;
  }

  /** {@return what is left of the run's caps} */
  public Budget budget() {
    return budget;
  }

  /** {@return where to file discovered work (see {@link DiscoverySink})} */
  public DiscoverySink discoveries() {
    return discoveries;
  }

  /** {@return the run's directory, for transcripts and other artifacts} */
  public Path runDirectory() {
    return runDirectory;
  }

  /** {@return what the worker said it did; empty before the work stage has passed} */
  public String claim() {
    return claim;
  }

  /** {@return the evidence of the stages of this attempt that passed so far, in order} */
  public List<Evidence> evidence() {
    return evidence;
  }

  /**
   * How to start processes for this attempt: every one runs confined by the engine's sandbox to this
   * ticket's workspace, and nothing it starts outlives the call.
   *
   * @return the runner
   */
  public ProcessRunner processes() {
    return processes;
  }

  /** {@return the tickets this attempt has filed as discovered work so far, as the tracker answered the filing} */
  public List<Ticket> filed() {
    synchronized (filed) {
      return List.copyOf(filed);
    }
  }

  /** {@return the assignment a worker gets for this attempt} */
  public Assignment assignment() {
    return new Assignment(runId, ticket, workspace, attempt, findings, budget, discoveries, runDirectory,
        processes);
  }

  /** {@return the request a verifier gets for this attempt} */
  public VerifyRequest verifyRequest() {
    return new VerifyRequest(runId, ticket, workspace, attempt, processes);
  }
}

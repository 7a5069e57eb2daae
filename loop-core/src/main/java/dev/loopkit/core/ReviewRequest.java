package dev.loopkit.core;

import java.util.List;

/**
 * What a reviewer sees: the ticket, the workspace with the change, the worker's claim and the findings of
 * earlier attempts.
 */
public record ReviewRequest(String runId, Ticket ticket, Workspace workspace, int attempt, String claim,
    List<Finding> findings) {
  public ReviewRequest {
    findings = List.copyOf(findings);
  }
}

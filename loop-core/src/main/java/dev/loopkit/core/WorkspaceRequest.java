package dev.loopkit.core;

/** Asks {@link Workspaces} for the workspace of one attempt on one ticket. */
public record WorkspaceRequest(String runId, Ticket ticket, int attempt) {}

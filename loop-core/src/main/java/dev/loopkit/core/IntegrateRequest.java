package dev.loopkit.core;

/** Asks an {@link Integrator} to bring one attempt's change into the integration branch. */
public record IntegrateRequest(String runId, Ticket ticket, Workspace workspace, int attempt) {}

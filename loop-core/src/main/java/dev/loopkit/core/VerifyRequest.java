package dev.loopkit.core;

/** What a verifier checks: a ticket's finish line, live, in the attempt's workspace. */
public record VerifyRequest(String runId, Ticket ticket, Workspace workspace, int attempt) {}

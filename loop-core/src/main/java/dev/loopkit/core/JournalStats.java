package dev.loopkit.core;

/**
 * What one session of a run cost its journal: events appended, bytes written and syncs to disk (fsyncs).
 * Events produced together are synced together, so {@code syncs} is usually far below {@code events}.
 */
public record JournalStats(long events, long bytes, long syncs) {}

package dev.loopkit.core;

import java.nio.file.Path;

/**
 * What {@link LoopEngine#run()} returns: the run's id and directory, why it ended, its report, and what this
 * session cost the journal.
 */
public record RunResult(String runId, Path runDirectory, RunEnding ending, RunReport report,
    JournalStats journal) {}

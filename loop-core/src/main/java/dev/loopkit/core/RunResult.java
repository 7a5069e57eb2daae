package dev.loopkit.core;

import java.nio.file.Path;

/** What {@link LoopEngine#run()} returns: the run's id and directory, why it ended, and its report. */
public record RunResult(String runId, Path runDirectory, RunEnding ending, RunReport report) {}

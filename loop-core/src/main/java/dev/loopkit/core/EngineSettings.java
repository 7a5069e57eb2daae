package dev.loopkit.core;

import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The engine's immutable configuration, as validated by {@link LoopEngine.Builder}. */
record EngineSettings(Tracker tracker, Oracle oracle, ReadySet readySet, Workspaces workspaces, Worker worker,
    @Nullable Reviewer reviewer, @Nullable Integrator integrator, Verifier verifier, List<Stages.Added> stages,
    Caps caps, Clock clock, Sleeper sleeper, List<LoopListener> listeners, Tripwire tripwire, @Nullable Healer healer,
    int healAfterConsecutiveFailures, int maxHeals, int revertHealAfterAttempts,
    dev.loopkit.core.process.Sandbox sandbox, java.time.Duration trackerCallTimeout,
    java.time.Duration oracleCallTimeout, List<java.nio.file.Path> earlierRuns) {}

package dev.loopkit.spring;

import dev.loopkit.core.LoopEngine;
import java.nio.file.Path;

/**
 * Builds the engine for one run directory. {@link LoopRuns} calls it on the thread that starts a run, once per
 * run, so a part that cannot be built fails that call, not the run's thread.
 *
 * <p>The starter's own factory assembles the stock parts and the host's beans (tracker, oracle, ready set,
 * workspaces, integrator, worker, reviewer, verifier, caps, sandbox, tripwire, every {@link
 * dev.loopkit.core.LoopListener} bean, then every {@link LoopEngineCustomizer}); define a bean of this type to
 * assemble the engine yourself while keeping {@link LoopRuns}, graceful shutdown and the Actuator parts.
 */
@FunctionalInterface
public interface LoopEngineFactory {
  /**
   * The engine for one run.
   *
   * @param runDirectory the run's directory ({@code loop.runs.directory}/run-NNN); may not exist yet
   * @return an engine whose {@link LoopEngine#run()} runs or resumes that directory's run
   */
  LoopEngine engine(Path runDirectory);
}

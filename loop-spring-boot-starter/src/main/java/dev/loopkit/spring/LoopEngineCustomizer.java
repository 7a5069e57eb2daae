package dev.loopkit.spring;

import dev.loopkit.core.LoopEngine;

/**
 * A host's last word on each engine the starter's {@link LoopEngineFactory} builds: add a stage, an executor, a
 * clock, a healer. Every bean of this type is applied, in {@code @Order}, after the stock parts and listeners
 * are set and before {@link LoopEngine.Builder#build()}; called on the thread that starts the run.
 *
 * <pre>{@code
 * @Bean
 * LoopEngineCustomizer smokeStage() {
 *   return engine -> engine.stageAfter(StageKind.VERIFY, "smoke", new SmokeStage());
 * }
 * }</pre>
 */
@FunctionalInterface
public interface LoopEngineCustomizer {
  /**
   * Changes the builder of one run's engine.
   *
   * @param engine the builder, with the parts set
   */
  void customize(LoopEngine.Builder engine);
}

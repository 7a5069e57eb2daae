package dev.loopkit.spring;

import dev.loopkit.micrometer.LoopMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * loop-micrometer's {@link LoopMetrics} as a listener of every run, when loop-micrometer is on the classpath and
 * the context has a {@link MeterRegistry} (Spring Boot Actuator's, on Boot 4 or 3); off with
 * {@code loop.metrics.enabled: false}.
 */
@AutoConfiguration(after = LoopAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({LoopMetrics.class, MeterRegistry.class})
@ConditionalOnBean({MeterRegistry.class, LoopRuns.class})
@ConditionalOnProperty(prefix = "loop.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LoopMetricsAutoConfiguration {
  /** Created by Spring Boot's auto-configuration. */
  public LoopMetricsAutoConfiguration() {}

  /**
   * The meters, tagged {@code run=<loop.metrics.run-name>}.
   *
   * @param registry the application's registry
   * @param properties the {@code loop.*} keys
   * @return the listener
   */
  @Bean
  @ConditionalOnMissingBean
  public LoopMetrics loopMetrics(MeterRegistry registry, LoopProperties properties) {
    LoopProperties.Metrics m = properties.getMetrics();
    try {
      return LoopMetrics.builder(registry).runName(m.getRunName()).checkStages(m.getCheckStages()).build();
    } catch (dev.loopkit.core.InputException e) {
      throw new dev.loopkit.core.InputException("loop.metrics.run-name '" + m.getRunName()
          + "' or loop.metrics.check-stages " + m.getCheckStages() + ": " + e.getMessage(), e);
    }
  }
}

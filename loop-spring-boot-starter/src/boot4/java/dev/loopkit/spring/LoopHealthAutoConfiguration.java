package dev.loopkit.spring;

import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code loop} health indicator ({@link LoopHealthIndicator}), when Spring Boot 4's health API is on the
 * classpath and {@code management.health.loop.enabled} is not false.
 */
@AutoConfiguration(after = LoopAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(LoopRuns.class)
@ConditionalOnEnabledHealthIndicator("loop")
public class LoopHealthAutoConfiguration {
  /** Created by Spring Boot's auto-configuration. */
  public LoopHealthAutoConfiguration() {}

  /**
   * The health of the newest run.
   *
   * @param runs the application's runs
   * @return the indicator, named {@code loop} in the health endpoint
   */
  @Bean
  @ConditionalOnMissingBean(name = "loopHealthIndicator")
  public LoopHealthIndicator loopHealthIndicator(LoopRuns runs) {
    return new LoopHealthIndicator(runs);
  }
}

package dev.loopkit.spring;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator's {@code loop} endpoint ({@link LoopEndpoint}), when Actuator is on the classpath and the endpoint is
 * available (exposed, e.g. {@code management.endpoints.web.exposure.include: health,loop}).
 */
@AutoConfiguration(after = LoopAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(LoopRuns.class)
public class LoopEndpointAutoConfiguration {
  /** Created by Spring Boot's auto-configuration. */
  public LoopEndpointAutoConfiguration() {}

  /**
   * The endpoint.
   *
   * @param runs the application's runs
   * @return the {@code loop} endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  public LoopEndpoint loopEndpoint(LoopRuns runs) {
    return new LoopEndpoint(runs);
  }
}

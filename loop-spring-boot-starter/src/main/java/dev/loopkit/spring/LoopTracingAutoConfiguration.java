package dev.loopkit.spring;

import dev.loopkit.opentelemetry.LoopTracing;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * loop-opentelemetry's {@link LoopTracing} as a listener of every run, when loop-opentelemetry is on the
 * classpath and the context has an {@link OpenTelemetry} bean (Spring Boot's OpenTelemetry support, or the
 * application's own SDK); off with {@code loop.tracing.enabled: false}.
 */
@AutoConfiguration(after = LoopAutoConfiguration.class, afterName = {
    "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration"})
@ConditionalOnClass({LoopTracing.class, OpenTelemetry.class})
@ConditionalOnBean({OpenTelemetry.class, LoopRuns.class})
@ConditionalOnProperty(prefix = "loop.tracing", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LoopTracingAutoConfiguration {
  /** Created by Spring Boot's auto-configuration. */
  public LoopTracingAutoConfiguration() {}

  /**
   * The spans: one per run session, attempt and stage.
   *
   * @param openTelemetry the application's OpenTelemetry
   * @param properties the {@code loop.*} keys
   * @return the listener
   */
  @Bean
  @ConditionalOnMissingBean
  public LoopTracing loopTracing(OpenTelemetry openTelemetry, LoopProperties properties) {
    return LoopTracing.builder(openTelemetry).stageAttributes(properties.getTracing().isStageAttributes()).build();
  }
}

package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.FatalAdapterException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.micrometer.LoopMetrics;
import dev.loopkit.opentelemetry.LoopTracing;
import dev.loopkit.testing.InMemoryTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The conditional parts: the {@code loop} endpoint and health indicator with Actuator, {@link LoopMetrics} with
 * loop-micrometer and a registry, {@link LoopTracing} with loop-opentelemetry and an {@code OpenTelemetry}; each
 * absent without its classes, its bean or its switch. Then what the health indicator and the endpoint say about
 * real run directories that ended DONE, FAILED and TAMPERED, or were left unfinished.
 */
class LoopActuatorTest {
  @TempDir
  Path tmp;

  private ApplicationContextRunner runner() {
    TestProject project = TestProject.create(tmp).ticket("SB-1", "one", null);
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LoopAutoConfiguration.class, LoopEndpointAutoConfiguration.class,
            LoopHealthAutoConfiguration.class, LoopMetricsAutoConfiguration.class,
            LoopTracingAutoConfiguration.class))
        .withPropertyValues(project.pairs());
  }

  /** The package of the health API this build compiles against (Boot 4's or Boot 3's). */
  private static String healthPackage() {
    return LoopHealthIndicator.class.getInterfaces()[0].getPackageName();
  }

  @Test
  void theEndpointIsThereWhenExposed() {
    runner().withPropertyValues("management.endpoints.web.exposure.include=health,loop")
        .run(context -> assertThat(context).hasSingleBean(LoopEndpoint.class));
  }

  @Test
  void theEndpointIsAbsentWhenNotExposed() {
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopEndpoint.class));
  }

  @Test
  void theEndpointIsAbsentWithoutActuator() {
    runner().withPropertyValues("management.endpoints.web.exposure.include=loop")
        .withClassLoader(new FilteredClassLoader(Endpoint.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopEndpoint.class));
  }

  @Test
  void theHealthIndicatorIsThereByDefault() {
    runner().run(context -> assertThat(context).hasSingleBean(LoopHealthIndicator.class));
  }

  @Test
  void theHealthIndicatorIsOffWithItsSwitch() {
    runner().withPropertyValues("management.health.loop.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopHealthIndicator.class));
  }

  @Test
  void theHealthIndicatorIsAbsentWithoutTheHealthApi() {
    runner().withClassLoader(new FilteredClassLoader(healthPackage()))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopHealthIndicator.class));
  }

  @Test
  void metricsListenWhenARegistryIsThere() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
      assertThat(context).hasSingleBean(LoopMetrics.class);
      // registered by build(): the gauges carry the run tag of loop.metrics.run-name
      assertThat(context.getBean(MeterRegistry.class).find("loop.attempts.active").tag("run", "loop").gauge())
          .isNotNull();
    });
  }

  @Test
  void metricsAreAbsentWithoutARegistry() {
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopMetrics.class));
  }

  @Test
  void metricsAreAbsentWithoutLoopMicrometer() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withClassLoader(new FilteredClassLoader(LoopMetrics.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("loopMetrics"));
  }

  @Test
  void metricsAreOffWithTheirSwitch() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("loop.metrics.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopMetrics.class));
  }

  @Test
  void aBadMetricsRunNameNamesTheKey() {
    runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("loop.metrics.run-name= ")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining("loop.metrics.run-name ''");
        });
  }

  @Test
  void tracingListensWhenAnOpenTelemetryIsThere() {
    runner().withBean(OpenTelemetry.class, () -> OpenTelemetrySdk.builder().build())
        .run(context -> assertThat(context).hasSingleBean(LoopTracing.class));
  }

  @Test
  void tracingIsAbsentWithoutAnOpenTelemetry() {
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopTracing.class));
  }

  @Test
  void tracingIsAbsentWithoutLoopOpenTelemetry() {
    runner().withBean(OpenTelemetry.class, () -> OpenTelemetrySdk.builder().build())
        .withClassLoader(new FilteredClassLoader(LoopTracing.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("loopTracing"));
  }

  @Test
  void tracingIsOffWithItsSwitch() {
    runner().withBean(OpenTelemetry.class, () -> OpenTelemetrySdk.builder().build())
        .withPropertyValues("loop.tracing.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LoopTracing.class));
  }

  // --- what the health indicator and the endpoint read from real run directories

  private final InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("T-1").title("one").build());

  private LoopEngine.Builder engine(Path dir) {
    return LoopEngine.builder().tracker(tracker).sandbox(Sandbox.none()).runDirectory(dir)
        .worker(a -> WorkResult.completed("done", Usage.ZERO))
        .verifier(r -> Verification.passed(Evidence.of("check", "seen")));
  }

  @Test
  void noRunYetIsUp() {
    var health = new LoopHealthIndicator(new LoopRuns(tmp.resolve("runs"), d -> engine(d).build())).health();
    assertThat(health.getStatus().getCode()).isEqualTo("UP");
    assertThat(health.getDetails()).containsEntry("runs", 0);
  }

  @Test
  void aDoneRunIsUpWithItsTickets() throws Exception {
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d).build());
    assertThat(runs.start().await().ending().kind()).isEqualTo(RunEnding.Kind.DONE);
    var health = new LoopHealthIndicator(runs).health();
    assertThat(health.getStatus().getCode()).isEqualTo("UP");
    assertThat(health.getDetails()).containsEntry("run", "run-001").containsEntry("state", "DONE")
        .containsEntry("tickets", 1).containsEntry("done", 1L).containsEntry("interventions", 0);
    LoopEndpoint.Runs listed = new LoopEndpoint(runs).runs();
    assertThat(listed.active()).isNull();
    assertThat(listed.runs()).singleElement().satisfies(r -> {
      assertThat(r.runId()).isEqualTo("run-001");
      assertThat(r.state()).isEqualTo("DONE");
      assertThat(r.done()).isEqualTo(1);
      assertThat(r.attempts()).isEqualTo(1);
    });
  }

  @Test
  void aFailedRunIsDownWithItsEnding() throws Exception {
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d).worker(a -> {
      throw new FatalAdapterException("the worker's backend is gone", null);
    }).build());
    RunEnding ending = runs.start().await().ending();
    assertThat(ending.kind()).isEqualTo(RunEnding.Kind.FAILED);
    var health = new LoopHealthIndicator(runs).health();
    assertThat(health.getStatus().getCode()).isEqualTo("DOWN");
    assertThat(health.getDetails()).containsEntry("state", "FAILED");
    assertThat((String) health.getDetails().get("detail")).contains("the worker's backend is gone");
  }

  @Test
  void aTamperedRunIsOutOfService() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d)
        .tripwire(() -> Map.of("verify.sh", "sha256:" + (calls.incrementAndGet() < 2 ? "a" : "b"))).build());
    assertThat(runs.start().await().ending().kind()).isEqualTo(RunEnding.Kind.TAMPERED);
    var health = new LoopHealthIndicator(runs).health();
    assertThat(health.getStatus().getCode()).isEqualTo("OUT_OF_SERVICE");
    assertThat(health.getDetails()).containsEntry("state", "TAMPERED");
    assertThat((String) health.getDetails().get("detail")).contains("verify.sh");
  }

  @Test
  void anUnfinishedRunNotRunningHereIsUnknown() throws Exception {
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d).build());
    runs.start().await();
    // a run whose process died after it started: its journal holds the start and nothing after
    Path dead = Files.createDirectories(tmp.resolve("runs/run-002"));
    String first = Files.readAllLines(RunDirectory.of(tmp.resolve("runs/run-001")).journal()).get(0);
    Files.writeString(RunDirectory.of(dead).journal(), first + "\n");
    var health = new LoopHealthIndicator(runs).health();
    assertThat(health.getDetails()).containsEntry("run", "run-002");
    assertThat(health.getStatus().getCode()).isEqualTo("UNKNOWN");
    LoopEndpoint.RunDetail detail = new LoopEndpoint(runs).run("run-002");
    assertThat(detail).isNotNull();
    assertThat(detail.run().state()).isEqualTo(RunState.UNFINISHED);
    assertThat(new LoopEndpoint(runs).run("run-404")).isNull();
    assertThat(new LoopEndpoint(runs).run("../run-001")).isNull();
  }

  @Test
  void aRunWhoseJournalIsDamagedIsDownNamingTheJournal() throws Exception {
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d).build());
    runs.start().await();
    Path damaged = Files.createDirectories(tmp.resolve("runs/run-002"));
    java.util.List<String> lines = Files.readAllLines(RunDirectory.of(tmp.resolve("runs/run-001")).journal());
    Files.writeString(RunDirectory.of(damaged).journal(), lines.get(0) + "\n{not json\n" + lines.get(1) + "\n");
    var health = new LoopHealthIndicator(runs).health();
    assertThat(health.getStatus().getCode()).isEqualTo("DOWN");
    assertThat(health.getDetails()).containsEntry("run", "run-002").containsEntry("state", RunState.UNREADABLE);
    assertThat((String) health.getDetails().get("detail")).contains("run-002");
  }

  @Test
  void aRunInFlightIsUpAndListedAsActive() throws Exception {
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    LoopRuns runs = new LoopRuns(tmp.resolve("runs"), d -> engine(d).worker(a -> {
      started.countDown();
      new java.util.concurrent.CountDownLatch(1).await(); // until stopped
      return WorkResult.completed("never", Usage.ZERO);
    }).build());
    LoopRun run = runs.start();
    try {
      assertThat(started.await(1, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
      var health = new LoopHealthIndicator(runs).health();
      assertThat(health.getStatus().getCode()).isEqualTo("UP");
      assertThat(health.getDetails()).containsEntry("run", "run-001").containsEntry("state", RunState.RUNNING);
      LoopEndpoint.Runs listed = new LoopEndpoint(runs).runs();
      assertThat(listed.active()).isEqualTo("run-001");
      assertThat(listed.runs()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(RunState.RUNNING));
    } finally {
      run.stop();
      run.await();
    }
    assertThat(new LoopHealthIndicator(runs).health().getStatus().getCode()).isEqualTo("DOWN"); // stopped: FAILED
  }
}

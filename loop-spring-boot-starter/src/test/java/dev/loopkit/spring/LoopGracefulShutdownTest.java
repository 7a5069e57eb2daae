package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Closing the application stops the run in flight the way loop-core stops a run: the attempt (a real agent
 * process, sleeping in its bubblewrap sandbox) is interrupted, its ticket reopened, the run ends FAILED naming
 * the stop, and the next start of the application resumes it. The run is started by
 * {@code loop.runs.start-on-startup}.
 */
class LoopGracefulShutdownTest {
  @TempDir
  Path tmp;

  @Test
  void closingTheContextStopsTheRunAndReopensItsTicketInFlight() {
    TestProject project = TestProject.create(tmp).ticket("SB-1", "SLOW: takes its time", null);
    Map<String, Object> properties = new HashMap<>(project.properties());
    properties.put("loop.runs.start-on-startup", "true");
    properties.put("loop.runs.shutdown-timeout", "60s");

    LoopRun run;
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApplication.class)
        .web(WebApplicationType.NONE).properties(properties).run()) {
      LoopRuns runs = context.getBean(LoopRuns.class);
      run = runs.active().orElseThrow(() -> new AssertionError("no run was started on startup"));
      await().atMost(Duration.ofMinutes(2)).until(() -> project.status("SB-1").equals("in-progress"));
      assertThat(run.isFinished()).isFalse();
    } // close: the lifecycle stops the run before the context goes

    assertThat(run.isFinished()).isTrue();
    RunResult result = run.result().orElseThrow();
    assertThat(result.ending().kind()).isEqualTo(RunEnding.Kind.FAILED);
    assertThat(result.ending().describe()).contains("the host stopped the run");
    assertThat(project.status("SB-1")).isEqualTo("open");
    assertThat(result.report().interruptedAttempts()).isEqualTo(1);

    // the next start of the application resumes the stopped run rather than starting another
    properties.put("loop.runs.start-on-startup", "false");
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApplication.class)
        .web(WebApplicationType.NONE).properties(properties).run()) {
      LoopRuns runs = context.getBean(LoopRuns.class);
      assertThat(runs.runDirectories()).containsExactly(project.runs.resolve("run-001"));
      assertThat(RunState.latest(runs).orElseThrow().state()).isEqualTo("FAILED");
    }
  }
}

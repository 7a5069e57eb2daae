package dev.loopkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** What a person sees when the application will not start for a bad {@code loop.*} value: Boot's failure report. */
@ExtendWith(OutputCaptureExtension.class)
class LoopStartFailureTest {
  @TempDir
  Path tmp;

  @Test
  void aBadValueIsReportedAsTheReasonTheApplicationFailedToStart(CapturedOutput output) {
    Map<String, Object> properties = new HashMap<>(TestProject.create(tmp).properties());
    properties.put("loop.caps.concurrency", "0");
    assertThatThrownBy(() -> new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.NONE)
        .properties(properties).run().close()).hasStackTraceContaining("loop.caps.concurrency is 0");
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Loop's configuration was refused: loop.caps.concurrency is 0: maxConcurrency is 0: expected at"
            + " least 1")
        .contains("Change loop.caps.concurrency in the application's configuration");
  }
}

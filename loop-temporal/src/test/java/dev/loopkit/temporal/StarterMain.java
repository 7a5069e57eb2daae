package dev.loopkit.temporal;

import dev.loopkit.core.Caps;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.core.process.Sandbox;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A starter (coordinator) process for {@link SeveralMachinesTest}: {@code <target> <tracker folder> <run dir>
 * <host id>}. Runs no stages and no workflow tasks itself (it is killed, and the
 * standalone test server loses a task handed to a killed process's poll); exits 0 when the batch ends DONE, 2 otherwise.
 */
public final class StarterMain {
  private StarterMain() {}

  public static void main(String[] args) {
    WorkflowClient client = TemporalConnection.connect(args[0], "default", null);
    RunResult result = TemporalLoopEngine.builder(client).taskQueue("machines").hostId(args[3])
        .tracker(MarkdownTracker.open(Path.of(args[1]))).runDirectory(Path.of(args[2])).runId("batch-30")
        .caps(Caps.builder().maxConcurrency(4).maxAttemptsPerTicket(3).build())
        .stageHeartbeatTimeout(Duration.ofSeconds(2)).sessionHeartbeatTimeout(Duration.ofSeconds(2))
        .sandbox(Sandbox.none()).workflowCacheSize(0).pollsWorkflows(false).build().run();
    System.out.println("ended " + result.ending().describe());
    System.exit(result.ending() instanceof RunEnding.Done ? 0 : 2);
  }
}

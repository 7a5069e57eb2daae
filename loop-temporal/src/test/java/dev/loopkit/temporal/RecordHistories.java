package dev.loopkit.temporal;

import dev.loopkit.core.Caps;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.testing.InMemoryTracker;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Records the histories {@link ReplayTest} replays: {@code <output folder>}. Run it (with the test classpath) when
 * a workflow change is meant to be incompatible, and keep the old files too: they are what running workflows hold.
 * The batch files a discovered ticket (an update) and reviews nothing; one ticket fails once.
 */
public final class RecordHistories {
  private RecordHistories() {}

  public static void main(String[] args) throws Exception {
    Path out = Files.createDirectories(Path.of(args[0]));
    Path work = Files.createTempDirectory("loop-record");
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowClient client = env.getWorkflowClient();
      InMemoryTracker tracker = InMemoryTracker.of(Ticket.builder("A").title("a").build(),
          Ticket.builder("B").title("b").build());
      TemporalLoopEngine.builder(client).taskQueue("record").hostId("h1").tracker(tracker)
          .runDirectory(work.resolve("run")).workspaces(Workspaces.shared(work)).sandbox(Sandbox.none())
          .caps(Caps.builder().maxConcurrency(1).build())
          .worker(a -> {
            if (a.ticket().id().equals("A") && a.attempt() == 1) {
              a.discoveries().file(NewTicket.builder("follow-up").build(), false);
              return WorkResult.failed(java.util.List.of("first try fails"), Usage.ZERO);
            }
            return WorkResult.completed("ok", Usage.tokens(1, 1));
          })
          .verifier(r -> Verification.passed(Evidence.of("check", "passed")))
          .build().run();
      Files.writeString(out.resolve("batch.json"), client.fetchHistory("run").toJson(true));
      Files.writeString(out.resolve("attempt-failed.json"), client.fetchHistory("run/A/1").toJson(true));
      Files.writeString(out.resolve("attempt-done.json"), client.fetchHistory("run/A/2").toJson(true));
    }
  }
}

package dev.loopkit.temporal;

import dev.loopkit.core.RunResult;
import dev.loopkit.core.process.Sandbox;
import io.temporal.testing.TestWorkflowEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The engine contract against {@link TemporalLoopEngine} on the in-process Temporal test server (time skipping
 * on), with this process as coordinator and worker host: every stage crosses Temporal as an update and an
 * activity.
 */
class TemporalLoopEngineContractTest extends EngineContract {
  private TestWorkflowEnvironment env;

  @BeforeEach
  void startServer() {
    env = TestWorkflowEnvironment.newInstance();
  }

  @AfterEach
  void stopServer() {
    env.close();
  }

  @Override
  protected RunResult run(Setup s) {
    TemporalLoopEngine.Builder b = TemporalLoopEngine.builder(env.getWorkflowClient()).taskQueue("contract")
        .hostId("host-1").tracker(s.engineTracker()).worker(s.worker).verifier(s.verifier).clock(s.clock)
        .listener(s.events).runDirectory(s.runDirectory).workspaces(s.workspaces).caps(s.caps)
        .sandbox(Sandbox.none());
    if (s.oracle != null) {
      b.oracle(s.oracle);
    }
    if (s.tripwire != null) {
      b.tripwire(s.tripwire);
    }
    if (s.healer != null) {
      b.healer(s.healer);
    }
    if (s.trackerCallTimeout != null) {
      b.trackerCallTimeout(s.trackerCallTimeout);
    }
    b.earlierRuns(s.earlierRuns);
    return b.build().run();
  }
}

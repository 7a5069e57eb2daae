package dev.loopkit.temporal;

import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.process.Sandbox;

/** The engine contract against the core {@link LoopEngine}: the reference the Temporal engine must match. */
class LoopEngineContractTest extends EngineContract {
  @Override
  protected RunResult run(Setup s) {
    LoopEngine.Builder b = LoopEngine.builder().tracker(s.engineTracker()).worker(s.worker).verifier(s.verifier)
        .clock(s.clock).listener(s.events).runDirectory(s.runDirectory).workspaces(s.workspaces).caps(s.caps)
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

package dev.loopkit.testing;

import dev.loopkit.core.Tracker;

class InMemoryTrackerContractTest extends TrackerContract {
  @Override
  protected Tracker newTracker() {
    return new InMemoryTracker(new ManualClock());
  }

  @Override
  protected boolean removeFromBatch(String id) {
    return ((InMemoryTracker) tracker()).remove(id);
  }
}

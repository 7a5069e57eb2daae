package dev.loopkit.linear;

import dev.loopkit.core.Tracker;
import dev.loopkit.testing.TrackerContract;
import org.junit.jupiter.api.AfterEach;

/** The tracker contract against the fake Linear, each test on a workspace of its own. */
class LinearTrackerContractTest extends TrackerContract {
  static final String KEY = "lin_api_contractKeyNeverPrinted0123456789";
  private FakeLinear linear;

  @Override
  protected Tracker newTracker() throws Exception {
    linear = new FakeLinear(KEY);
    return linear.tracker(KEY).build();
  }

  /** An identifier of the tracker's team that the fresh workspace has no issue for, so Linear answers not found. */
  @Override
  protected String unknownId() {
    return "ENG-404404";
  }

  @AfterEach
  void stopLinear() throws Exception {
    linear.close();
  }
}

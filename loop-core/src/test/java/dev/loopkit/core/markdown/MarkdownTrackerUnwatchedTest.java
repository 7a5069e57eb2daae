package dev.loopkit.core.markdown;

/** Every incremental case again, on a tracker that lists its folder on every read (no change events). */
class MarkdownTrackerUnwatchedTest extends MarkdownTrackerIncrementalTest {
  @Override
  MarkdownTracker.Builder builder() {
    return super.builder().watchFolder(false);
  }
}

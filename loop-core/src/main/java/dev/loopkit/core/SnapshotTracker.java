package dev.loopkit.core;

import org.jspecify.annotations.Nullable;

/**
 * The tracker as the oracle sees it: every call goes straight through, and the batch the oracle read is kept
 * so the pass that follows plans on exactly what the oracle judged, without a second list call.
 */
final class SnapshotTracker extends ForwardingTracker {
  private volatile @Nullable Batch lastBatch;

  SnapshotTracker(Tracker delegate) {
    super(delegate);
  }

  /** The batch read through this view, if any. */
  @Nullable Batch lastBatch() {
    return lastBatch;
  }

  @Override
  public Batch readBatch() {
    Batch batch = delegate().readBatch();
    lastBatch = batch;
    return batch;
  }
}

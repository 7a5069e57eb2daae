package dev.loopkit.core;

/**
 * Receives every event of a run, after it is in the journal. Called on the engine's thread or a worker
 * thread, so implementations must be thread-safe and quick; an exception thrown here is logged and
 * otherwise ignored: a listener can never change the course of a run.
 */
@FunctionalInterface
public interface LoopListener {

  void onEvent(LoopEvent event);
}

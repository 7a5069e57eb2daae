package dev.loopkit.core;

/**
 * Receives every event of a run, in journal order, as it is appended. Called on the engine's thread only (the
 * thread in {@link LoopEngine#run()}; attempts hand their events over), so implementations must be quick, and
 * thread-safe only if other threads read what they record. The engine syncs the journal before it acts on any
 * event, so after a crash the journal may lack the last events a listener saw, never one the engine acted on.
 * An exception thrown here is logged and otherwise ignored: a listener can never change the course of a run.
 */
@FunctionalInterface
public interface LoopListener {

  /**
   * Receives one event.
   *
   * @param event the event just appended to the journal
   */
  void onEvent(LoopEvent event);
}

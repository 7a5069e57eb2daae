package dev.loopkit.temporal.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * Not API: the attempts a worker host has taken, at most {@code capacity}. A slot is taken when the host opens an
 * attempt's workspace and given back when it closes it, or when none of the attempt's stages has run here for
 * the idle time the caller gives (three stage heartbeat timeouts: its coordinator died between stages and will
 * never close it; a coordinator that waits longer between two stages, e.g. for the merge lock, may see the host
 * take one attempt more meanwhile). Thread-safe.
 */
final class Slots {
  private static final class Slot {
    int running;
    long lastSeen;
  }

  private final int capacity;
  private final Map<String, Slot> slots = new HashMap<>();

  Slots(int capacity) {
    this.capacity = capacity;
  }

  /** Takes a slot for the attempt, first dropping slots idle for {@code idleMillis}; false when the host is full. */
  synchronized boolean take(String attempt, long now, long idleMillis) {
    slots.values().removeIf(s -> s.running == 0 && now - s.lastSeen > idleMillis);
    if (!slots.containsKey(attempt) && slots.size() >= capacity) {
      return false;
    }
    slots.computeIfAbsent(attempt, k -> new Slot()).lastSeen = now;
    return true;
  }

  /** A stage of the attempt starts here. */
  synchronized void enter(String attempt, long now) {
    Slot s = slots.computeIfAbsent(attempt, k -> new Slot());
    s.running++;
    s.lastSeen = now;
  }

  /** A stage of the attempt ended here. */
  synchronized void exit(String attempt, long now) {
    Slot s = slots.get(attempt);
    if (s != null) {
      s.running = Math.max(0, s.running - 1);
      s.lastSeen = now;
    }
  }

  /** The attempt is over here. */
  synchronized void release(String attempt) {
    slots.remove(attempt);
  }
}

package dev.loopkit.testing;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.LoopListener;
import java.util.ArrayList;
import java.util.List;

/** A thread-safe {@link LoopListener} that keeps every event, for assertions. */
public final class RecordingListener implements LoopListener {
  private final List<LoopEvent> events = new ArrayList<>();

  @Override
  public synchronized void onEvent(LoopEvent event) {
    events.add(event);
  }

  /**
   * Every event received, in order.
   *
   * @return an unmodifiable copy; empty before the first event
   */
  public synchronized List<LoopEvent> events() {
    return List.copyOf(events);
  }

  /**
   * The events of one type, in order.
   *
   * @param <E> the event type
   * @param type the event class, e.g. {@code LoopEvent.RunEnded.class}; subtypes count too
   * @return a fresh list of the matching events; empty when there are none
   */
  public synchronized <E extends LoopEvent> List<E> events(Class<E> type) {
    List<E> out = new ArrayList<>();
    for (LoopEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }
}

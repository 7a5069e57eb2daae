package dev.loopkit.llm;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives a streamed response as it arrives. Called on the thread that called
 * {@link ModelClient#stream}, in arrival order; it should return quickly. An exception it throws aborts the
 * stream and propagates to the caller.
 */
@FunctionalInterface
public interface StreamListener {

  /**
   * Receives one event.
   *
   * @param event the event
   */
  void onEvent(StreamEvent event);

  /**
   * A listener that ignores every event.
   *
   * @return the listener
   */
  static StreamListener ignoring() {
    return event -> { };
  }

  /**
   * A listener that passes each text delta to {@code onText} and ignores the other events.
   *
   * @param onText receives each text delta's text
   * @return the listener
   */
  static StreamListener onText(Consumer<String> onText) {
    Objects.requireNonNull(onText, "onText");
    return event -> {
      if (event instanceof StreamEvent.TextDelta) {
        onText.accept(((StreamEvent.TextDelta) event).text());
      }
    };
  }
}

package dev.loopkit.temporal.internal;

import dev.loopkit.core.DiscoverySink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** Not API: the discovery sinks of the attempts this coordinator is running, by attempt workflow id. */
public final class LiveAttempts {
  private final Map<String, DiscoverySink> sinks = new ConcurrentHashMap<>();

  void register(String attemptId, DiscoverySink sink) {
    sinks.put(attemptId, sink);
  }

  void remove(String attemptId) {
    sinks.remove(attemptId);
  }

  @Nullable DiscoverySink sink(String attemptId) {
    return sinks.get(attemptId);
  }
}

package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Sleeper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;

/** Shared pieces of the HTTP client tests: canned responses, a recording sleeper, request parsing. */
final class WireFixtures {
  private WireFixtures() {}

  /** A sleeper that records each wait instead of sleeping. */
  static final class RecordingSleeper implements Sleeper {
    final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void sleep(Duration duration) {
      waits.add(duration);
    }
  }

  static RetryPolicy retries(RecordingSleeper sleeper, int maxRetries) {
    return RetryPolicy.builder().maxRetries(maxRetries).jitter(0).sleeper(sleeper).build();
  }

  static MockResponse json(int status, String body) {
    return new MockResponse().setResponseCode(status).setHeader("content-type", "application/json").setBody(body);
  }

  /** An SSE body from events given as "name", "data" pairs; a null name writes no event line. */
  static MockResponse sse(String body) {
    return new MockResponse().setResponseCode(200).setHeader("content-type", "text/event-stream")
        .setBody(body);
  }

  static JsonNode body(RecordedRequest request) throws IOException {
    return ModelJson.mapper().readTree(request.getBody().readUtf8());
  }

  static ModelRequest simpleRequest(String model) {
    return ModelRequest.builder().model(model).addMessage(Message.user("Hello")).build();
  }

  /** A listener that records every event. */
  static final class RecordingListener implements StreamListener {
    final List<StreamEvent> events = new ArrayList<>();

    @Override
    public void onEvent(StreamEvent event) {
      events.add(event);
    }

    String text() {
      StringBuilder sb = new StringBuilder();
      for (StreamEvent e : events) {
        if (e instanceof StreamEvent.TextDelta) {
          sb.append(((StreamEvent.TextDelta) e).text());
        }
      }
      return sb.toString();
    }

    <T extends StreamEvent> List<T> of(Class<T> type) {
      List<T> out = new ArrayList<>();
      for (StreamEvent e : events) {
        if (type.isInstance(e)) {
          out.add(type.cast(e));
        }
      }
      return out;
    }
  }
}

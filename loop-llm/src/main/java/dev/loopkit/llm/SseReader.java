package dev.loopkit.llm;

import java.io.IOException;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads server-sent events from a response body as they arrive, one event per {@link #next()} call. Follows
 * the SSE framing rules: LF or CRLF line ends, {@code event:} and {@code data:} fields (one leading space
 * dropped, several data lines joined with newlines), comment lines starting with {@code :} (keep-alives such
 * as {@code : OPENROUTER PROCESSING}) skipped, {@code id:} and {@code retry:} ignored, an event dispatched at
 * a blank line or at the end of the body. An event the body ended inside (no blank line after it) is
 * {@linkplain Event#complete() incomplete}: the stream may have been cut in the middle of it.
 */
final class SseReader {

  /**
   * One event; {@code name} is empty when the server sent no {@code event:} line. {@code complete} is false
   * for an event the body ended inside, before the blank line that ends an event.
   */
  record Event(String name, String data, boolean complete) {}

  private final BufferedSource source;

  SseReader(BufferedSource source) {
    this.source = source;
  }

  /** The next event, or null at the end of the body. Blocks until an event is complete. */
  @Nullable Event next() throws IOException {
    String name = "";
    StringBuilder data = null;
    while (true) {
      String line = source.readUtf8Line();
      if (line == null) {
        return data != null ? new Event(name, data.toString(), false) : null;
      }
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(name, data.toString(), true);
        }
        name = "";
        continue;
      }
      if (line.charAt(0) == ':') {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      if (field.equals("event")) {
        name = value;
      } else if (field.equals("data")) {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
    }
  }
}

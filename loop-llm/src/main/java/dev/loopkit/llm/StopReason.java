package dev.loopkit.llm;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Why the model stopped. An open value: the known reasons are constants, and a value a vendor adds later is
 * kept as is by {@link #of(String)} rather than rejected. Values use Anthropic's spelling; the OpenAI client
 * maps {@code finish_reason} onto them ({@code stop} to {@link #END_TURN}, {@code length} to
 * {@link #MAX_TOKENS}, {@code tool_calls} to {@link #TOOL_USE}, {@code content_filter} to {@link #REFUSAL}).
 */
public final class StopReason {
  /** The model finished its turn. */
  public static final StopReason END_TURN = new StopReason("end_turn");
  /** The model called one or more tools and waits for their results. */
  public static final StopReason TOOL_USE = new StopReason("tool_use");
  /** The output hit the request's max tokens; the last block may be cut. */
  public static final StopReason MAX_TOKENS = new StopReason("max_tokens");
  /** The output hit one of the request's stop sequences. */
  public static final StopReason STOP_SEQUENCE = new StopReason("stop_sequence");
  /** A long turn was paused; send the response back as an assistant turn to continue it. */
  public static final StopReason PAUSE_TURN = new StopReason("pause_turn");
  /** The vendor's safety system stopped the output. */
  public static final StopReason REFUSAL = new StopReason("refusal");
  /** The conversation filled the model's context window. */
  public static final StopReason CONTEXT_WINDOW_EXCEEDED = new StopReason("model_context_window_exceeded");

  private static final Map<String, StopReason> KNOWN = Stream.of(END_TURN, TOOL_USE, MAX_TOKENS,
      STOP_SEQUENCE, PAUSE_TURN, REFUSAL, CONTEXT_WINDOW_EXCEEDED)
      .collect(Collectors.toUnmodifiableMap(StopReason::value, Function.identity()));

  private final String value;

  private StopReason(String value) {
    this.value = value;
  }

  /**
   * The constant for a known value, or a new value kept verbatim for an unknown one.
   *
   * @param value the vendor's string, such as {@code end_turn}
   * @return the stop reason
   */
  public static StopReason of(String value) {
    Objects.requireNonNull(value, "value");
    StopReason known = KNOWN.get(value);
    return known != null ? known : new StopReason(value);
  }

  /**
   * The vendor's string.
   *
   * @return the string as the vendor sent it
   */
  public String value() {
    return value;
  }

  /**
   * Whether this is one of the constants rather than a value a vendor added later.
   *
   * @return true for a known value
   */
  public boolean isKnown() {
    return KNOWN.containsKey(value);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof StopReason && ((StopReason) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}

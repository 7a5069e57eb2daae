package dev.loopkit.llm;

/**
 * One request to a model, one response. There is no tool loop inside: the caller (the agent loop) runs
 * the tool calls and sends the next request.
 *
 * <p>Implementations are thread-safe; one client may serve many workers at once. Calls block the calling
 * thread until the response is complete, including any retry waits. Failures are thrown as
 * {@link ModelException} with a {@link ModelException.Kind} that says whether trying again may help.
 *
 * <p>Implementations: {@link AnthropicClient}, {@link OpenAiClient} (also OpenRouter, Ollama, vLLM and
 * other compatible servers) and {@link ScriptedModelClient} for tests and offline runs.
 */
public interface ModelClient {

  /**
   * Sends the request and waits for the whole response.
   *
   * @param request the request
   * @return the whole response, with its usage
   * @throws ModelException when the vendor fails or refuses the call after any retries
   */
  ModelResponse send(ModelRequest request);

  /**
   * Sends the request, passes each delta to {@code listener} as it arrives, and returns the assembled
   * response, which equals what {@link #send} would have returned for the same answer.
   *
   * <p>The default implementation calls {@link #send} and then replays the finished blocks to the listener;
   * the vendor clients stream for real. A retry after a failed attempt replays nothing twice: deltas are
   * only delivered from the attempt that succeeds once it has started streaming.
   *
   * @param request the request
   * @param listener receives the deltas on the calling thread, in arrival order
   * @return the assembled response
   * @throws ModelException when the vendor fails, including an error event after the stream began
   */
  default ModelResponse stream(ModelRequest request, StreamListener listener) {
    ModelResponse response = send(request);
    StreamReplay.replay(response, listener, Integer.MAX_VALUE);
    return response;
  }

  /**
   * The vendor this client speaks to, lower case: {@code anthropic}, {@code openai}, {@code scripted}.
   *
   * @return the vendor's name
   */
  String vendor();
}

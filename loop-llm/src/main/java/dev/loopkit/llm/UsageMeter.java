package dev.loopkit.llm;

import dev.loopkit.core.Usage;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Sums usage and cost across every model round trip. Thread-safe: one meter is shared by every worker and
 * reviewer of a run. Either call {@link #record} after each response, or wrap a client with {@link #meter}
 * so that every response it returns is recorded.
 */
public final class UsageMeter {
  private final Map<String, Usage> byModel = new TreeMap<>();
  private Usage total = Usage.ZERO;
  private long roundTrips;

  /** An empty meter; thread-safe, so clients used from several threads may share it. */
  public UsageMeter() {}

  /**
   * Adds one round trip's usage.
   *
   * @param model the model that answered
   * @param usage the round trip's usage
   */
  public synchronized void record(String model, Usage usage) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(usage, "usage");
    total = total.plus(usage);
    byModel.merge(model, usage, Usage::plus);
    roundTrips++;
  }

  /**
   * Adds one response's usage under its model.
   *
   * @param response the response
   */
  public void record(ModelResponse response) {
    record(response.model(), response.usage());
  }

  /**
   * Everything recorded so far.
   *
   * @return the sum of every recorded usage; {@link Usage#ZERO} before the first
   */
  public synchronized Usage total() {
    return total;
  }

  /**
   * Usage per model id, sorted by id.
   *
   * @return an immutable copy, one entry per model id recorded
   */
  public synchronized Map<String, Usage> byModel() {
    return Map.copyOf(byModel);
  }

  /**
   * How many responses were recorded.
   *
   * @return 0 or more
   */
  public synchronized long roundTrips() {
    return roundTrips;
  }

  /**
   * A client that records every response {@code client} returns into this meter, then returns it.
   *
   * @param client the client to meter
   * @return a client of the same vendor that records into this meter
   */
  public ModelClient meter(ModelClient client) {
    Objects.requireNonNull(client, "client");
    UsageMeter meter = this;
    return new ModelClient() {
      @Override
      public ModelResponse send(ModelRequest request) {
        ModelResponse response = client.send(request);
        meter.record(response);
        return response;
      }

      @Override
      public ModelResponse stream(ModelRequest request, StreamListener listener) {
        ModelResponse response = client.stream(request, listener);
        meter.record(response);
        return response;
      }

      @Override
      public String vendor() {
        return client.vendor();
      }

      @Override
      public String toString() {
        return "metered " + client;
      }
    };
  }

  @Override
  public synchronized String toString() {
    return "UsageMeter{roundTrips=" + roundTrips + ", total=" + total + "}";
  }
}

package dev.loopkit.linear;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The two budgets Linear reported on its most recent response: requests and query complexity
 * ({@code x-ratelimit-requests-*} and {@code x-ratelimit-complexity-*} headers). Linear refills both
 * continuously (a leaky bucket); a reset is when the bucket would be full again.
 *
 * @param requestsLimit requests allowed in the window; -1 when not reported
 * @param requestsRemaining requests left; -1 when not reported
 * @param requestsReset when the request budget is full again; null when not reported
 * @param complexityLimit complexity points allowed in the window; -1 when not reported
 * @param complexityRemaining complexity points left; -1 when not reported
 * @param complexityReset when the complexity budget is full again; null when not reported
 * @param lastQueryComplexity the complexity Linear charged for the last query ({@code x-complexity}); -1 when
 *     not reported
 */
public record RateLimit(long requestsLimit, long requestsRemaining, @Nullable Instant requestsReset,
    long complexityLimit, long complexityRemaining, @Nullable Instant complexityReset, long lastQueryComplexity) {

  /**
   * Whether the request budget is spent.
   *
   * @return true if Linear reported a request limit and no requests remain; false when it reported none
   */
  public boolean requestsExhausted() {
    return requestsLimit >= 0 && requestsRemaining == 0;
  }

  /**
   * Whether the complexity budget is spent (or cannot pay for another query like the last one).
   *
   * @return true if Linear reported a complexity limit and what remains is zero or less than the last query
   *     cost; false when it reported none
   */
  public boolean complexityExhausted() {
    return complexityLimit >= 0 && (complexityRemaining <= 0
        || (lastQueryComplexity > 0 && complexityRemaining < lastQueryComplexity));
  }

  @Override
  public String toString() {
    return "requests " + requestsRemaining + "/" + requestsLimit + " (reset " + requestsReset + "), complexity "
        + complexityRemaining + "/" + complexityLimit + " (reset " + complexityReset + ")"
        + (lastQueryComplexity >= 0 ? ", last query " + lastQueryComplexity : "");
  }
}

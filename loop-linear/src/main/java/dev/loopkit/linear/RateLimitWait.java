package dev.loopkit.linear;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A wait the tracker is about to make because Linear rate-limited a request, reported to the listener given to
 * {@link LinearTracker.Builder#rateLimitListener} before the tracker sleeps, on the thread that made the request.
 *
 * @param at when the limit was met (the tracker's clock)
 * @param reason which signal set the wait
 * @param delay how long the tracker will wait before trying again
 * @param attempt the attempt of the request that was limited, from 1
 * @param operation the GraphQL operation that was limited, e.g. {@code LoopBatch}
 * @param budget the budgets Linear reported with the refusal; null when it sent no rate-limit headers
 */
public record RateLimitWait(Instant at, Reason reason, Duration delay, int attempt, String operation,
    @Nullable RateLimit budget) {

  /** The signal a wait follows, in the order the tracker consults them. */
  public enum Reason {
    /** The response carried {@code retry-after}. */
    RETRY_AFTER,
    /** {@code x-ratelimit-requests-remaining} was 0: wait for {@code x-ratelimit-requests-reset}. */
    REQUESTS_RESET,
    /** The complexity budget could not pay for the query: wait for {@code x-ratelimit-complexity-reset}. */
    COMPLEXITY_RESET,
    /** Rate-limited without a usable reset: the minimum wait, doubling on each repeat. */
    BACKOFF
  }
}

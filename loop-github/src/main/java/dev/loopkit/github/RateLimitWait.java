package dev.loopkit.github;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A wait the tracker is about to make because GitHub rate-limited a request, reported to a
 * {@link RateLimitListener} before the tracker sleeps.
 *
 * @param at when the limit was met (the tracker's clock)
 * @param reason which signal set the wait
 * @param delay how long the tracker will wait before trying again
 * @param attempt the attempt of the request that was limited, from 1
 * @param request the method and path that was limited, e.g. {@code GET /repos/acme/widgets/issues}
 * @param budget the budget GitHub reported with the refusal; null when it sent no rate-limit headers
 */
public record RateLimitWait(Instant at, Reason reason, Duration delay, int attempt, String request,
    @Nullable RateLimit budget) {

  /** The signal a wait follows, in the order GitHub documents them. */
  public enum Reason {
    /** The response carried {@code retry-after}. */
    RETRY_AFTER,
    /** {@code x-ratelimit-remaining} was 0: wait for {@code x-ratelimit-reset}. */
    PRIMARY_RESET,
    /** A secondary limit without {@code retry-after}: the minimum wait, doubling on each repeat. */
    SECONDARY
  }
}

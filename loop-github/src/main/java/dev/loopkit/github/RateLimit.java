package dev.loopkit.github;

import java.time.Instant;

/**
 * The rate-limit budget GitHub reported on its most recent response ({@code x-ratelimit-*} headers).
 *
 * @param limit requests allowed in the current window
 * @param remaining requests left in the window
 * @param used requests used in the window
 * @param reset when the window resets
 * @param resource the limit's pool, e.g. {@code core}
 */
public record RateLimit(long limit, long remaining, long used, Instant reset, String resource) {

  /**
   * Whether the primary limit is spent until {@link #reset()}.
   *
   * @return true if no requests remain in the window
   */
  public boolean exhausted() {
    return remaining <= 0;
  }

  @Override
  public String toString() {
    return resource + " " + remaining + "/" + limit + " left, resets " + reset;
  }
}

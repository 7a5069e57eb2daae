package dev.loopkit.github;

/**
 * Told of every rate-limit wait before the tracker sleeps, on the thread that made the request. Keep it quick;
 * an exception it throws is logged and ignored, so a listener never changes whether the request is retried.
 */
@FunctionalInterface
public interface RateLimitListener {

  /**
   * Called once per wait, before the tracker sleeps.
   *
   * @param wait how long the tracker will wait, and why
   */
  void onWait(RateLimitWait wait);

  /**
   * Ignores every wait.
   *
   * @return a listener that does nothing, the builder's default
   */
  static RateLimitListener none() {
    return wait -> {};
  }
}

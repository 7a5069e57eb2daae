package dev.loopkit.llm.tools;

import dev.loopkit.core.InputException;
import dev.loopkit.core.process.CommandEnvironment;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How {@code run_command} builds its {@link dev.loopkit.core.process.Command}s: the longest a command may run,
 * the bytes of output kept per stream, and the environment (an allow-list resolved against the host's
 * variables when each command starts). Where a command runs, and what it can see, is never part of it: that
 * comes from the {@link dev.loopkit.core.process.ProcessRunner} of the assignment.
 */
record CommandPolicy(Duration timeout, int outputCap, CommandEnvironment environment,
    Supplier<Map<String, String>> host) {

  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  static final int DEFAULT_OUTPUT_CAP = 100_000;

  static Duration checkTimeout(Duration timeout, String where) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new InputException("command timeout " + timeout + " passed to " + where + ": expected a positive"
          + " duration");
    }
    return timeout;
  }

  static int checkOutputCap(int bytes, String where) {
    if (bytes < 256) {
      throw new InputException("output cap " + bytes + " passed to " + where + ": expected at least 256 bytes");
    }
    return bytes;
  }
}

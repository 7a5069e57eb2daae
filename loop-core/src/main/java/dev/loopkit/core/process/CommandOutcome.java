package dev.loopkit.core.process;

import java.util.List;

/**
 * What a finished (or killed) child process left behind.
 *
 * @param command the argument vector that ran
 * @param exitCode the exit status; after a timeout, whatever the kill left (usually 137 on Linux)
 * @param timedOut whether the timeout ended the process (its whole tree was killed)
 * @param stdout standard output, cut in the middle to the output cap when longer
 * @param stderr standard error, cut the same way
 * @param truncated whether either stream was cut
 */
public record CommandOutcome(List<String> command, int exitCode, boolean timedOut, String stdout, String stderr,
    boolean truncated) {

  /**
   * Copies the command.
   *
   * @param command the argument vector that ran
   * @param exitCode the exit status; after a timeout, whatever the kill left (usually 137 on Linux)
   * @param timedOut whether the timeout ended the process (its whole tree was killed)
   * @param stdout standard output, cut in the middle to the output cap when longer
   * @param stderr standard error, cut the same way
   * @param truncated whether either stream was cut
   */
  public CommandOutcome {
    command = List.copyOf(command);
  }

  /**
   * Exited on its own with status 0.
   *
   * @return false after a timeout or a non-zero exit
   */
  public boolean succeeded() {
    return !timedOut && exitCode == 0;
  }

  /** {@return one line naming how it ended: {@code exit 0}, {@code exit 2} or {@code timed out}} */
  public String status() {
    return timedOut ? "timed out (process tree killed)" : "exit " + exitCode;
  }
}

package dev.loopkit.core;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The engine's request to undo an applied heal that brought no progress ({@link Healer#revert}).
 *
 * @param runId the run the heal was applied in
 * @param heal the heal's number in the run ({@link LoopEvent.HealAttempted#heal()})
 * @param reason why it is reverted, e.g. {@code no ticket done in 3 attempts since heal 1}
 * @param stateDirectory the directory the heal was applied with ({@link HealContext#stateDirectory()}), where a
 *     healer keeps what it needs to revert across sessions; null when the engine has none
 */
public record HealRevert(String runId, int heal, String reason, @Nullable Path stateDirectory) {
  /**
   * Checks the run id and reason.
   *
   * @param runId the run the heal was applied in
   * @param heal the heal's number in the run
   * @param reason why it is reverted
   * @param stateDirectory the directory the heal was applied with; null when the engine has none
   */
  public HealRevert {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(reason, "reason");
  }
}

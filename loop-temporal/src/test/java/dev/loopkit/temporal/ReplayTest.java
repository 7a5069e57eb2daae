package dev.loopkit.temporal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import dev.loopkit.temporal.internal.AttemptWorkflowImpl;
import dev.loopkit.temporal.internal.BatchWorkflowImpl;
import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Determinism: histories recorded from earlier workflow code (test resources, made by {@link RecordHistories})
 * replay on the current code. A change that breaks one needs {@code Workflow.getVersion}: the top-level files
 * predate the attempt's idle end ({@code AttemptWorkflowImpl.IDLE_END}), {@code v1/} was recorded with it, and
 * {@code v2/} also with the work stage's timeout from the wall clock ({@code AttemptWorkflowImpl.BUDGET_TIMEOUT}).
 */
class ReplayTest {
  @ParameterizedTest
  @ValueSource(strings = {"histories/batch.json", "histories/attempt-failed.json", "histories/attempt-done.json",
      "histories/v1/batch.json", "histories/v1/attempt-failed.json", "histories/v1/attempt-done.json",
      "histories/v2/batch.json", "histories/v2/attempt-failed.json", "histories/v2/attempt-done.json"})
  void aStoredHistoryReplaysOnTheCurrentWorkflowCode(String resource) {
    assertDoesNotThrow(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(resource,
        BatchWorkflowImpl.class, AttemptWorkflowImpl.class));
  }
}

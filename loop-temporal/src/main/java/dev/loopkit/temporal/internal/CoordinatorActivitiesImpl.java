package dev.loopkit.temporal.internal;

import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.InputException;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.temporal.BatchWorkflow;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Not API: a coordinator's activities. The session runs the core engine on the activity's thread under a
 * background heartbeat: if Temporal cancels the session (the batch workflow continued as new, or was cancelled)
 * the engine's thread is interrupted, the session ends as the core engine ends an interrupted run, and the next
 * session resumes from the journal.
 */
public final class CoordinatorActivitiesImpl implements CoordinatorActivities {
  private final Supplier<RunResult> session;
  private final LiveAttempts live;
  private final Map<String, RunResult> results;

  /**
   * @param session runs one session of the core engine on the calling thread
   * @param live the discovery sinks of attempts in flight here
   * @param results where each session's full result is left for the starter in this JVM, by run id
   */
  public CoordinatorActivitiesImpl(Supplier<RunResult> session, LiveAttempts live, Map<String, RunResult> results) {
    this.session = session;
    this.live = live;
    this.results = results;
  }

  @Override
  @SuppressWarnings("try") // the heartbeat runs for the block, never read
  public Wire.SessionOutcome session(Wire.BatchInput input) {
    RunResult result;
    try (Heartbeats beat = Heartbeats.start(Activity.getExecutionContext(), input.runId())) {
      try {
        result = session.get();
      } catch (InputException e) {
        String message = String.valueOf(e.getMessage());
        throw message.contains("is in use by another run")
            ? ApplicationFailure.newFailure(message, Failures.BUSY)
            : ApplicationFailure.newNonRetryableFailure(message, Failures.INPUT);
      }
    }
    results.put(input.runId(), result);
    return outcome(result.ending());
  }

  /**
   * The short form of an ending that crosses the workflow's history.
   *
   * @param ending how the run ended
   * @return the ending's kind, its description after the first {@code ": "} (all of it when there is none),
   *     and the cap when a cap ended it
   */
  public static Wire.SessionOutcome outcome(RunEnding ending) {
    String d = ending.describe();
    int colon = d.indexOf(": ");
    return new Wire.SessionOutcome(ending.kind().name(), colon < 0 ? d : d.substring(colon + 2),
        ending instanceof RunEnding.Capped c ? c.cap().name() : null);
  }

  @Override
  public Wire.TicketData fileDiscovered(Wire.Discovery discovery) {
    String id = Queues.attemptId(discovery.runId(), discovery.ticketId(), discovery.attempt());
    DiscoverySink sink = live.sink(id);
    if (sink == null) {
      throw ApplicationFailure.newNonRetryableFailure("attempt " + discovery.attempt() + " of "
          + discovery.ticketId() + " is not running on this coordinator any more: the discovery is dropped with it",
          Failures.INTERRUPTED);
    }
    try {
      Ticket filed = sink.file(Wire.draft(discovery.draft()), discovery.blocksCurrent());
      return Wire.ticket(filed);
    } catch (CapReachedException e) {
      throw ApplicationFailure.newNonRetryableFailure(String.valueOf(e.getMessage()), Failures.CAP, e.cap().name());
    } catch (RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getClass().getSimpleName() + ": " + e.getMessage(),
          Failures.STAGE_FAILED);
    }
  }

  @Override
  public String recordDecision(String runDirectory, BatchWorkflow.Decision decision) {
    try {
      RunDirectory.of(Path.of(runDirectory)).recordDecision(decision.ticketId(), Status.parse(decision.decision()),
          decision.reason());
    } catch (InputException e) {
      throw ApplicationFailure.newNonRetryableFailure(String.valueOf(e.getMessage()), Failures.INPUT);
    }
    return decision.ticketId();
  }
}

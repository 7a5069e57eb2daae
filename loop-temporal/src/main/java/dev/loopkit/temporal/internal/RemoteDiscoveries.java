package dev.loopkit.temporal.internal;

import dev.loopkit.core.Cap;
import dev.loopkit.core.CapReachedException;
import dev.loopkit.core.DiscoverySink;
import dev.loopkit.core.LoopException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Ticket;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;

/**
 * Not API: the discovery sink a worker gets on a worker host. A filing goes to the run's batch workflow as an
 * update, which files it through the coordinator running the attempt: the same path (cap, journal, idempotency
 * key, edges) as on one machine. Blocks until the ticket is filed.
 */
final class RemoteDiscoveries implements DiscoverySink {
  private final WorkflowClient client;
  private final Wire.StageCall call;

  RemoteDiscoveries(WorkflowClient client, Wire.StageCall call) {
    this.client = client;
    this.call = call;
  }

  @Override
  public Ticket file(NewTicket ticket, boolean blocksCurrent) {
    WorkflowStub batch = client.newUntypedWorkflowStub(call.runId());
    Wire.Discovery discovery = new Wire.Discovery(call.runId(), call.ticket().id(), call.attempt(),
        call.coordinatorQueue(), Wire.draft(ticket), blocksCurrent);
    try {
      return Wire.ticket(batch.update("discover", Wire.TicketData.class, discovery));
    } catch (WorkflowUpdateException e) {
      Throwable cause = e.getCause();
      while (cause != null && !(cause instanceof ApplicationFailure)) {
        cause = cause.getCause();
      }
      if (cause instanceof ApplicationFailure a && Failures.CAP.equals(a.getType())) {
        throw new CapReachedException(Cap.DISCOVERED_TICKETS, a.getOriginalMessage());
      }
      throw new LoopException("filing '" + ticket.title() + "' through run " + call.runId() + " failed: "
          + (cause instanceof ApplicationFailure a ? a.getOriginalMessage() : String.valueOf(e.getMessage())), e);
    }
  }
}

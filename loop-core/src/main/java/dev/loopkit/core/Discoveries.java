package dev.loopkit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Files the work that workers discover, on the engine's thread (attempts hand their filings over through the
 * inbox and wait): one ticket per run, origin and title (an idempotency key the tracker honours, so a resumed
 * run never files twice), with a {@code discovered-from} edge, counted against the run's cap.
 */
final class Discoveries {
  private final Tracker tracker;
  private final Ledger ledger;
  private final String runId;
  private final int cap;
  private final HarnessCalls calls;
  private @Nullable CapReachedException capReached;

  Discoveries(Tracker tracker, Ledger ledger, String runId, int cap, HarnessCalls calls) {
    this.calls = calls;
    this.tracker = tracker;
    this.ledger = ledger;
    this.runId = runId;
    this.cap = cap;
  }

  /**
   * Files one filing and answers the attempt waiting for it. The tracker's calls go through the harness's calls
   * (timeout, retries); a bad filing (an {@link InputException}, such as a dependency on an unknown ticket) goes
   * back to the worker, while a tracker that stays down is the harness's fault, never the ticket's: the
   * attempt is answered with it and the fault is rethrown, so the run ends {@code FAILED} and the attempt is
   * interrupted, uncharged.
   *
   * @throws HarnessFault when the tracker fails for good while filing
   */
  void handle(Inbox.Filing filing) {
    try {
      filing.result().complete(file(filing.originId(), filing.draft(), filing.blocksCurrent()));
    } catch (HarnessFault e) {
      if (e.getCause() instanceof InputException bad) {
        filing.result().completeExceptionally(bad);
        return;
      }
      filing.result().completeExceptionally(e);
      throw e;
    } catch (RuntimeException e) {
      filing.result().completeExceptionally(e);
    }
  }

  /** The cap a worker ran into, if one did: the run ends {@code CAPPED} at its next cap check. */
  @Nullable CapReachedException capReached() {
    return capReached;
  }

  private Ticket file(String originId, NewTicket draft, boolean blocksCurrent) {
    String key = key(originId, draft.title());
    String existing = ledger.history().discoveredTicket(key);
    if (existing != null) {
      return calls.call("the tracker", "find " + existing, () -> tracker.find(existing)).orElseThrow(() -> new AdapterException(
          "discovered ticket " + existing + " is in the journal but not in the tracker"));
    }
    if (ledger.history().discoveredCount() >= cap) {
      CapReachedException e = new CapReachedException(Cap.DISCOVERED_TICKETS, "workers filed " + cap
          + " discovered ticket(s), the cap; '" + draft.title() + "' from " + originId + " was not filed");
      capReached = e;
      throw e;
    }
    NewTicket keyed = draft.toBuilder().idempotencyKey(key).addDependency(Dependency.discoveredFrom(originId))
        .build();
    Ticket ticket = calls.call("the tracker", "create '" + draft.title() + "'", () -> tracker.create(keyed));
    if (blocksCurrent) {
      calls.run("the tracker", "add a dependency of " + originId + " on " + ticket.id(),
          () -> tracker.addDependency(originId, Dependency.blockedBy(ticket.id())));
    }
    ledger.append(new LoopEvent.TicketDiscovered(ledger.now(), originId, ticket.id(), ticket.title(), key,
        blocksCurrent));
    return ticket;
  }

  private String key(String originId, String title) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((runId + "\n" + originId + "\n" + title).getBytes(StandardCharsets.UTF_8));
      return "loop-" + HexFormat.of().formatHex(digest, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}

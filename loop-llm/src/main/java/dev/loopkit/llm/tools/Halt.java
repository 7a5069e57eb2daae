package dev.loopkit.llm.tools;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.Ticket;
import java.util.List;

/**
 * A tool's request that the agent loop stop after this turn, because going on makes no sense: the worker
 * asked a person for help (with evidence), or it filed work that now blocks its own ticket.
 */
public sealed interface Halt {

  /** One line for findings and logs. */
  String describe();

  /** {@code request_human} with evidence: the attempt ends waiting for a person. */
  record HumanRequested(String reason, List<Evidence> evidence) implements Halt {
    public HumanRequested {
      evidence = List.copyOf(evidence);
      if (evidence.isEmpty()) {
        throw new IllegalArgumentException("a human request needs evidence");
      }
    }

    @Override
    public String describe() {
      return "asked for a human: " + reason;
    }
  }

  /** {@code file_ticket} with {@code blocks_current}: the current ticket now waits for {@code blocker}. */
  record BlockedByDiscovery(Ticket blocker) implements Halt {
    @Override
    public String describe() {
      return "blocked by discovered ticket " + blocker.id() + " (" + blocker.title() + ")";
    }
  }
}

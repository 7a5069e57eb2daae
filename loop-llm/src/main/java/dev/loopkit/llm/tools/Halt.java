package dev.loopkit.llm.tools;

import dev.loopkit.core.Ticket;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tool's request that the agent loop stop after this turn, because going on makes no sense: the worker
 * asked a person for help (with evidence), or it filed work that now blocks its own ticket.
 */
public sealed interface Halt {

  /**
   * One line for findings and logs.
   *
   * @return the line
   */
  String describe();

  /**
   * {@code request_human} with evidence: the attempt ends waiting for a person. The citations are the model's
   * claims, not yet evidence: whoever runs the loop checks each against the transcript it recorded
   * ({@code ModelWorker} does, and refuses the request when one does not hold).
   *
   * @param reason why the agent needs a person, for the ticket and the journal
   * @param citations the evidence, at least one
   */
  record HumanRequested(String reason, List<Citation> citations) implements Halt {
    /**
     * Copies the citations and checks that there is at least one.
     *
     * @param reason why the agent needs a person, for the ticket and the journal
     * @param citations the evidence, at least one
     * @throws IllegalArgumentException when {@code citations} is empty
     */
    public HumanRequested {
      Objects.requireNonNull(reason, "reason");
      citations = List.copyOf(citations);
      if (citations.isEmpty()) {
        throw new IllegalArgumentException("a human request needs evidence");
      }
    }

    @Override
    public String describe() {
      return "asked for a human: " + reason;
    }
  }

  /**
   * {@code file_ticket} with {@code blocks_current}: the current ticket now waits for {@code blocker}.
   *
   * @param blocker the discovered ticket the current one now waits for
   */
  record BlockedByDiscovery(Ticket blocker) implements Halt {
    @Override
    public String describe() {
      return "blocked by discovered ticket " + blocker.id() + " (" + blocker.title() + ")";
    }
  }

  /**
   * One evidence item of a {@code request_human} call, as the model wrote it: what it tried, the id of the tool
   * call of this attempt that shows it, and what it says that call ran, exited with and printed.
   *
   * @param summary what was tried and what happened
   * @param toolCallId the cited tool call's id, or null when the model cited none
   * @param command the command the model says the cited call ran, or null
   * @param exitCode the exit status the model says it ended with, or null
   * @param output the output excerpt the model quotes, or null
   */
  record Citation(String summary, @Nullable String toolCallId, @Nullable String command, @Nullable Integer exitCode,
      @Nullable String output) {
    /**
     * Checks that the summary is not null.
     *
     * @param summary what was tried and what happened
     * @param toolCallId the cited tool call's id, or null when the model cited none
     * @param command the command the model says the cited call ran, or null
     * @param exitCode the exit status the model says it ended with, or null
     * @param output the output excerpt the model quotes, or null
     */
    public Citation {
      Objects.requireNonNull(summary, "summary");
    }
  }
}

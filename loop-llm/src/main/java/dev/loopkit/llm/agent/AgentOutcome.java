package dev.loopkit.llm.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.core.Cap;
import dev.loopkit.core.Usage;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelException;
import dev.loopkit.llm.StopReason;
import dev.loopkit.llm.tools.Halt;
import java.util.List;

/**
 * How an {@link AgentLoop} ended, by name. Every case carries the conversation as it stood (the partial
 * transcript when a cap or an error ended it), the usage summed over every round trip, and the number of
 * model turns taken.
 */
public sealed interface AgentOutcome {

  /**
   * The conversation: the initial messages, then every assistant turn and tool-result turn.
   *
   * @return the messages, oldest first
   */
  List<Message> transcript();

  /**
   * Tokens and money over every round trip.
   *
   * @return the usage summed over the round trips
   */
  Usage usage();

  /**
   * Model round trips taken.
   *
   * @return 0 or more
   */
  int turns();

  /**
   * One line naming the outcome, for findings and logs.
   *
   * @return the line
   */
  String describe();

  /**
   * The model ended its turn ({@code end_turn} or a stop sequence) without calling tools.
   *
   * @param text the final text of the model's last turn
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record Finished(String text, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param text the final text of the model's last turn
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public Finished {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "finished after " + turns + " turns";
    }
  }

  /**
   * A cap stopped the loop; tool calls of the last response were answered as not run.
   *
   * @param cap the cap that stopped the loop
   * @param detail what the cap measured, for messages
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record Capped(Cap cap, String detail, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param cap the cap that stopped the loop
     * @param detail what the cap measured, for messages
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public Capped {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "capped by " + cap + ": " + detail;
    }
  }

  /**
   * The model made the same call (tool name and identical arguments) {@code repeats} times in a row.
   *
   * @param tool the tool called
   * @param input the repeated arguments
   * @param repeats how many times in a row
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record Stuck(String tool, JsonNode input, int repeats, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param tool the tool called
     * @param input the repeated arguments
     * @param repeats how many times in a row
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public Stuck {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "stuck: called " + tool + " with the same arguments " + repeats + " times in a row";
    }
  }

  /**
   * The vendor stopped the output as a refusal.
   *
   * @param text the text of the refusing response, possibly empty
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record Refused(String text, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param text the text of the refusing response, possibly empty
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public Refused {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model refused" + (text.isBlank() ? "" : ": " + text);
    }
  }

  /**
   * A tool asked the loop to stop: a human request with evidence, or discovered work blocking the ticket.
   *
   * @param halt what the tool asked for
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record Halted(Halt halt, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param halt what the tool asked for
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public Halted {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return halt.describe();
    }
  }

  /**
   * The conversation no longer fits the model's context window.
   *
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record ContextExhausted(List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public ContextExhausted {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the conversation filled the model's context window after " + turns + " turns";
    }
  }

  /**
   * The model client failed after its own retries.
   *
   * @param error the client's last failure
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record ModelFailed(ModelException error, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param error the client's last failure
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public ModelFailed {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model call failed (" + error.kind() + "): " + error.getMessage();
    }
  }

  /**
   * The model stopped for a reason this loop has no rule for, without calling tools.
   *
   * @param stopReason the stop reason as the vendor sent it
   * @param text the text of the last turn
   * @param transcript the conversation; copied
   * @param usage tokens and money over every round trip
   * @param turns model round trips taken
   */
  record UnexpectedStop(StopReason stopReason, String text, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    /**
     * Copies the transcript.
     *
     * @param stopReason the stop reason as the vendor sent it
     * @param text the text of the last turn
     * @param transcript the conversation; copied
     * @param usage tokens and money over every round trip
     * @param turns model round trips taken
     */
    public UnexpectedStop {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model stopped with the unexpected stop reason '" + stopReason.value() + "'";
    }
  }
}

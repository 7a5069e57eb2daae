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

  /** The conversation: the initial messages, then every assistant turn and tool-result turn. */
  List<Message> transcript();

  /** Tokens and money over every round trip. */
  Usage usage();

  /** Model round trips taken. */
  int turns();

  /** One line naming the outcome, for findings and logs. */
  String describe();

  /** The model ended its turn ({@code end_turn} or a stop sequence) without calling tools. */
  record Finished(String text, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    public Finished {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "finished after " + turns + " turns";
    }
  }

  /** A cap stopped the loop; tool calls of the last response were answered as not run. */
  record Capped(Cap cap, String detail, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    public Capped {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "capped by " + cap + ": " + detail;
    }
  }

  /** The model made the same call (tool name and identical arguments) {@code repeats} times in a row. */
  record Stuck(String tool, JsonNode input, int repeats, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    public Stuck {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "stuck: called " + tool + " with the same arguments " + repeats + " times in a row";
    }
  }

  /** The vendor stopped the output as a refusal. */
  record Refused(String text, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    public Refused {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model refused" + (text.isBlank() ? "" : ": " + text);
    }
  }

  /** A tool asked the loop to stop: a human request with evidence, or discovered work blocking the ticket. */
  record Halted(Halt halt, List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    public Halted {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return halt.describe();
    }
  }

  /** The conversation no longer fits the model's context window. */
  record ContextExhausted(List<Message> transcript, Usage usage, int turns) implements AgentOutcome {
    public ContextExhausted {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the conversation filled the model's context window after " + turns + " turns";
    }
  }

  /** The model client failed after its own retries. */
  record ModelFailed(ModelException error, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    public ModelFailed {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model call failed (" + error.kind() + "): " + error.getMessage();
    }
  }

  /** The model stopped for a reason this loop has no rule for, without calling tools. */
  record UnexpectedStop(StopReason stopReason, String text, List<Message> transcript, Usage usage, int turns)
      implements AgentOutcome {
    public UnexpectedStop {
      transcript = List.copyOf(transcript);
    }

    @Override
    public String describe() {
      return "the model stopped with the unexpected stop reason '" + stopReason.value() + "'";
    }
  }
}

package dev.loopkit.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One request to a model: the conversation so far, the tools it may call and how to sample. Immutable; build
 * with {@link #builder()} or derive with {@link #toBuilder()}. The vendor clients translate it to their wire
 * format; nothing here is vendor specific.
 */
public final class ModelRequest {
  /** Max tokens when the builder is given none. */
  public static final int DEFAULT_MAX_TOKENS = 4096;

  private final String model;
  private final String system;
  private final List<Message> messages;
  private final List<ToolSpec> tools;
  private final ToolChoice toolChoice;
  private final int maxTokens;
  private final @Nullable Double temperature;
  private final List<String> stopSequences;
  private final @Nullable Duration idleTimeout;
  private final @Nullable Reasoning reasoning;
  private final @Nullable OutputSchema outputSchema;

  private ModelRequest(Builder b) {
    this.model = b.model;
    this.system = b.system;
    this.messages = List.copyOf(b.messages);
    this.tools = List.copyOf(b.tools);
    this.toolChoice = b.toolChoice;
    this.maxTokens = b.maxTokens;
    this.temperature = b.temperature;
    this.stopSequences = List.copyOf(b.stopSequences);
    this.idleTimeout = b.idleTimeout;
    this.reasoning = b.reasoning;
    this.outputSchema = b.outputSchema;
  }

  /**
   * A builder with no model and no messages yet; {@link Builder#build()} needs both.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this request's values, to derive a changed copy.
   *
   * @return a builder whose {@code build()} gives an equal request until a value is changed
   */
  public Builder toBuilder() {
    Builder b = new Builder().system(system).messages(messages).tools(tools).toolChoice(toolChoice)
        .maxTokens(maxTokens).temperature(temperature).stopSequences(stopSequences);
    b.model = model;
    b.idleTimeout = idleTimeout;
    b.reasoning = reasoning;
    b.outputSchema = outputSchema;
    return b;
  }

  /**
   * How much the model should reason (OpenAI effort, Anthropic thinking budget); empty for the vendor's default.
   *
   * @return the reasoning setting, or empty for the vendor's default
   */
  public Optional<Reasoning> reasoning() {
    return Optional.ofNullable(reasoning);
  }

  /**
   * The JSON shape the answer must have (structured output); empty for free text.
   *
   * @return the output schema, or empty for free text
   */
  public Optional<OutputSchema> outputSchema() {
    return Optional.ofNullable(outputSchema);
  }

  /**
   * The longest silence allowed while this request's response arrives (no byte, not even a keep-alive, for
   * that long ends the call as a retryable {@link ModelException.Kind#TIMEOUT}); empty means the client's
   * read timeout. It bounds a stuck stream without bounding a long one that keeps sending.
   *
   * @return the idle timeout, or empty for the client's read timeout
   */
  public Optional<Duration> idleTimeout() {
    return Optional.ofNullable(idleTimeout);
  }

  /**
   * The model's id as the vendor spells it, for example {@code claude-sonnet-4-5} or {@code gpt-4.1}.
   *
   * @return the model id, never blank
   */
  public String model() {
    return model;
  }

  /**
   * The system prompt; empty when there is none.
   *
   * @return the system prompt, possibly empty
   */
  public String system() {
    return system;
  }

  /**
   * The conversation so far, oldest message first; never empty.
   *
   * @return an immutable list of the messages
   */
  public List<Message> messages() {
    return messages;
  }

  /**
   * The tools the model may call; empty when it may call none.
   *
   * @return an immutable list of the tool specs, names distinct
   */
  public List<ToolSpec> tools() {
    return tools;
  }

  /**
   * Whether and which tool the model must call; default {@link ToolChoice#auto()}.
   *
   * @return the tool choice
   */
  public ToolChoice toolChoice() {
    return toolChoice;
  }

  /**
   * The most tokens the response may have; default {@link #DEFAULT_MAX_TOKENS}.
   *
   * @return at least 1
   */
  public int maxTokens() {
    return maxTokens;
  }

  /**
   * The sampling temperature; empty means the vendor's default.
   *
   * @return the temperature between 0 and 2, or empty
   */
  public Optional<Double> temperature() {
    return Optional.ofNullable(temperature);
  }

  /**
   * Texts at which the model stops writing; empty for none.
   *
   * @return an immutable list of non-empty strings
   */
  public List<String> stopSequences() {
    return stopSequences;
  }

  /**
   * The newest message of the conversation.
   *
   * @return the last of {@link #messages()}
   */
  public Message lastMessage() {
    return messages.get(messages.size() - 1);
  }

  @Override
  public String toString() {
    return "ModelRequest{model=" + model + ", messages=" + messages.size() + ", tools=" + tools.size()
        + ", toolChoice=" + toolChoice + ", maxTokens=" + maxTokens + "}";
  }

  /** Builds a {@link ModelRequest}; a bad value fails at its setter, conflicting values in {@link #build()}. */
  public static final class Builder {
    private String model = "";
    private String system = "";
    private final List<Message> messages = new ArrayList<>();
    private final List<ToolSpec> tools = new ArrayList<>();
    private ToolChoice toolChoice = ToolChoice.auto();
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private @Nullable Double temperature;
    private final List<String> stopSequences = new ArrayList<>();
    private @Nullable Duration idleTimeout;
    private @Nullable Reasoning reasoning;
    private @Nullable OutputSchema outputSchema;

    private Builder() {}

    /**
     * See {@link ModelRequest#reasoning()}; null for the vendor's default. With an Anthropic thinking budget the
     * budget must stay below {@link #maxTokens} (checked in {@link #build()}) and no temperature may be set.
     *
     * @param reasoning the reasoning setting, or null
     * @return this builder
     */
    public Builder reasoning(@Nullable Reasoning reasoning) {
      this.reasoning = reasoning;
      return this;
    }

    /**
     * See {@link ModelRequest#outputSchema()}; null for free text.
     *
     * @param schema the output schema, or null
     * @return this builder
     */
    public Builder outputSchema(@Nullable OutputSchema schema) {
      this.outputSchema = schema;
      return this;
    }

    /**
     * See {@link ModelRequest#idleTimeout()}; positive, or null for the client's read timeout.
     *
     * @param timeout positive, or null
     * @return this builder
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public Builder idleTimeout(@Nullable Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("idleTimeout must be positive, got " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Required: the model's id as the vendor spells it; see {@link ModelRequest#model()}.
     *
     * @param model the model id, not blank
     * @return this builder
     * @throws IllegalArgumentException when {@code model} is blank
     */
    public Builder model(String model) {
      Objects.requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("model must name a model, got a blank string");
      }
      this.model = model;
      return this;
    }

    /**
     * The system prompt; empty for none.
     *
     * @param system the system prompt, or empty
     * @return this builder
     */
    public Builder system(String system) {
      this.system = Objects.requireNonNull(system, "system");
      return this;
    }

    /**
     * Replaces the conversation.
     *
     * @param messages the messages, oldest first; copied
     * @return this builder
     */
    public Builder messages(List<Message> messages) {
      this.messages.clear();
      messages.forEach(this::addMessage);
      return this;
    }

    /**
     * Appends a message to the conversation.
     *
     * @param message the next message
     * @return this builder
     */
    public Builder addMessage(Message message) {
      messages.add(Objects.requireNonNull(message, "message"));
      return this;
    }

    /**
     * Replaces the tools.
     *
     * @param tools the tool specs; copied
     * @return this builder
     */
    public Builder tools(List<ToolSpec> tools) {
      this.tools.clear();
      tools.forEach(this::addTool);
      return this;
    }

    /**
     * Adds a tool the model may call; its name must differ from the others' (checked in {@link #build()}).
     *
     * @param tool the tool's spec
     * @return this builder
     */
    public Builder addTool(ToolSpec tool) {
      tools.add(Objects.requireNonNull(tool, "tool"));
      return this;
    }

    /**
     * See {@link ModelRequest#toolChoice()}; a choice naming a tool needs that tool declared (checked in {@link
     * #build()}).
     *
     * @param toolChoice the tool choice
     * @return this builder
     */
    public Builder toolChoice(ToolChoice toolChoice) {
      this.toolChoice = Objects.requireNonNull(toolChoice, "toolChoice");
      return this;
    }

    /**
     * At least 1.
     *
     * @param maxTokens the most tokens of the response
     * @return this builder
     * @throws IllegalArgumentException when {@code maxTokens} is below 1
     */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 1) {
        throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Between 0 and 2, or null for the vendor's default.
     *
     * @param temperature the sampling temperature, or null
     * @return this builder
     * @throws IllegalArgumentException when {@code temperature} is outside 0 to 2
     */
    public Builder temperature(@Nullable Double temperature) {
      if (temperature != null && !(temperature >= 0.0 && temperature <= 2.0)) {
        throw new IllegalArgumentException("temperature must be between 0 and 2, got " + temperature);
      }
      this.temperature = temperature;
      return this;
    }

    /**
     * Replaces the stop sequences; see {@link ModelRequest#stopSequences()}.
     *
     * @param stopSequences the stop sequences, none empty; copied
     * @return this builder
     * @throws IllegalArgumentException when a stop sequence is empty
     */
    public Builder stopSequences(List<String> stopSequences) {
      this.stopSequences.clear();
      for (String s : stopSequences) {
        Objects.requireNonNull(s, "stop sequence");
        if (s.isEmpty()) {
          throw new IllegalArgumentException("stop sequences must not be empty strings");
        }
        this.stopSequences.add(s);
      }
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request, holding immutable copies of the lists
     * @throws IllegalStateException when no model or no message was given, when two tools share a name, when
     *     the tool choice names a tool that is not declared or requires tools and none are declared, when an
     *     explicit thinking budget is not below max tokens or comes with a temperature, or when the output
     *     schema's name is also a tool's
     */
    public ModelRequest build() {
      if (model.isEmpty()) {
        throw new IllegalStateException("a model request needs a model: call model(\"...\")");
      }
      if (messages.isEmpty()) {
        throw new IllegalStateException("a model request needs at least one message");
      }
      Set<String> names = new HashSet<>();
      for (ToolSpec tool : tools) {
        if (!names.add(tool.name())) {
          throw new IllegalStateException("two tools are named '" + tool.name() + "'; tool names must be unique");
        }
      }
      if (toolChoice.mode() == ToolChoice.Mode.ANY && tools.isEmpty()) {
        throw new IllegalStateException("tool choice 'any' requires at least one tool, but no tools were given");
      }
      String chosen = toolChoice.toolName().orElse(null);
      if (chosen != null && !names.contains(chosen)) {
        throw new IllegalStateException("tool choice names tool '" + chosen + "', but the declared tools are "
            + names);
      }
      if (reasoning != null && reasoning.budgetTokens() > 0) {
        if (reasoning.budgetTokens() >= maxTokens) {
          throw new IllegalStateException("thinking budget " + reasoning.budgetTokens() + " must be below max tokens "
              + maxTokens + " (the budget is part of the output): raise maxTokens or lower the budget");
        }
        if (temperature != null) {
          throw new IllegalStateException("temperature " + temperature + " is set with thinking budget "
              + reasoning.budgetTokens() + ": extended thinking takes no temperature; leave one of them unset");
        }
      }
      if (outputSchema != null && names.contains(outputSchema.name())) {
        throw new IllegalStateException("output schema '" + outputSchema.name() + "' has the name of a declared"
            + " tool: expected another name (Anthropic receives the schema as a tool of that name)");
      }
      return new ModelRequest(this);
    }
  }
}

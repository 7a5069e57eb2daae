package dev.loopkit.llm;

import dev.loopkit.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A model's answer to one {@link ModelRequest}. Immutable; clients build it with {@link #builder()}.
 *
 * <p>Whether the model called tools is decided by {@link #calledTools()}, the presence of tool calls, and
 * not by the stop reason alone: some servers report {@code stop} for a turn that holds tool calls.
 */
public final class ModelResponse {
  private final String id;
  private final String model;
  private final List<ContentBlock> content;
  private final StopReason stopReason;
  private final @Nullable String stopSequence;
  private final Usage usage;
  private final boolean usageReported;
  private final long reasoningTokens;

  private ModelResponse(Builder b) {
    this.id = b.id;
    this.model = b.model;
    this.content = List.copyOf(b.content);
    this.stopReason = b.stopReason;
    this.stopSequence = b.stopSequence;
    this.usage = b.usage;
    this.usageReported = b.usageReported;
    this.reasoningTokens = b.reasoningTokens;
  }

  /**
   * A builder for an empty response: no id, no model, no content, {@code end_turn}, zero usage reported.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this response's values, to derive a changed copy.
   *
   * @return a builder whose {@code build()} gives an equal response until a value is changed
   */
  public Builder toBuilder() {
    return new Builder().id(id).model(model).content(content).stopReason(stopReason)
        .stopSequence(stopSequence).usage(usage).usageReported(usageReported).reasoningTokens(reasoningTokens);
  }

  /**
   * The vendor's id for this response ({@code msg_...}, {@code chatcmpl-...}); may be empty.
   *
   * @return the id, possibly empty
   */
  public String id() {
    return id;
  }

  /**
   * The model that answered, as the vendor reports it.
   *
   * @return the model id, possibly empty
   */
  public String model() {
    return model;
  }

  /**
   * The answer's blocks, in order. Send them back unchanged as the assistant turn.
   *
   * @return an immutable list of the blocks
   */
  public List<ContentBlock> content() {
    return content;
  }

  /**
   * Why the model stopped; a value this library does not know is kept, not refused.
   *
   * @return the stop reason
   */
  public StopReason stopReason() {
    return stopReason;
  }

  /**
   * The stop sequence that matched, when the stop reason is {@link StopReason#STOP_SEQUENCE}.
   *
   * @return the matched stop sequence, or empty
   */
  public Optional<String> stopSequence() {
    return Optional.ofNullable(stopSequence);
  }

  /**
   * Tokens used by this round trip and their cost. The vendor clients price it with their
   * {@link PriceTable}; a call they cannot price (the model has no price) or whose server reported no usage
   * is {@linkplain Usage#isMetered() unmetered}, never a silent $0.
   *
   * @return the usage, never null
   */
  public Usage usage() {
    return usage;
  }

  /**
   * Whether the server reported this call's tokens. False when the body (or the stream, say one cut before
   * its usage chunk, or a server that ignores {@code stream_options}) carried no usage: then {@link #usage()}
   * is unmetered, and pricing it again cannot meter it.
   *
   * @return false when the server reported no usage
   */
  public boolean usageReported() {
    return usageReported;
  }

  /**
   * The output tokens the model spent reasoning, as the vendor reports them (OpenAI's
   * {@code reasoning_tokens}, Anthropic's {@code thinking_tokens}); they are already part of
   * {@link #usage()}'s output tokens. 0 when none were reported.
   *
   * @return 0 or more
   */
  public long reasoningTokens() {
    return reasoningTokens;
  }

  /**
   * The tool calls among the content, in order.
   *
   * @return an immutable list of the tool-use blocks; empty when the model called none
   */
  public List<ContentBlock.ToolUse> toolUses() {
    List<ContentBlock.ToolUse> uses = new ArrayList<>();
    for (ContentBlock block : content) {
      if (block instanceof ContentBlock.ToolUse) {
        uses.add((ContentBlock.ToolUse) block);
      }
    }
    return uses;
  }

  /**
   * Whether the model called at least one tool, whatever the stop reason says.
   *
   * @return true when the content holds a tool-use block
   */
  public boolean calledTools() {
    return content.stream().anyMatch(b -> b instanceof ContentBlock.ToolUse);
  }

  /**
   * The text blocks concatenated; empty when there are none.
   *
   * @return the concatenated text, possibly empty
   */
  public String text() {
    return Message.assistant(content).text();
  }

  /**
   * This response as the assistant turn of the next request.
   *
   * @return an assistant message holding {@link #content()}
   */
  public Message toMessage() {
    return Message.assistant(content);
  }

  /**
   * The same response with other usage (for example with its cost filled in).
   *
   * @param usage the new usage
   * @return a copy with {@code usage}
   */
  public ModelResponse withUsage(Usage usage) {
    return toBuilder().usage(usage).build();
  }

  @Override
  public String toString() {
    return "ModelResponse{id=" + id + ", model=" + model + ", stopReason=" + stopReason + ", blocks="
        + content.size() + ", usage=" + usage + "}";
  }

  /** Builds a {@link ModelResponse}. */
  public static final class Builder {
    private String id = "";
    private String model = "";
    private final List<ContentBlock> content = new ArrayList<>();
    private StopReason stopReason = StopReason.END_TURN;
    private @Nullable String stopSequence;
    private Usage usage = Usage.ZERO;
    private boolean usageReported = true;
    private long reasoningTokens;

    private Builder() {}

    /**
     * See {@link ModelResponse#reasoningTokens()}; not negative.
     *
     * @param tokens 0 or more
     * @return this builder
     * @throws IllegalArgumentException when {@code tokens} is negative
     */
    public Builder reasoningTokens(long tokens) {
      if (tokens < 0) {
        throw new IllegalArgumentException("reasoning tokens must not be negative, got " + tokens);
      }
      this.reasoningTokens = tokens;
      return this;
    }

    /**
     * See {@link ModelResponse#id()}; default empty.
     *
     * @param id the vendor's id, possibly empty
     * @return this builder
     */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * See {@link ModelResponse#model()}; default empty.
     *
     * @param model the model id
     * @return this builder
     */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /**
     * Replaces the content.
     *
     * @param content the blocks, in order; copied
     * @return this builder
     */
    public Builder content(List<ContentBlock> content) {
      this.content.clear();
      content.forEach(this::addContent);
      return this;
    }

    /**
     * Appends a block to the content.
     *
     * @param block the block
     * @return this builder
     */
    public Builder addContent(ContentBlock block) {
      content.add(Objects.requireNonNull(block, "block"));
      return this;
    }

    /**
     * See {@link ModelResponse#stopReason()}; default {@link StopReason#END_TURN}.
     *
     * @param stopReason the stop reason
     * @return this builder
     */
    public Builder stopReason(StopReason stopReason) {
      this.stopReason = Objects.requireNonNull(stopReason, "stopReason");
      return this;
    }

    /**
     * See {@link ModelResponse#stopSequence()}; default null.
     *
     * @param stopSequence the matched stop sequence, or null
     * @return this builder
     */
    public Builder stopSequence(@Nullable String stopSequence) {
      this.stopSequence = stopSequence;
      return this;
    }

    /**
     * See {@link ModelResponse#usage()}; default {@link Usage#ZERO}.
     *
     * @param usage the usage
     * @return this builder
     */
    public Builder usage(Usage usage) {
      this.usage = Objects.requireNonNull(usage, "usage");
      return this;
    }

    /**
     * Whether the server reported the usage; default true.
     *
     * @param reported whether the server reported the usage
     * @return this builder
     */
    public Builder usageReported(boolean reported) {
      this.usageReported = reported;
      return this;
    }

    /**
     * Builds the response.
     *
     * @return the response, holding an immutable copy of the content
     */
    public ModelResponse build() {
      return new ModelResponse(this);
    }
  }
}

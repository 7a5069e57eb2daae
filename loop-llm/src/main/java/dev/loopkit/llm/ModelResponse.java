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

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().id(id).model(model).content(content).stopReason(stopReason)
        .stopSequence(stopSequence).usage(usage).usageReported(usageReported).reasoningTokens(reasoningTokens);
  }

  /** The vendor's id for this response ({@code msg_...}, {@code chatcmpl-...}); may be empty. */
  public String id() {
    return id;
  }

  /** The model that answered, as the vendor reports it. */
  public String model() {
    return model;
  }

  /** The answer's blocks, in order. Send them back unchanged as the assistant turn. */
  public List<ContentBlock> content() {
    return content;
  }

  public StopReason stopReason() {
    return stopReason;
  }

  /** The stop sequence that matched, when the stop reason is {@link StopReason#STOP_SEQUENCE}. */
  public Optional<String> stopSequence() {
    return Optional.ofNullable(stopSequence);
  }

  /**
   * Tokens used by this round trip and their cost. The vendor clients price it with their
   * {@link PriceTable}; a call they cannot price (the model has no price) or whose server reported no usage
   * is {@linkplain Usage#isMetered() unmetered}, never a silent $0.
   */
  public Usage usage() {
    return usage;
  }

  /**
   * Whether the server reported this call's tokens. False when the body (or the stream, say one cut before
   * its usage chunk, or a server that ignores {@code stream_options}) carried no usage: then {@link #usage()}
   * is unmetered, and pricing it again cannot meter it.
   */
  public boolean usageReported() {
    return usageReported;
  }

  /**
   * The output tokens the model spent reasoning, as the vendor reports them (OpenAI's
   * {@code reasoning_tokens}, Anthropic's {@code thinking_tokens}); they are already part of
   * {@link #usage()}'s output tokens. 0 when none were reported.
   */
  public long reasoningTokens() {
    return reasoningTokens;
  }

  /** The tool calls among the content, in order. */
  public List<ContentBlock.ToolUse> toolUses() {
    List<ContentBlock.ToolUse> uses = new ArrayList<>();
    for (ContentBlock block : content) {
      if (block instanceof ContentBlock.ToolUse) {
        uses.add((ContentBlock.ToolUse) block);
      }
    }
    return uses;
  }

  /** Whether the model called at least one tool, whatever the stop reason says. */
  public boolean calledTools() {
    return content.stream().anyMatch(b -> b instanceof ContentBlock.ToolUse);
  }

  /** The text blocks concatenated; empty when there are none. */
  public String text() {
    return Message.assistant(content).text();
  }

  /** This response as the assistant turn of the next request. */
  public Message toMessage() {
    return Message.assistant(content);
  }

  /** The same response with other usage (for example with its cost filled in). */
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

    /** See {@link ModelResponse#reasoningTokens()}; not negative. */
    public Builder reasoningTokens(long tokens) {
      if (tokens < 0) {
        throw new IllegalArgumentException("reasoning tokens must not be negative, got " + tokens);
      }
      this.reasoningTokens = tokens;
      return this;
    }

    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Replaces the content. */
    public Builder content(List<ContentBlock> content) {
      this.content.clear();
      content.forEach(this::addContent);
      return this;
    }

    public Builder addContent(ContentBlock block) {
      content.add(Objects.requireNonNull(block, "block"));
      return this;
    }

    public Builder stopReason(StopReason stopReason) {
      this.stopReason = Objects.requireNonNull(stopReason, "stopReason");
      return this;
    }

    public Builder stopSequence(@Nullable String stopSequence) {
      this.stopSequence = stopSequence;
      return this;
    }

    public Builder usage(Usage usage) {
      this.usage = Objects.requireNonNull(usage, "usage");
      return this;
    }

    /** Whether the server reported the usage; default true. */
    public Builder usageReported(boolean reported) {
      this.usageReported = reported;
      return this;
    }

    public ModelResponse build() {
      return new ModelResponse(this);
    }
  }
}

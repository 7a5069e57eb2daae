package dev.loopkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One block of a message's content. Messages are lists of blocks so that text, tool calls, tool results
 * and the model's thinking travel in order, as both vendors define them.
 *
 * <p>Thinking blocks carry a vendor signature and must be sent back unchanged, in order, in the assistant
 * turn they came from; a modified one is rejected by the vendor.
 */
public sealed interface ContentBlock
    permits ContentBlock.Text, ContentBlock.ToolUse, ContentBlock.ToolResult, ContentBlock.Thinking,
    ContentBlock.RedactedThinking, ContentBlock.Opaque, ContentBlock.Image {

  /**
   * Creates a text block.
   *
   * @param text the text
   * @return a text block without citations
   */
  static Text text(String text) {
    return new Text(text);
  }

  /**
   * Text, from the user or the model.
   *
   * @param text the text
   * @param citations the sources Anthropic cites for this text (web search results, documents), each as the
   *     vendor sent it; they are sent back with the text. Empty for plain text.
   */
  record Text(String text, List<JsonNode> citations) implements ContentBlock {
    /**
     * Copies the citations, each deeply, so the block stays unchanged.
     *
     * @param text the text
     * @param citations the citations, none null
     */
    public Text {
      Objects.requireNonNull(text, "text");
      List<JsonNode> copies = new ArrayList<>(citations.size());
      citations.forEach(c -> copies.add(Objects.requireNonNull(c, "citation").deepCopy()));
      citations = List.copyOf(copies);
    }

    /**
     * Plain text without citations.
     *
     * @param text the text
     */
    public Text(String text) {
      this(text, List.of());
    }
  }

  /**
   * A tool call made by the model.
   *
   * @param id the vendor's call id; the answering {@link ToolResult} must carry the same id
   * @param name the tool's name, as declared in a {@link ToolSpec}
   * @param input the call's arguments, a JSON object when the model produced valid JSON; when a vendor sent
   *     arguments that do not parse, a JSON string node holding the raw text, so the caller can answer the
   *     model with an error result instead of failing
   */
  record ToolUse(String id, String name, JsonNode input) implements ContentBlock {
    /**
     * Checks that no component is null.
     *
     * @param id the vendor's call id
     * @param name the tool's name
     * @param input the call's arguments
     */
    public ToolUse {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(input, "input");
    }

    /**
     * Whether the arguments parsed as a JSON object.
     *
     * @return true when {@link #input()} is a JSON object
     */
    public boolean hasValidInput() {
      return input.isObject();
    }
  }

  /**
   * The answer to a {@link ToolUse}, sent in the next user turn.
   *
   * @param toolUseId the id of the call it answers
   * @param content what the tool returned, or the error text when {@code isError}
   * @param isError whether the call failed; the model sees the flag and can recover
   * @param images images the tool returned with its text (such as {@code read_file} on a PNG), in order; each
   *     client encodes them as its vendor documents (inside the tool result for Anthropic and the Responses API,
   *     in a user message right after the tool messages for Chat Completions, whose tool messages take text only)
   */
  record ToolResult(String toolUseId, String content, boolean isError, List<Image> images) implements ContentBlock {
    /**
     * Copies the images.
     *
     * @param toolUseId the id of the call it answers
     * @param content what the tool returned, or the error text
     * @param isError whether the call failed
     * @param images the images, in order
     */
    public ToolResult {
      Objects.requireNonNull(toolUseId, "toolUseId");
      Objects.requireNonNull(content, "content");
      images = List.copyOf(images);
    }

    /**
     * A result of text only.
     *
     * @param toolUseId the id of the call it answers
     * @param content what the tool returned, or the error text when {@code isError}
     * @param isError whether the call failed
     */
    public ToolResult(String toolUseId, String content, boolean isError) {
      this(toolUseId, content, isError, List.of());
    }

    /**
     * A successful result of text only.
     *
     * @param toolUseId the id of the call it answers
     * @param content what the tool returned
     * @return the result
     */
    public static ToolResult ok(String toolUseId, String content) {
      return new ToolResult(toolUseId, content, false);
    }

    /**
     * A failed call's result: the model sees {@code content} as the error and can recover.
     *
     * @param toolUseId the id of the call it answers
     * @param content the error text
     * @return the result
     */
    public static ToolResult error(String toolUseId, String content) {
      return new ToolResult(toolUseId, content, true);
    }
  }

  /**
   * The model's visible reasoning.
   *
   * @param thinking the reasoning text
   * @param signature the vendor's signature over it, empty when the vendor sends none
   */
  record Thinking(String thinking, String signature) implements ContentBlock {
    /**
     * Checks that no component is null.
     *
     * @param thinking the reasoning text
     * @param signature the vendor's signature, or empty
     */
    public Thinking {
      Objects.requireNonNull(thinking, "thinking");
      Objects.requireNonNull(signature, "signature");
    }
  }

  /**
   * An image, as the vendors accept it inline: base64 data of a PNG, JPEG, GIF or WebP. Sent in a user turn or
   * inside a {@link ToolResult}; encoded as Anthropic's {@code image} block with a base64 source, Chat
   * Completions' {@code image_url} part and the Responses API's {@code input_image}, both with a
   * {@code data:} URL.
   *
   * @param mediaType {@code image/png}, {@code image/jpeg}, {@code image/gif} or {@code image/webp}
   * @param base64 the image's bytes in standard base64, without line breaks
   */
  record Image(String mediaType, String base64) implements ContentBlock {
    /** The media types every vendor here accepts. */
    public static final List<String> MEDIA_TYPES = List.of("image/png", "image/jpeg", "image/gif", "image/webp");

    /**
     * Checks the media type and that the data is base64.
     *
     * @param mediaType one of {@link #MEDIA_TYPES}
     * @param base64 standard base64 without line breaks
     * @throws IllegalArgumentException for another media type, or data that is not base64
     */
    public Image {
      Objects.requireNonNull(mediaType, "mediaType");
      Objects.requireNonNull(base64, "base64");
      if (!MEDIA_TYPES.contains(mediaType)) {
        throw new IllegalArgumentException("image media type '" + mediaType + "' is not supported: expected one of "
            + MEDIA_TYPES);
      }
      if (!isBase64(base64)) {
        throw new IllegalArgumentException("image data of type " + mediaType + " is not base64 without line breaks"
            + " (" + base64.length() + " characters)");
      }
    }

    /** Standard base64 without line breaks: the alphabet, then at most two '=' at the end. */
    private static boolean isBase64(String s) {
      int end = s.length();
      while (end > 0 && end > s.length() - 2 && s.charAt(end - 1) == '=') {
        end--;
      }
      if (end == 0) {
        return false;
      }
      for (int i = 0; i < end; i++) {
        char c = s.charAt(i);
        if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/')) {
          return false;
        }
      }
      return true;
    }

    /**
     * An image from its bytes.
     *
     * @param mediaType one of {@link #MEDIA_TYPES}
     * @param bytes the image file's bytes
     * @return the image
     * @throws IllegalArgumentException for another media type
     */
    public static Image of(String mediaType, byte[] bytes) {
      return new Image(mediaType, java.util.Base64.getEncoder().encodeToString(bytes));
    }

    /**
     * The image as a {@code data:} URL, the form OpenAI's APIs take inline.
     *
     * @return {@code data:<media type>;base64,<data>}
     */
    public String dataUrl() {
      return "data:" + mediaType + ";base64," + base64;
    }

    @Override
    public String toString() {
      return "Image[" + mediaType + ", " + base64.length() + " base64 characters]";
    }
  }

  /**
   * Reasoning the vendor encrypted; opaque, passed back unchanged.
   *
   * @param data the encrypted reasoning, as the vendor sent it
   */
  record RedactedThinking(String data) implements ContentBlock {
    /**
     * Checks that the data is not null.
     *
     * @param data the encrypted reasoning, as the vendor sent it
     */
    public RedactedThinking {
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * A block of a type this library does not model, kept exactly as the vendor sent it: Anthropic's
   * server-tool calls and results ({@code server_tool_use}, {@code web_search_tool_result},
   * {@code web_fetch_tool_result}, {@code code_execution_tool_result}, ...), {@code compaction} blocks, and
   * block types added after this release. Sending the turn back (as after {@code pause_turn}, when the
   * server continues its own tool run) returns them unchanged, which is what the server needs. Only a client
   * of the vendor that produced the block sends it; other vendors' clients leave it out.
   *
   * @param vendor the vendor that produced the block, as {@link ModelClient#vendor()} names it
   * @param json the block, a JSON object with a {@code type}
   */
  record Opaque(String vendor, ObjectNode json) implements ContentBlock {
    /**
     * Copies the JSON, so the block stays unchanged.
     *
     * @param vendor the vendor that produced the block
     * @param json a JSON object with a string {@code type}
     * @throws IllegalArgumentException when {@code json} has no string {@code type}
     */
    public Opaque {
      Objects.requireNonNull(vendor, "vendor");
      Objects.requireNonNull(json, "json");
      if (!json.path("type").isTextual()) {
        throw new IllegalArgumentException("an opaque content block needs a string \"type\", got " + json);
      }
      json = json.deepCopy();
    }

    /**
     * The block's type, such as {@code server_tool_use}.
     *
     * @return the {@code type} field
     */
    public String type() {
      return json.path("type").asText();
    }

    /**
     * The block as the vendor sent it (a copy: the block stays unchanged).
     *
     * @return a deep copy of the block's JSON
     */
    @Override
    public ObjectNode json() {
      return json.deepCopy();
    }
  }
}

package dev.loopkit.llm.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.llm.Message;
import dev.loopkit.llm.ModelJson;
import dev.loopkit.llm.ModelResponse;
import dev.loopkit.core.process.CommandEnvironment;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Records an agent loop as JSON Lines, one object per turn, written as it happens so a crash keeps what came
 * before. Lines have a {@code type}: {@code start} (the setup), {@code message} (a user turn: the prompt,
 * tool results, a nudge), {@code response} (an assistant turn, in {@link ModelJson}'s shape, so
 * {@link dev.loopkit.llm.ScriptedModelClient#fromTranscript} replays the file as is) and {@code outcome}.
 *
 * <p>No secrets: every line is scrubbed of the given secret values (by default the host's variables that look
 * like secrets) and of strings shaped like well-known API keys before it is written. Called from the loop's
 * thread only; not thread-safe. Closing forces the file to disk.
 */
public final class TranscriptWriter implements Closeable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String REDACTED = "[redacted]";
  /** Anthropic, OpenAI, GitHub, AWS, Slack and Google key shapes. */
  private static final Pattern KEY_SHAPES = Pattern.compile(
      "sk-ant-[A-Za-z0-9_-]{16,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
          + "|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}");

  private final @Nullable FileChannel channel;
  private final List<String> secrets;

  private TranscriptWriter(@Nullable FileChannel channel, List<String> secrets) {
    this.channel = channel;
    this.secrets = secrets;
  }

  /**
   * Opens {@code file} (creating its directory, replacing an older file), redacting the host's secret-looking
   * environment values.
   *
   * @param file the transcript file
   * @return the writer, to be closed
   * @throws UncheckedIOException when the file cannot be opened, naming it
   */
  public static TranscriptWriter open(Path file) {
    return open(file, CommandEnvironment.secretValues(System.getenv()));
  }

  /**
   * Opens {@code file}, redacting {@code secrets} (and key-shaped strings) from every line.
   *
   * @param file the transcript file
   * @param secrets values replaced by a redaction mark wherever they appear
   * @return the writer, to be closed
   * @throws UncheckedIOException when the file cannot be opened, naming it
   */
  public static TranscriptWriter open(Path file, Collection<String> secrets) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      List<String> values = new ArrayList<>();
      for (String secret : secrets) {
        if (!secret.isEmpty()) {
          values.add(secret);
          String escaped = JSON.textNode(secret).toString();
          values.add(escaped.substring(1, escaped.length() - 1));
        }
      }
      return new TranscriptWriter(channel, List.copyOf(values));
    } catch (IOException e) {
      throw new UncheckedIOException("could not open transcript " + file, e);
    }
  }

  /**
   * A writer that records nothing.
   *
   * @return a writer whose lines go nowhere
   */
  public static TranscriptWriter discard() {
    return new TranscriptWriter(null, List.of());
  }

  /**
   * Writes the {@code start} line; {@code fields} say what ran (model, vendor, ticket, tools, system).
   *
   * @param fields the start line's fields
   */
  public void start(ObjectNode fields) {
    event("start", fields);
  }

  /**
   * Writes a line of another {@code type} (a command run, a note); replay skips such lines.
   *
   * @param type the line's {@code type}
   * @param fields the line's other fields
   */
  public void event(String type, ObjectNode fields) {
    ObjectNode line = JSON.objectNode().put("type", type);
    line.setAll(fields);
    write(line);
  }

  /**
   * Writes a user (or initial) message of turn {@code turn}.
   *
   * @param turn the number of the turn the message belongs to
   * @param message the message
   */
  public void message(int turn, Message message) {
    ObjectNode line = JSON.objectNode().put("type", "message").put("turn", turn);
    line.set("message", ModelJson.toJson(message));
    write(line);
  }

  /**
   * Writes a model response of turn {@code turn}.
   *
   * @param turn the number of the turn the response answers
   * @param response the response
   */
  public void response(int turn, ModelResponse response) {
    ObjectNode line = JSON.objectNode().put("type", "response").put("turn", turn);
    line.set("response", ModelJson.toJson(response));
    write(line);
  }

  /**
   * Writes the {@code outcome} line.
   *
   * @param outcome how the conversation ended
   */
  public void outcome(AgentOutcome outcome) {
    ObjectNode line = JSON.objectNode().put("type", "outcome").put("outcome", outcome.getClass().getSimpleName())
        .put("describe", outcome.describe()).put("turns", outcome.turns());
    line.set("usage", ModelJson.toJson(outcome.usage()));
    write(line);
  }

  /**
   * Scrubs secrets and key-shaped strings from {@code text}.
   *
   * @param text any text
   * @return the text with each secret and key-shaped string replaced
   */
  public String redact(String text) {
    String out = text;
    for (String secret : secrets) {
      out = out.replace(secret, REDACTED);
    }
    return KEY_SHAPES.matcher(out).replaceAll(REDACTED);
  }

  private void write(ObjectNode line) {
    if (channel == null) {
      return;
    }
    try {
      String text = redact(MAPPER.writeValueAsString(line)) + "\n";
      ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write a transcript line", e);
    }
  }

  /** Forces the file to disk and closes it. */
  @Override
  public void close() {
    if (channel == null) {
      return;
    }
    try {
      channel.force(true);
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not close the transcript", e);
    }
  }
}

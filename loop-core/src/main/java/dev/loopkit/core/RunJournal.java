package dev.loopkit.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run journal: {@code <run dir>/journal.jsonl}, one {@link LoopEvent} per line, each line written and
 * synced to disk before {@link #append} returns, so the engine never acts on an event the disk does not
 * hold. Thread-safe.
 *
 * <p>Reading tolerates exactly one kind of damage: a torn last line (the process died mid-write), which is
 * ignored with a warning and cut off before the next append. Any other malformed line is an
 * {@link InputException} naming the file and the line number.
 */
public final class RunJournal implements AutoCloseable {
  /** The journal's file name inside a run directory. */
  public static final String FILE_NAME = "journal.jsonl";

  private static final Logger LOG = LoggerFactory.getLogger(RunJournal.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path file;
  private final FileChannel channel;
  private final List<LoopEvent> events;

  private RunJournal(Path file, FileChannel channel, List<LoopEvent> events) {
    this.file = file;
    this.channel = channel;
    this.events = events;
  }

  /**
   * Opens the journal of a run directory for appending, creating both if needed, and reads the events
   * already there.
   *
   * @throws InputException if a line other than a torn last one is malformed
   * @throws UncheckedIOException if the file cannot be read or written
   */
  public static RunJournal open(Path runDirectory) {
    Path file = runDirectory.resolve(FILE_NAME);
    try {
      Files.createDirectories(runDirectory);
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      try {
        Parsed parsed = parse(file, Files.readAllBytes(file));
        if (parsed.validLength < channel.size()) {
          channel.truncate(parsed.validLength);
          channel.force(true);
        }
        channel.position(parsed.validLength);
        return new RunJournal(file, channel, new ArrayList<>(parsed.events));
      } catch (RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open run journal " + file, e);
    }
  }

  /**
   * Reads the events of a journal file without opening it for writing (for reports and tools).
   *
   * @throws InputException if a line other than a torn last one is malformed, naming file and line
   */
  public static List<LoopEvent> read(Path journalFile) {
    try {
      return parse(journalFile, Files.readAllBytes(journalFile)).events;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + journalFile, e);
    }
  }

  /** The journal's file. */
  public Path file() {
    return file;
  }

  /** Every event: those read at open, then those appended, in order. */
  public synchronized List<LoopEvent> events() {
    return List.copyOf(events);
  }

  /** Appends one event as a JSON line and syncs it to disk before returning. */
  public synchronized void append(LoopEvent event) {
    byte[] line;
    try {
      line = (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize event " + event.getClass().getSimpleName(), e);
    }
    try {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to run journal " + file, e);
    }
    events.add(event);
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close run journal " + file, e);
    }
  }

  /** Serializes an event the way the journal does (one line of JSON). */
  public static String toJson(LoopEvent event) {
    try {
      return JSON.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize event " + event.getClass().getSimpleName(), e);
    }
  }

  private record Parsed(List<LoopEvent> events, long validLength) {}

  private static Parsed parse(Path file, byte[] bytes) {
    List<LoopEvent> events = new ArrayList<>();
    int start = 0;
    int lineNumber = 0;
    while (start < bytes.length) {
      lineNumber++;
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      if (end == bytes.length) {
        // No newline: the process died while writing this line. Everything before it stands.
        LOG.warn("ignoring torn last line {} of run journal {} ({} bytes)", lineNumber, file, end - start);
        return new Parsed(events, start);
      }
      if (!line.isBlank()) {
        try {
          events.add(JSON.readValue(line, LoopEvent.class));
        } catch (JsonProcessingException e) {
          throw new InputException("malformed event at " + file + ":" + lineNumber
              + ": expected one JSON event per line (" + e.getOriginalMessage() + ")", e);
        }
      }
      start = end + 1;
    }
    return new Parsed(events, bytes.length);
  }
}

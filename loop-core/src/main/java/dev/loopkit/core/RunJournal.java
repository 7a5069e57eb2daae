package dev.loopkit.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run journal: {@code <run dir>/journal.jsonl}, one {@link LoopEvent} per line, each line written and
 * synced to disk before {@link #append} returns, so the engine never acts on an event the disk does not
 * hold. Thread-safe.
 *
 * <p>Appends go through a {@link RandomAccessFile}, not a {@code FileChannel}: a channel is closed for every
 * thread when any thread is interrupted during its I/O, and attempts are interrupted when a run ends.
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

  private final Path path;
  private final RandomAccessFile file;
  private final List<LoopEvent> events;
  private long appended;
  private long bytes;
  private long syncs;

  private RunJournal(Path path, RandomAccessFile file, List<LoopEvent> events) {
    this.path = path;
    this.file = file;
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
    Path path = runDirectory.resolve(FILE_NAME);
    try {
      Files.createDirectories(runDirectory);
      RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
      try {
        Parsed parsed = parse(path, Files.readAllBytes(path));
        if (parsed.validLength < file.length()) {
          file.setLength(parsed.validLength);
          file.getFD().sync();
        }
        file.seek(parsed.validLength);
        return new RunJournal(path, file, new ArrayList<>(parsed.events));
      } catch (RuntimeException | IOException e) {
        file.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open run journal " + path, e);
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
    return path;
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
      file.write(line);
      file.getFD().sync();
      appended++;
      bytes += line.length;
      syncs++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to run journal " + path, e);
    }
    events.add(event);
  }

  /** What this journal object appended and synced since it was opened. */
  public synchronized JournalStats stats() {
    return new JournalStats(appended, bytes, syncs);
  }

  @Override
  public synchronized void close() {
    try {
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close run journal " + path, e);
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

package dev.loopkit.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * People's decisions on tickets, for a run that may be running: {@code <run dir>/decisions.jsonl}, one decision per
 * line, each sealed with an HMAC under the run's key (which only the person's own account and the harness can
 * read), appended under a file lock. The engine reads what is new on every pass ({@link #readFrom}; a size check
 * when nothing changed), journals each decision and acts on it; a line whose seal does not match was not written by
 * someone holding the key and stops the run. Thread-safe.
 */
final class DecisionLog {
  static final String FILE_NAME = "decisions.jsonl";

  /** One decision as the log holds it. */
  record Line(String ticketId, Status status, String reason, Instant at, String mac) {}

  /** Decisions read from {@code from} up to {@code end}, the offset to read from next time. */
  record Read(List<Line> lines, long end) {}

  private DecisionLog() {}

  @SuppressWarnings("try") // the file lock is held for the block, never read
  static void append(Path runDirectory, byte[] key, String ticketId, Status status, String reason, Instant at) {
    Line unsealed = new Line(ticketId, status, reason, at, "");
    Line sealed = new Line(ticketId, status, reason, at, RunJournal.hmac(key, canonical(unsealed)));
    Path file = runDirectory.resolve(FILE_NAME);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND); FileLock lock = ch.lock()) {
      byte[] json = RunJournal.JSON.writeValueAsBytes(sealed);
      ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n');
      line.flip();
      while (line.hasRemaining()) {
        ch.write(line);
      }
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the decision on " + ticketId + " in " + file + ": " + e, e);
    }
  }

  /**
   * The complete lines after {@code from}, each checked against its seal.
   *
   * @throws InputException naming the line when a seal does not match or a line does not parse
   */
  static Read readFrom(Path runDirectory, byte[] key, long from) {
    Path file = runDirectory.resolve(FILE_NAME);
    try {
      if (!Files.exists(file) || Files.size(file) <= from) {
        return new Read(List.of(), from);
      }
      byte[] bytes;
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        raf.seek(from);
        bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, raf.length() - from)];
        raf.readFully(bytes);
      }
      List<Line> lines = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] != '\n') {
          continue;
        }
        byte[] one = java.util.Arrays.copyOfRange(bytes, start, i);
        Line line;
        try {
          line = RunJournal.JSON.readValue(one, Line.class);
        } catch (JsonProcessingException e) {
          throw new InputException("malformed decision at " + file + " byte " + (from + start) + ": "
              + e.getOriginalMessage(), e);
        }
        Line unsealed = new Line(line.ticketId(), line.status(), line.reason(), line.at(), "");
        if (!RunJournal.hmac(key, canonical(unsealed)).equals(line.mac())) {
          throw new InputException("the decision on " + line.ticketId() + " at " + file + " byte " + (from + start)
              + " is not sealed with the run's key: it was not recorded with loop approve (or edited since); the"
              + " run stops rather than trust it");
        }
        lines.add(line);
        start = i + 1;
      }
      return new Read(lines, from + start); // a torn last line is read again once complete
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the decisions in " + file + ": " + e, e);
    }
  }

  private static byte[] canonical(Line l) {
    return (l.ticketId() + "\n" + l.status().wireName() + "\n" + l.reason() + "\n" + l.at())
        .getBytes(StandardCharsets.UTF_8);
  }
}

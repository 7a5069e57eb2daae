package dev.loopkit.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run journal: {@code <run dir>/journal.jsonl}, one {@link LoopEvent} per line, and its checkpoint
 * {@code checkpoint.json}, a snapshot of the {@link RunHistory} at a journal offset.
 *
 * <p><b>Group commit.</b> {@link #append} serializes into a buffer; {@link #sync} writes the buffer and syncs it
 * to disk once, so events produced together cost one fsync. The engine syncs before it acts on any event (a
 * tracker write, a claim). Appends go through a {@link RandomAccessFile}, not a {@code FileChannel}: a channel
 * is closed for every thread when any thread is interrupted during its I/O.
 *
 * <p><b>Reading.</b> Exactly one kind of damage is tolerated: a torn last line (the process died mid-write),
 * ignored with a warning and cut off before the next append. Any other malformed line is an
 * {@link InputException} naming the file and the line. A checkpoint is trusted only if the journal still holds
 * the bytes it was taken after (their length and a hash of the last of them); otherwise it is ignored and the
 * journal is replayed from the start, so a torn or stale checkpoint costs time, never correctness.
 *
 * <p><b>Authenticated.</b> The first line names the run's key ({@link JournalKeys}, kept outside the project and
 * every sandbox); every write ends with a seal line, an HMAC-SHA256 over the previous seal and the bytes written
 * since, so the seals form a chain. Opening for a run (a resume) checks the chain and refuses a journal whose
 * chain breaks, naming the lines; events after the last seal were never synced (a crash mid-write, or lines
 * someone appended) and are cut like a torn line. The checkpoint carries the chain's value at its offset and is
 * sealed with the same key. Reading for a report ({@link #read}, {@link #history}) needs no key and checks
 * nothing.
 *
 * <p>Thread-safe.
 */
final class RunJournal implements AutoCloseable {
  static final String FILE_NAME = "journal.jsonl";
  static final String CHECKPOINT = "checkpoint.json";
  private static final int FORMAT = 2;
  private static final byte[] HEADER_PREFIX = "{\"type\":\"journal\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SEAL_PREFIX = "{\"type\":\"seal\"".getBytes(StandardCharsets.UTF_8);
  private static final String HMAC = "HmacSHA256";
  private static final int TAIL_BYTES = 512;
  private static final int WRITE_THRESHOLD = 1 << 20;
  private static final long MIN_CHECKPOINT_DISTANCE = 1 << 20;
  /** Journal bytes between checkpoints, in checkpoint sizes: checkpoints cost a quarter of the journal at most. */
  private static final long CHECKPOINT_SPACING = 4;

  private static final Logger LOG = LoggerFactory.getLogger(RunJournal.class);
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path directory;
  private final Path path;
  private final RandomAccessFile file;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
  private long length;
  private long appended;
  private long bytes;
  private long syncs;
  private long checkpointedAt;
  private long lastCheckpointSize;
  private boolean dirty;
  private final Mac mac;
  private final byte[] key;
  private byte[] chain;

  private final RunHistory history;

  private RunJournal(Path directory, RandomAccessFile file, Loaded loaded, byte[] key) {
    this.directory = directory;
    this.path = directory.resolve(FILE_NAME);
    this.file = file;
    this.length = loaded.validLength;
    this.checkpointedAt = loaded.checkpointOffset;
    this.history = loaded.history;
    this.mac = mac(key);
    this.key = key.clone();
    this.chain = loaded.chain;
  }

  /** The run's key, for what else the run seals (its decision log). */
  byte[] key() {
    return key.clone();
  }

  /**
   * The key of the run in {@code runDirectory}, read from its journal's header and the key store.
   *
   * @throws InputException when there is no journal or no key
   */
  static byte[] keyOf(Path runDirectory, JournalKeys keys) {
    Path path = runDirectory.resolve(FILE_NAME);
    try {
      String id = keyId(path);
      if (id == null) {
        throw new InputException("run directory " + runDirectory + " holds no journal yet: nothing to record in");
      }
      return keys.load(id, path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + path + ": " + e, e);
    }
  }

  /** HMAC-SHA256 of {@code data} with {@code key}, in hex. */
  static String hmac(byte[] key, byte[] data) {
    return HexFormat.of().formatHex(seal(mac(key), new byte[0], data, 0, data.length));
  }

  /** The history read at open; the caller folds each appended event into it. */
  RunHistory history() {
    return history;
  }

  /**
   * Opens the journal of a run directory for appending, creating both if needed, and folds what is there into
   * {@link #history()} (from the checkpoint when it is valid, then the journal's tail).
   *
   * @throws InputException if a line other than a torn last one is malformed
   * @throws UncheckedIOException if the files cannot be read or written
   */
  static RunJournal open(Path runDirectory) {
    return open(runDirectory, JournalKeys.defaults());
  }

  /**
   * Opens the journal for a run: a new journal gets a new key in {@code keys}; an existing one is checked
   * against its key's chain of seals first.
   *
   * @throws InputException if the chain breaks, the key is missing, or a line other than a torn last one is
   *     malformed
   */
  static RunJournal open(Path runDirectory, JournalKeys keys) {
    Path path = runDirectory.resolve(FILE_NAME);
    try {
      Files.createDirectories(runDirectory);
      RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
      try {
        String keyId = keyId(path);
        if (keyId == null) {
          // new, or only a torn first line: start the journal over with a key of its own
          String id = JournalKeys.newId();
          byte[] key = keys.create(id);
          file.setLength(0);
          RunJournal journal = new RunJournal(runDirectory, file,
              new Loaded(new RunHistory(), 0, 0, new byte[32]), key);
          journal.header(id);
          return journal;
        }
        byte[] key = keys.load(keyId, path);
        Loaded loaded = load(runDirectory, key);
        if (loaded.validLength < file.length()) {
          file.setLength(loaded.validLength);
          file.getFD().sync();
        }
        file.seek(loaded.validLength);
        return new RunJournal(runDirectory, file, loaded, key);
      } catch (RuntimeException | IOException e) {
        file.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open run journal " + path + ": " + e, e);
    }
  }

  /** The history of a run directory (checkpoint, then the journal's tail), read without writing anything. */
  static RunHistory history(Path runDirectory) {
    try {
      return load(runDirectory, null).history;
    } catch (IOException e) {
      Path journal = runDirectory.resolve(FILE_NAME);
      throw new UncheckedIOException("cannot read run journal " + journal + ": " + e, e);
    }
  }

  private record Loaded(RunHistory history, long validLength, long checkpointOffset, byte[] chain) {}

  /** Folds the journal into a history; with a key, only what the chain of seals vouches for. */
  private static Loaded load(Path runDirectory, byte @Nullable [] key) throws IOException {
    Path path = runDirectory.resolve(FILE_NAME);
    long fileLength = Files.exists(path) ? Files.size(path) : 0;
    Checkpoint c = readCheckpoint(runDirectory, path, fileLength, key);
    RunHistory history = c == null ? new RunHistory() : c.history;
    long from = c == null ? 0 : c.journalOffset;
    byte[] chain = c == null ? new byte[32] : c.chain;
    Replayed r = fileLength > from ? replay(path, from, history::apply, key == null ? null : mac(key), chain)
        : new Replayed(from, chain);
    return new Loaded(history, r.validLength, from, r.chain);
  }

  /** The key id the journal's first line names, or null when there is no complete first line. */
  private static @Nullable String keyId(Path path) throws IOException {
    if (!Files.exists(path) || Files.size(path) == 0) {
      return null;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(path)) {
      head = in.readNBytes(512);
    }
    int nl = -1;
    for (int i = 0; i < head.length; i++) {
      if (head[i] == '\n') {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      if (head.length < 512 && startsWith(head, head.length, HEADER_PREFIX, true)) {
        return null; // torn before its first sync completed: nothing was ever acted on
      }
      throw new InputException("run journal " + path + " does not start with Loop's journal header: it was"
          + " written by Loop 0.1 or edited; start a new run directory");
    }
    if (!startsWith(head, nl, HEADER_PREFIX, false)) {
      throw new InputException("run journal " + path + ":1 is not Loop's journal header (it names the run's"
          + " key): the journal was written by Loop 0.1 or edited; start a new run directory");
    }
    try {
      Header header = JSON.readValue(java.util.Arrays.copyOf(head, nl), Header.class);
      return header.key();
    } catch (JsonProcessingException e) {
      throw new InputException("run journal " + path + ":1: malformed journal header (" + e.getOriginalMessage()
          + ")", e);
    }
  }

  /** The journal's first line. */
  private record Header(String type, int format, String key) {}

  /** A seal line: the chain's HMAC after the bytes before it. */
  private record Seal(String type, String mac) {}

  private void header(String keyId) {
    try {
      byte[] json = JSON.writeValueAsBytes(new Header("journal", FORMAT, keyId));
      buffer.write(json, 0, json.length);
      buffer.write('\n');
      dirty = true;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the journal header", e);
    }
  }

  private static boolean startsWith(byte[] data, int length, byte[] prefix, boolean orShorter) {
    int n = Math.min(length, prefix.length);
    if (n < prefix.length && !orShorter) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static Mac mac(byte[] key) {
    try {
      Mac m = Mac.getInstance(HMAC);
      m.init(new SecretKeySpec(key, HMAC));
      return m;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(HMAC + " is required of every Java platform", e);
    }
  }

  private static byte[] seal(Mac mac, byte[] chain, byte[] data, int off, int len) {
    mac.reset();
    mac.update(chain);
    mac.update(data, off, len);
    return mac.doFinal();
  }

  /** Reads the events of a journal file (for tools and tests). */
  static List<LoopEvent> read(Path journalFile) {
    List<LoopEvent> events = new ArrayList<>();
    try {
      if (Files.exists(journalFile)) {
        replay(journalFile, 0, events::add, null, new byte[32]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + journalFile + ": " + e, e);
    }
    return events;
  }

  /** Appends one event to the buffer; it reaches the disk at the next {@link #sync}. */
  synchronized void append(LoopEvent event) {
    byte[] line = toLine(event);
    buffer.write(line, 0, line.length);
    appended++;
    dirty = true;
    if (buffer.size() >= WRITE_THRESHOLD) {
      writeBuffer();
    }
  }

  /** Writes what was appended and syncs it to disk; a no-op when nothing was appended since the last sync. */
  synchronized void sync() {
    if (!dirty) {
      return;
    }
    writeBuffer();
    try {
      file.getFD().sync();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync run journal " + path + ": " + e, e);
    }
    syncs++;
    dirty = false;
  }

  private void writeBuffer() {
    if (buffer.size() == 0) {
      return;
    }
    chain = seal(mac, chain, buffer.toByteArray(), 0, buffer.size());
    try {
      byte[] line = JSON.writeValueAsBytes(new Seal("seal", HexFormat.of().formatHex(chain)));
      buffer.write(line, 0, line.length);
      buffer.write('\n');
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a journal seal", e);
    }
    try {
      file.write(buffer.toByteArray(), 0, buffer.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to run journal " + path + ": " + e, e);
    }
    length += buffer.size();
    bytes += buffer.size();
    buffer.reset();
  }

  /**
   * Writes a checkpoint of {@code history} if enough journal has accumulated since the last one (at least 1 MiB
   * and four times the size of the last checkpoint, so checkpoints cost a fraction of the journal and a resume
   * replays at most four checkpoints' worth of it).
   * Call after {@link #sync}, with the history that holds exactly the journal's events.
   */
  synchronized void checkpointIfDue(RunHistory history) {
    long distance = length - checkpointedAt;
    if (dirty || distance < Math.max(MIN_CHECKPOINT_DISTANCE, CHECKPOINT_SPACING * lastCheckpointSize)) {
      return;
    }
    checkpoint(history);
  }

  synchronized void checkpoint(RunHistory history) {
    CheckpointFile content = new CheckpointFile(FORMAT, length, tailHash(length),
        HexFormat.of().formatHex(chain), history);
    Path target = directory.resolve(CHECKPOINT);
    Path tmp = directory.resolve("." + CHECKPOINT + ".tmp");
    try {
      byte[] data = JSON.writeValueAsBytes(content); // streamed: no tree of the whole history in memory
      byte[] sealLine = (HexFormat.of().formatHex(seal(mac, new byte[32], data, 0, data.length)) + "\n")
          .getBytes(StandardCharsets.US_ASCII);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(sealLine));
        ch.write(java.nio.ByteBuffer.wrap(data));
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      syncs++;
      lastCheckpointSize = data.length;
      checkpointedAt = length;
    } catch (IOException e) {
      // A checkpoint only saves time on resume; the journal alone is complete.
      LOG.warn("cannot write checkpoint {}; a resume will replay the journal", target, e);
    }
  }

  /** What this journal object appended and synced since it was opened. */
  synchronized JournalStats stats() {
    return new JournalStats(appended, bytes, syncs);
  }

  Path file() {
    return path;
  }

  @Override
  public synchronized void close() {
    try {
      sync();
    } finally {
      try {
        file.close();
      } catch (IOException e) {
        LOG.warn("cannot close run journal {}", path, e);
      }
    }
  }

  /** Serializes an event the way the journal does (one line of JSON, without the newline). */
  static String toJson(LoopEvent event) {
    try {
      return JSON.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize event " + event.getClass().getSimpleName(), e);
    }
  }

  private static byte[] toLine(LoopEvent event) {
    try {
      byte[] json = JSON.writeValueAsBytes(event);
      byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
      line[json.length] = '\n';
      return line;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize event " + event.getClass().getSimpleName(), e);
    }
  }

  private String tailHash(long upTo) {
    try {
      int n = (int) Math.min(TAIL_BYTES, upTo);
      byte[] tail = new byte[n];
      long pos = file.getFilePointer();
      file.seek(upTo - n);
      file.readFully(tail);
      file.seek(pos);
      return sha256(tail);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run journal " + path + ": " + e, e);
    }
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The checkpoint file: the history holds exactly the journal's events up to {@code journalOffset}. */
  private record CheckpointFile(int format, long journalOffset, String tail, String chain, RunHistory history) {}

  /** A checkpoint read back: the history and the journal offset it holds the events up to. */
  private static final class Checkpoint {
    final RunHistory history;
    final long journalOffset;
    final byte[] chain;

    Checkpoint(RunHistory history, long journalOffset, byte[] chain) {
      this.history = history;
      this.journalOffset = journalOffset;
      this.chain = chain;
    }
  }

  private static @Nullable Checkpoint readCheckpoint(Path runDirectory, Path journal, long journalLength,
      byte @Nullable [] key) {
    Path file = runDirectory.resolve(CHECKPOINT);
    CheckpointFile content;
    try {
      byte[] raw = Files.readAllBytes(file);
      int nl = 0;
      while (nl < raw.length && raw[nl] != '\n') {
        nl++;
      }
      if (nl >= raw.length) {
        LOG.warn("ignoring checkpoint {} without its seal; replaying the journal", file);
        return null;
      }
      int bodyStart = nl + 1;
      if (key != null) {
        String expected = HexFormat.of().formatHex(seal(mac(key), new byte[32], raw, bodyStart,
            raw.length - bodyStart));
        if (!expected.equals(new String(raw, 0, nl, StandardCharsets.US_ASCII))) {
          LOG.warn("ignoring checkpoint {}: its seal does not match the run's key (it was edited); replaying the"
              + " journal", file);
          return null;
        }
      }
      content = JSON.readValue(java.util.Arrays.copyOfRange(raw, bodyStart, raw.length), CheckpointFile.class);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable checkpoint {} ({}); replaying the journal", file, e.toString());
      return null;
    }
    long offset = content.journalOffset();
    if (content.format() != FORMAT || offset < 0 || offset > journalLength) {
      LOG.warn("ignoring checkpoint {}: it does not match journal {} ({} bytes)", file, journal, journalLength);
      return null;
    }
    try {
      int n = (int) Math.min(TAIL_BYTES, offset);
      byte[] tail = new byte[n];
      try (RandomAccessFile raf = new RandomAccessFile(journal.toFile(), "r")) {
        raf.seek(offset - n);
        raf.readFully(tail);
      }
      if (!sha256(tail).equals(content.tail())) {
        LOG.warn("ignoring checkpoint {}: journal {} no longer holds the events it was taken after", file,
            journal);
        return null;
      }
    } catch (IOException e) {
      LOG.warn("ignoring checkpoint {} ({}); replaying the journal", file, e.toString());
      return null;
    }
    byte[] chain;
    try {
      chain = HexFormat.of().parseHex(content.chain());
    } catch (IllegalArgumentException e) {
      LOG.warn("ignoring checkpoint {}: malformed chain value; replaying the journal", file);
      return null;
    }
    return new Checkpoint(content.history(), offset, chain);
  }

  /** Where a replay stopped: the end of the part the seals vouch for, and the chain's value there. */
  private record Replayed(long validLength, byte[] chain) {}

  /**
   * Replays the journal from {@code offset} (a seal boundary, where the chain holds {@code chain}). Events
   * reach {@code sink} one sealed group at a time; with a {@code mac}, a seal that does not match is an
   * {@link InputException} naming the lines, and events after the last seal are dropped (never synced).
   * Without one (reading for a report), nothing is checked and every complete event line is applied.
   */
  private static Replayed replay(Path file, long offset, Consumer<LoopEvent> sink, @Nullable Mac mac,
      byte[] chain) throws IOException {
    try (InputStream raw = Files.newInputStream(file)) {
      long skipped = 0;
      while (skipped < offset) {
        long n = raw.skip(offset - skipped);
        if (n <= 0) {
          break;
        }
        skipped += n;
      }
      InputStream in = new BufferedInputStream(raw, 1 << 16);
      ByteArrayOutputStream line = new ByteArrayOutputStream(512);
      ByteArrayOutputStream group = new ByteArrayOutputStream(4096);
      List<LoopEvent> pending = new ArrayList<>();
      long position = offset;
      long lineStart = offset;
      long sealedEnd = offset;
      long lineNumber = 0;
      long groupFirstLine = 1;
      byte[] current = chain;
      int b;
      while ((b = in.read()) != -1) {
        position++;
        if (b != '\n') {
          line.write(b);
          continue;
        }
        lineNumber++;
        byte[] bytes = line.toByteArray();
        String where = file + ":" + (offset == 0 ? "" : "byte " + offset + ", line +") + lineNumber;
        if (startsWith(bytes, bytes.length, SEAL_PREFIX, false)) {
          if (mac != null) {
            Seal seal;
            try {
              seal = JSON.readValue(bytes, Seal.class);
            } catch (JsonProcessingException e) {
              throw new InputException("malformed seal at " + where + " (" + e.getOriginalMessage() + ")", e);
            }
            byte[] expected = seal(mac, current, group.toByteArray(), 0, group.size());
            if (!HexFormat.of().formatHex(expected).equals(seal.mac())) {
              throw new InputException("run journal " + file + ": the chain of seals breaks at line " + (offset == 0
                  ? "" : "+") + lineNumber + ", which seals lines " + groupFirstLine + "-" + (lineNumber - 1)
                  + ": one of them was changed, inserted or removed after Loop wrote it, so the journal cannot be"
                  + " trusted; start a new run directory (and find out who can write " + file + ")");
            }
            current = expected;
          }
          pending.forEach(sink);
          pending.clear();
          group.reset();
          groupFirstLine = lineNumber + 1;
          sealedEnd = position;
        } else if (bytes.length > 0) {
          group.write(bytes, 0, bytes.length);
          group.write('\n');
          if (!startsWith(bytes, bytes.length, HEADER_PREFIX, false)) {
            try {
              pending.add(JSON.readValue(bytes, LoopEvent.class));
            } catch (JsonProcessingException e) {
              throw new InputException("malformed event at " + where + ": expected one JSON event per line ("
                  + e.getOriginalMessage() + ")", e);
            }
          }
        }
        line.reset();
        lineStart = position;
      }
      if (line.size() > 0) {
        // No newline: the process died while writing this line. Everything before it stands.
        LOG.warn("ignoring torn last line of run journal {} ({} bytes)", file, line.size());
      }
      if (mac == null) {
        pending.forEach(sink);
        return new Replayed(lineStart, current);
      }
      if (!pending.isEmpty()) {
        LOG.warn("ignoring {} unsealed events at the end of run journal {}: they were never synced (a crash"
            + " mid-write) or were added by someone else", pending.size(), file);
      }
      return new Replayed(sealedEnd, current);
    }
  }
}

package dev.loopkit.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopkit.core.AdapterException;
import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.NewTicket;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Tracker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Tracker} over one JSON file: the smallest correct tracker adapter, to copy when writing one for
 * your own ticket system. Run {@link #main} to see it file, claim and finish tickets in a file of your choice.
 *
 * <pre>{@code
 * Tracker tracker = JsonFileTracker.open(Path.of("batch.json"));
 * Ticket t = tracker.create(NewTicket.builder("Add retries").idempotencyKey("plan-1/retries").build());
 * }</pre>
 *
 * <p>The file holds {@code {"format": 1, "tickets": [...]}}, one object per ticket with the fields of
 * {@link Ticket} (status and dependencies in their wire spelling: {@code "in-progress"},
 * {@code "blocks:J-2"}). A missing file is an empty batch; the file's folder must exist.
 *
 * <p>What makes it correct, the four things every adapter needs:
 * <ul>
 *   <li><b>Atomic writes.</b> Every change writes a temporary file in the same folder, forces it to disk,
 *       renames it over the file and forces the folder, so a crash leaves the old file or the new one.
 *   <li><b>A lock.</b> Every read-modify-write holds a lock shared by every tracker on the same file in this
 *       JVM plus an exclusive OS lock on {@code <file>.lock} for other processes, and re-reads the file under
 *       it. Reads take no lock: a rename never shows a half-written file.
 *   <li><b>Idempotent create.</b> The idempotency key is kept in the ticket's metadata as
 *       {@code idempotency-key} and looked up under the lock before filing, so a resumed run never files a
 *       discovered ticket twice.
 *   <li><b>Claim as compare-and-set.</b> {@link #claim} checks {@code OPEN} and writes {@code IN_PROGRESS}
 *       under the lock, so of several concurrent claimers exactly one wins.
 * </ul>
 * Optional, for passes that cost what changed: {@link #changesSince} answers "nothing changed" for a file
 * whose identity is the one it read last, and a full read otherwise. The module's tests run loop-testing's
 * {@code TrackerContract} against it. Thread-safe.
 */
public final class JsonFileTracker implements Tracker {
  /** The version of the file layout this class reads and writes. */
  public static final int FORMAT = 1;
  /** The metadata key that holds a ticket's idempotency key. */
  public static final String KEY_METADATA = "idempotency-key";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
  private static final String ID_PREFIX = "J-";

  private final Path file;
  private final Path lockFile;
  private final ReentrantLock lock;
  private final Clock clock;

  private JsonFileTracker(Path file, Clock clock) {
    this.file = file;
    this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
    this.lock = LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
    this.clock = clock;
  }

  /** A tracker on {@code file} with the system clock; see {@link #open(Path, Clock)}. */
  public static JsonFileTracker open(Path file) {
    return open(file, Clock.systemUTC());
  }

  /**
   * A tracker on {@code file}, stamping new tickets and comments with {@code clock}. The file need not exist.
   *
   * @throws InputException if the file's folder does not exist, or the path is a directory
   */
  public static JsonFileTracker open(Path file, Clock clock) {
    Path absolute = file.toAbsolutePath().normalize();
    Path folder = absolute.getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      throw new InputException("folder of tickets file " + file + " does not exist: expected an existing"
          + " directory to hold the file");
    }
    if (Files.isDirectory(absolute)) {
      throw new InputException("tickets file " + file + " is a directory: expected a JSON file (or no file yet)");
    }
    return new JsonFileTracker(absolute, Objects.requireNonNull(clock, "clock"));
  }

  /** The file this tracker reads and writes. */
  public Path file() {
    return file;
  }

  /** Every ticket in the file, in file order; one read of the file. */
  @Override
  public Batch readBatch() {
    Map<String, Ticket> tickets = read();
    return Batch.of(tickets.values());
  }

  /**
   * No changes when the file is provably the one read for {@code cursor}, else a full read: the cursor is the
   * file's identity (path, size, modification time, file key) taken just before that read. A pass over an
   * unchanged file costs one {@code stat} instead of a read and a parse. File times can be coarse, so a file
   * modified less than 2 s ago gives no cursor and the next call reads it again.
   */
  @Override
  public BatchChanges changesSince(String cursor) {
    String identity = identity(); // taken before the read, so an edit during the read changes it
    if (!cursor.isEmpty() && cursor.equals(identity)) {
      return BatchChanges.since(List.of(), Set.of(), cursor);
    }
    return BatchChanges.full(readBatch(), identity);
  }

  private String identity() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      // file times are wall-clock times, whatever clock stamps the tickets
      if (a.lastModifiedTime().toInstant().isAfter(Clock.systemUTC().instant().minusSeconds(2))) {
        return "";
      }
      return "json:" + file + ":" + a.size() + ":" + a.lastModifiedTime() + ":" + a.fileKey();
    } catch (NoSuchFileException e) {
      return "json:" + file + ":absent";
    } catch (IOException e) {
      throw new AdapterException("cannot read the attributes of tickets file " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Ticket> find(String id) {
    return Optional.ofNullable(read().get(id));
  }

  /**
   * Files an open ticket under the lock: the ticket filed earlier with the same idempotency key if there is
   * one, else a new ticket with the requested id when it is free or {@code J-<n>}.
   *
   * @throws InputException if a dependency names a ticket the file does not hold
   */
  @Override
  public Ticket create(NewTicket draft) {
    return update(tickets -> {
      String key = draft.idempotencyKey();
      if (!key.isEmpty()) {
        for (Ticket t : tickets.values()) {
          if (key.equals(t.metadata().get(KEY_METADATA))) {
            return t;
          }
        }
      }
      for (Dependency d : draft.dependencies()) {
        require(tickets, d.target(), "dependency of new ticket '" + draft.title() + "'");
      }
      String id = draft.requestedId();
      if (id == null || tickets.containsKey(id)) {
        id = nextId(tickets);
      }
      Ticket.Builder b = draft.toTicket(id, clock.instant()).toBuilder();
      if (!key.isEmpty()) {
        b.putMetadata(KEY_METADATA, key);
      }
      Ticket ticket = b.build();
      tickets.put(id, ticket);
      return ticket;
    });
  }

  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    update(tickets -> {
      Ticket t = require(tickets, ticketId, "addDependency");
      require(tickets, dependency.target(), "dependency target of " + ticketId);
      if (!t.dependencies().contains(dependency)) {
        tickets.put(ticketId, t.toBuilder().addDependency(dependency).build());
      }
      return null;
    });
  }

  /** Sets the status and records a non-blank {@code note} as a comment; a no-op to the current status. */
  @Override
  public void transition(String ticketId, Status to, String note) {
    update(tickets -> {
      Ticket t = require(tickets, ticketId, "transition");
      if (t.status() != to) {
        tickets.put(ticketId, moved(t, to, note));
      }
      return null;
    });
  }

  @Override
  public void comment(String ticketId, String body) {
    update(tickets -> {
      Ticket t = require(tickets, ticketId, "comment");
      tickets.put(ticketId, t.toBuilder().addComment(new Comment(clock.instant(), "loop", body)).build());
      return null;
    });
  }

  /** Compare-and-set under the lock: moves an open ticket to in progress and returns true, else false. */
  @Override
  public boolean claim(String ticketId, String owner) {
    return update(tickets -> {
      Ticket t = require(tickets, ticketId, "claim");
      if (t.status() != Status.OPEN) {
        return false;
      }
      tickets.put(ticketId, moved(t, Status.IN_PROGRESS, "claimed by " + owner));
      return true;
    });
  }

  @Override
  public String toString() {
    return "JsonFileTracker{" + file + "}";
  }

  private Ticket moved(Ticket t, Status to, String note) {
    Ticket.Builder b = t.toBuilder().status(to);
    if (!note.isBlank()) {
      b.addComment(new Comment(clock.instant(), "loop", note));
    }
    return b.build();
  }

  private Ticket require(Map<String, Ticket> tickets, String id, String where) {
    Ticket t = tickets.get(id);
    if (t == null) {
      throw new InputException("unknown ticket '" + id + "' in " + where + ": " + file + " holds "
          + tickets.keySet());
    }
    return t;
  }

  private static String nextId(Map<String, Ticket> tickets) {
    long max = 0;
    for (String id : tickets.keySet()) {
      if (id.startsWith(ID_PREFIX) && id.length() > ID_PREFIX.length() && id.length() < 19
          && id.substring(ID_PREFIX.length()).chars().allMatch(Character::isDigit)) {
        max = Math.max(max, Long.parseLong(id.substring(ID_PREFIX.length())));
      }
    }
    return ID_PREFIX + (max + 1);
  }

  // ---- the lock, the atomic write and the file format ----

  /** Re-reads the file under both locks, applies {@code change}, and writes the file back atomically. */
  private <T> T update(Function<Map<String, Ticket>, T> change) {
    lock.lock();
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      channel.lock(); // released when the channel closes
      Map<String, Ticket> tickets = read();
      Map<String, Ticket> before = new LinkedHashMap<>(tickets);
      T result = change.apply(tickets);
      if (!before.equals(tickets)) {
        write(tickets);
      }
      return result;
    } catch (IOException e) {
      throw new AdapterException("cannot lock or write tickets file " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private void write(Map<String, Ticket> tickets) throws IOException {
    ObjectNode root = JSON.createObjectNode().put("format", FORMAT);
    ArrayNode array = root.putArray("tickets");
    tickets.values().forEach(t -> array.add(toJson(t)));
    byte[] bytes = JSON.writeValueAsBytes(root);
    Path folder = Objects.requireNonNull(file.getParent());
    Path temp = Files.createTempFile(folder, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new AdapterException("cannot replace " + file + " atomically on this file system: expected a local"
            + " file system that supports atomic rename", e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    forceFolder(folder);
  }

  /** Makes the rename durable; some platforms (Windows) cannot open a directory, and rename durably anyway. */
  private static void forceFolder(Path folder) {
    try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // not supported here: the rename is as durable as this platform makes it
    }
  }

  /** The tickets in the file, in file order; empty when there is no file yet. */
  private Map<String, Ticket> read() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new LinkedHashMap<>();
    } catch (IOException e) {
      throw new AdapterException("cannot read tickets file " + file + ": " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new InputException("tickets file " + file + " is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr()), e);
    } catch (IOException e) {
      throw new AdapterException("cannot read tickets file " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new InputException("tickets file " + file + " holds " + (root == null ? "nothing" : root.getNodeType())
          + ": expected an object {\"format\": " + FORMAT + ", \"tickets\": [...]}");
    }
    JsonNode format = root.path("format");
    if (!format.isInt() || format.intValue() != FORMAT) {
      throw new InputException("tickets file " + file + " has format " + format + ": expected " + FORMAT);
    }
    JsonNode array = root.path("tickets");
    if (!array.isArray()) {
      throw new InputException("tickets file " + file + " has no \"tickets\" array: expected a list of tickets");
    }
    Map<String, Ticket> tickets = new LinkedHashMap<>();
    for (int i = 0; i < array.size(); i++) {
      Ticket t = fromJson(array.get(i), "ticket #" + (i + 1) + " of " + file);
      if (tickets.putIfAbsent(t.id(), t) != null) {
        throw new InputException("tickets file " + file + " holds ticket id '" + t.id() + "' twice (again at"
            + " ticket #" + (i + 1) + "): expected unique ids");
      }
    }
    return tickets;
  }

  private static ObjectNode toJson(Ticket t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", t.id()).put("title", t.title()).put("status", t.status().wireName()).put("priority", t.priority())
        .put("body", t.body()).put("createdAt", t.createdAt().toString());
    t.acceptanceCriteria().forEach(n.putArray("acceptanceCriteria")::add);
    t.labels().forEach(n.putArray("labels")::add);
    t.resources().stream().sorted().forEach(n.putArray("resources")::add);
    ArrayNode dependencies = n.putArray("dependencies");
    t.dependencies().forEach(d -> dependencies.add(d.toString()));
    ObjectNode metadata = n.putObject("metadata");
    t.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> metadata.put(e.getKey(), e.getValue()));
    ArrayNode comments = n.putArray("comments");
    for (Comment c : t.comments()) {
      comments.addObject().put("at", c.at().toString()).put("author", c.author()).put("body", c.body());
    }
    return n;
  }

  private static Ticket fromJson(JsonNode n, String where) {
    if (!n.isObject()) {
      throw new InputException(where + " is " + n.getNodeType() + ": expected an object");
    }
    String id = text(n, "id", where, null);
    if (!Ticket.isValidId(id)) {
      throw new InputException(where + " has id '" + id + "': expected 1-100 letters, digits, '.', '_' or '-',"
          + " starting with a letter or digit");
    }
    String at = "ticket " + id + " (" + where + ")";
    try {
      Ticket.Builder b = Ticket.builder(id)
          .title(text(n, "title", at, null))
          .status(Status.parse(text(n, "status", at, null)))
          .body(text(n, "body", at, ""))
          .acceptanceCriteria(strings(n, "acceptanceCriteria", at))
          .labels(strings(n, "labels", at))
          .resources(new LinkedHashSet<>(strings(n, "resources", at)))
          .createdAt(instant(text(n, "createdAt", at, Instant.EPOCH.toString()), "createdAt", at));
      JsonNode priority = n.path("priority");
      if (!priority.isMissingNode()) {
        if (!priority.isInt()) {
          throw new InputException(at + " has priority " + priority + ": expected an integer 0 to 4");
        }
        b.priority(priority.intValue());
      }
      for (String d : strings(n, "dependencies", at)) {
        b.addDependency(Dependency.parse(d));
      }
      JsonNode metadata = n.path("metadata");
      if (!metadata.isMissingNode()) {
        if (!metadata.isObject()) {
          throw new InputException(at + " has metadata " + metadata.getNodeType() + ": expected an object of strings");
        }
        for (Map.Entry<String, JsonNode> e : metadata.properties()) {
          if (!e.getValue().isTextual()) {
            throw new InputException(at + " has metadata '" + e.getKey() + "' = " + e.getValue()
                + ": expected a string");
          }
          b.putMetadata(e.getKey(), e.getValue().textValue());
        }
      }
      JsonNode comments = n.path("comments");
      if (!comments.isMissingNode() && !comments.isArray()) {
        throw new InputException(at + " has comments " + comments.getNodeType() + ": expected a list");
      }
      for (int i = 0; i < comments.size(); i++) {
        String c = "comment #" + (i + 1) + " of " + at;
        JsonNode node = comments.get(i);
        b.addComment(new Comment(instant(text(node, "at", c, null), "at", c), text(node, "author", c, ""),
            text(node, "body", c, null)));
      }
      return b.build();
    } catch (InputException e) {
      if (e.getMessage() != null && e.getMessage().contains(at)) {
        throw e;
      }
      throw new InputException(at + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field, String where, @Nullable String fallback) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() && fallback != null) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new InputException(where + " has " + (v.isMissingNode() ? "no \"" + field + "\"" : "\"" + field + "\": "
          + v) + ": expected a string");
    }
    return v.textValue();
  }

  private static List<String> strings(JsonNode n, String field, String where) {
    JsonNode v = n.path(field);
    List<String> out = new ArrayList<>();
    if (v.isMissingNode()) {
      return out;
    }
    if (!v.isArray()) {
      throw new InputException(where + " has \"" + field + "\": " + v + ": expected a list of strings");
    }
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new InputException(where + " has " + e + " in \"" + field + "\": expected a string");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static Instant instant(String value, String field, String where) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InputException(where + " has \"" + field + "\": \"" + value + "\": expected an ISO-8601 instant"
          + " such as 2026-01-31T12:00:00Z", e);
    }
  }

  /**
   * Files two tickets in {@code args[0]} (default {@code batch.json}), the second blocked by the first; claims
   * and finishes the first; prints the file. Run it twice: the idempotency keys file nothing new the second
   * time, and the finished ticket stays done.
   */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args.length > 0 ? args[0] : "batch.json");
    JsonFileTracker tracker = open(file);
    Ticket schema = tracker.create(NewTicket.builder("Add the orders table").idempotencyKey("example/schema")
        .acceptanceCriteria(List.of("migration V7 applies on an empty database")).build());
    Ticket api = tracker.create(NewTicket.builder("Serve GET /orders/{id}").idempotencyKey("example/api")
        .addDependency(Dependency.blockedBy(schema.id())).build());
    if (tracker.claim(schema.id(), "example")) {
      tracker.transition(schema.id(), Status.DONE, "verified: migration V7 applied");
    }
    System.out.println(Files.readString(file));
    Set<String> open = new LinkedHashSet<>();
    tracker.tickets(Status.OPEN).forEach(t -> open.add(t.id()));
    System.out.println("open: " + open + " (" + api.id() + " waited for " + schema.id() + ")");
  }
}

package dev.loopkit.core.markdown;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The embedded {@link Tracker}: a folder with one {@code <id>.md} file per ticket, YAML front matter for the
 * fields, the Markdown body for the description and a trailing {@code ## Log} section for comments. The file
 * format is described in {@code loop-core/MARKDOWN-TRACKER.md}.
 *
 * <pre>{@code
 * Tracker tracker = MarkdownTracker.open(Path.of("tickets"));
 * Ticket t = tracker.create(NewTicket.builder("Add retries").idempotencyKey("plan-1/retries").build());
 * }</pre>
 *
 * <p><b>The folder.</b> Every regular file ending in {@code .md} is a ticket file, except {@code README.md}
 * (any letter case), which is skipped so the folder can explain itself, and names starting with a dot (the
 * lock file {@code .loop.lock} and temporary files). A ticket file without front matter is an error naming
 * it: a file that looks like a ticket but is not read as one would be silently dropped from the batch.
 *
 * <p><b>Safety.</b> Every write replaces its file atomically (temporary file, fsync, rename, fsync of the
 * folder), so a crash leaves the old or the new file, never a part. Every read-modify-write (create, add a
 * dependency, transition, comment, claim) re-reads the file while holding the folder's lock: an exclusive
 * file lock on {@code .loop.lock} across processes plus a lock shared by every tracker on the same folder in
 * this JVM. So several processes and threads may use one folder, and {@link #claim} is atomic across them.
 * A file a person is editing is read as saved; the tracker rewrites only files it changes.
 *
 * <p><b>What is kept between calls, and what a read costs.</b> The tracker keeps the tickets it parsed, each
 * with its file's identity: size, modification time at full precision, and the file key (device and inode)
 * where the OS gives one. {@link #readBatch} and {@link #changesSince} list the folder (one listing and one
 * {@code stat} per file: O(files), which is cheap next to parsing) and read and parse only the files whose
 * identity changed, dropping files that vanished; every other ticket is the same instance as on the previous
 * call. Because file times can be coarse, a file modified less than 2 s before a scan started is read again on
 * the next scan too, so a file rewritten within one tick at the same size is still seen. A person's edit is
 * therefore seen by the next call, as before; only the parsing of unchanged files is saved. {@link #find} and
 * the read-modify-writes read their one file afresh.
 *
 * <p><b>Validation.</b> Bad files are {@link InputException}s naming the file, the field, its line and what
 * was expected: invalid YAML, unknown fields, a missing id or title, an id that differs from the file name, a
 * duplicate id (ids that differ only in letter case count as duplicates: they clash on case-insensitive file
 * systems), an unknown status, a bad priority, a malformed log, and (in {@link #readBatch} and
 * {@link #changesSince}) a dependency on an id no file holds. The checks cover the whole folder on every read,
 * but their indexes are kept as files change, so checking an unchanged folder costs nothing more. I/O failures
 * are {@link AdapterException}s.
 *
 * <p>Thread-safe; every method may block on the folder's lock.
 */
public final class MarkdownTracker implements Tracker {
  private static final Pattern ID_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,80}");

  private final TicketFolder folder;
  private final TicketFileFormat format = new TicketFileFormat();
  private final FolderIndex index;
  private final Clock clock;
  private final String idPrefix;
  private final String author;

  private MarkdownTracker(Builder b, Path realDir) {
    this.folder = new TicketFolder(realDir);
    // file times are the file system's wall clock, whatever clock stamps the tickets
    this.index = new FolderIndex(folder, format, Clock.systemUTC(), b.watchFolder);
    this.clock = b.clock;
    this.idPrefix = b.idPrefix;
    this.author = b.author;
  }

  /**
   * A tracker on an existing folder, with the system clock, id prefix {@code T} and comment author
   * {@code loop}.
   *
   * @param folder the directory of {@code <id>.md} ticket files
   * @return the tracker
   * @throws InputException if the folder does not exist or is not a directory
   */
  public static MarkdownTracker open(Path folder) {
    return builder(folder).build();
  }

  /**
   * Starts a builder for a tracker on {@code folder}, to set the clock, id prefix, author or folder handling.
   *
   * @param folder the directory of {@code <id>.md} ticket files
   * @return a new builder
   */
  public static Builder builder(Path folder) {
    return new Builder(folder);
  }

  /** {@return the folder's real path} */
  public Path folder() {
    return folder.dir();
  }

  /**
   * The whole batch as one consistent snapshot (read under the lock), ordered by id with numbers compared by
   * value ({@code T-2} before {@code T-10}). Lists the folder and parses only the files whose identity changed
   * since the last call (see the class comment); tickets of unchanged files are the same instances as before,
   * and an unchanged folder gives the same {@link Batch} instance.
   *
   * @throws InputException for a malformed file, a duplicate id, or a dependency on an id no file holds
   */
  @Override
  public Batch readBatch() {
    return folder.locked(() -> {
      refreshChecked();
      return index.batch();
    });
  }

  /**
   * The tickets whose files changed since {@code cursor}, and the ids whose files vanished, from the same scan
   * as {@link #readBatch()}: the cost is one folder listing plus a parse of each changed file. The cursor names
   * this tracker instance and a generation of its view of the folder; the empty string, a cursor of another
   * tracker instance (another folder, another process, a restart) or one older than the last
   * {@value FolderIndex#LOG_LIMIT} changing reads gets a full read. Writes by this tracker, by other trackers on
   * the folder and by people are all changes of files, so all are seen.
   *
   * @throws InputException as {@link #readBatch()} does: the checks cover the whole folder on every call
   */
  @Override
  public BatchChanges changesSince(String cursor) {
    Objects.requireNonNull(cursor, "cursor");
    return folder.locked(() -> {
      refreshChecked();
      return index.changesSince(cursor);
    });
  }

  private void refreshChecked() {
    index.refresh();
    index.checkIds();
    index.checkDependencies();
  }

  /** How many ticket files this tracker's scans have parsed: what {@link #readBatch()} cost, for tests. */
  long parsedFiles() {
    return folder.locked(index::parsedFiles);
  }

  /** How many times this tracker listed its folder in full, for tests. */
  long fullListings() {
    return folder.locked(index::fullListings);
  }

  /** Reads one ticket file; empty when no file holds {@code id} (or {@code id} is not a valid ticket id). */
  @Override
  public Optional<Ticket> find(String id) {
    if (!isTicketId(id)) {
      return Optional.empty();
    }
    return readTicket(id);
  }

  /**
   * Creates a ticket file under the lock. The idempotency key is stored in the ticket's metadata as
   * {@code idempotency-key} and looked up in every file first, so a repeated create returns the ticket filed
   * before, as it is now. The id is the requested one if no ticket holds it, else {@code <prefix>-<n>} with
   * {@code n} one more than the highest number in use for the prefix.
   *
   * @throws InputException if a dependency names a ticket no file holds
   */
  @Override
  public Ticket create(NewTicket draft) {
    Objects.requireNonNull(draft, "draft");
    return folder.locked(() -> {
      index.refresh();
      index.checkIds();
      List<Ticket> tickets = index.batch().tickets();
      String key = draft.idempotencyKey();
      if (!key.isEmpty()) {
        for (Ticket t : tickets) {
          if (key.equals(t.metadata().get(TicketFileFormat.IDEMPOTENCY_KEY))) {
            return t;
          }
        }
      }
      for (Dependency d : draft.dependencies()) {
        if (!index.holds(d.target())) {
          throw new InputException("new ticket '" + draft.title() + "' depends on '" + d + "', but no file in "
              + folder.dir() + " holds ticket '" + d.target() + "': expected the id of an existing ticket");
        }
      }
      String id = draft.requestedId();
      if (id == null || index.holdsIgnoringCase(id)) {
        id = nextId(tickets);
      }
      Ticket.Builder b = draft.toTicket(id, clock.instant()).toBuilder();
      if (!key.isEmpty()) {
        b.putMetadata(TicketFileFormat.IDEMPOTENCY_KEY, key);
      }
      return write(b.build());
    });
  }

  /**
   * Adds a dependency under the lock; one that exists is a no-op.
   *
   * @throws InputException if either ticket has no file, or the edge points at the ticket itself
   */
  @Override
  public void addDependency(String ticketId, Dependency dependency) {
    Objects.requireNonNull(dependency, "dependency");
    update(ticketId, "add a dependency to", t -> {
      if (!isTicketId(dependency.target()) || readTicket(dependency.target()).isEmpty()) {
        throw new InputException("dependency '" + dependency + "' of ticket " + ticketId + " names ticket '"
            + dependency.target() + "', which no file in " + folder.dir() + " holds: expected an existing id");
      }
      return t.dependencies().contains(dependency) ? t : t.toBuilder().addDependency(dependency).build();
    });
  }

  /**
   * Sets the status under the lock and appends a non-blank {@code note} to the log; a ticket already in
   * {@code to} is left untouched.
   *
   * @throws InputException if no file holds the ticket
   */
  @Override
  public void transition(String ticketId, Status to, String note) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(note, "note");
    update(ticketId, "transition", t -> moved(t, to, note));
  }

  /**
   * Appends a comment by this tracker's author to the ticket's log, under the lock.
   *
   * @throws InputException if no file holds the ticket
   */
  @Override
  public void comment(String ticketId, String body) {
    Objects.requireNonNull(body, "body");
    update(ticketId, "comment on", t -> t.toBuilder().addComment(new Comment(clock.instant(), author, body)).build());
  }

  /**
   * Moves an open ticket to in-progress with the note {@code claimed by <owner>}, atomically across threads and
   * processes; false if the ticket is not open.
   *
   * @throws InputException if no file holds the ticket
   */
  @Override
  public boolean claim(String ticketId, String owner) {
    Objects.requireNonNull(owner, "owner");
    boolean[] won = new boolean[1];
    update(ticketId, "claim", t -> {
      if (t.status() != Status.OPEN) {
        return t;
      }
      won[0] = true;
      return moved(t, Status.IN_PROGRESS, "claimed by " + owner);
    });
    return won[0];
  }

  /**
   * Writes a ticket's file as given, replacing the file of a ticket with the same id: for importing tickets
   * from another tracker or laying out a batch in code. Dependencies are not checked here (the targets may
   * be written next); {@link #readBatch} checks them.
   *
   * @param ticket the ticket to write
   * @return the ticket as read back from its file (text blocks normalized as the file format describes)
   */
  public Ticket put(Ticket ticket) {
    Objects.requireNonNull(ticket, "ticket");
    return folder.locked(() -> write(ticket));
  }

  @Override
  public String toString() {
    return "MarkdownTracker{" + folder.dir() + "}";
  }

  private Ticket moved(Ticket t, Status to, String note) {
    if (t.status() == to) {
      return t;
    }
    Ticket.Builder b = t.toBuilder().status(to);
    if (!TicketFileFormat.normalizeBlock(note).isEmpty()) {
      b.addComment(new Comment(clock.instant(), author, note));
    }
    return b.build();
  }

  /** Re-reads the ticket under the lock, applies {@code change}, writes it if it changed. */
  private void update(String ticketId, String action, UnaryOperator<Ticket> change) {
    Objects.requireNonNull(ticketId, "ticketId");
    folder.locked(() -> {
      Ticket current = (isTicketId(ticketId) ? readTicket(ticketId) : Optional.<Ticket>empty())
          .orElseThrow(() -> new InputException("cannot " + action + " ticket '" + ticketId + "': no file "
              + ticketId + ".md in " + folder.dir() + ": expected the id of an existing ticket"));
      Ticket changed = change.apply(current);
      if (!changed.equals(current)) {
        write(changed);
      }
      return changed;
    });
  }

  private Ticket write(Ticket ticket) {
    Path file = folder.fileOf(ticket.id());
    String text = format.render(ticket);
    Ticket stored = format.parse(file, text);
    folder.write(file, text);
    return stored;
  }

  private Optional<Ticket> readTicket(String id) {
    Path file = folder.fileOf(id);
    return folder.read(file).map(text -> checkName(file, format.parse(file, text)));
  }

  private static Ticket checkName(Path file, Ticket t) {
    String expected = TicketFolder.idOf(file);
    if (!t.id().equals(expected)) {
      throw new InputException(file + ": field 'id': '" + t.id() + "' differs from the file name: expected id: "
          + expected + " (or rename the file to " + t.id() + ".md)");
    }
    return t;
  }

  private String nextId(List<Ticket> tickets) {
    String stem = idPrefix + "-";
    long max = 0;
    for (Ticket t : tickets) {
      String id = t.id();
      if (id.regionMatches(true, 0, stem, 0, stem.length()) && id.length() > stem.length()
          && id.length() - stem.length() < 19 && id.substring(stem.length()).chars().allMatch(Character::isDigit)) {
        max = Math.max(max, Long.parseLong(id.substring(stem.length())));
      }
    }
    return stem + (max + 1);
  }

  /** Ids compared piecewise, runs of digits by numeric value: T-2 before T-10. */
  static int compareIds(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int ei = i;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
          ei++;
        }
        int ej = j;
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
          ej++;
        }
        String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  }

  /** The core's id rule, applied before an id becomes part of a path. */
  private static boolean isTicketId(String id) {
    try {
      Ticket.builder(id);
      return true;
    } catch (InputException e) {
      return false;
    }
  }

  /** Builds a {@link MarkdownTracker}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final Path folder;
    private Clock clock = Clock.systemUTC();
    private String idPrefix = "T";
    private String author = "loop";
    private boolean createFolder;
    private boolean watchFolder = true;

    private Builder(Path folder) {
      this.folder = Objects.requireNonNull(folder, "folder");
    }

    /**
     * The clock that stamps new tickets and comments; the system UTC clock by default.
     *
     * @param clock the clock for new tickets' and comments' timestamps
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The prefix of ids given to new tickets, {@code <prefix>-<n>}; {@code T} by default.
     *
     * @param prefix the prefix, such as {@code T} or {@code BUG}
     * @return this builder
     * @throws InputException unless 1-81 letters, digits, '.', '_' or '-', starting with a letter or digit
     */
    public Builder idPrefix(String prefix) {
      if (!ID_PREFIX.matcher(prefix).matches()) {
        throw new InputException("id prefix '" + prefix + "' of the Markdown tracker: expected 1-81 letters,"
            + " digits, '.', '_' or '-', starting with a letter or digit");
      }
      this.idPrefix = prefix;
      return this;
    }

    /**
     * The author written on comments this tracker adds (transition notes and comments); {@code loop} by default.
     *
     * @param author a non-blank single line, such as {@code loop}
     * @return this builder
     * @throws InputException if blank or longer than one line
     */
    public Builder author(String author) {
      if (author.isBlank() || author.contains("\n") || author.contains("\r")) {
        throw new InputException("comment author '" + author + "' of the Markdown tracker: expected a"
            + " non-blank single line, e.g. loop");
      }
      this.author = author.strip();
      return this;
    }

    /**
     * Whether {@link #build()} creates the folder (and its parents) when missing; false by default.
     *
     * @param create true to create the folder when missing
     * @return this builder
     */
    public Builder createFolder(boolean create) {
      this.createFolder = create;
      return this;
    }

    /**
     * Whether reads follow the folder's change events (Linux's inotify) instead of listing every file: default
     * true, where the platform has an event-driven watch (elsewhere every read lists the folder). A watched
     * read costs what changed plus one sentinel file created and deleted in the folder; the folder is still
     * listed in full at least every 2 s. Turn it off for a folder whose changes this machine's kernel does not
     * see as they happen (a network file system written from other machines): each read then lists it.
     *
     * @param watch false to list the whole folder on every read
     * @return this builder
     */
    public Builder watchFolder(boolean watch) {
      this.watchFolder = watch;
      return this;
    }

    /**
     * Builds the tracker.
     *
     * @return a tracker on the folder
     * @throws InputException if the folder does not exist (and {@link #createFolder} is off) or is not a
     *     directory; a missing folder is not read as an empty batch, which an oracle would judge done
     */
    public MarkdownTracker build() {
      try {
        if (createFolder) {
          Files.createDirectories(folder);
        }
        if (!Files.isDirectory(folder)) {
          throw new InputException("ticket folder " + folder.toAbsolutePath() + (Files.exists(folder)
              ? " is not a directory" : " does not exist") + ": expected a directory of <id>.md ticket files");
        }
        return new MarkdownTracker(this, folder.toRealPath());
      } catch (IOException e) {
        throw new AdapterException("cannot open ticket folder " + folder.toAbsolutePath() + ": " + e, e);
      }
    }
  }
}

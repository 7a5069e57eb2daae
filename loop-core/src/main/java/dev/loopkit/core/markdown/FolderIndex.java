package dev.loopkit.core.markdown;

import dev.loopkit.core.Batch;
import dev.loopkit.core.BatchChanges;
import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The parsed view of a ticket folder, kept between calls so that a pass costs what changed: each file's ticket
 * with the file's identity ({@link TicketFolder.FileIdentity}), the indexes that validation needs (ids ignoring
 * case, misnamed files, dependency targets no file holds), and a log of which ids changed in which generation,
 * for {@link #changesSince}.
 *
 * <p>{@link #refresh()} lists the folder (one listing and one {@code stat} per file: O(files), no file opened)
 * and reads and parses only files whose identity differs from the one cached, plus files still inside the racy
 * window (below). Where the folder is watched ({@link FolderWatch}: Linux's inotify), a refresh between full
 * listings costs what changed instead: it reads the files that events or this JVM's writes named (an edit has an
 * event however quickly it follows a read, so the racy window does not apply), and lists the folder in full only
 * every {@link #FULL_LISTING_INTERVAL}, after an
 * overflow of events, or when the watch was lost. A re-parsed file whose ticket is equal to the cached one keeps the cached instance and is no
 * change, so unchanged tickets are the same {@link Ticket} objects from call to call. The indexes are updated
 * per changed file, so validating an unchanged folder costs nothing beyond the listing.
 *
 * <p><b>The racy window.</b> Modification times can be coarse (2 s on FAT, 1 s on some network file systems,
 * a kernel tick elsewhere), so a file rewritten in place within the same tick with the same size keeps its
 * identity. A file whose modification time is less than {@link #RACY_WINDOW} before the start of the scan that
 * read it is therefore not trusted as unchanged: it is read again on every scan until a scan starts more than
 * that long after its modification time. The times compared are the file system's, so the scan's start comes
 * from the system clock, never from the tracker's (possibly fixed) clock; a modification time in the future
 * (a skewed file server, a {@code touch}) keeps a file re-read on every scan, which is correct, only slower.
 *
 * <p>Not thread-safe: every method is called holding the folder's lock.
 */
final class FolderIndex {
  /** How recent a modification time must be for the file to be read again on the next scan. */
  static final Duration RACY_WINDOW = Duration.ofSeconds(2);
  /** The longest a watched folder goes without a full listing (a safety net under the events). */
  static final Duration FULL_LISTING_INTERVAL = Duration.ofSeconds(2);
  /** Generations of changes kept for {@link #changesSince}; an older cursor gets a full read. */
  static final int LOG_LIMIT = 1024;
  private static final String README = "readme.md";
  private static final String CURSOR_PREFIX = "markdown:";

  private record Entry(TicketFolder.FileIdentity identity, Ticket ticket, boolean settled) {}

  /** The net change of one generation: ids whose ticket changed (or appeared) and ids that left the folder. */
  private record Change(long generation, Set<String> changed, Set<String> removed) {}

  private final TicketFolder folder;
  private final TicketFileFormat format;
  private final Clock fileClock;
  /** Names this index's cursors: a cursor of another tracker, folder or process is not ours and reads in full. */
  private final String cursorStem = CURSOR_PREFIX + UUID.randomUUID() + ":";

  private final Map<Path, Entry> entries = new HashMap<>();
  /** Exact id to the file holding it, in id order (the batch's order); one of them while ids clash. */
  private final SortedMap<String, Path> byId = new TreeMap<>(MarkdownTracker::compareIds);
  /** Lower-case id to every file holding it: more than one is a duplicate (they clash on some file systems). */
  private final Map<String, TreeSet<Path>> filesByKey = new HashMap<>();
  private final Set<String> clashingKeys = new TreeSet<>();
  private final TreeSet<Path> misnamed = new TreeSet<>();
  /** Dependency target to the files whose ticket names it. */
  private final Map<String, Set<Path>> holdersByTarget = new HashMap<>();
  /** Targets some ticket depends on that no file holds. */
  private final Set<String> missingTargets = new TreeSet<>(MarkdownTracker::compareIds);

  private final FolderWatch.Pending pending = new FolderWatch.Pending();
  private final boolean watched;
  private long lastFullListing = Long.MIN_VALUE;
  private boolean listedOnce;
  private long fullListings;

  private final Deque<Change> log = new ArrayDeque<>();
  private final Set<String> pendingChanged = new LinkedHashSet<>();
  private final Set<String> pendingRemoved = new LinkedHashSet<>();
  private long generation;
  private @Nullable Batch batch;
  private long parsedFiles;

  FolderIndex(TicketFolder folder, TicketFileFormat format, Clock fileClock) {
    this(folder, format, fileClock, true);
  }

  /** @param watch whether to use the folder's watch where there is one (false: list on every refresh) */
  FolderIndex(TicketFolder folder, TicketFileFormat format, Clock fileClock, boolean watch) {
    this.folder = folder;
    this.format = format;
    this.fileClock = fileClock;
    this.watched = watch && FolderWatch.subscribe(folder.dir(), pending);
  }

  /** How many times this index listed the folder in full. */
  long fullListings() {
    return fullListings;
  }

  /** How many files this index has parsed since it was made: the measure of what a scan cost. */
  long parsedFiles() {
    return parsedFiles;
  }

  /**
   * Brings the index up to date with the folder. The changes found are committed as one generation even when
   * a file fails to parse part-way (the files already read stay read), so no change is ever lost to a cursor.
   *
   * @throws InputException for a file that is not a valid ticket file (it stays unread, so the next scan tries
   *     it again)
   */
  void refresh() {
    Instant settledBefore = fileClock.instant().minus(RACY_WINDOW);
    try {
      Map<Path, TicketFolder.FileIdentity> listed;
      List<Path> toRead = new ArrayList<>();
      List<Path> vanished = new ArrayList<>();
      Set<Path> named = null;
      long now = System.nanoTime();
      if (watched) {
        FolderWatch.drain(folder.dir());
        if (listedOnce && now - lastFullListing < FULL_LISTING_INTERVAL.toNanos()) {
          named = pending.take(); // null: events overflowed, list in full
        }
      }
      if (named == null) {
        if (watched) {
          FolderWatch.ensure(folder.dir());
          pending.clear(); // the listing below covers whatever was named
        }
        listed = folder.ticketFiles();
        fullListings++;
        listedOnce = true;
        lastFullListing = now;
        for (Map.Entry<Path, TicketFolder.FileIdentity> f : listed.entrySet()) {
          Entry old = entries.get(f.getKey());
          if ((old == null || !old.settled() || !old.identity().equals(f.getValue())) && !isReadme(f.getKey())) {
            toRead.add(f.getKey());
          }
        }
        for (Path file : entries.keySet()) {
          if (!listed.containsKey(file)) {
            vanished.add(file);
          }
        }
      } else {
        // no racy window here: an edit after a file was read, however quick, has its own event
        listed = new HashMap<>();
        for (Path file : named) {
          if (isReadme(file)) {
            continue;
          }
          Optional<TicketFolder.FileIdentity> identity = folder.identity(file);
          if (identity.isPresent()) {
            listed.put(file, identity.get());
            toRead.add(file); // an event says it changed: read it whatever its identity says
          } else if (entries.containsKey(file)) {
            vanished.add(file);
          }
        }
      }
      toRead.sort(null); // so that of several bad files the first by name is the one reported
      if (named != null) {
        pending.overflowed(); // until this read completes: a failure part-way lists in full next time
      }
      for (Path file : toRead) {
        TicketFolder.FileIdentity identity = listed.get(file);
        // the identity was taken before the read, so an edit racing the read changes it and is read next time
        Optional<String> text = folder.read(file);
        if (text.isEmpty()) {
          vanished.add(file); // deleted by a person since the listing
          continue;
        }
        parsedFiles++;
        Ticket parsed = format.parse(file, text.get());
        boolean settled = identity.modified().toInstant().isBefore(settledBefore);
        Entry old = entries.get(file);
        if (old != null && old.ticket().equals(parsed)) {
          entries.put(file, new Entry(identity, old.ticket(), settled));
        } else {
          remove(file);
          add(file, new Entry(identity, parsed, settled));
        }
      }
      vanished.forEach(this::remove);
      if (named != null) {
        pending.settled();
      }
    } finally {
      commit();
    }
  }

  private static boolean isReadme(Path file) {
    return file.getFileName().toString().toLowerCase(Locale.ROOT).equals(README);
  }

  /**
   * Rejects duplicate ids (ignoring letter case) and ids that differ from their file's name, as a full read of
   * the folder would: the duplicate first, the misnamed file second.
   */
  void checkIds() {
    if (!clashingKeys.isEmpty()) {
      TreeSet<Path> files = filesByKey.get(clashingKeys.iterator().next());
      Path first = files.first();
      Path second = files.higher(first);
      Ticket t = entries.get(second).ticket();
      throw new InputException(second + ": field 'id': duplicate id '" + t.id() + "', also held by " + first
          + ": expected every ticket to have its own id (ids differing only in letter case count as the same)");
    }
    if (!misnamed.isEmpty()) {
      Path file = misnamed.first();
      String expected = TicketFolder.idOf(file);
      String id = entries.get(file).ticket().id();
      throw new InputException(file + ": field 'id': '" + id + "' differs from the file name: expected id: "
          + expected + " (or rename the file to " + id + ".md)");
    }
  }

  /**
   * Rejects a dependency on an id no file holds, naming the same ticket and edge a full check in id order
   * would name first. Costs nothing while every target is held (the set of missing targets is kept as files
   * change).
   */
  void checkDependencies() {
    if (missingTargets.isEmpty()) {
      return;
    }
    Ticket holder = null;
    for (String target : missingTargets) {
      for (Path file : holdersByTarget.get(target)) {
        Ticket t = entries.get(file).ticket();
        if (holder == null || MarkdownTracker.compareIds(t.id(), holder.id()) < 0) {
          holder = t;
        }
      }
    }
    for (Dependency d : holder.dependencies()) {
      if (missingTargets.contains(d.target())) {
        throw new InputException(folder.fileOf(holder.id()) + ": field 'depends_on': '" + d + "' names ticket '"
            + d.target() + "', which no file in " + folder.dir() + " holds: expected the id of a ticket in the"
            + " folder");
      }
    }
  }

  /** The whole batch in id order; the same instance until something changes. */
  Batch batch() {
    Batch b = batch;
    if (b == null) {
      List<Ticket> tickets = new ArrayList<>(byId.size());
      for (Path file : byId.values()) {
        tickets.add(entries.get(file).ticket());
      }
      b = Batch.of(tickets);
      batch = b;
    }
    return b;
  }

  /** Whether a file holds a ticket with exactly this id. */
  boolean holds(String id) {
    return byId.containsKey(id);
  }

  /** Whether a file holds a ticket with this id in any letter case. */
  boolean holdsIgnoringCase(String id) {
    return filesByKey.containsKey(id.toLowerCase(Locale.ROOT));
  }

  /** The cursor naming the current generation of this index. */
  String cursor() {
    return cursorStem + generation;
  }

  /**
   * What changed since {@code cursor}: the tickets of the ids changed in the generations after the cursor's,
   * and the ids removed, or the whole batch when the cursor is not one of this index's or is older than the
   * log. Call after {@link #refresh()} and the checks.
   */
  BatchChanges changesSince(String cursor) {
    long since = -1;
    if (cursor.startsWith(cursorStem)) {
      try {
        since = Long.parseLong(cursor.substring(cursorStem.length()));
      } catch (NumberFormatException e) {
        since = -1;
      }
    }
    if (since < 0 || since > generation) {
      return BatchChanges.full(batch(), cursor());
    }
    if (since == generation) {
      return BatchChanges.since(List.of(), Set.of(), cursor());
    }
    if (log.isEmpty() || log.peekFirst().generation() > since + 1) {
      return BatchChanges.full(batch(), cursor()); // older than the log
    }
    Set<String> changed = new LinkedHashSet<>();
    Set<String> removed = new LinkedHashSet<>();
    for (Change c : log) {
      if (c.generation() <= since) {
        continue;
      }
      for (String id : c.removed()) {
        changed.remove(id);
        removed.add(id);
      }
      for (String id : c.changed()) {
        removed.remove(id);
        changed.add(id);
      }
    }
    List<Ticket> tickets = new ArrayList<>(changed.size());
    for (String id : changed) {
      Path file = byId.get(id);
      if (file != null) {
        tickets.add(entries.get(file).ticket());
      }
    }
    tickets.sort((a, b) -> MarkdownTracker.compareIds(a.id(), b.id()));
    return BatchChanges.since(tickets, removed, cursor());
  }

  // ---- keeping the indexes ----

  private void add(Path file, Entry entry) {
    entries.put(file, entry);
    Ticket t = entry.ticket();
    String key = t.id().toLowerCase(Locale.ROOT);
    TreeSet<Path> files = filesByKey.computeIfAbsent(key, k -> new TreeSet<>());
    files.add(file);
    if (files.size() > 1) {
      clashingKeys.add(key);
    }
    if (!TicketFolder.idOf(file).equals(t.id())) {
      misnamed.add(file);
    }
    if (byId.putIfAbsent(t.id(), file) == null) {
      missingTargets.remove(t.id());
    }
    for (Dependency d : t.dependencies()) {
      holdersByTarget.computeIfAbsent(d.target(), k -> new HashSet<>()).add(file);
      if (!byId.containsKey(d.target())) {
        missingTargets.add(d.target());
      }
    }
    pendingRemoved.remove(t.id());
    pendingChanged.add(t.id());
  }

  private void remove(Path file) {
    Entry entry = entries.remove(file);
    if (entry == null) {
      return;
    }
    Ticket t = entry.ticket();
    String key = t.id().toLowerCase(Locale.ROOT);
    TreeSet<Path> files = filesByKey.get(key);
    files.remove(file);
    if (files.size() <= 1) {
      clashingKeys.remove(key);
    }
    if (files.isEmpty()) {
      filesByKey.remove(key);
    }
    misnamed.remove(file);
    for (Dependency d : t.dependencies()) {
      Set<Path> holders = holdersByTarget.get(d.target());
      if (holders != null && holders.remove(file) && holders.isEmpty()) {
        holdersByTarget.remove(d.target());
        missingTargets.remove(d.target());
      }
    }
    if (!file.equals(byId.get(t.id()))) {
      return; // a duplicate that was never the batch's ticket for its id
    }
    byId.remove(t.id());
    for (Path other : files) {
      if (entries.get(other).ticket().id().equals(t.id())) {
        byId.put(t.id(), other);
        pendingChanged.add(t.id());
        return;
      }
    }
    if (holdersByTarget.containsKey(t.id())) {
      missingTargets.add(t.id());
    }
    pendingChanged.remove(t.id());
    pendingRemoved.add(t.id());
  }

  private void commit() {
    if (pendingChanged.isEmpty() && pendingRemoved.isEmpty()) {
      return;
    }
    generation++;
    log.addLast(new Change(generation, Collections.unmodifiableSet(new LinkedHashSet<>(pendingChanged)),
        Collections.unmodifiableSet(new LinkedHashSet<>(pendingRemoved))));
    if (log.size() > LOG_LIMIT) {
      log.removeFirst();
    }
    pendingChanged.clear();
    pendingRemoved.clear();
    batch = null;
  }
}

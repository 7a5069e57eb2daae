package dev.loopkit.core.markdown;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Tells the indexes of a ticket folder which files changed, so that a pass need not list and stat every file.
 *
 * <p>One {@link WatchService} serves the whole JVM, and only where the platform's is event-driven (Linux's
 * inotify; elsewhere the JDK polls, which would report changes seconds late, so there is no watch and every
 * refresh lists the folder). Each folder has one registration, shared by every index open on it; events are
 * handed to every subscribed index, and so are this JVM's own writes ({@link #touched}), synchronously, so a
 * write is never missed for want of an event not yet delivered. An overflow, or a folder whose registration was
 * cancelled (deleted, unmounted), tells the subscribers to list the folder in full. Indexes are held weakly: a
 * tracker that is no longer used costs nothing. Thread-safe.
 *
 * <p><b>No change is late.</b> The JDK delivers events from a background thread, so an edit that completed just
 * before a refresh may not have been delivered when the refresh looks. {@link #drain} therefore first creates
 * (and deletes) a hidden sentinel file in the folder and waits until the sentinel's own event arrives: inotify
 * keeps one watch's events in order, so every change that completed before the drain began, by any process, has
 * been delivered by then. A sentinel that cannot be written (a read-only folder) or whose event does not arrive
 * within {@link #BARRIER_TIMEOUT} makes the refresh list the folder in full.
 */
final class FolderWatch {
  private static final @Nullable WatchService SERVICE = open();
  private static final ConcurrentMap<Path, FolderWatch> WATCHES = new ConcurrentHashMap<>();
  /** The longest a drain waits for its sentinel's event before it gives up and asks for a full listing. */
  static final java.time.Duration BARRIER_TIMEOUT = java.time.Duration.ofSeconds(1);
  /** This JVM's sentinel name: drains of one JVM are serialized by the folder's lock, so the name may repeat. */
  private static final String SENTINEL = ".loop.watch-" + java.util.UUID.randomUUID();

  /** What one index has yet to look at: the files events named, or that the folder must be listed in full. */
  static final class Pending {
    private final Set<Path> files = new LinkedHashSet<>();
    private boolean overflow;

    /** Takes the files named so far, or null when the folder must be listed in full; clears both. */
    synchronized @Nullable Set<Path> take() {
      if (overflow) {
        overflow = false;
        files.clear();
        return null;
      }
      Set<Path> out = new LinkedHashSet<>(files);
      files.clear();
      return out;
    }

    /** Forgets what was named: a full listing is about to cover it. */
    synchronized void clear() {
      overflow = false;
      files.clear();
    }

    private synchronized void add(Path file) {
      files.add(file);
    }

    /** The next {@link #take} lists in full (events were lost, or a read failed part-way). */
    synchronized void overflowed() {
      overflow = true;
    }

    /** Withdraws {@link #overflowed} set by the reader itself once its read completed. */
    synchronized void settled() {
      overflow = false;
    }
  }

  private final Path dir;
  private final WatchKey key;
  private final List<WeakReference<Pending>> subscribers = new ArrayList<>();

  private FolderWatch(Path dir, WatchKey key) {
    this.dir = dir;
    this.key = key;
  }

  private static @Nullable WatchService open() {
    try {
      WatchService service = FileSystems.getDefault().newWatchService();
      if (service.getClass().getName().equals("sun.nio.fs.LinuxWatchService")) {
        return service;
      }
      service.close(); // a polling implementation: late by seconds, no better than listing
    } catch (IOException | UnsupportedOperationException e) {
      // no watch on this platform or at this moment (e.g. out of inotify instances): list on every refresh
    }
    return null;
  }

  /**
   * Subscribes {@code pending} to the changes of {@code dir}; false when there is no watch (the platform has none,
   * or registering failed, e.g. out of inotify watches), so the index must list the folder on every refresh.
   */
  static boolean subscribe(Path dir, Pending pending) {
    FolderWatch watch = of(dir);
    if (watch == null) {
      return false;
    }
    synchronized (watch) {
      watch.subscribers.add(new WeakReference<>(pending));
    }
    return true;
  }

  private static @Nullable FolderWatch of(Path dir) {
    if (SERVICE == null) {
      return null;
    }
    FolderWatch existing = WATCHES.get(dir);
    if (existing != null && existing.key.isValid()) {
      return existing;
    }
    synchronized (WATCHES) {
      existing = WATCHES.get(dir);
      if (existing != null && existing.key.isValid()) {
        return existing;
      }
      try {
        WatchKey key = dir.register(SERVICE, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
        FolderWatch watch = new FolderWatch(dir, key);
        if (existing != null) {
          synchronized (existing) {
            watch.subscribers.addAll(existing.subscribers);
          }
        }
        WATCHES.put(dir, watch);
        return watch;
      } catch (IOException | UnsupportedOperationException e) {
        return null;
      }
    }
  }

  /**
   * Hands the events that arrived for {@code dir} to every subscriber; a subscriber of a folder whose watch
   * overflowed or was cancelled is told to list in full (and the folder is registered afresh on its next
   * subscription).
   */
  static void drain(Path dir) {
    FolderWatch watch = WATCHES.get(dir);
    if (watch != null) {
      watch.drain();
    }
    WatchService service = SERVICE;
    if (service != null) {
      while (service.poll() != null) {
        // keys are read through WATCHES; the queue only has to stay empty
      }
    }
  }

  /** Registers {@code dir} afresh if its watch was cancelled (a subscriber is about to list it in full). */
  static void ensure(Path dir) {
    if (WATCHES.containsKey(dir)) {
      of(dir);
    }
  }

  /** This JVM wrote {@code file}: every index on the folder looks at it on its next refresh. */
  static void touched(Path dir, Path file) {
    FolderWatch watch = WATCHES.get(dir);
    if (watch != null) {
      watch.forEach(p -> p.add(file));
    }
  }

  private synchronized void drain() {
    boolean overflow = !key.isValid();
    Path sentinel = dir.resolve(SENTINEL);
    boolean barrier = !overflow && touch(sentinel);
    overflow |= !barrier;
    long deadline = System.nanoTime() + BARRIER_TIMEOUT.toNanos();
    boolean seen = false;
    while (true) {
      for (WatchEvent<?> event : key.pollEvents()) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW || !(event.context() instanceof Path name)) {
          overflow = true;
          continue;
        }
        if (name.toString().equals(SENTINEL)) {
          seen |= event.kind() == StandardWatchEventKinds.ENTRY_CREATE;
          continue;
        }
        Path file = dir.resolve(name);
        forEach(p -> p.add(file));
      }
      if (!key.reset()) {
        overflow = true; // the next full listing registers the folder afresh (ensure)
        break;
      }
      if (seen || !barrier) {
        break;
      }
      if (System.nanoTime() - deadline > 0) {
        overflow = true;
        break;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000);
    }
    if (overflow) {
      forEach(Pending::overflowed);
    }
  }

  /** Creates and deletes {@code sentinel}: an event that follows every change completed before it. */
  private static boolean touch(Path sentinel) {
    try {
      java.nio.file.Files.deleteIfExists(sentinel);
      java.nio.file.Files.createFile(sentinel);
      java.nio.file.Files.delete(sentinel);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private synchronized void forEach(java.util.function.Consumer<Pending> action) {
    for (Iterator<WeakReference<Pending>> it = subscribers.iterator(); it.hasNext(); ) {
      Pending p = it.next().get();
      if (p == null) {
        it.remove();
      } else {
        action.accept(p);
      }
    }
  }
}

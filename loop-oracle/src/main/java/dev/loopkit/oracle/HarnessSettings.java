package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The part of the harness a self-heal may change: prompts, budgets, retry settings, tool choices, as named
 * string entries ({@code worker.prompt}, {@code retries.max}, {@code tools.enabled}, ...). The host reads
 * them when it builds each fresh worker; a {@link dev.loopkit.core.Healer} edits them; the {@link HealGuard}
 * snapshots, diffs and, for a rejected heal, restores them. The definition of done never lives here.
 *
 * <p>Optionally backed by a properties file ({@link #load}, {@link #save}) so a heal survives a restart and
 * shows up in version control. Thread-safe: every method is atomic.
 */
public final class HarnessSettings {
  private final TreeMap<String, String> entries = new TreeMap<>();

  private HarnessSettings() {}

  /**
   * Empty settings, held in memory only until {@link #save} writes them.
   *
   * @return new settings with no entries
   */
  public static HarnessSettings create() {
    return new HarnessSettings();
  }

  /**
   * Settings with these entries, copied: later changes to the map do not reach them.
   *
   * @param entries setting names to values; no name may be blank
   * @return new settings holding a copy of the entries
   * @throws InputException if a name is blank
   */
  public static HarnessSettings of(Map<String, String> entries) {
    HarnessSettings s = new HarnessSettings();
    entries.forEach(s::set);
    return s;
  }

  /**
   * Reads a {@link Properties} file (UTF-8).
   *
   * @param file a properties file, such as one written by {@link #save}
   * @return new settings with the file's entries; the file is not watched afterwards
   * @throws UncheckedIOException if it cannot be read, naming the file
   * @throws InputException if it does not parse, naming the file
   */
  public static HarnessSettings load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IllegalArgumentException e) {
      throw new InputException("harness settings file " + file + " does not parse as properties: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read harness settings file " + file, e);
    }
    HarnessSettings s = new HarnessSettings();
    p.stringPropertyNames().forEach(k -> s.set(k, p.getProperty(k)));
    return s;
  }

  /**
   * Writes every entry, sorted, as a properties file (UTF-8), atomically and synced: a crash leaves either the
   * old file or the new one, never half of it.
   *
   * @param file the file to replace or create; its folder must exist, and a sibling {@code <name>.tmp} is used
   *     on the way
   * @throws UncheckedIOException if it cannot be written, naming the file
   */
  public synchronized void save(Path file) {
    StringBuilder out = new StringBuilder("# Loop harness settings\n");
    entries.forEach((k, v) -> out.append(escape(k, true)).append('=').append(escape(v, false)).append('\n'));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, out, StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write harness settings file " + file, e);
    }
  }

  /**
   * One entry.
   *
   * @param key the setting's name, e.g. {@code worker.prompt}
   * @return its value as stored (not trimmed), or empty when absent
   */
  public synchronized Optional<String> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * The entry, or {@code fallback} when absent.
   *
   * @param key the setting's name
   * @param fallback returned when the entry is absent (an empty value is present, and returned as it is)
   * @return the stored value or the fallback
   */
  public synchronized String get(String key, String fallback) {
    return entries.getOrDefault(key, fallback);
  }

  /**
   * An integer entry, surrounding blanks ignored.
   *
   * @param key the setting's name, e.g. {@code retries.max}
   * @param fallback returned when the entry is absent
   * @return the parsed value or the fallback
   * @throws InputException if the entry is present but not an integer, naming key and value
   */
  public synchronized int getInt(String key, int fallback) {
    String v = entries.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new InputException("harness setting " + key + "='" + v + "' is not an integer", e);
    }
  }

  /**
   * An ISO-8601 or {@code 90s}/{@code 5m}/{@code 1h}/{@code 500ms} duration.
   *
   * @param key the setting's name, e.g. {@code worker.timeout}
   * @param fallback returned when the entry is absent
   * @return the parsed, positive duration or the fallback
   * @throws InputException if the entry is present but not a positive duration in one of those forms, naming
   *     key and value
   */
  public synchronized Duration getDuration(String key, Duration fallback) {
    String v = entries.get(key);
    return v == null ? fallback : TicketCommandVerifier.parseDuration(v, "harness setting " + key);
  }

  /**
   * A comma-separated list, trimmed, empty items dropped (e.g. enabled tools).
   *
   * @param key the setting's name, e.g. {@code tools.enabled}
   * @return the items in their order; empty when the entry is absent or blank; a fresh list the caller may change
   */
  public synchronized List<String> getList(String key) {
    String v = entries.get(key);
    List<String> out = new ArrayList<>();
    if (v != null) {
      for (String item : v.split(",")) {
        if (!item.isBlank()) {
          out.add(item.trim());
        }
      }
    }
    return out;
  }

  /**
   * Adds or replaces an entry.
   *
   * @param key the setting's name; not blank
   * @param value the value, stored as it is (a multi-line value is allowed)
   * @return these settings, for chaining
   * @throws InputException if the key is blank
   */
  public synchronized HarnessSettings set(String key, String value) {
    if (key.isBlank()) {
      throw new InputException("harness setting key is blank: expected a name such as worker.prompt");
    }
    entries.put(key, java.util.Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Removes an entry; removing an absent one does nothing.
   *
   * @param key the setting's name
   * @return these settings, for chaining
   */
  public synchronized HarnessSettings remove(String key) {
    entries.remove(key);
    return this;
  }

  /**
   * The names of every entry at the time of the call.
   *
   * @return an unmodifiable, sorted copy; empty when there are no entries
   */
  public synchronized Set<String> keys() {
    return Collections.unmodifiableSet(new TreeSet<>(entries.keySet()));
  }

  /**
   * An immutable copy of every entry, sorted by key, for {@link #restore} and {@link #diff}.
   *
   * @return the entries at the time of the call; later changes do not reach it
   */
  public synchronized Map<String, String> snapshot() {
    return Collections.unmodifiableMap(new TreeMap<>(entries));
  }

  /**
   * Replaces every entry with those of {@code snapshot}, in one atomic step.
   *
   * @param snapshot the entries to hold afterwards, usually an earlier {@link #snapshot()}
   */
  public synchronized void restore(Map<String, String> snapshot) {
    entries.clear();
    entries.putAll(snapshot);
  }

  /**
   * What changed between two snapshots, one entry per line: {@code - key=old} then {@code + key=new}, sorted by
   * key; empty when equal. Multi-line values are written with {@code \n}.
   *
   * @param before the earlier snapshot
   * @param after the later snapshot
   * @return the changed entries, each line ending in a newline; an empty string when nothing changed
   */
  public static String diff(Map<String, String> before, Map<String, String> after) {
    StringBuilder out = new StringBuilder();
    Set<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      String was = before.get(k);
      String now = after.get(k);
      if (java.util.Objects.equals(was, now)) {
        continue;
      }
      if (was != null) {
        out.append("- ").append(k).append('=').append(oneLine(was)).append('\n');
      }
      if (now != null) {
        out.append("+ ").append(k).append('=').append(oneLine(now)).append('\n');
      }
    }
    return out.toString();
  }

  private static String oneLine(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  private static String escape(String s, boolean key) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '=': case ':': case '#': case '!':
          out.append('\\').append(c);
          break;
        case ' ':
          out.append(key || i == 0 ? "\\ " : " ");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  public synchronized String toString() {
    return "HarnessSettings" + entries.keySet();
  }
}

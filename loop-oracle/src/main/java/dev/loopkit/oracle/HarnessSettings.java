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

  public static HarnessSettings create() {
    return new HarnessSettings();
  }

  /** Settings with these entries. */
  public static HarnessSettings of(Map<String, String> entries) {
    HarnessSettings s = new HarnessSettings();
    entries.forEach(s::set);
    return s;
  }

  /**
   * Reads a {@link Properties} file (UTF-8).
   *
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

  /** Writes every entry, sorted, as a properties file (UTF-8), atomically and synced. */
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

  public synchronized Optional<String> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /** The entry, or {@code fallback} when absent. */
  public synchronized String get(String key, String fallback) {
    return entries.getOrDefault(key, fallback);
  }

  /** @throws InputException if the entry is present but not an integer, naming key and value */
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

  /** An ISO-8601 or {@code 90s}/{@code 5m}/{@code 1h}/{@code 500ms} duration. */
  public synchronized Duration getDuration(String key, Duration fallback) {
    String v = entries.get(key);
    return v == null ? fallback : TicketCommandVerifier.parseDuration(v, "harness setting " + key);
  }

  /** A comma-separated list, trimmed, empty items dropped (e.g. enabled tools). */
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

  /** @throws InputException if the key is blank */
  public synchronized HarnessSettings set(String key, String value) {
    if (key.isBlank()) {
      throw new InputException("harness setting key is blank: expected a name such as worker.prompt");
    }
    entries.put(key, java.util.Objects.requireNonNull(value, "value"));
    return this;
  }

  public synchronized HarnessSettings remove(String key) {
    entries.remove(key);
    return this;
  }

  public synchronized Set<String> keys() {
    return Collections.unmodifiableSet(new TreeSet<>(entries.keySet()));
  }

  /** An immutable copy of every entry, sorted by key. */
  public synchronized Map<String, String> snapshot() {
    return Collections.unmodifiableMap(new TreeMap<>(entries));
  }

  /** Replaces every entry with those of {@code snapshot}. */
  public synchronized void restore(Map<String, String> snapshot) {
    entries.clear();
    entries.putAll(snapshot);
  }

  /**
   * What changed between two snapshots, one entry per line: {@code - key=old} then {@code + key=new}, sorted by
   * key; empty when equal. Multi-line values are written with {@code \n}.
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

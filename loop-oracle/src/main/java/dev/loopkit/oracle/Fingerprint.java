package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A fingerprint of the definition of done: part names mapped to {@code sha256:<hex>} digests, plus the set of
 * files that were read to make it. Two fingerprints of an unchanged definition are equal, across processes
 * too, so a resumed run can compare against the one in its journal.
 *
 * <p>Keys look like {@code oracle.class}, {@code verifier.config.command},
 * {@code verifier.part.0.config.timeout} and {@code file:/abs/path/verify.sh}. Parts that implement
 * {@link Fingerprinted} describe themselves; any other object is described by its class name (lambda
 * classes without their per-process suffix) and its non-static, non-transient fields, recursively (four
 * levels deep): values of simple types are recorded, JDK and library objects by class only, an
 * {@link AtomicReference}, {@link Optional}, collection, map or array by its contents. Mark mutable
 * bookkeeping {@code transient} or implement {@link Fingerprinted} to keep it out.
 */
public final class Fingerprint {
  private static final int MAX_DEPTH = 4;
  private static final int MAX_ELEMENTS = 200;

  private final Map<String, String> parts;
  private final Set<Path> files;

  private Fingerprint(Map<String, String> parts, Set<Path> files) {
    this.parts = Collections.unmodifiableMap(new TreeMap<>(parts));
    this.files = Collections.unmodifiableSet(new LinkedHashSet<>(files));
  }

  /**
   * The fingerprint of one component under {@code name}.
   *
   * @param name the part's name, the prefix of its keys, e.g. {@code oracle}
   * @param component the object to describe, with the files it names
   * @return the fingerprint, taken now
   * @throws InputException if {@code name} is blank
   * @throws UncheckedIOException if a file the component reads cannot be read (a missing file is fine)
   */
  public static Fingerprint of(String name, Object component) {
    return builder().add(name, component).build();
  }

  /**
   * Starts an empty fingerprint, to add several components and files to.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Part name to digest, sorted by name; the map the engine records and compares.
   *
   * @return an unmodifiable map of keys such as {@code oracle.class} to {@code sha256:<hex>} values
   */
  public Map<String, String> parts() {
    return parts;
  }

  /**
   * Every file (absolute, normalized) whose content is part of this fingerprint, in the order first met.
   *
   * @return an unmodifiable set, including files that were missing when the fingerprint was taken
   */
  public Set<Path> files() {
    return files;
  }

  /**
   * What differs from {@code earlier}, one line per part, sorted: {@code changed: K}, {@code added: K} or
   * {@code removed: K}. Empty when nothing changed.
   *
   * @param earlier the {@link #parts()} of an earlier fingerprint, e.g. the one in the run's journal
   * @return the changed keys, worded as above; empty when equal
   */
  public List<String> changesFrom(Map<String, String> earlier) {
    return changes(earlier, parts);
  }

  /**
   * The differences between two fingerprint maps, as {@link #changesFrom} words them.
   *
   * @param before the earlier parts
   * @param after the later parts
   * @return one line per differing key, sorted by key; empty when the maps are equal
   */
  public static List<String> changes(Map<String, String> before, Map<String, String> after) {
    List<String> out = new ArrayList<>();
    Set<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String key : keys) {
      String was = before.get(key);
      String now = after.get(key);
      if (was == null) {
        out.add("added: " + key);
      } else if (now == null) {
        out.add("removed: " + key);
      } else if (!was.equals(now)) {
        out.add("changed: " + key);
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Fingerprint && ((Fingerprint) o).parts.equals(parts);
  }

  @Override
  public int hashCode() {
    return parts.hashCode();
  }

  @Override
  public String toString() {
    return "Fingerprint" + parts.keySet();
  }

  /** Collects components and files into a {@link Fingerprint}. Not thread-safe; build on one thread. */
  public static final class Builder {
    private final Map<String, String> parts = new TreeMap<>();
    private final Set<Path> files = new LinkedHashSet<>();

    private Builder() {}

    /**
     * Describes {@code component} under {@code name}.
     *
     * @param name the part's name, the prefix of its keys, e.g. {@code verifier}
     * @param component the object to describe, with the files it names
     * @return this builder
     * @throws InputException if {@code name} is blank or already used
     * @throws UncheckedIOException if a file the component reads cannot be read (a missing file is fine)
     */
    public Builder add(String name, Object component) {
      checkName(name);
      Objects.requireNonNull(component, "component");
      new Collector(this, name, Collections.newSetFromMap(new IdentityHashMap<>()), 0).describePart(component);
      return this;
    }

    /**
     * Adds a file (or a directory's files) read by no particular component, under {@code file:<absolute path>}.
     *
     * @param file a file or directory; one that does not exist is recorded as {@code missing}, so its appearance
     *     later is a change
     * @return this builder
     * @throws UncheckedIOException if the file or a file of the directory cannot be read
     */
    public Builder file(Path file) {
      recordFile(file);
      return this;
    }

    /**
     * The fingerprint of everything added so far.
     *
     * @return an immutable fingerprint; the builder may be used further
     */
    public Fingerprint build() {
      return new Fingerprint(parts, files);
    }

    private void checkName(String name) {
      if (name.isBlank()) {
        throw new InputException("fingerprint part name is blank: expected a name such as oracle or verifier");
      }
      String prefix = name + ".";
      for (String key : parts.keySet()) {
        if (key.startsWith(prefix)) {
          throw new InputException("fingerprint part name '" + name + "' is used twice: expected unique names");
        }
      }
    }

    private void put(String key, String canonicalText) {
      parts.put(key, "sha256:" + Sha256.hex(canonicalText));
    }

    private void recordFile(Path file) {
      Path path = file.toAbsolutePath().normalize();
      files.add(path);
      parts.put("file:" + path, fileDigest(path));
    }

    private static String fileDigest(Path path) {
      try {
        if (Files.isRegularFile(path)) {
          return "sha256:" + Sha256.ofFile(path);
        }
        if (Files.isDirectory(path)) {
          StringBuilder listing = new StringBuilder();
          List<Path> entries;
          try (Stream<Path> walk = Files.walk(path)) {
            entries = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
          }
          for (Path entry : entries) {
            listing.append(path.relativize(entry)).append(' ').append(Sha256.ofFile(entry)).append('\n');
          }
          return "dir-sha256:" + Sha256.hex(listing.toString());
        }
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "special" : "missing";
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path + " to fingerprint it", e);
      }
    }
  }

  /** The sink a component describes itself into, under one key prefix. */
  private static final class Collector implements FingerprintSink {
    private final Builder builder;
    private final String prefix;
    private final Set<Object> seen;
    private final int depth;

    Collector(Builder builder, String prefix, Set<Object> seen, int depth) {
      this.builder = builder;
      this.prefix = prefix;
      this.seen = seen;
      this.depth = depth;
    }

    @Override
    public FingerprintSink config(String key, @Nullable Object value) {
      String canonical = canonical(value);
      if (canonical != null) {
        builder.put(prefix + ".config." + key, canonical);
      } else {
        child(prefix + ".config." + key).describePart(value);
      }
      return this;
    }

    @Override
    public FingerprintSink file(Path file) {
      builder.recordFile(file);
      return this;
    }

    @Override
    public FingerprintSink part(String name, Object component) {
      child(prefix + ".part." + name).describePart(Objects.requireNonNull(component, "component"));
      return this;
    }

    private Collector child(String childPrefix) {
      return new Collector(builder, childPrefix, seen, depth + 1);
    }

    void describePart(@Nullable Object component) {
      if (component == null) {
        builder.put(prefix, "null");
        return;
      }
      builder.put(prefix + ".class", className(component.getClass()));
      if (!seen.add(component)) {
        builder.put(prefix + ".cycle", "cycle");
        return;
      }
      try {
        if (component instanceof Fingerprinted) {
          ((Fingerprinted) component).describe(this);
        } else {
          describeByFields(component);
        }
      } finally {
        seen.remove(component);
      }
    }

    private void describeByFields(Object component) {
      String canonical = canonical(component);
      if (canonical != null) {
        builder.put(prefix + ".value", canonical);
        return;
      }
      if (depth >= MAX_DEPTH) {
        return;
      }
      if (component instanceof AtomicReference) {
        child(prefix + ".value").describePart(((AtomicReference<?>) component).get());
      } else if (component instanceof Optional) {
        child(prefix + ".value").describePart(((Optional<?>) component).orElse(null));
      } else if (component instanceof Map) {
        Map<String, Object> sorted = new TreeMap<>();
        ((Map<?, ?>) component).forEach((k, v) -> sorted.put(String.valueOf(canonical(k)), v));
        int i = 0;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
          if (i++ == MAX_ELEMENTS) {
            break;
          }
          child(prefix + "[" + e.getKey() + "]").describePart(e.getValue());
        }
        builder.put(prefix + ".size", Integer.toString(sorted.size()));
      } else if (component instanceof Collection || component.getClass().isArray()) {
        List<Object> elements = elements(component);
        for (int i = 0; i < Math.min(elements.size(), MAX_ELEMENTS); i++) {
          child(prefix + "[" + i + "]").describePart(elements.get(i));
        }
        builder.put(prefix + ".size", Integer.toString(elements.size()));
      } else if (!isOpaque(component.getClass())) {
        for (Class<?> c = component.getClass(); c != null && !isOpaque(c); c = c.getSuperclass()) {
          for (Field field : c.getDeclaredFields()) {
            int mods = field.getModifiers();
            if (Modifier.isStatic(mods) || Modifier.isTransient(mods) || field.isSynthetic()) {
              continue;
            }
            String key = prefix + ".field." + field.getName();
            if (!field.trySetAccessible()) {
              builder.put(key + ".opaque", className(field.getType()));
              continue;
            }
            try {
              child(key).describePart(field.get(component));
            } catch (IllegalAccessException e) {
              builder.put(key + ".opaque", className(field.getType()));
            }
          }
        }
      }
    }

    private static List<Object> elements(Object collectionOrArray) {
      if (collectionOrArray instanceof Collection) {
        Collection<?> c = (Collection<?>) collectionOrArray;
        List<Object> list = new ArrayList<>(c);
        if (c instanceof Set && !(c instanceof java.util.SortedSet) && !(c instanceof LinkedHashSet)) {
          list.sort((a, b) -> String.valueOf(canonical(a)).compareTo(String.valueOf(canonical(b))));
        }
        return list;
      }
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < Array.getLength(collectionOrArray); i++) {
        list.add(Array.get(collectionOrArray, i));
      }
      return list;
    }
  }

  /** Classes whose fields are not ours to read: the JDK's and libraries' internals. */
  private static boolean isOpaque(Class<?> c) {
    String name = c.getName();
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.") || name.startsWith("kotlin.")
        || name.startsWith("okhttp3.") || name.startsWith("okio.") || name.startsWith("com.fasterxml.")
        || name.startsWith("org.slf4j.");
  }

  /** A class name that is the same in every process: lambda and hidden classes lose their numeric suffix. */
  static String className(Class<?> c) {
    String name = c.getName();
    int lambda = name.indexOf("$$Lambda");
    if (lambda >= 0) {
      return name.substring(0, lambda) + "$$Lambda";
    }
    int hidden = name.indexOf('/');
    return hidden >= 0 ? name.substring(0, hidden) : name;
  }

  /** The canonical text of a simple value, or null when the value is not simple. */
  static @Nullable String canonical(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof CharSequence || value instanceof Boolean || value instanceof Character
        || value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof Double || value instanceof Float || value instanceof BigInteger
        || value instanceof Duration || value instanceof java.net.URI || value instanceof java.time.Instant) {
      return value.getClass().getSimpleName() + ":" + value;
    }
    if (value instanceof BigDecimal) {
      return "BigDecimal:" + ((BigDecimal) value).toPlainString();
    }
    if (value instanceof Enum) {
      return ((Enum<?>) value).getDeclaringClass().getName() + "." + ((Enum<?>) value).name();
    }
    if (value instanceof Path) {
      return "Path:" + ((Path) value).toAbsolutePath().normalize();
    }
    if (value instanceof Pattern) {
      return "Pattern:" + ((Pattern) value).flags() + ":" + ((Pattern) value).pattern();
    }
    if (value instanceof Class) {
      return "Class:" + className((Class<?>) value);
    }
    if (value instanceof Collection || value.getClass().isArray()) {
      List<String> parts = new ArrayList<>();
      for (Object element : Collector.elements(value)) {
        String c = canonical(element);
        if (c == null) {
          return null;
        }
        parts.add(c.length() + ":" + c);
      }
      return "List" + parts;
    }
    if (value instanceof Map) {
      Map<String, String> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        String k = canonical(e.getKey());
        String v = canonical(e.getValue());
        if (k == null || v == null) {
          return null;
        }
        sorted.put(k.length() + ":" + k, v.length() + ":" + v);
      }
      return "Map" + sorted;
    }
    return null;
  }
}

package dev.loopkit.oracle;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The files that define done (an oracle's and the verifiers' scripts and configuration), which nothing in the
 * loop may write: workspace tools refuse them ({@link #isProtected}), and the {@link HealGuard} snapshots
 * and restores them ({@link #files()}).
 *
 * <p>Two kinds of entry: paths (a file, or a directory that protects everything under it) and globs
 * ({@code glob:} syntax of {@link java.nio.file.FileSystem#getPathMatcher}) matched against a path relative
 * to their base directory, e.g. {@code **}{@code /verify*.sh} under {@code /repo}. Paths are compared absolute
 * and normalized, and also with symlinks resolved where the file exists, so a link to a protected file is
 * protected as well. Immutable and thread-safe.
 */
public final class ProtectedPaths implements Predicate<Path> {
  private static final ProtectedPaths NONE = new ProtectedPaths(Set.of(), List.of());

  private final Set<Path> paths;
  private final List<Glob> globs;

  private ProtectedPaths(Set<Path> paths, List<Glob> globs) {
    this.paths = Collections.unmodifiableSet(new LinkedHashSet<>(paths));
    this.globs = List.copyOf(globs);
  }

  /**
   * No protected paths at all.
   *
   * @return the shared empty instance, for which {@link #isProtected} is always false
   */
  public static ProtectedPaths none() {
    return NONE;
  }

  /**
   * Exactly these files or directories.
   *
   * @param paths files, or directories protecting everything under them; relative ones are made absolute against
   *     the process's working directory; they need not exist yet
   * @return the protected paths, with no globs
   */
  public static ProtectedPaths of(Collection<Path> paths) {
    Builder b = builder();
    paths.forEach(b::path);
    return b.build();
  }

  /**
   * Starts an empty set of entries to add paths and globs to.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The paths and directories given (absolute, normalized), not the glob matches.
   *
   * @return an unmodifiable set in the order given; empty when only globs (or nothing) are protected
   */
  public Set<Path> paths() {
    return paths;
  }

  /**
   * The globs, each as {@code base: pattern}, for display.
   *
   * @return one string per glob in the order added; empty when there are none
   */
  public List<String> globs() {
    List<String> out = new ArrayList<>();
    globs.forEach(g -> out.add(g.base + ": " + g.pattern));
    return out;
  }

  /**
   * Whether writing {@code path} (made absolute against the process's working directory) would touch a
   * protected file: it is a protected path, lies under a protected directory, or matches a glob. Also true
   * when a protected file lies under {@code path}, since deleting or moving that directory would touch it.
   *
   * @param path the path about to be written, created, moved or deleted; it need not exist
   * @return true if nothing may write it
   */
  public boolean isProtected(Path path) {
    Path normal = path.toAbsolutePath().normalize();
    if (matches(normal)) {
      return true;
    }
    Path real = realPathOrNull(normal);
    if (real != null && matches(real)) {
      return true;
    }
    for (Path p : paths) {
      if (p.startsWith(normal) || (real != null && p.startsWith(real))) {
        return true;
      }
    }
    for (Glob g : globs) {
      if (g.base.startsWith(normal)) {
        return true;
      }
    }
    return false;
  }

  /** Same as {@link #isProtected}, for use as a filter. */
  @Override
  public boolean test(Path path) {
    return isProtected(path);
  }

  /**
   * Every existing regular file protected now: the files given, the files under the directories given, and
   * the files under each glob's base that match it, sorted.
   *
   * @return an unmodifiable set of absolute paths, read from disk on every call; empty when none exists
   * @throws UncheckedIOException if a protected directory cannot be listed
   */
  public Set<Path> files() {
    Set<Path> out = new TreeSet<>();
    for (Path p : paths) {
      addRegularFiles(p, out, null);
    }
    for (Glob g : globs) {
      addRegularFiles(g.base, out, g);
    }
    return Collections.unmodifiableSet(out);
  }

  /**
   * These entries and {@code other}'s; neither instance changes.
   *
   * @param other further entries
   * @return a new instance with the paths and globs of both, without duplicates
   */
  public ProtectedPaths plus(ProtectedPaths other) {
    Set<Path> allPaths = new LinkedHashSet<>(paths);
    allPaths.addAll(other.paths);
    List<Glob> allGlobs = new ArrayList<>(globs);
    other.globs.stream().filter(g -> !allGlobs.contains(g)).forEach(allGlobs::add);
    return new ProtectedPaths(allPaths, allGlobs);
  }

  /**
   * Whether nothing is protected.
   *
   * @return true if there are neither paths nor globs
   */
  public boolean isEmpty() {
    return paths.isEmpty() && globs.isEmpty();
  }

  private boolean matches(Path absolute) {
    for (Path p : paths) {
      if (absolute.startsWith(p)) {
        return true;
      }
    }
    for (Glob g : globs) {
      if (g.matches(absolute)) {
        return true;
      }
    }
    return false;
  }

  private static void addRegularFiles(Path root, Set<Path> out, @Nullable Glob glob) {
    if (Files.isRegularFile(root)) {
      if (glob == null || glob.matches(root)) {
        out.add(root);
      }
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<Path>() {
        @Override
        public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
          if (a.isRegularFile() && (glob == null || glob.matches(p))) {
            out.add(p);
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
          // a file that vanished mid-walk (git's own lock and merge files come and go) is simply not there
          if (e instanceof java.nio.file.NoSuchFileException) {
            return java.nio.file.FileVisitResult.CONTINUE;
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list protected directory " + root, e);
    }
  }

  private static @Nullable Path realPathOrNull(Path path) {
    try {
      return Files.exists(path) ? path.toRealPath() : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProtectedPaths && ((ProtectedPaths) o).paths.equals(paths)
        && ((ProtectedPaths) o).globs.equals(globs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(paths, globs);
  }

  @Override
  public String toString() {
    return "ProtectedPaths{paths=" + paths + ", globs=" + globs() + "}";
  }

  /** Builds {@link ProtectedPaths}; each setter checks its value at once. */
  public static final class Builder {
    private final Set<Path> paths = new LinkedHashSet<>();
    private final List<Glob> globs = new ArrayList<>();

    private Builder() {}

    /**
     * Protects a file, or a directory and everything under it; it need not exist yet.
     *
     * @param path the file or directory; a relative one is made absolute against the process's working directory
     * @return this builder
     */
    public Builder path(Path path) {
      paths.add(path.toAbsolutePath().normalize());
      return this;
    }

    /**
     * Protects the paths under {@code base} whose path relative to {@code base} matches {@code glob}
     * (e.g. {@code **}{@code /verify*.sh}, {@code .loop/oracle/**}).
     *
     * @param base the directory the glob is matched under; made absolute against the process's working directory
     * @param glob a pattern in {@code glob:} syntax, without the {@code glob:} prefix
     * @return this builder
     * @throws InputException if the glob is blank or does not parse, naming it
     */
    public Builder glob(Path base, String glob) {
      if (glob.isBlank()) {
        throw new InputException("protected glob under " + base + " is blank: expected a pattern such as **/*.sh");
      }
      Glob g;
      try {
        g = new Glob(base.toAbsolutePath().normalize(), glob,
            FileSystems.getDefault().getPathMatcher("glob:" + glob));
      } catch (IllegalArgumentException e) {
        throw new InputException("protected glob '" + glob + "' under " + base + " does not parse: " + e.getMessage(), e);
      }
      if (!globs.contains(g)) {
        globs.add(g);
      }
      return this;
    }

    /**
     * Adds every path and glob of {@code other}.
     *
     * @param other further entries
     * @return this builder
     */
    public Builder addAll(ProtectedPaths other) {
      paths.addAll(other.paths);
      other.globs.stream().filter(g -> !globs.contains(g)).forEach(globs::add);
      return this;
    }

    /**
     * Builds the immutable set of entries.
     *
     * @return the protected paths added so far; an empty builder gives one equal to {@link ProtectedPaths#none()}
     */
    public ProtectedPaths build() {
      return new ProtectedPaths(paths, globs);
    }
  }

  private static final class Glob {
    final Path base;
    final String pattern;
    final PathMatcher matcher;

    Glob(Path base, String pattern, PathMatcher matcher) {
      this.base = base;
      this.pattern = pattern;
      this.matcher = matcher;
    }

    boolean matches(Path absolute) {
      return absolute.startsWith(base) && !absolute.equals(base) && matcher.matches(base.relativize(absolute));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Glob && ((Glob) o).base.equals(base) && ((Glob) o).pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
      return Objects.hash(base, pattern);
    }
  }
}

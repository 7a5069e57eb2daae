package dev.loopkit.scheduler;

import dev.loopkit.core.InputException;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Paths of the repository that define done (the verifier's files, the tests): globs in the JDK's {@code glob:}
 * syntax ({@link java.nio.file.FileSystem#getPathMatcher}, the same engine the workspace tools and the tripwire
 * use), matched against repository-relative paths with '/'. A glob that matches a directory protects everything
 * under it, so {@code tests} and {@code tests/**} both protect {@code tests/unit/a.sh}.
 */
final class ProtectedGlobs {
  private final List<String> globs;
  private final List<PathMatcher> matchers;

  private ProtectedGlobs(List<String> globs, List<PathMatcher> matchers) {
    this.globs = List.copyOf(globs);
    this.matchers = List.copyOf(matchers);
  }

  static ProtectedGlobs none() {
    return new ProtectedGlobs(List.of(), List.of());
  }

  /** @throws InputException naming the glob when it is blank, absolute, climbs out with '..' or does not parse */
  static ProtectedGlobs of(Collection<String> globs, String where) {
    List<String> kept = new ArrayList<>();
    List<PathMatcher> matchers = new ArrayList<>();
    for (String glob : globs) {
      String g = glob.strip();
      if (g.isEmpty() || g.startsWith("/") || g.equals("..") || g.startsWith("../") || g.contains("/../")) {
        throw new InputException(where + " '" + glob + "': expected a glob relative to the repository root, such"
            + " as tests/** or verify.sh");
      }
      try {
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
      } catch (IllegalArgumentException e) {
        throw new InputException(where + " '" + glob + "' is not a valid glob (" + e.getMessage() + "): expected"
            + " a pattern such as tests/** or **/*.sh", e);
      }
      kept.add(g);
    }
    return new ProtectedGlobs(kept, matchers);
  }

  List<String> globs() {
    return globs;
  }

  boolean isEmpty() {
    return globs.isEmpty();
  }

  /** Whether {@code path} (repository-relative, '/') or one of its parent directories matches a glob. */
  boolean protects(String path) {
    Path p;
    try {
      p = Path.of(path);
    } catch (InvalidPathException e) {
      return true; // a path the platform cannot even name is not one to let through unchecked
    }
    for (Path q = p; q != null; q = q.getParent()) {
      for (PathMatcher m : matchers) {
        if (m.matches(q)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The paths in {@code paths} that are protected, in their order. */
  List<String> matching(Collection<String> paths) {
    List<String> hits = new ArrayList<>();
    for (String path : paths) {
      if (protects(path)) {
        hits.add(path);
      }
    }
    return hits;
  }

  @Override
  public String toString() {
    return globs.toString();
  }
}

package dev.loopkit.llm.heal;

import dev.loopkit.core.InputException;
import dev.loopkit.llm.tools.Confinement;
import dev.loopkit.llm.tools.ToolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The harness files a heal may touch: regular files under one harness directory whose path relative to it
 * matches one of the healable globs. Everything else is refused, whatever the path says: a path is resolved by
 * {@link Confinement} (no {@code ..}, no symbolic link or hard link out of the directory, {@code .git} never
 * written) and the file it really names must match a glob, so a healable-looking link to a verifier's file is
 * refused too. Immutable and thread-safe; snapshots and restores are not atomic against other writers.
 */
final class HarnessFiles {
  /** The most bytes a snapshot holds: healable files are prompts and settings, not data. */
  static final long MAX_SNAPSHOT_BYTES = 16L * 1024 * 1024;

  private final Confinement confinement;
  private final List<String> globs;
  private final List<PathMatcher> matchers;
  /** Directories under the root that are never healable (the run directory), relative, with {@code /}. */
  private final List<String> excluded;

  private HarnessFiles(Confinement confinement, List<String> globs, List<PathMatcher> matchers,
      List<String> excluded) {
    this.confinement = confinement;
    this.globs = globs;
    this.matchers = matchers;
    this.excluded = excluded;
  }

  /**
   * @throws InputException when the directory is missing, a glob is blank, absolute, climbs out with
   *     {@code ..}, names {@code .git}, or is malformed
   */
  static HarnessFiles of(Path directory, List<String> globs, List<Path> excluded) {
    if (globs.isEmpty()) {
      throw new InputException("no healable files for harness directory " + directory + ": expected at least one"
          + " glob such as prompts/*.md");
    }
    List<PathMatcher> matchers = new ArrayList<>();
    for (String glob : globs) {
      String where = "healable glob '" + glob + "' for harness directory " + directory;
      if (glob.isBlank()) {
        throw new InputException("blank " + where + ": expected a glob relative to it, e.g. prompts/*.md");
      }
      if (glob.startsWith("/") || glob.contains("\\")) {
        throw new InputException(where + " is absolute or uses '\\': expected a glob relative to the directory,"
            + " with '/' separators");
      }
      for (String part : glob.split("/")) {
        if (part.equals("..") || part.equals(".git")) {
          throw new InputException(where + " contains '" + part + "': expected a glob for files inside the"
              + " directory, outside .git");
        }
      }
      try {
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
      } catch (IllegalArgumentException e) {
        throw new InputException(where + " is malformed: " + e.getMessage(), e);
      }
    }
    Confinement confinement = Confinement.of(directory, List.of());
    List<String> never = new ArrayList<>();
    for (Path p : excluded) {
      Path abs = p.toAbsolutePath().normalize();
      try {
        abs = Files.exists(abs) ? abs.toRealPath() : abs;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot resolve " + p, e);
      }
      if (abs.startsWith(confinement.root())) {
        never.add(confinement.relative(abs));
      }
    }
    return new HarnessFiles(confinement, List.copyOf(globs), List.copyOf(matchers), List.copyOf(never));
  }

  Path root() {
    return confinement.root();
  }

  List<String> globs() {
    return globs;
  }

  /** Whether {@code relative} (with {@code /} separators) is a healable path. */
  boolean healable(String relative) {
    if (relative.isEmpty() || relative.equals(".git") || relative.startsWith(".git/")) {
      return false;
    }
    for (String never : excluded) {
      if (never.isEmpty() || relative.equals(never) || relative.startsWith(never + "/")) {
        return false; // the run directory (journal, transcripts, workspaces) is never a harness file
      }
    }
    Path p = root().getFileSystem().getPath(relative);
    for (PathMatcher m : matchers) {
      if (m.matches(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The real path of a healable file named by the model.
   *
   * @throws ToolException naming the path when it leaves the directory or is not healable
   */
  Path resolve(String path, String action) {
    Path real = confinement.writable(path); // the strictest resolution: links followed, hard links and .git refused
    String rel = confinement.relative(real);
    if (!healable(rel)) {
      throw new ToolException("path '" + path + "'" + (rel.equals(path) ? "" : " (" + rel + ")") + " is not a"
          + " healable file, so it cannot be " + action + ": the healer may only touch files matching " + globs
          + " in the harness directory; the oracle, the verifiers and everything else are out of reach");
    }
    return real;
  }

  /** Every healable regular file and its bytes, by relative path; links are not followed, {@code .git} skipped. */
  SortedMap<String, byte[]> snapshot() {
    SortedMap<String, byte[]> out = new TreeMap<>();
    long[] total = {0};
    try {
      Files.walkFileTree(root(), new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dir.equals(root().resolve(".git")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          if (attrs.isRegularFile()) {
            String rel = confinement.relative(file);
            if (healable(rel)) {
              total[0] += attrs.size();
              if (total[0] > MAX_SNAPSHOT_BYTES) {
                throw new InputException("the healable files of " + root() + " (" + globs + ") hold more than "
                    + MAX_SNAPSHOT_BYTES + " bytes: expected prompt and settings files; narrow the globs");
              }
              out.put(rel, Files.readAllBytes(file));
            }
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the healable files of " + root(), e);
    }
    return out;
  }

  /** The relative paths whose bytes differ between two snapshots (created and deleted files included). */
  static List<String> changed(Map<String, byte[]> before, Map<String, byte[]> after) {
    TreeSet<String> all = new TreeSet<>(before.keySet());
    all.addAll(after.keySet());
    List<String> out = new ArrayList<>();
    for (String p : all) {
      byte[] a = before.get(p);
      byte[] b = after.get(p);
      if (a == null || b == null ? a != b : !Arrays.equals(a, b)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Puts every healable file back as {@code before} had it: changed files rewritten, created files deleted. */
  void restore(Map<String, byte[]> before) {
    Map<String, byte[]> now = snapshot();
    for (String rel : changed(before, now)) {
      Path file = root().resolve(rel);
      byte[] bytes = before.get(rel);
      try {
        if (bytes == null) {
          Files.deleteIfExists(file);
          continue;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".loop-heal-restore");
        Files.write(tmp, bytes);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot restore healable file " + file + " after a heal was refused", e);
      }
    }
  }

  /** A healable file's current text, or null when there is none. */
  @org.jspecify.annotations.Nullable String text(String relative) {
    if (!healable(relative)) {
      return null;
    }
    Path file = root().resolve(relative);
    try {
      return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Files.readString(file) : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "HarnessFiles{" + root() + ", healable=" + globs + "}";
  }
}

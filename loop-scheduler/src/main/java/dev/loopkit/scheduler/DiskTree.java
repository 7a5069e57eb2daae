package dev.loopkit.scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What the harness checks of a worker's files before it takes them in, and how it deletes a workspace: both walk
 * the tree without following links.
 */
final class DiskTree {
  private static final int MAX_LISTED = 20;

  private DiskTree() {}

  /**
   * Everything under {@code root} that the harness refuses to take in, one line per path (relative, with '/'):
   * a nested repository or gitlink (any {@code .git} below the top), anything that is not a regular file,
   * directory or symbolic link (a pipe, socket or device), and a symbolic link that is absolute or leads out of
   * the tree or into {@code .git}. The top-level {@code .git} (the workspace's own repository) is skipped: the
   * harness never reads it.
   */
  static List<String> refusals(Path root) {
    Path top;
    try {
      top = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the workspace " + root, e);
    }
    List<String> found = new ArrayList<>();
    int[] more = {0};
    try {
      Files.walkFileTree(top, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.equals(top)) {
            return FileVisitResult.CONTINUE;
          }
          Path rel = top.relativize(dir);
          if (rel.getNameCount() == 1 && rel.toString().equals(".git")) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          if (isGitName(dir)) {
            add("nested repository or gitlink " + slashed(rel) + " (a .git below the top): expected plain files;"
                + " copy the other project's files in without its .git");
            return FileVisitResult.SKIP_SUBTREE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Path rel = top.relativize(file);
          if (rel.getNameCount() == 1 && rel.toString().equals(".git")) {
            return FileVisitResult.CONTINUE;
          }
          if (isGitName(file)) {
            add("nested repository or gitlink " + slashed(rel) + " (a .git below the top): expected plain files");
          } else if (attrs.isSymbolicLink()) {
            String why = linkEscapes(top, file);
            if (why != null) {
              add("symbolic link " + slashed(rel) + " " + why + ": expected a relative link to a path inside the"
                  + " workspace");
            }
          } else if (!attrs.isRegularFile() && !attrs.isDirectory()) {
            add(slashed(rel) + " is not a regular file, directory or symbolic link (a pipe, socket or device):"
                + " expected none in the change");
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          add(slashed(top.relativize(file)) + " cannot be read (" + e.getClass().getSimpleName() + "): expected"
              + " readable files");
          return FileVisitResult.CONTINUE;
        }

        private void add(String line) {
          if (found.size() < MAX_LISTED) {
            found.add(line);
          } else {
            more[0]++;
          }
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot walk the workspace " + root, e);
    }
    if (more[0] > 0) {
      found.add("... and " + more[0] + " more");
    }
    return found;
  }

  private static boolean isGitName(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().toLowerCase(Locale.ROOT).equals(".git");
  }

  /** Why the link at {@code link} leads outside {@code top} (or into its .git), or null when it stays inside. */
  private static @Nullable String linkEscapes(Path top, Path link) throws IOException {
    Path target = Files.readSymbolicLink(link);
    if (target.isAbsolute()) {
      return "points to the absolute path " + target;
    }
    Path lexical = link.getParent().resolve(target).normalize();
    if (!lexical.startsWith(top) || lexical.equals(top.resolve(".git")) || lexical.startsWith(top.resolve(".git"))) {
      return "points to " + target + ", outside the tree";
    }
    // physically too: a link through another link (d -> ., x -> d/..) can leave the tree lexically hidden
    Path unresolved = link.getParent().resolve(target);
    Path existing = unresolved;
    List<Path> rest = new ArrayList<>();
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      rest.add(0, existing.getFileName());
      existing = existing.getParent();
    }
    if (existing == null) {
      return "points to " + target + ", outside the tree";
    }
    Path real;
    try {
      real = existing.toRealPath();
    } catch (IOException e) {
      // a dangling chain or a loop: judge by the text alone, which stayed inside
      return null;
    }
    for (Path segment : rest) {
      real = real.resolve(segment);
    }
    real = real.normalize();
    if (!real.startsWith(top) || real.startsWith(top.resolve(".git"))) {
      return "points to " + target + ", which resolves outside the tree";
    }
    return null;
  }

  private static String slashed(Path rel) {
    return rel.toString().replace('\\', '/');
  }

  /**
   * Deletes {@code root} and everything under it, links themselves rather than what they point to; directories a
   * worker made unwritable or unreadable are opened up first. Nothing happens when it does not exist.
   */
  static void delete(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          openUp(dir);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          if (e instanceof AccessDeniedException) {
            openUp(file);
            delete(file);
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  private static void openUp(Path dir) {
    try {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // the delete that follows reports what still stands in the way
    }
  }
}

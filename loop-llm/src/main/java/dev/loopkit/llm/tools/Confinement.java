package dev.loopkit.llm.tools;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves paths a model names against one workspace root and refuses every path that would leave it. A path
 * is first normalised (so {@code ..} cannot climb out), then resolved component by component with every
 * symbolic link followed (of the file and of each parent, including links whose target does not exist yet),
 * and the result must still lie under the root's real path. Files with more than one hard link are refused
 * too, since a hard link can share its content with a file outside. Writes are further refused for protected
 * paths: {@code .git} (whose hooks would run on the host) and the globs the host names, typically the files
 * of the oracle and the verifiers.
 *
 * <p>Immutable and thread-safe. The check and the use of a path are two steps, so a process racing to swap a
 * directory for a link between them is not covered; the tools open the final file without following links
 * to narrow that window.
 */
public final class Confinement {
  private static final int MAX_LINKS = 40;

  private final Path root;
  private final List<String> protectedGlobs;
  private final List<PathMatcher> protectedMatchers;

  private Confinement(Path root, List<String> protectedGlobs) {
    this.root = root;
    this.protectedGlobs = List.copyOf(protectedGlobs);
    List<PathMatcher> matchers = new ArrayList<>();
    for (String glob : this.protectedGlobs) {
      matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
    }
    this.protectedMatchers = List.copyOf(matchers);
  }

  /**
   * Confines tools to {@code root}, refusing writes to {@code .git} and to paths matching any of
   * {@code protectedGlobs}: globs relative to the root ({@code oracle/**}, {@code verify.sh},
   * {@code **}{@code /*.lock}); a glob that matches a directory protects everything under it.
   *
   * @param root the workspace root, an existing directory
   * @param protectedGlobs the globs of the paths no tool may write
   * @return the confinement
   * @throws InputException when the root does not exist or is not a directory, or a glob is malformed
   */
  public static Confinement of(Path root, Iterable<String> protectedGlobs) {
    Path real;
    try {
      real = root.toRealPath();
    } catch (IOException e) {
      throw new InputException("workspace root " + root + " cannot be resolved (" + e.getMessage()
          + "): expected an existing directory", e);
    }
    if (!Files.isDirectory(real)) {
      throw new InputException("workspace root " + root + " is not a directory: expected a directory");
    }
    Set<String> globs = new LinkedHashSet<>();
    globs.add(".git");
    for (String glob : protectedGlobs) {
      if (glob.isBlank()) {
        throw new InputException("blank protected path glob for workspace " + root + ": expected a glob such as"
            + " oracle/**");
      }
      try {
        FileSystems.getDefault().getPathMatcher("glob:" + glob);
      } catch (IllegalArgumentException e) {
        throw new InputException("protected path glob '" + glob + "' for workspace " + root + " is malformed: "
            + e.getMessage(), e);
      }
      globs.add(glob);
    }
    return new Confinement(real, List.copyOf(globs));
  }

  /**
   * The workspace root, as its real path.
   *
   * @return the real path of the root
   */
  public Path root() {
    return root;
  }

  /**
   * The protected globs, {@code .git} first.
   *
   * @return an immutable list of globs
   */
  public List<String> protectedGlobs() {
    return protectedGlobs;
  }

  /**
   * The real path for reading {@code path} (relative to the root, or absolute inside it).
   *
   * @param path the path a tool was given
   * @return the real path, inside the root
   * @throws ToolException naming the path when it leaves the workspace or is a multiply hard-linked file
   */
  public Path readable(String path) {
    Path real = resolve(path);
    refuseHardLinks(path, real);
    return real;
  }

  /**
   * The real path for writing {@code path}: as {@link #readable}, and not protected. The file may not exist
   * yet; its missing parents will then be created under the root.
   *
   * @param path the path a tool was given
   * @return the real path, inside the root and not protected
   * @throws ToolException naming the path when it leaves the workspace or is protected
   */
  public Path writable(String path) {
    Path real = resolve(path);
    refuseHardLinks(path, real);
    String rel = relative(real);
    if (isProtected(real)) {
      throw new ToolException("path '" + path + "' (" + (rel.isEmpty() ? "." : rel) + ") is protected: the"
          + " files of the oracle, the verifiers and .git cannot be written; protected: " + protectedGlobs);
    }
    return real;
  }

  /**
   * Whether a real path under the root, or any of its parents below the root, matches a protected glob.
   *
   * @param real a real path, as {@link #readable} or {@link #writable} return
   * @return true when the path is protected, or is not under the root
   */
  public boolean isProtected(Path real) {
    if (!real.startsWith(root)) {
      return true;
    }
    Path rel = root.relativize(real);
    if (rel.toString().isEmpty()) {
      return false;
    }
    for (Path p = rel; p != null; p = p.getParent()) {
      for (PathMatcher matcher : protectedMatchers) {
        if (matcher.matches(p)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * {@code real} relative to the root, with {@code /} separators; empty for the root itself.
   *
   * @param real a real path under the root
   * @return the relative path
   */
  public String relative(Path real) {
    return root.relativize(real).toString().replace(real.getFileSystem().getSeparator(), "/");
  }

  private Path resolve(String path) {
    if (path.isEmpty()) {
      throw new ToolException("empty path: expected a path relative to the workspace root, e.g. src/Main.java");
    }
    if (path.indexOf('\0') >= 0) {
      throw new ToolException("path contains a NUL character: expected a plain path inside the workspace");
    }
    Path given;
    try {
      given = root.getFileSystem().getPath(path);
    } catch (InvalidPathException e) {
      throw new ToolException("path '" + path + "' is not a valid path: " + e.getReason());
    }
    Path lexical = (given.isAbsolute() ? given : root.resolve(given)).normalize();
    if (!lexical.startsWith(root)) {
      throw outside(path, lexical);
    }
    return follow(path, lexical, 0);
  }

  /**
   * Walks {@code lexical} (absolute, normalised, under the root) one component at a time from the root,
   * replacing every symbolic link by its target and checking the result is still under the root.
   */
  private Path follow(String original, Path lexical, int depth) {
    if (depth > MAX_LINKS) {
      throw new ToolException("path '" + original + "' goes through more than " + MAX_LINKS + " symbolic links:"
          + " expected a path inside the workspace");
    }
    Path current = root;
    Path rest = root.relativize(lexical);
    int count = rest.toString().isEmpty() ? 0 : rest.getNameCount();
    for (int i = 0; i < count; i++) {
      Path next = current.resolve(rest.getName(i));
      if (Files.isSymbolicLink(next)) {
        Path target;
        try {
          target = next.toRealPath();
        } catch (NoSuchFileException dangling) {
          target = danglingTarget(original, next, depth);
        } catch (IOException e) {
          throw new ToolException("path '" + original + "' cannot be resolved: " + e.getMessage());
        }
        if (!target.startsWith(root)) {
          throw new ToolException("path '" + original + "' leads out of the workspace through the symbolic link '"
              + relative(next) + "': expected a path inside the workspace");
        }
        next = target;
      } else if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
        // the rest does not exist yet: nothing below can be a link, so it stays where it is
        Path created = i + 1 < count ? next.resolve(rest.subpath(i + 1, count)) : next;
        return created;
      }
      current = next;
    }
    return current;
  }

  private Path danglingTarget(String original, Path link, int depth) {
    try {
      Path target = Files.readSymbolicLink(link);
      Path absolute = link.getParent().resolve(target).normalize();
      if (!absolute.startsWith(root)) {
        throw new ToolException("path '" + original + "' leads out of the workspace through the symbolic link '"
            + relative(link) + "': expected a path inside the workspace");
      }
      return follow(original, absolute, depth + 1);
    } catch (IOException e) {
      throw new ToolException("path '" + original + "' cannot be resolved: " + e.getMessage());
    }
  }

  private void refuseHardLinks(String original, Path real) {
    try {
      if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
        Object links = Files.getAttribute(real, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links instanceof Integer && (Integer) links > 1) {
          throw new ToolException("path '" + original + "' is a file with " + links + " hard links, which may"
              + " share its content with a file outside the workspace: refused");
        }
      }
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // no unix attribute view (e.g. Windows): hard links cannot be counted there
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ToolException outside(String original, Path lexical) {
    return new ToolException("path '" + original + "' resolves to " + lexical + ", outside the workspace: expected"
        + " a path relative to the workspace root (or absolute inside " + root + ")");
  }

  @Override
  public String toString() {
    return "Confinement{" + root + ", protected=" + protectedGlobs + "}";
  }
}

package dev.loopkit.core.process;

import dev.loopkit.core.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one ticket's processes may go: its workspace (the only writable place besides a private {@code /tmp}
 * and {@code HOME}), the paths outside it they may read (for example the object store a git clone borrows
 * from), extra writable paths, and whether they may use the network. The host-wide part of the policy lives
 * in the {@link Sandbox}; a jail is per ticket and per attempt. Immutable.
 *
 * @param workspace the ticket's workspace, absolute and normalized
 * @param readOnly paths outside the workspace that processes may read
 * @param writable paths outside the workspace that processes may write (rarely needed; each one is a hole)
 * @param network whether this jail asks for the network (the sandbox's own policy may also turn it on)
 */
public record Jail(Path workspace, List<Path> readOnly, List<Path> writable, boolean network) {

  /**
   * Makes the paths absolute and normalized, and copies the lists.
   *
   * @param workspace the ticket's workspace
   * @param readOnly paths outside the workspace that processes may read
   * @param writable paths outside the workspace that processes may write
   * @param network whether this jail asks for the network
   */
  public Jail {
    workspace = absolute(workspace, "workspace");
    readOnly = absolutes(readOnly, "readOnly");
    writable = absolutes(writable, "writable");
  }

  /**
   * {@return a jail of the workspace alone, without network}
   *
   * @param workspace the ticket's workspace
   */
  public static Jail of(Path workspace) {
    return new Jail(workspace, List.of(), List.of(), false);
  }

  /**
   * {@return this jail with {@code paths} added to the paths processes may read}
   *
   * @param paths paths outside the workspace
   */
  public Jail withReadOnly(List<Path> paths) {
    List<Path> all = new ArrayList<>(readOnly);
    all.addAll(paths);
    return new Jail(workspace, all, writable, network);
  }

  /**
   * {@return this jail with {@code paths} added to the paths processes may write; each one is a hole}
   *
   * @param paths paths outside the workspace
   */
  public Jail withWritable(List<Path> paths) {
    List<Path> all = new ArrayList<>(writable);
    all.addAll(paths);
    return new Jail(workspace, readOnly, all, network);
  }

  /**
   * {@return this jail with the network on or off}
   *
   * @param network whether processes may use the network
   */
  public Jail withNetwork(boolean network) {
    return new Jail(workspace, readOnly, writable, network);
  }

  /**
   * {@return whether {@code path} is inside the workspace or one of the extra paths}
   *
   * @param path a directory a command asks to run in
   */
  public boolean contains(Path path) {
    Path p = path.toAbsolutePath().normalize();
    if (p.startsWith(workspace)) {
      return true;
    }
    for (Path extra : writable) {
      if (p.startsWith(extra)) {
        return true;
      }
    }
    for (Path extra : readOnly) {
      if (p.startsWith(extra)) {
        return true;
      }
    }
    return false;
  }

  private static Path absolute(Path path, String what) {
    if (path.getNameCount() == 0) {
      throw new InputException("jail " + what + " '" + path + "': expected a directory below the root, not the"
          + " root itself");
    }
    return path.toAbsolutePath().normalize();
  }

  private static List<Path> absolutes(List<Path> paths, String what) {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      out.add(absolute(p, what));
    }
    return List.copyOf(out);
  }
}

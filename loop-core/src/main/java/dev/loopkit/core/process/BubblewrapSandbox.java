package dev.loopkit.core.process;

import dev.loopkit.core.InputException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Confines each command with <a href="https://github.com/containers/bubblewrap">bubblewrap</a> ({@code bwrap},
 * Debian package {@code bubblewrap}). Inside, a process sees:
 * <ul>
 *   <li>the system ({@code /usr}, {@code /bin}, {@code /lib*}, {@code /etc}, and the host's extra
 *       {@link Builder#systemPath system paths}) read-only, a private {@code /tmp} and a private {@code HOME}
 *       ({@code /tmp/home});</li>
 *   <li>the jail's workspace (and any extra writable path) writable and the jail's read-only paths readable,
 *       each at its own path, and nothing else of the host: not the tracker's folder, the run directory,
 *       {@code loop.yaml}, the main repository, other workspaces or the host's {@code HOME};</li>
 *   <li>new user, PID, IPC, UTS and cgroup namespaces (nothing of the JVM under {@code /proc}), no
 *       capabilities, no new privileges, a new session (no terminal injection);</li>
 *   <li>a new network namespace with only loopback unless the policy or the jail turns the network on;</li>
 *   <li>exactly the command's environment plus {@code HOME} and {@code TMPDIR}; bubblewrap itself starts with
 *       an empty one, so not even {@code /proc/1/environ} holds a host variable.</li>
 * </ul>
 * Every process of the sandbox dies with it: when the command's first process exits, when the runner kills the
 * sandbox (timeout, interrupt) and when the JVM dies ({@code --die-with-parent}), whatever it forked, double
 * forked or detached with {@code setsid}.
 */
public final class BubblewrapSandbox implements Sandbox {
  /** The private home directory inside the sandbox. */
  public static final String HOME = "/tmp/home";

  private static final List<String> SYSTEM = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
      "/etc");
  private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

  private final @Nullable Path executable;
  private final String searchPath;
  private final boolean network;
  private final List<Path> systemPaths;
  private final List<Path> readOnly;
  private final List<Path> writable;

  private BubblewrapSandbox(Builder b) {
    this.executable = b.executable;
    this.searchPath = b.searchPath;
    this.network = b.network;
    this.systemPaths = List.copyOf(b.systemPaths);
    this.readOnly = List.copyOf(b.readOnly);
    this.writable = List.copyOf(b.writable);
  }

  /**
   * Starts a builder: {@code bwrap} looked up on the JVM's {@code PATH}, no network, no extra paths.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return whether every jail gets the network (otherwise only jails that ask for it)} */
  public boolean network() {
    return network;
  }

  @Override
  public boolean confines() {
    return true;
  }

  @Override
  public String describe() {
    Probe probe = PROBES.get(key());
    String version = probe != null && probe.error == null ? probe.version : "bubblewrap";
    return version + ", network " + (network ? "on" : "off by default")
        + (readOnly.isEmpty() ? "" : ", read-only " + readOnly)
        + (writable.isEmpty() ? "" : ", writable " + writable);
  }

  @Override
  public void check() {
    Probe probe = PROBES.computeIfAbsent(key(), k -> probe());
    if (probe.error != null) {
      throw new SandboxUnavailableException(probe.error);
    }
  }

  private String key() {
    return executable + "|" + searchPath + "|" + systemPaths;
  }

  /** Finds bwrap and starts one real sandbox with the policy's layout. */
  private Probe probe() {
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
      return Probe.failed("no sandbox: bubblewrap needs Linux and this is " + os + "; run on Linux, or opt out"
          + " explicitly with Sandbox.none() (loop.yaml: sandbox: {kind: none}) and confine workers another way");
    }
    Path bwrap = bwrapPath();
    if (bwrap == null) {
      return Probe.failed("no sandbox: bubblewrap (bwrap) is not on the PATH (" + searchPath + "); install it"
          + " (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), or opt out explicitly"
          + " with Sandbox.none() (loop.yaml: sandbox: {kind: none})");
    }
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("loop-sandbox-probe-");
      Command probe = Command.builder(List.of("true")).directory(scratch).env("PATH", "/usr/bin:/bin").build();
      List<String> argv = argv(bwrap, probe, Jail.of(scratch));
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
      pb.environment().clear();
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Probe.failed("no sandbox: " + bwrap + " did not start a sandbox within 30 s; check it by hand with"
            + " '" + bwrap + " --ro-bind / / true', or opt out explicitly with Sandbox.none()");
      }
      if (p.exitValue() != 0) {
        return Probe.failed("no sandbox: " + bwrap + " cannot create its namespaces here (" + firstLine(out)
            + "); allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; Ubuntu 24.04+:"
            + " an AppArmor profile for bwrap; in a container: --security-opt seccomp=unconfined or run as"
            + " root), or opt out explicitly with Sandbox.none()");
      }
      Process v = new ProcessBuilder(bwrap.toString(), "--version").redirectErrorStream(true).start();
      String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      v.waitFor(10, TimeUnit.SECONDS);
      return new Probe(bwrap, version.isEmpty() ? "bubblewrap" : firstLine(version), null);
    } catch (IOException e) {
      return Probe.failed("no sandbox: " + bwrap + " could not be started (" + e.getMessage() + "); reinstall"
          + " bubblewrap or opt out explicitly with Sandbox.none()");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxUnavailableException("interrupted while checking the sandbox (" + bwrap + ")");
    } finally {
      if (scratch != null) {
        try {
          Files.deleteIfExists(scratch);
        } catch (IOException e) {
          // an empty temporary directory left behind is harmless
        }
      }
    }
  }

  private @Nullable Path bwrapPath() {
    if (executable != null) {
      return Files.isExecutable(executable) ? executable : null;
    }
    for (String dir : searchPath.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "bwrap");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }

  @Override
  public List<String> wrap(Command command, Jail jail) {
    check();
    Probe probe = Objects.requireNonNull(PROBES.get(key()));
    return argv(Objects.requireNonNull(probe.bwrap), command, jail);
  }

  private List<String> argv(Path bwrap, Command command, Jail jail) {
    List<String> a = new ArrayList<>();
    a.add(bwrap.toString());
    a.add("--die-with-parent");
    a.add("--new-session");
    a.add("--unshare-all");
    if (network || jail.network()) {
      a.add("--share-net");
    }
    a.add("--cap-drop");
    a.add("ALL");
    a.add("--clearenv");
    for (String dir : SYSTEM) {
      a.add("--ro-bind-try");
      a.add(dir);
      a.add(dir);
    }
    for (Path dir : systemPaths) {
      a.add("--ro-bind-try");
      a.add(dir.toString());
      a.add(dir.toString());
    }
    a.add("--proc");
    a.add("/proc");
    a.add("--dev");
    a.add("/dev");
    a.add("--tmpfs");
    a.add("/tmp");
    a.add("--dir");
    a.add(HOME);
    // parents before children, so a writable workspace inside a read-only path stays writable
    Map<Path, Boolean> mounts = new LinkedHashMap<>();
    readOnly.forEach(p -> mounts.put(real(p), false));
    jail.readOnly().forEach(p -> mounts.put(real(p), false));
    writable.forEach(p -> mounts.put(real(p), true));
    jail.writable().forEach(p -> mounts.put(real(p), true));
    Path workspace = real(jail.workspace());
    mounts.put(workspace, true);
    mounts.entrySet().stream().sorted(Comparator.comparingInt(e -> e.getKey().getNameCount())).forEach(e -> {
      a.add(e.getValue() ? "--bind" : "--ro-bind");
      a.add(e.getKey().toString());
      a.add(e.getKey().toString());
    });
    Map<String, String> env = new LinkedHashMap<>(command.environment());
    env.put("HOME", HOME);
    env.put("TMPDIR", "/tmp");
    env.forEach((name, value) -> {
      a.add("--setenv");
      a.add(name);
      a.add(value);
    });
    Path dir = command.directory();
    Path inside = dir.startsWith(jail.workspace()) ? workspace.resolve(jail.workspace().relativize(dir)) : real(dir);
    a.add("--chdir");
    a.add(inside.toString());
    a.add("--");
    a.addAll(command.argv());
    return a;
  }

  private static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new InputException("sandbox path " + path + " does not exist (" + e.getMessage() + "): expected an"
          + " existing directory or file to bind into the sandbox");
    }
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  @Override
  public String toString() {
    return "BubblewrapSandbox{" + describe() + "}";
  }

  private record Probe(@Nullable Path bwrap, String version, @Nullable String error) {
    static Probe failed(String error) {
      return new Probe(null, "", error);
    }
  }

  /** Builds a {@link BubblewrapSandbox}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private @Nullable Path executable;
    private String searchPath = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/bin:/bin");
    private boolean network;
    private final List<Path> systemPaths = new ArrayList<>();
    private final List<Path> readOnly = new ArrayList<>();
    private final List<Path> writable = new ArrayList<>();

    private Builder() {}

    /**
     * The bwrap binary to use, instead of looking for {@code bwrap} on {@link #searchPath}.
     *
     * @param bwrap the binary's path
     * @return this builder
     */
    public Builder executable(Path bwrap) {
      this.executable = bwrap.toAbsolutePath();
      return this;
    }

    /**
     * Where to look for {@code bwrap}; the JVM's {@code PATH} unless set.
     *
     * @param path directories separated by {@code :}, as in {@code PATH}
     * @return this builder
     */
    public Builder searchPath(String path) {
      this.searchPath = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Gives every sandbox the host's network (off by default; a jail may still ask for it).
     *
     * @param network true to give every sandbox the host's network
     * @return this builder
     */
    public Builder network(boolean network) {
      this.network = network;
      return this;
    }

    /**
     * A system directory to show read-only when it exists (such as {@code /opt/jdk}); skipped when missing.
     *
     * @param dir an absolute path
     * @return this builder
     */
    public Builder systemPath(Path dir) {
      this.systemPaths.add(absolute(dir, "systemPath"));
      return this;
    }

    /**
     * A host path every sandbox may read (such as a read-only Maven repository); it must exist.
     *
     * @param path an absolute path
     * @return this builder
     */
    public Builder readOnly(Path path) {
      this.readOnly.add(absolute(path, "readOnly"));
      return this;
    }

    /**
     * A host path every sandbox may write (a shared cache); each one is a hole: name it in your policy.
     *
     * @param path an absolute path
     * @return this builder
     */
    public Builder writable(Path path) {
      this.writable.add(absolute(path, "writable"));
      return this;
    }

    private static Path absolute(Path path, String where) {
      if (!path.isAbsolute()) {
        throw new InputException("sandbox path '" + path + "' passed to BubblewrapSandbox." + where
            + ": expected an absolute path");
      }
      if (path.normalize().getNameCount() == 0) {
        throw new InputException("sandbox path '" + path + "' passed to BubblewrapSandbox." + where
            + ": expected a directory below the root, not the root itself (that would show the whole host)");
      }
      return path.normalize();
    }

    /**
     * Builds the sandbox; whether {@code bwrap} can start here is checked by {@link #check()}, not here.
     *
     * @return the sandbox
     */
    public BubblewrapSandbox build() {
      return new BubblewrapSandbox(this);
    }
  }
}

package dev.loopkit.oracle;

import dev.loopkit.core.Heal;
import dev.loopkit.core.HealContext;
import dev.loopkit.core.HealRevert;
import dev.loopkit.core.Healer;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Tripwire;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The self-heal guard: a {@link Healer} that wraps the host's healer and keeps it away from the definition of
 * done. For each heal it
 *
 * <ol>
 *   <li>snapshots the protected set: the tripwire's fingerprint and the bytes of every protected file, and
 *       the harness it may change: the {@link HarnessSettings} and the harness files (prompt files, tool
 *       configuration);
 *   <li>lets the delegate heal;
 *   <li>re-runs the tripwire's fingerprint and compares the protected files byte for byte (a protected file
 *       created or deleted counts too);
 *   <li>if anything protected changed, rolls the whole patch back (protected files, harness files and settings
 *       restored from the snapshot, files the heal created deleted) and returns {@link Heal#rejected}, whose
 *       reason names every protected part that changed and anything it could not restore (for example an
 *       in-memory oracle swapped behind a reference); the engine then ends the run {@code TAMPERED}. Otherwise
 *       it returns {@link Heal#applied} when anything changed and {@link Heal#noChange} when nothing did.
 * </ol>
 *
 * <p>The diff of every heal, applied or rejected, is computed from what actually changed, not from what the
 * delegate says: settings as {@code - key=old} / {@code + key=new} lines, files as numbered changed lines,
 * and the fingerprint parts that moved; the delegate's own diff follows under its own heading. The engine
 * writes it to the journal. If the delegate throws, everything is restored and the exception propagates.
 *
 * <p><b>Reverts.</b> For every applied heal the guard keeps what the harness files and settings were before it,
 * in memory and as {@code heal-<n>.json} in the heal's {@link HealContext#stateDirectory() state directory} (the
 * run directory, out of every sandbox's reach), so that {@link #revert} can restore them when the engine judges
 * the heal brought no progress, in this session or a later one. Protected files are never written by a revert.
 * The delegate's usage is passed on in every outcome.
 *
 * <p>Called on the engine's thread; heals are serialized.
 */
public final class HealGuard implements Healer {
  private final Healer delegate;
  private final Tripwire tripwire;
  private final @Nullable ProtectedPaths protectedPaths;
  private final @Nullable HarnessSettings settings;
  private final List<Path> harnessFiles;
  private final Map<Integer, Before> applied = new HashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  private HealGuard(Builder b, Healer delegate, Tripwire tripwire) {
    this.delegate = delegate;
    this.tripwire = tripwire;
    this.protectedPaths = b.protectedPaths;
    this.settings = b.settings;
    this.harnessFiles = List.copyOf(b.harnessFiles);
  }

  /**
   * Starts a guard; {@link Builder#delegate} and {@link Builder#tripwire} are required.
   *
   * @return a new builder with no settings, no harness files and no extra protected paths
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public synchronized Heal heal(HealContext context) throws Exception {
    Map<String, String> fingerprintBefore = tripwire.fingerprint();
    ProtectedPaths guarded = guardedPaths();
    Set<Path> protectedBefore = guarded.files();
    Map<Path, Content> protectedSnapshot = snapshot(protectedBefore);
    Map<Path, Content> harnessSnapshot = snapshot(harnessFiles);
    Map<String, String> settingsBefore = settings == null ? Map.of() : settings.snapshot();

    Heal proposed;
    try {
      proposed = delegate.heal(context);
    } catch (Exception | Error e) {
      rollback(protectedSnapshot, guarded, harnessSnapshot, settingsBefore);
      throw e;
    }

    Map<String, String> fingerprintAfter = tripwire.fingerprint();
    Set<Path> protectedNow = new TreeSet<>(protectedBefore);
    protectedNow.addAll(guarded.files());
    List<String> violations = new ArrayList<>();
    StringBuilder protectedDiff = new StringBuilder();
    for (Path p : protectedNow) {
      Content was = protectedSnapshot.get(p);
      Content now = Content.read(p);
      if (!Content.same(was, now)) {
        violations.add((was == null ? "created " : now == null ? "deleted " : "changed ") + "protected file " + p);
        protectedDiff.append("protected file ").append(p).append(":\n")
            .append(LineDiff.diff(was == null ? null : was.bytes, now == null ? null : now.bytes));
      }
    }
    List<String> fingerprintChanges = Fingerprint.changes(fingerprintBefore, fingerprintAfter);
    for (String change : fingerprintChanges) {
      String key = change.substring(change.indexOf(": ") + 2);
      if (key.startsWith("file:") && protectedDiff.indexOf("protected file " + key.substring(5) + ":\n") >= 0) {
        continue; // already named above, with its diff
      }
      violations.add("fingerprint " + change);
    }

    String diff = diff(harnessSnapshot, settingsBefore, protectedDiff.toString(), fingerprintChanges, proposed);
    String summary = summary(proposed);
    if (!violations.isEmpty()) {
      rollback(protectedSnapshot, guarded, harnessSnapshot, settingsBefore);
      List<String> remaining = Fingerprint.changes(fingerprintBefore, tripwire.fingerprint());
      String reason = "the heal touched the definition of done (" + String.join("; ", violations) + "); "
          + (remaining.isEmpty() ? "the patch was rolled back"
              : "rolled back what could be, but these parts are still changed: " + String.join("; ", remaining))
          + "; the run must stop for a person";
      return Heal.rejected(summary, diff, reason).withUsage(proposed.usage());
    }
    if (proposed instanceof Heal.Rejected) {
      rollback(protectedSnapshot, guarded, harnessSnapshot, settingsBefore);
      return Heal.rejected(summary, diff, "the healer rejected its own patch: " + ((Heal.Rejected) proposed).reason()
          + "; the patch was rolled back").withUsage(proposed.usage());
    }
    boolean observed = !observedDiffIsEmpty(harnessSnapshot, settingsBefore);
    if (proposed instanceof Heal.NoChange || proposed instanceof Heal.Wall) {
      if (!observed) {
        return proposed;
      }
      remember(context, new Before(harnessSnapshot, settingsBefore));
      return Heal.applied("the healer said " + (proposed instanceof Heal.Wall ? "it found a wall" : "no change")
          + " but changed the harness (" + summary + ")", diff).withUsage(proposed.usage());
    }
    remember(context, new Before(harnessSnapshot, settingsBefore));
    if (!observed) {
      return Heal.applied(summary + " (no change to the guarded settings or harness files was observed)", diff)
          .withUsage(proposed.usage());
    }
    return Heal.applied(summary, diff).withUsage(proposed.usage());
  }

  /**
   * Asks the delegate to revert applied heal {@code request.heal()}, then restores the guarded harness files and
   * settings to what they were before it: from memory, or from {@code heal-<n>.json} in the request's state
   * directory when the heal was applied in an earlier session. Protected files are left alone.
   *
   * @return false when neither the delegate nor the guard has a record of that heal
   * @throws UncheckedIOException when the record cannot be read or a file cannot be restored, naming it
   */
  @Override
  public synchronized boolean revert(HealRevert request) throws Exception {
    boolean delegated = delegate.revert(request);
    Before before = applied.get(request.heal());
    if (before == null && request.stateDirectory() != null) {
      before = Before.load(request.stateDirectory().resolve("heal-" + request.heal() + ".json"));
    }
    if (before == null) {
      return delegated;
    }
    ProtectedPaths guarded = guardedPaths();
    for (Map.Entry<Path, Content> e : before.files.entrySet()) {
      if (!guarded.isProtected(e.getKey())) {
        restore(e.getKey(), e.getValue());
      }
    }
    if (settings != null && !before.settings.isEmpty()) {
      settings.restore(before.settings);
    }
    applied.remove(request.heal());
    return true;
  }

  private void remember(HealContext context, Before before) {
    applied.put(context.heal(), before);
    if (context.stateDirectory() != null) {
      before.save(context.stateDirectory().resolve("heal-" + context.heal() + ".json"));
    }
  }

  private ProtectedPaths guardedPaths() {
    ProtectedPaths paths = protectedPaths != null ? protectedPaths : ProtectedPaths.none();
    if (tripwire instanceof DefinitionTripwire) {
      paths = paths.plus(((DefinitionTripwire) tripwire).protectedPaths());
    }
    return paths;
  }

  private boolean observedDiffIsEmpty(Map<Path, Content> harnessSnapshot, Map<String, String> settingsBefore) {
    if (settings != null && !settings.snapshot().equals(settingsBefore)) {
      return false;
    }
    for (Map.Entry<Path, Content> e : harnessSnapshot.entrySet()) {
      if (!Content.same(e.getValue(), Content.read(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private String diff(Map<Path, Content> harnessSnapshot, Map<String, String> settingsBefore, String protectedDiff,
      List<String> fingerprintChanges, Heal proposed) {
    StringBuilder out = new StringBuilder();
    if (settings != null) {
      String d = HarnessSettings.diff(settingsBefore, settings.snapshot());
      if (!d.isEmpty()) {
        out.append("settings:\n").append(d);
      }
    }
    for (Map.Entry<Path, Content> e : harnessSnapshot.entrySet()) {
      Content now = Content.read(e.getKey());
      if (!Content.same(e.getValue(), now)) {
        out.append("harness file ").append(e.getKey()).append(":\n").append(LineDiff.diff(
            e.getValue() == null ? null : e.getValue().bytes, now == null ? null : now.bytes));
      }
    }
    out.append(protectedDiff);
    if (!fingerprintChanges.isEmpty()) {
      out.append("fingerprint:\n");
      fingerprintChanges.forEach(c -> out.append("  ").append(c).append('\n'));
    }
    String declared = proposed instanceof Heal.Applied ? ((Heal.Applied) proposed).diff()
        : proposed instanceof Heal.Rejected ? ((Heal.Rejected) proposed).diff() : "";
    if (!declared.isBlank()) {
      out.append("declared by the healer:\n").append(declared);
      if (!declared.endsWith("\n")) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  private static String summary(Heal proposed) {
    if (proposed instanceof Heal.Applied) {
      return ((Heal.Applied) proposed).summary();
    }
    if (proposed instanceof Heal.Rejected) {
      return ((Heal.Rejected) proposed).summary();
    }
    if (proposed instanceof Heal.Wall) {
      return "healer found an external wall: " + proposed.summary();
    }
    return "healer said no change: " + ((Heal.NoChange) proposed).why();
  }

  private void rollback(Map<Path, Content> protectedSnapshot, ProtectedPaths guarded, Map<Path, Content> harnessSnapshot,
      Map<String, String> settingsBefore) {
    Set<Path> all = new LinkedHashSet<>(protectedSnapshot.keySet());
    all.addAll(guarded.files());
    for (Path p : all) {
      restore(p, protectedSnapshot.get(p));
    }
    harnessSnapshot.forEach(HealGuard::restore);
    if (settings != null) {
      settings.restore(settingsBefore);
    }
  }

  private static Map<Path, Content> snapshot(java.util.Collection<Path> files) {
    Map<Path, Content> out = new TreeMap<>();
    for (Path p : files) {
      out.put(p, Content.read(p));
    }
    return out;
  }

  private static void restore(Path file, @Nullable Content content) {
    try {
      if (content == null) {
        Files.deleteIfExists(file);
        return;
      }
      if (Content.same(content, Content.read(file))) {
        return;
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".loop-restore");
      Files.write(tmp, content.bytes);
      if (content.permissions != null) {
        Files.setPosixFilePermissions(tmp, content.permissions);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore " + file + " after a rejected heal", e);
    }
  }

  /** The harness files and settings as they were before an applied heal. */
  private static final class Before {
    final Map<Path, @Nullable Content> files;
    final Map<String, String> settings;

    Before(Map<Path, @Nullable Content> files, Map<String, String> settings) {
      this.files = files;
      this.settings = settings;
    }

    void save(Path file) {
      ObjectNode root = JSON.createObjectNode();
      ObjectNode fs = root.putObject("files");
      files.forEach((path, content) -> {
        if (content == null) {
          fs.putNull(path.toString());
        } else {
          ObjectNode c = fs.putObject(path.toString());
          c.put("base64", Base64.getEncoder().encodeToString(content.bytes));
          if (content.permissions != null) {
            c.put("permissions", java.nio.file.attribute.PosixFilePermissions.toString(content.permissions));
          }
        }
      });
      ObjectNode st = root.putObject("settings");
      settings.forEach(st::put);
      try {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot record the harness before a heal in " + file, e);
      }
    }

    static @Nullable Before load(Path file) {
      if (!Files.isRegularFile(file)) {
        return null;
      }
      try {
        JsonNode root = JSON.readTree(file.toFile());
        Map<Path, @Nullable Content> files = new TreeMap<>();
        root.path("files").properties().forEach(e -> {
          JsonNode c = e.getValue();
          files.put(Path.of(e.getKey()), c.isNull() ? null : new Content(Base64.getDecoder().decode(
              c.path("base64").asText()), c.hasNonNull("permissions")
                  ? java.nio.file.attribute.PosixFilePermissions.fromString(c.get("permissions").asText()) : null));
        });
        Map<String, String> settings = new TreeMap<>();
        root.path("settings").properties().forEach(e -> settings.put(e.getKey(), e.getValue().asText()));
        return new Before(files, settings);
      } catch (IOException | IllegalArgumentException e) {
        throw new UncheckedIOException("cannot read the record of a heal in " + file + " (" + e.getMessage() + ")",
            e instanceof IOException io ? io : new IOException(e));
      }
    }
  }

  /** A file's bytes and POSIX permissions; null stands for an absent file. */
  private static final class Content {
    final byte[] bytes;
    final @Nullable Set<PosixFilePermission> permissions;

    private Content(byte[] bytes, @Nullable Set<PosixFilePermission> permissions) {
      this.bytes = bytes;
      this.permissions = permissions;
    }

    static @Nullable Content read(Path file) {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      try {
        Set<PosixFilePermission> perms = null;
        try {
          perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: bytes are all we restore
        }
        return new Content(Files.readAllBytes(file), perms);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " to guard a heal", e);
      }
    }

    static boolean same(@Nullable Content a, @Nullable Content b) {
      if (a == null || b == null) {
        return a == b;
      }
      return Arrays.equals(a.bytes, b.bytes) && Objects.equals(a.permissions, b.permissions);
    }
  }

  /** Builds a {@link HealGuard}; {@link #delegate} and {@link #tripwire} are required. */
  public static final class Builder {
    private @Nullable Healer delegate;
    private @Nullable Tripwire tripwire;
    private @Nullable ProtectedPaths protectedPaths;
    private @Nullable HarnessSettings settings;
    private final List<Path> harnessFiles = new ArrayList<>();

    private Builder() {}

    /**
     * The host's healer, which patches the harness.
     *
     * @param delegate the healer the guard calls once per heal, on the engine's thread
     * @return this builder
     */
    public Builder delegate(Healer delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
      return this;
    }

    /**
     * The run's tripwire (the same instance the engine has). A {@link DefinitionTripwire} also contributes its
     * {@link DefinitionTripwire#protectedPaths() protected paths}.
     *
     * @param tripwire the tripwire whose fingerprint must not move during a heal
     * @return this builder
     */
    public Builder tripwire(Tripwire tripwire) {
      this.tripwire = Objects.requireNonNull(tripwire, "tripwire");
      return this;
    }

    /**
     * Further files and globs the heal must not change; replaces an earlier call's paths.
     *
     * @param paths protected entries, added to the tripwire's own
     * @return this builder
     */
    public Builder protectedPaths(ProtectedPaths paths) {
      this.protectedPaths = Objects.requireNonNull(paths, "paths");
      return this;
    }

    /**
     * The settings the delegate edits, diffed and restored on rejection.
     *
     * @param settings the same instance the host reads when it builds a worker
     * @return this builder
     */
    public Builder settings(HarnessSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * A harness file the delegate may edit (a prompt, a tool list), diffed and restored on rejection.
     *
     * @param file the file; made absolute against the process's working directory; it need not exist yet
     * @return this builder
     */
    public Builder harnessFile(Path file) {
      harnessFiles.add(file.toAbsolutePath().normalize());
      return this;
    }

    /**
     * Builds the guard, checking the harness files against the protected paths as they are now.
     *
     * @return a healer to hand the engine in place of the delegate
     * @throws InputException naming the missing part, or a harness file that is protected
     */
    public HealGuard build() {
      if (delegate == null) {
        throw new InputException("HealGuard.builder(): no delegate: expected delegate(healer) to be set");
      }
      if (tripwire == null) {
        throw new InputException("HealGuard.builder(): no tripwire: expected tripwire(...), the run's own tripwire");
      }
      ProtectedPaths paths = protectedPaths != null ? protectedPaths : ProtectedPaths.none();
      if (tripwire instanceof DefinitionTripwire) {
        paths = paths.plus(((DefinitionTripwire) tripwire).protectedPaths());
      }
      for (Path f : harnessFiles) {
        if (paths.isProtected(f)) {
          throw new InputException("harness file " + f + " is protected (it defines done): a heal may not edit it");
        }
      }
      return new HealGuard(this, delegate, tripwire);
    }
  }
}

package dev.loopkit.beads;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One beads database served by the fake {@code bd} ({@link FakeBd}): a folder with {@code .beads/} made by
 * {@code bd init}, and a {@code bin/bd} shell script that runs the fake with this JVM's {@code java}. The
 * fixture reads the fake's invocation log and writes its control file.
 */
final class FakeBdFixture {
  static final ObjectMapper JSON = new ObjectMapper();

  final Path root;
  final Path directory;
  final Path bin;
  final Path bd;

  FakeBdFixture(Path root) {
    this.root = root;
    this.directory = root.resolve("repo");
    this.bin = root.resolve("bin");
    this.bd = bin.resolve("bd");
    try {
      Files.createDirectories(directory);
      Files.createDirectories(bin);
      writeScript();
      Process init = new ProcessBuilder(bd.toString(), "-C", directory.toString(), "init", "--prefix=lp", "--json")
          .redirectErrorStream(true).start();
      String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!init.waitFor(60, TimeUnit.SECONDS) || init.exitValue() != 0) {
        throw new IllegalStateException("fake bd init failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The generated script: exec this JVM's java on the fake's main class (exec: one process to kill). */
  private void writeScript() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String options = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m";
    Launch launch = launch(java, options);
    // The real bd (Go) reads argv as UTF-8 bytes whatever the locale; a JVM decodes argv by the locale, and the
    // tracker passes bd no locale variables, so the fake pins a UTF-8 one to read arguments as bd would.
    String script = "#!/bin/sh\nLC_ALL=C.UTF-8\nexport LC_ALL\nexec '" + java + "' " + launch.options() + " -cp '" + launch.classpath()
        + "' dev.loopkit.beads.FakeBd \"$@\"\n";
    Files.writeString(bd, script);
    Files.setPosixFilePermissions(bd, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Launch(String classpath, String options) {}

  private static Launch shared;

  /**
   * How to start the fake, worked out once per test JVM: its classes in a jar under {@code target/fake-bd}, and
   * a class-data archive made from one warm-up run, so that each of the thousand or so fake bd processes the
   * suites start boots in about half the time. Without the archive (a JVM that cannot make one) it still works.
   */
  private static synchronized Launch launch(String java, String options) throws IOException {
    if (shared != null) {
      return shared;
    }
    Path classes;
    List<String> cp = new ArrayList<>();
    try {
      classes = Path.of(FakeBd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Class<?> c : List.of(ObjectMapper.class, JsonFactory.class,
          com.fasterxml.jackson.annotation.JsonProperty.class)) {
        cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      }
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Path dir = Files.createDirectories(classes.getParent().resolve("fake-bd"));
    Path jar = dir.resolve("fake-bd.jar");
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
        java.util.stream.Stream<Path> files = Files.list(classes.resolve("dev/loopkit/beads"))) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith("FakeBd") && !name.startsWith("FakeBdFixture") && name.endsWith(".class")) {
          out.putNextEntry(new java.util.jar.JarEntry("dev/loopkit/beads/" + name));
          out.write(Files.readAllBytes(f));
          out.closeEntry();
        }
      }
    }
    cp.add(0, jar.toString());
    String classpath = String.join(":", cp);
    Path archive = dir.resolve("fake-bd.jsa");
    Files.deleteIfExists(archive);
    Path db = dir.resolve("warm-up");
    try {
      deleteTree(db);
      Files.createDirectories(db);
      List<String> base = new ArrayList<>(List.of(java));
      base.addAll(List.of(options.split(" ")));
      List<String> init = new ArrayList<>(base);
      init.addAll(List.of("-cp", classpath, "dev.loopkit.beads.FakeBd", "-C", db.toString(), "init", "--json"));
      run(init);
      // the archived run files a bead, so the classes of reading, writing and printing JSON are in it
      List<String> create = new ArrayList<>(base);
      create.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-cp", classpath, "dev.loopkit.beads.FakeBd",
          "-C", db.toString(), "--json", "create", "--title=warm-up", "--labels=a,b", "--metadata={\"k\":\"v\"}"));
      run(create);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    shared = new Launch(classpath, Files.exists(archive)
        ? options + " -XX:SharedArchiveFile=" + archive + " -Xshare:auto" : options);
    return shared;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    p.getInputStream().readAllBytes();
    p.waitFor(120, TimeUnit.SECONDS);
  }

  /** The environment a test tracker gets: this fixture's {@code bin} first on the PATH, and a home of its own. */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", bin + ":/usr/bin:/bin");
    env.put("HOME", root.toString());
    return env;
  }

  /** A tracker builder on this database, batch label {@code loop:batch-1}, bd found on the PATH. */
  BeadsTracker.Builder tracker() {
    return BeadsTracker.builder().directory(directory).label("loop:batch-1").environment(environment());
  }

  /** Runs the fake bd directly (for seeding and inspection), returning its stdout; fails on a non-zero exit. */
  String bd(String... args) {
    List<String> cmd = new ArrayList<>(List.of(bd.toString(), "-C", directory.toString()));
    cmd.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("BD_JSON_ENVELOPE", "1");
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("fake bd " + String.join(" ", args) + " failed: " + err + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The payload of a fake bd answer (the envelope's data). */
  JsonNode bdJson(String... args) {
    try {
      return JSON.readTree(bd(args)).path("data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fake's store as it is now. */
  JsonNode store() {
    try {
      return JSON.readTree(Files.readString(directory.resolve(".beads/fake-bd.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Changes one issue of the store in place, as another beads client might (e.g. a custom status). */
  void edit(String id, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> change) {
    try {
      Path file = directory.resolve(".beads/fake-bd.json");
      JsonNode store = JSON.readTree(Files.readString(file));
      for (JsonNode i : store.path("issues")) {
        if (i.path("id").asText().equals(id)) {
          change.accept((com.fasterxml.jackson.databind.node.ObjectNode) i);
        }
      }
      Files.writeString(file, JSON.writeValueAsString(store));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files a bead with the fake bd directly, returning its id. */
  String seed(String title, String... flags) {
    List<String> args = new ArrayList<>(List.of("--json", "create", "--title=" + title, "--labels=loop:batch-1"));
    args.addAll(List.of(flags));
    return bdJson(args.toArray(String[]::new)).path("id").asText();
  }

  JsonNode issue(String id) {
    for (JsonNode i : store().path("issues")) {
      if (i.path("id").asText().equals(id)) {
        return i;
      }
    }
    throw new AssertionError("no issue " + id + " in the fake store");
  }

  /** Every bd invocation so far, each as its argv (after the executable). */
  List<List<String>> invocations() {
    List<List<String>> out = new ArrayList<>();
    for (JsonNode line : logLines()) {
      List<String> argv = new ArrayList<>();
      line.path("argv").forEach(a -> argv.add(a.asText()));
      out.add(argv);
    }
    return out;
  }

  /** The environment variable names each invocation saw. */
  List<List<String>> environments() {
    List<List<String>> out = new ArrayList<>();
    for (JsonNode line : logLines()) {
      List<String> names = new ArrayList<>();
      line.path("env").forEach(a -> names.add(a.asText()));
      out.add(names);
    }
    return out;
  }

  /** The subcommand of each invocation: the first word after {@code -C dir}, e.g. {@code list}. */
  List<String> commands() {
    List<String> out = new ArrayList<>();
    for (List<String> argv : invocations()) {
      out.add(argv.size() > 2 ? argv.get(2) : "");
    }
    return out;
  }

  void clearLog() {
    try {
      Files.deleteIfExists(directory.resolve(".beads/fake-bd.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<JsonNode> logLines() {
    Path log = directory.resolve(".beads/fake-bd.log");
    List<JsonNode> out = new ArrayList<>();
    try {
      if (!Files.exists(log)) {
        return out;
      }
      for (String line : Files.readAllLines(log)) {
        if (!line.isBlank()) {
          out.add(JSON.readTree(line));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the fake's control file (test hooks), e.g. {@code {"hang":"list"}}. */
  void control(String json) {
    try {
      Files.writeString(directory.resolve(".beads/fake-bd-control.json"), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

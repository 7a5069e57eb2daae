package dev.loopkit.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real git repository in a temporary folder, driven with the real git, independent of the host's config. */
final class TestRepo {
  final Path dir;

  private TestRepo(Path dir) {
    this.dir = dir;
  }

  /** A repository on branch main with one commit holding README.md. */
  static TestRepo create(Path parent) throws IOException {
    Path dir = parent.resolve("repo");
    Files.createDirectories(dir);
    TestRepo repo = new TestRepo(dir);
    repo.git("init", "-q", "-b", "main");
    repo.commitFile("README.md", "hello\n", "initial commit");
    return repo;
  }

  String git(String... args) {
    return git(dir, args);
  }

  static String git(Path in, String... args) {
    List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
        "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new AssertionError("git " + args[0] + " failed in " + in + ": " + out);
      }
      return out.strip();
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  String commitFile(String path, String content, String message) throws IOException {
    return commitFile(dir, path, content, message);
  }

  static String commitFile(Path in, String path, String content, String message) throws IOException {
    Path file = in.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    git(in, "add", path);
    git(in, "commit", "-q", "-m", message);
    return git(in, "rev-parse", "HEAD");
  }

  String head(String ref) {
    return git("rev-parse", ref);
  }
}

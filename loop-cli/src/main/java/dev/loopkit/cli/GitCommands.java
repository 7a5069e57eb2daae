package dev.loopkit.cli;

import dev.loopkit.core.AdapterException;
import dev.loopkit.core.InputException;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandEnvironment;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The git the command itself runs: seeding a new repository from a folder, and committing what a worker left
 * in its worktree. Runs through loop-core's {@link ProcessRunner#unconfined()} (the harness's own commands:
 * timeout, no host secrets), with a fixed
 * identity and no system git configuration, so no signing prompt or hook of the host interferes.
 */
final class GitCommands {
  static final String AUTHOR = "Loop worker";
  static final String EMAIL = "loop@loopkit.dev";

  private final CommandEnvironment environment;

  GitCommands() {
    this.environment = CommandEnvironment.builder()
        .set("GIT_AUTHOR_NAME", AUTHOR).set("GIT_AUTHOR_EMAIL", EMAIL)
        .set("GIT_COMMITTER_NAME", AUTHOR).set("GIT_COMMITTER_EMAIL", EMAIL)
        .set("GIT_CONFIG_NOSYSTEM", "1").set("GIT_TERMINAL_PROMPT", "0").build();
  }

  /**
   * Creates {@code repository} as a new git repository on {@code branch} holding a copy of {@code seed}'s files
   * in one commit. Returns false (and does nothing) when the repository exists.
   */
  boolean seed(Path repository, Path seed, String branch) throws InterruptedException {
    if (Files.exists(repository)) {
      return false;
    }
    copyTree(seed, repository);
    run(repository, "init", "-q");
    run(repository, "symbolic-ref", "HEAD", "refs/heads/" + branch);
    run(repository, "config", "user.name", AUTHOR);
    run(repository, "config", "user.email", EMAIL);
    run(repository, "config", "commit.gpgsign", "false");
    run(repository, "add", "-A");
    run(repository, "commit", "-q", "-m", "Seed the project from " + seed.getFileName());
    return true;
  }

  /** Commits every change in {@code worktree} with {@code message}; returns false when there was none. */
  boolean commitAll(Path worktree, String message) throws InterruptedException {
    if (run(worktree, "status", "--porcelain").stdout().isBlank()) {
      return false;
    }
    run(worktree, "add", "-A");
    run(worktree, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message);
    return true;
  }

  private CommandOutcome run(Path directory, String... args) throws InterruptedException {
    List<String> argv = new ArrayList<>();
    argv.add("git");
    argv.addAll(List.of(args));
    CommandOutcome out = ProcessRunner.unconfined().run(Command.builder(argv).directory(directory)
        .environment(environment.resolve(System.getenv())).timeout(Duration.ofMinutes(2)).build());
    if (!out.succeeded()) {
      throw new AdapterException("git " + String.join(" ", args) + " in " + directory + " failed ("
          + out.status() + "): " + (out.stderr().isBlank() ? out.stdout() : out.stderr()).strip());
    }
    return out;
  }

  /** Copies a folder's files (not links out of it) into a new folder. */
  static void copyTree(Path from, Path to) {
    try {
      Files.walkFileTree(from, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(from)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          Files.createDirectories(to.resolve(from.relativize(dir).toString()));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          if (attrs.isRegularFile()) {
            Files.copy(file, to.resolve(from.relativize(file).toString()));
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }

  static void requireGit() {
    try {
      Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        throw new InputException("git --version failed: expected git 2.20 or later on the PATH");
      }
    } catch (IOException e) {
      throw new InputException("git is not on the PATH: expected git 2.20 or later (" + e.getMessage() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InputException("interrupted while looking for git", e);
    }
  }
}

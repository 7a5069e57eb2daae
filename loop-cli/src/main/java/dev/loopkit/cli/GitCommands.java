package dev.loopkit.cli;

import dev.loopkit.scheduler.GitRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The git the command itself runs: checking that git is there and seeding a new repository from a folder. Every
 * call goes through loop-scheduler's hardened {@link GitRunner} (hooks, fsmonitor, signing and every other
 * program a config could name switched off, a clean environment, a timeout) with the identity below.
 */
final class GitCommands {
  static final String AUTHOR = "Loop worker";
  static final String EMAIL = "loop@loopkit.dev";

  private final GitRunner git = GitRunner.builder().identity(AUTHOR, EMAIL).build();

  /**
   * Creates {@code repository} as a new git repository on {@code branch} holding a copy of {@code seed}'s files
   * in one commit. Returns false (and does nothing) when the repository exists.
   */
  boolean seed(Path repository, Path seed, String branch) {
    if (Files.exists(repository)) {
      return false;
    }
    copyTree(seed, repository);
    git.ok(repository, "creating the repository", "init", "-q", "--template=");
    git.ok(repository, "naming the first branch", "symbolic-ref", "HEAD", "refs/heads/" + branch);
    git.ok(repository, "adding the seed's files", "add", "-A");
    git.ok(repository, "committing the seed", "commit", "-q", "-m", "Seed the project from "
        + Objects.requireNonNull(seed.getFileName()));
    return true;
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

  /** @throws dev.loopkit.core.InputException when git is missing or older than {@value GitRunner#MINIMUM_VERSION} */
  static void requireGit() {
    GitRunner.defaults().requireVersion();
  }
}

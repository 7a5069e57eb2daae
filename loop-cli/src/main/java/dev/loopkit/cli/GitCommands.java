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
   * in one commit. Returns false (and does nothing) when the repository exists. All or nothing: the repository is
   * built in a sibling folder and moved into place in one rename, so a kill mid-seed leaves no half-made
   * repository (the leftover folder is removed by the next seed), and of two processes seeding at once one wins
   * and the other finds the repository made.
   *
   * @throws dev.loopkit.core.InputException when {@code branch} is not a valid branch name
   */
  boolean seed(Path repository, Path seed, String branch) {
    if (Files.exists(repository)) {
      return false;
    }
    Path parent = repository.toAbsolutePath().getParent();
    String name = String.valueOf(repository.getFileName());
    try {
      Files.createDirectories(parent);
      removeLeftovers(parent, "." + name + ".seeding-");
      Path staging = Files.createTempDirectory(parent, "." + name + ".seeding-");
      try {
        copyTree(seed, staging);
        git.ok(staging, "creating the repository", "init", "-q", "--template=");
        if (!git.run(staging, "check-ref-format", "--branch", branch).ok()) {
          throw new dev.loopkit.core.InputException("integration branch '" + branch + "' is not a valid git branch"
              + " name (git check-ref-format --branch refused it): expected a name such as main or release/2.x");
        }
        git.ok(staging, "naming the first branch", "symbolic-ref", "HEAD", "refs/heads/" + branch);
        git.ok(staging, "adding the seed's files", "add", "-A");
        git.ok(staging, "committing the seed", "commit", "-q", "-m", "Seed the project from "
            + Objects.requireNonNull(seed.getFileName()));
        try {
          Files.move(staging, repository, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
          return false; // another process seeded it meanwhile: theirs stands
        }
        return true;
      } finally {
        if (Files.exists(staging)) {
          deleteTree(staging);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot seed the repository " + repository + " from " + seed + ": "
          + IoCause.of(e), e);
    }
  }

  private static void removeLeftovers(Path parent, String prefix) throws IOException {
    try (var entries = Files.list(parent)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        if (String.valueOf(p.getFileName()).startsWith(prefix)) {
          deleteTree(p);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
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
      throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + IoCause.of(e), e);
    }
  }

  /** @throws dev.loopkit.core.InputException when git is missing or older than {@value GitRunner#MINIMUM_VERSION} */
  static void requireGit() {
    GitRunner.defaults().requireVersion();
  }
}

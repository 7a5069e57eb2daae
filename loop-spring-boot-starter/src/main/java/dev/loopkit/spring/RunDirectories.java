package dev.loopkit.spring;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The run directories under {@code loop.runs.directory}: {@code run-001}, {@code run-002}, ... oldest first, the
 * layout the {@code loop} command uses for a project's {@code .loop/runs}, so either can read the other's runs.
 */
final class RunDirectories {
  private static final Pattern NAME = Pattern.compile("run-(\\d+)");

  private final Path root;

  RunDirectories(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Every run directory holding a journal, oldest first. */
  List<Path> all() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      List<Path> out = new ArrayList<>();
      s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
          .filter(p -> RunDirectory.of(p).exists())
          .sorted(Comparator.comparingLong(RunDirectories::number)).forEach(out::add);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the runs in " + root + " (loop.runs.directory)", e);
    }
  }

  /** The run directory of that name, if it holds a journal; empty for any other name. */
  Optional<Path> named(String runId) {
    if (!NAME.matcher(runId).matches()) {
      return Optional.empty();
    }
    Path dir = root.resolve(runId);
    return RunDirectory.of(dir).exists() ? Optional.of(dir) : Optional.empty();
  }

  /** The newest run unless it ended DONE: the one a resume continues. */
  Optional<Path> unfinished() {
    List<Path> runs = all();
    if (runs.isEmpty()) {
      return Optional.empty();
    }
    Path newest = runs.get(runs.size() - 1);
    return RunDirectory.of(newest).history().ending().orElse(null) == RunEnding.Kind.DONE
        ? Optional.empty() : Optional.of(newest);
  }

  /** The directory for a new run, numbered after every existing one (with a journal or not). */
  Path next() {
    long max = 0;
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        max = s.mapToLong(RunDirectories::number).max().orElse(0);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the runs in " + root + " (loop.runs.directory)", e);
      }
    }
    return root.resolve(String.format(Locale.ROOT, "run-%03d", max + 1));
  }

  private static long number(Path dir) {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }
}

package dev.loopkit.cli;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The runs of a project: {@code <project>/.loop/runs/run-001}, {@code run-002}, ... oldest first. */
final class Runs {
  private static final Pattern NAME = Pattern.compile("run-(\\d+)");

  private final Path root;

  Runs(Path root) {
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
          .sorted(Comparator.comparingLong(Runs::number)).forEach(out::add);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list runs in " + root, e);
    }
  }

  /**
   * The newest run unless it ended DONE: the one {@code loop run} continues. Only DONE is final; a run that ended
   * CAPPED, STALLED, HUMAN_GATED, TAMPERED or FAILED continues with its caps, attempts and wall clock counted
   * across sessions, once a person has acted (raised a cap, recorded a decision, fixed the definition of done).
   */
  Optional<Path> unfinished() {
    Optional<Path> newest = latest();
    return newest.filter(p -> RunDirectory.of(p).history().ending().orElse(null) != RunEnding.Kind.DONE);
  }

  Optional<Path> latest() {
    List<Path> runs = all();
    return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
  }

  /** The directory for a new run, numbered after every existing one. */
  Path next() {
    long max = 0;
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        max = s.mapToLong(Runs::number).max().orElse(0);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list runs in " + root, e);
      }
    }
    return root.resolve(String.format(java.util.Locale.ROOT, "run-%03d", max + 1));
  }

  private static long number(Path dir) {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }
}

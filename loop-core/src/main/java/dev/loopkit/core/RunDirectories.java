package dev.loopkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of numbered run directories, {@code run-001}, {@code run-002}, ...: the layout the {@code loop} command
 * keeps in a project's {@code .loop/runs} and the Spring Boot starter in {@code loop.runs.directory}, so that each
 * reads the other's runs. Immutable; every method reads the folder afresh.
 */
public final class RunDirectories {
  private static final Pattern NAME = Pattern.compile("run-(\\d+)");

  private final Path root;

  private RunDirectories(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /**
   * The run directories under {@code root} (which need not exist yet).
   *
   * @param root the folder holding {@code run-NNN} directories
   * @return a view of that folder
   */
  public static RunDirectories of(Path root) {
    return new RunDirectories(root);
  }

  /**
   * The folder.
   *
   * @return the folder holding the runs, as given
   */
  public Path root() {
    return root;
  }

  /**
   * Every run directory that holds a journal, oldest first.
   *
   * @return the runs, empty when the folder does not exist
   * @throws UncheckedIOException when the folder cannot be listed, naming it
   */
  public List<Path> all() {
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
      throw new UncheckedIOException("cannot list the runs in " + root + " (" + e + ")", e);
    }
  }

  /**
   * The newest run.
   *
   * @return the newest run directory holding a journal, if any
   */
  public Optional<Path> latest() {
    List<Path> runs = all();
    return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
  }

  /**
   * The newest run unless it ended DONE: the one to continue. Only DONE is final; a run that ended CAPPED,
   * STALLED, HUMAN_GATED, TAMPERED or FAILED continues with its caps, attempts and wall clock counted across
   * sessions, once a person has acted.
   *
   * @return the run to continue, if any
   */
  public Optional<Path> unfinished() {
    return latest().filter(p -> RunDirectory.of(p).history().ending().orElse(null) != RunEnding.Kind.DONE);
  }

  /**
   * The run directory of that name, if it holds a journal.
   *
   * @param runId a name such as {@code run-007}
   * @return the directory; empty for a name of another shape (so no path can be smuggled in) or a run not there
   */
  public Optional<Path> named(String runId) {
    if (!NAME.matcher(runId).matches()) {
      return Optional.empty();
    }
    Path dir = root.resolve(runId);
    return RunDirectory.of(dir).exists() ? Optional.of(dir) : Optional.empty();
  }

  /**
   * The directory for a new run, numbered after every existing one (with a journal or not).
   *
   * @return {@code run-NNN} one above the highest number in the folder ({@code run-001} in an empty one)
   * @throws UncheckedIOException when the folder cannot be listed, naming it
   */
  public Path next() {
    long max = 0;
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        max = s.mapToLong(RunDirectories::number).max().orElse(0);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the runs in " + root + " (" + e + ")", e);
      }
    }
    return root.resolve(String.format(Locale.ROOT, "run-%03d", max + 1));
  }

  private static long number(Path dir) {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }
}

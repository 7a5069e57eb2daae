package dev.loopkit.spring;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reports of run directories for the Actuator endpoint and health indicator, each folded from its journal
 * again only when the journal changed (its size or modification time), so a health probe every few seconds
 * does not re-read finished runs. Thread-safe.
 */
final class RunReports {
  private record Entry(long size, FileTime modified, RunReport report) {}

  private final Map<Path, Entry> cache = new ConcurrentHashMap<>();

  /**
   * The run's report.
   *
   * @throws dev.loopkit.core.InputException when the journal is damaged beyond a torn last line
   * @throws java.io.UncheckedIOException when it cannot be read
   */
  RunReport report(Path runDirectory) {
    Path journal = RunDirectory.of(runDirectory).journal();
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(journal, BasicFileAttributes.class);
    } catch (IOException e) {
      return RunReport.of(runDirectory); // gone or unreadable: let the core say which, naming the file
    }
    Entry cached = cache.get(runDirectory);
    if (cached != null && cached.size() == attributes.size() && cached.modified().equals(attributes.lastModifiedTime())) {
      return cached.report();
    }
    RunReport report = RunReport.of(runDirectory);
    cache.put(runDirectory, new Entry(attributes.size(), attributes.lastModifiedTime(), report));
    return report;
  }
}

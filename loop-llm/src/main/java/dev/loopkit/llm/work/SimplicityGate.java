package dev.loopkit.llm.work;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Stage;
import dev.loopkit.core.StageContext;
import dev.loopkit.core.StageResult;
import dev.loopkit.core.Ticket;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@link Stage} asking of each change "does this make the system simpler?": it measures what the attempt adds
 * against a budget and fails the attempt past a hard limit, so that loops of retries do not pile up defensive and
 * repeated code. Add it after the review:
 * {@code LoopEngine.builder()...stageAfter(StageKind.REVIEW, "simplicity", SimplicityGate.defaults())}.
 *
 * <p>Measured on the workspace's diff against its base (the same diff the reviewer sees, git run in the attempt's
 * sandbox): <b>net lines</b> (lines added less lines removed), <b>new files</b>, <b>duplicated blocks</b> (a run of
 * {@link Builder#minBlockLines} or more added lines, blank lines and lone brackets not counted, whose text occurs
 * again elsewhere in the workspace or elsewhere in the change) and <b>catch-alls</b> (added handlers that catch
 * everything: {@code catch (Exception e)}, {@code catch (Throwable t)}, {@code catch (e)}, {@code except:},
 * {@code except Exception}, {@code rescue =>}).
 *
 * <p>Within the budget the stage passes with its figures as evidence; over the budget it still passes, saying
 * which figure is over (in the summary and in the attribute {@code over-budget}, both journaled); past a hard
 * limit it fails, each finding naming the figure, the limit and where (the duplicated block's file and line and
 * where the text occurs already), which the next attempt reads. A ticket may set its own hard limits in its
 * metadata: {@code simplicity-net-lines}, {@code simplicity-new-files}, {@code simplicity-duplicated-blocks},
 * {@code simplicity-catch-alls} (whole numbers; a bad value fails the attempt naming it). Files larger than
 * 1 MB, binary files and symbolic links are not scanned, nor anything past 100,000 files or 200 MB in all (so a
 * copy of a file beyond those bounds goes unseen). Thread-safe.
 */
public final class SimplicityGate implements Stage {
  private static final Pattern TRIVIAL = Pattern.compile("[\\s{}()\\[\\];,]*");
  private static final Pattern CATCH_ALL = Pattern.compile(
      "\\bcatch\\s*\\(\\s*(final\\s+)?(java\\.lang\\.)?(Exception|Throwable|RuntimeException|Error)\\s+\\w+\\s*\\)"
          + "|\\bcatch\\s*\\(\\s*\\w+\\s*(:\\s*(Exception|Throwable))?\\s*\\)\\s*\\{"
          + "|^\\s*except\\s*:|^\\s*except\\s+\\(?\\s*(BaseException|Exception)\\b"
          + "|\\brescue\\s*(=>|$)");
  private static final long MAX_FILE_BYTES = 1_000_000;
  private static final long MAX_SCANNED_BYTES = 200_000_000;
  /** Files scanned at most: a workspace of a million tiny files must not hold the attempt's thread for long. */
  private static final int MAX_SCANNED_FILES = 100_000;

  /**
   * Figures of a change, or the limits on them.
   *
   * @param netLines lines added less lines removed
   * @param newFiles files the change creates
   * @param duplicatedBlocks added blocks whose text occurs elsewhere
   * @param catchAlls added handlers that catch everything
   */
  public record Limits(int netLines, int newFiles, int duplicatedBlocks, int catchAlls) {
    /**
     * Checks the count limits.
     *
     * @param netLines lines added less lines removed
     * @param newFiles files the change creates, 0 or more
     * @param duplicatedBlocks added blocks whose text occurs elsewhere, 0 or more
     * @param catchAlls added handlers that catch everything, 0 or more
     * @throws InputException when a count limit is negative (net lines may be negative: a change must shrink)
     */
    public Limits {
      if (newFiles < 0 || duplicatedBlocks < 0 || catchAlls < 0) {
        throw new InputException("simplicity limits must not be negative, got new files " + newFiles
            + ", duplicated blocks " + duplicatedBlocks + ", catch-alls " + catchAlls);
      }
    }
  }

  /** The default budget: net 200 lines, 3 new files, no duplicated block, no catch-all. */
  public static final Limits DEFAULT_BUDGET = new Limits(200, 3, 0, 0);
  /** The default hard limits: net 800 lines, 15 new files, 1 duplicated block, 2 catch-alls. */
  public static final Limits DEFAULT_HARD_LIMIT = new Limits(800, 15, 1, 2);

  private final Limits budget;
  private final Limits hard;
  private final int minBlockLines;
  private final Duration gitTimeout;

  private SimplicityGate(Builder b) {
    this.budget = b.budget;
    this.hard = b.hard;
    this.minBlockLines = b.minBlockLines;
    this.gitTimeout = b.gitTimeout;
  }

  /**
   * A gate with {@link #DEFAULT_BUDGET} and {@link #DEFAULT_HARD_LIMIT}.
   *
   * @return the gate
   */
  public static SimplicityGate defaults() {
    return builder().build();
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public StageResult run(StageContext context) throws Exception {
    WorkspaceDiff.Diff diff = WorkspaceDiff.of(context.workspace(), context.processes(), gitTimeout, 64_000_000);
    Measure m = measure(diff.text(), context.workspace().directory());
    Limits limit = hardLimits(context.ticket());
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("net-lines", String.valueOf(m.added - m.removed));
    attributes.put("added-lines", String.valueOf(m.added));
    attributes.put("removed-lines", String.valueOf(m.removed));
    attributes.put("new-files", String.valueOf(m.newFiles.size()));
    attributes.put("duplicated-blocks", String.valueOf(m.duplicates.size()));
    attributes.put("catch-alls", String.valueOf(m.catchAlls.size()));
    String figures = "net " + signed(m.added - m.removed) + " lines (" + m.added + " added, " + m.removed
        + " removed), " + m.newFiles.size() + " new files, " + m.duplicates.size() + " duplicated blocks, "
        + m.catchAlls.size() + " catch-alls against " + diff.base();
    List<String> findings = new ArrayList<>();
    if (m.added - m.removed > limit.netLines()) {
      findings.add("the change grows the code by " + (m.added - m.removed) + " lines net, past the hard limit of "
          + limit.netLines() + ": remove what the ticket does not need");
    }
    if (m.newFiles.size() > limit.newFiles()) {
      findings.add("the change adds " + m.newFiles.size() + " files, past the hard limit of " + limit.newFiles()
          + ": " + brief(m.newFiles));
    }
    if (m.duplicates.size() > limit.duplicatedBlocks()) {
      findings.add("the change adds " + m.duplicates.size() + " duplicated blocks, past the hard limit of "
          + limit.duplicatedBlocks() + ": " + brief(m.duplicates) + "; reuse the code that exists instead of copying it");
    }
    if (m.catchAlls.size() > limit.catchAlls()) {
      findings.add("the change adds " + m.catchAlls.size() + " catch-all handlers, past the hard limit of "
          + limit.catchAlls() + ": " + brief(m.catchAlls) + "; catch what can be handled, let the rest fail");
    }
    if (!findings.isEmpty()) {
      return StageResult.failed(findings).withAttributes(attributes)
          .withEvidence(List.of(Evidence.of("simplicity", figures)));
    }
    List<String> over = new ArrayList<>();
    if (m.added - m.removed > budget.netLines()) {
      over.add("net lines " + (m.added - m.removed) + " > " + budget.netLines());
    }
    if (m.newFiles.size() > budget.newFiles()) {
      over.add("new files " + m.newFiles.size() + " > " + budget.newFiles());
    }
    if (m.duplicates.size() > budget.duplicatedBlocks()) {
      over.add("duplicated blocks " + m.duplicates.size() + " > " + budget.duplicatedBlocks() + " (" + brief(m.duplicates)
          + ")");
    }
    if (m.catchAlls.size() > budget.catchAlls()) {
      over.add("catch-alls " + m.catchAlls.size() + " > " + budget.catchAlls() + " (" + brief(m.catchAlls) + ")");
    }
    String summary = figures;
    if (!over.isEmpty()) {
      attributes.put("over-budget", String.join("; ", over));
      summary = figures + "; over budget: " + String.join("; ", over);
    }
    return StageResult.passed(summary, List.of(Evidence.of("simplicity", summary))).withAttributes(attributes);
  }

  private Limits hardLimits(Ticket ticket) {
    return new Limits(metadata(ticket, "simplicity-net-lines", hard.netLines()),
        metadata(ticket, "simplicity-new-files", hard.newFiles()),
        metadata(ticket, "simplicity-duplicated-blocks", hard.duplicatedBlocks()),
        metadata(ticket, "simplicity-catch-alls", hard.catchAlls()));
  }

  private static int metadata(Ticket ticket, String key, int fallback) {
    String value = ticket.metadata().get(key);
    if (value == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n < 0 && !key.equals("simplicity-net-lines")) {
        throw new NumberFormatException("negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new InputException("metadata '" + key + "' of ticket " + ticket.id() + " is '" + value + "': expected a"
          + " whole number (the ticket's hard limit for the simplicity gate)", e);
    }
  }

  private static String signed(int n) {
    return n >= 0 ? "+" + n : String.valueOf(n);
  }

  private static String brief(List<String> items) {
    return items.size() <= 3 ? String.join(", ", items) : String.join(", ", items.subList(0, 3)) + " and "
        + (items.size() - 3) + " more";
  }

  /** What a diff adds. */
  private static final class Measure {
    int added;
    int removed;
    final List<String> newFiles = new ArrayList<>();
    final List<String> duplicates = new ArrayList<>();
    final List<String> catchAlls = new ArrayList<>();
  }

  /** A run of consecutive added lines of one file: its significant lines and where each starts. */
  private record Run(String file, List<String> lines, List<Integer> lineNumbers) {}

  Measure measure(String diff, Path root) throws IOException {
    Measure m = new Measure();
    List<Run> runs = new ArrayList<>();
    String file = null;
    boolean created = false;
    int newLine = 0;
    List<String> runLines = new ArrayList<>();
    List<Integer> runNumbers = new ArrayList<>();
    for (String line : diff.split("\n", -1)) {
      if (line.startsWith("diff --git ")) {
        flush(runs, file, runLines, runNumbers);
        file = null;
        created = false;
      } else if (line.startsWith("new file mode")) {
        created = true;
      } else if (line.startsWith("+++ ")) {
        String target = line.substring(4).strip();
        file = target.startsWith("b/") ? target.substring(2) : target;
        if (created && !target.equals("/dev/null")) {
          m.newFiles.add(file);
        }
      } else if (line.startsWith("--- ")) {
        continue;
      } else if (line.startsWith("@@")) {
        flush(runs, file, runLines, runNumbers);
        newLine = hunkStart(line);
      } else if (file != null && line.startsWith("+")) {
        m.added++;
        String text = line.substring(1);
        if (CATCH_ALL.matcher(text).find()) {
          m.catchAlls.add(file + ":" + newLine);
        }
        if (!TRIVIAL.matcher(text).matches()) {
          runLines.add(text.strip());
          runNumbers.add(newLine);
        }
        newLine++;
      } else if (file != null && line.startsWith("-")) {
        m.removed++;
      } else if (file != null && line.startsWith(" ")) {
        flush(runs, file, runLines, runNumbers);
        newLine++;
      }
    }
    flush(runs, file, runLines, runNumbers);
    duplicates(runs, root, m);
    return m;
  }

  private static void flush(List<Run> runs, String file, List<String> lines, List<Integer> numbers) {
    if (file != null && !lines.isEmpty()) {
      runs.add(new Run(file, List.copyOf(lines), List.copyOf(numbers)));
    }
    lines.clear();
    numbers.clear();
  }

  private static int hunkStart(String header) {
    // @@ -a,b +c,d @@
    int plus = header.indexOf('+');
    int end = plus < 0 ? -1 : header.indexOf(' ', plus);
    if (plus < 0 || end < 0) {
      return 1;
    }
    String start = header.substring(plus + 1, end);
    int comma = start.indexOf(',');
    try {
      return Integer.parseInt(comma < 0 ? start : start.substring(0, comma));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /** Counts, for every window of added lines, how often its text occurs in the workspace's files. */
  private void duplicates(List<Run> runs, Path root, Measure m) throws IOException {
    Map<String, Integer> inChange = new HashMap<>();
    for (Run run : runs) {
      for (int i = 0; i + minBlockLines <= run.lines().size(); i++) {
        inChange.merge(window(run.lines(), i), 1, Integer::sum);
      }
    }
    if (inChange.isEmpty()) {
      return;
    }
    Map<String, Integer> inFiles = new HashMap<>();
    Map<String, List<String>> where = new HashMap<>();
    scan(root, inChange.keySet(), inFiles, where);
    for (Run run : runs) {
      int i = 0;
      while (i + minBlockLines <= run.lines().size()) {
        String key = window(run.lines(), i);
        // the added block occurs once where it was added; more occurrences are copies
        boolean copied = inFiles.getOrDefault(key, 0) > 1 || inChange.getOrDefault(key, 0) > 1;
        if (copied) {
          String elsewhere = where.getOrDefault(key, List.of()).stream().filter(f -> !f.equals(run.file()))
              .findFirst().orElse(run.file());
          m.duplicates.add(run.file() + ":" + run.lineNumbers().get(i) + " (" + minBlockLines
              + "+ lines also in " + elsewhere + ")");
          i += minBlockLines; // one report per copied block
        } else {
          i++;
        }
      }
    }
  }

  private String window(List<String> lines, int from) {
    return String.join("\n", lines.subList(from, from + minBlockLines));
  }

  private void scan(Path root, Set<String> keys, Map<String, Integer> counts, Map<String, List<String>> where)
      throws IOException {
    long[] budget = {MAX_SCANNED_BYTES, MAX_SCANNED_FILES};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(root)
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (budget[1] <= 0) {
          return FileVisitResult.TERMINATE;
        }
        if (!attrs.isRegularFile() || attrs.size() > MAX_FILE_BYTES || budget[0] < attrs.size()
            || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          return FileVisitResult.CONTINUE;
        }
        budget[0] -= attrs.size();
        budget[1]--;
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
          bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        }
        for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
          if (bytes[i] == 0) {
            return FileVisitResult.CONTINUE; // binary
          }
        }
        List<String> significant = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
          if (!TRIVIAL.matcher(line).matches()) {
            significant.add(line.strip());
          }
        }
        String name = root.relativize(file).toString();
        for (int i = 0; i + minBlockLines <= significant.size(); i++) {
          String key = window(significant, i);
          if (keys.contains(key)) {
            counts.merge(key, 1, Integer::sum);
            List<String> files = where.computeIfAbsent(key, k -> new ArrayList<>());
            if (files.size() < 3 && !files.contains(name)) {
              files.add(name);
            }
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // a file gone or unreadable mid-scan is not counted
      }
    });
  }

  @Override
  public String toString() {
    return "SimplicityGate{budget " + budget + ", hard " + hard + ", blocks of " + minBlockLines + " lines}";
  }

  /** Builds a {@link SimplicityGate}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private Limits budget = DEFAULT_BUDGET;
    private Limits hard = DEFAULT_HARD_LIMIT;
    private int minBlockLines = 6;
    private Duration gitTimeout = Duration.ofMinutes(2);

    private Builder() {}

    /**
     * Figures above these pass, reported as over budget.
     *
     * @param budget the budget
     * @return this builder
     */
    public Builder budget(Limits budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Figures above these fail the attempt (a ticket's metadata may set its own).
     *
     * @param hard the hard limits, none below the budget's (checked in {@link #build()})
     * @return this builder
     */
    public Builder hardLimit(Limits hard) {
      this.hard = Objects.requireNonNull(hard, "hard");
      return this;
    }

    /**
     * The fewest significant lines a copied block has to count; default 6.
     *
     * @param lines at least 3
     * @return this builder
     * @throws InputException below 3
     */
    public Builder minBlockLines(int lines) {
      if (lines < 3) {
        throw new InputException("min block lines " + lines + " passed to SimplicityGate: expected at least 3");
      }
      this.minBlockLines = lines;
      return this;
    }

    /**
     * The longest each git command of the diff may run; default 2 minutes.
     *
     * @param timeout positive
     * @return this builder
     * @throws InputException unless positive
     */
    public Builder gitTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InputException("git timeout " + timeout + " passed to SimplicityGate: expected a positive duration");
      }
      this.gitTimeout = timeout;
      return this;
    }

    /**
     * @return the gate
     * @throws InputException when a hard limit is below its budget, naming both
     */
    public SimplicityGate build() {
      if (hard.netLines() < budget.netLines() || hard.newFiles() < budget.newFiles()
          || hard.duplicatedBlocks() < budget.duplicatedBlocks() || hard.catchAlls() < budget.catchAlls()) {
        throw new InputException("simplicity hard limits " + hard + " are below the budget " + budget
            + ": expected every hard limit at or above its budget");
      }
      return new SimplicityGate(this);
    }
  }
}

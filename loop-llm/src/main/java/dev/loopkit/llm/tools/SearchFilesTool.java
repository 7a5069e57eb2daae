package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * {@code search}: lines matching a Java regular expression in the workspace's text files, capped. Skips
 * {@code .git}, binary files, files over 2 MB and symbolic links; a pathological expression is stopped after
 * a time budget rather than hanging the loop.
 */
final class SearchFilesTool implements WorkspaceTool {
  static final int DEFAULT_MAX = 100;
  static final int MAX = 1000;
  private static final long MAX_FILE_BYTES = 2L * 1024 * 1024;
  private static final int MAX_LINE_CHARS = 300;
  private static final long TIME_BUDGET_NANOS = 20_000_000_000L;
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("pattern", "Java regular expression to look for in each line.", true)
      .string("path", "File or directory to search, relative to the workspace root (default: the root).", false)
      .string("glob", "Only files whose path relative to the search directory matches this glob, e.g. **/*.java"
          + " or *.md.", false)
      .bool("ignore_case", "Match case-insensitively (default false).")
      .integer("max_results", "Most matching lines to return (default " + DEFAULT_MAX + ").", 1, MAX)
      .build();

  private final Confinement confinement;

  SearchFilesTool(Confinement confinement) {
    this.confinement = confinement;
  }

  @Override
  public String name() {
    return "search";
  }

  @Override
  public String description() {
    return "Search the workspace's text files for a regular expression. Returns 'path:line: text' per match,"
        + " capped at max_results.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws IOException {
    String regex = call.string("pattern");
    String path = call.optionalString("path").orElse(".");
    int max = call.optionalInt("max_results", 1, MAX).orElse(DEFAULT_MAX);
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex, call.flag("ignore_case", false) ? Pattern.CASE_INSENSITIVE : 0);
    } catch (PatternSyntaxException e) {
      throw new ToolException("pattern '" + regex + "' is not a valid Java regular expression: "
          + e.getDescription() + " near index " + e.getIndex());
    }
    PathMatcher glob = null;
    if (call.optionalString("glob").isPresent()) {
      String g = call.string("glob");
      try {
        glob = FileSystems.getDefault().getPathMatcher("glob:" + g);
      } catch (IllegalArgumentException e) {
        throw new ToolException("glob '" + g + "' is malformed: " + e.getMessage());
      }
    }
    Path start = confinement.readable(path);
    if (!Files.exists(start, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("'" + path + "' does not exist in the workspace");
    }
    long deadline = System.nanoTime() + TIME_BUDGET_NANOS;
    List<String> hits = new ArrayList<>();
    boolean more = false;
    try (Stream<Path> files = Files.walk(start)) {
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        if (!searchable(file) || (glob != null && !matches(glob, start, file))) {
          continue;
        }
        more = scan(file, pattern, hits, max, deadline);
        if (more) {
          break;
        }
      }
    }
    StringBuilder out = new StringBuilder();
    hits.forEach(h -> out.append(h).append('\n'));
    if (more) {
      out.append("[... more than ").append(max).append(" matches; narrow the pattern, path or glob ...]\n");
    }
    if (hits.isEmpty()) {
      out.append("no matches\n");
    }
    return ToolOutput.ok(out.toString());
  }

  private static boolean matches(PathMatcher glob, Path start, Path file) {
    Path rel = start.equals(file) ? file.getFileName() : start.relativize(file);
    return glob.matches(rel) || glob.matches(file.getFileName());
  }

  private boolean searchable(Path file) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    String rel = confinement.relative(file);
    if (rel.equals(".git") || rel.startsWith(".git/")) {
      return false;
    }
    return Files.size(file) <= MAX_FILE_BYTES && !ReadFileTool.looksBinary(file);
  }

  /** Adds matching lines of one file; returns true when more matches exist than {@code max}. */
  private boolean scan(Path file, Pattern pattern, List<String> hits, int max, long deadline) throws IOException {
    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), decoder))) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        Matcher matcher = pattern.matcher(new Bounded(line, deadline, pattern.pattern()));
        if (matcher.find()) {
          if (hits.size() == max) {
            return true;
          }
          String text = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "..." : line;
          hits.add(confinement.relative(file) + ":" + number + ": " + text);
        }
      }
    }
    return false;
  }

  /** A line that stops a runaway regular expression once the search's time budget is spent. */
  private static final class Bounded implements CharSequence {
    private final CharSequence text;
    private final long deadline;
    private final String pattern;
    private int reads;

    Bounded(CharSequence text, long deadline, String pattern) {
      this.text = text;
      this.deadline = deadline;
      this.pattern = pattern;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0xFFFF) == 0 && System.nanoTime() > deadline) {
        throw new ToolException("pattern '" + pattern + "' took too long (catastrophic backtracking?): use a"
            + " simpler expression");
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Bounded(text.subSequence(start, end), deadline, pattern);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}

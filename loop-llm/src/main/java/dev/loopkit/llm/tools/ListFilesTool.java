package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@code list_files}: the entries of a directory, optionally recursive, capped; links are not followed. */
final class ListFilesTool implements WorkspaceTool {
  static final int DEFAULT_MAX = 500;
  static final int MAX = 5000;
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("path", "Directory relative to the workspace root (default: the root).", false)
      .bool("recursive", "List the whole tree below the directory (default false).")
      .integer("max_entries", "Most entries to return (default " + DEFAULT_MAX + ").", 1, MAX)
      .build();

  private final Confinement confinement;

  ListFilesTool(Confinement confinement) {
    this.confinement = confinement;
  }

  @Override
  public String name() {
    return "list_files";
  }

  @Override
  public String description() {
    return "List files and directories of the workspace, one path per line relative to the root; directories"
        + " end with '/', symbolic links with ' -> (link)'. The .git directory is skipped.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws IOException {
    String path = call.optionalString("path").orElse(".");
    boolean recursive = call.flag("recursive", false);
    int max = call.optionalInt("max_entries", 1, MAX).orElse(DEFAULT_MAX);
    Path dir = confinement.readable(path);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("'" + path + "' is not a directory of the workspace: expected a directory path");
    }
    List<String> lines = new ArrayList<>();
    boolean more = false;
    try (Stream<Path> entries = recursive ? Files.walk(dir) : Files.list(dir)) {
      for (Path entry : (Iterable<Path>) entries.filter(p -> !p.equals(dir)).filter(p -> !inGit(p)).sorted()
          ::iterator) {
        if (lines.size() == max) {
          more = true;
          break;
        }
        lines.add(describe(entry));
      }
    }
    StringBuilder out = new StringBuilder();
    lines.forEach(l -> out.append(l).append('\n'));
    if (more) {
      out.append("[... more than ").append(max).append(" entries; list a subdirectory or raise max_entries ...]\n");
    }
    if (lines.isEmpty()) {
      out.append("(empty directory)\n");
    }
    return ToolOutput.ok(out.toString());
  }

  private boolean inGit(Path p) {
    String rel = confinement.relative(p);
    return rel.equals(".git") || rel.startsWith(".git/");
  }

  private String describe(Path entry) {
    String rel = confinement.relative(entry);
    if (Files.isSymbolicLink(entry)) {
      return rel + " -> (link)";
    }
    return Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) ? rel + "/" : rel;
  }
}

package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@code read_file}: a text file's content, whole or a range of lines, capped. */
final class ReadFileTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("path", "File path relative to the workspace root.", true)
      .integer("offset", "First line to return, 1-based (default 1).", 1, Integer.MAX_VALUE)
      .integer("limit", "Most lines to return (default: all, up to the size cap).", 1, 100_000)
      .build();

  private final Confinement confinement;
  private final int maxChars;

  ReadFileTool(Confinement confinement, int maxChars) {
    this.confinement = confinement;
    this.maxChars = maxChars;
  }

  @Override
  public String name() {
    return "read_file";
  }

  @Override
  public String description() {
    return "Read a UTF-8 text file of the workspace. Returns its text; long files are cut at " + maxChars
        + " characters with a note saying which offset to read next.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws IOException {
    String path = call.string("path");
    int offset = call.optionalInt("offset", 1, Integer.MAX_VALUE).orElse(1);
    int limit = call.optionalInt("limit", 1, 100_000).orElse(Integer.MAX_VALUE);
    Path file = confinement.readable(path);
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("'" + path + "' is a directory: use list_files for directories");
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("file '" + path + "' does not exist: use list_files to see what is there");
    }
    if (looksBinary(file)) {
      throw new ToolException("file '" + path + "' looks binary (it contains NUL bytes): read_file reads text");
    }
    StringBuilder out = new StringBuilder();
    int line = 0;
    int returned = 0;
    try (BufferedReader reader = new BufferedReader(new java.io.InputStreamReader(
        Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), StandardCharsets.UTF_8))) {
      String text;
      while ((text = reader.readLine()) != null) {
        line++;
        if (line < offset) {
          continue;
        }
        if (returned == limit) {
          out.append("[... more lines follow; read on with offset=").append(line).append(" ...]\n");
          break;
        }
        if (out.length() + text.length() + 1 > maxChars) {
          out.append("[... cut at ").append(maxChars).append(" characters; read on with offset=").append(line)
              .append(" ...]\n");
          break;
        }
        out.append(text).append('\n');
        returned++;
      }
    }
    if (offset > 1 && returned == 0 && line < offset) {
      throw new ToolException("offset " + offset + " is past the end of '" + path + "', which has " + line
          + " lines");
    }
    return ToolOutput.ok(out.toString());
  }

  static boolean looksBinary(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      byte[] head = in.readNBytes(8192);
      for (byte b : head) {
        if (b == 0) {
          return true;
        }
      }
      return false;
    }
  }
}

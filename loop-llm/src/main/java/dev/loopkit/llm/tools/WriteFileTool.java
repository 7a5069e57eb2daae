package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@code write_file}: creates or replaces a text file, creating missing parent directories. */
final class WriteFileTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("path", "File path relative to the workspace root.", true)
      .string("content", "The complete new content of the file.", true)
      .build();

  private final Confinement confinement;

  WriteFileTool(Confinement confinement) {
    this.confinement = confinement;
  }

  @Override
  public String name() {
    return "write_file";
  }

  @Override
  public String description() {
    return "Create a file or replace its whole content (UTF-8). Missing parent directories are created. Prefer"
        + " edit_file for changing part of an existing file.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws IOException {
    String path = call.string("path");
    String content = call.string("content");
    Path file = confinement.writable(path);
    boolean existed = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    write(file, path, content);
    return ToolOutput.ok((existed ? "replaced " : "created ") + confinement.relative(file) + " ("
        + content.getBytes(StandardCharsets.UTF_8).length + " bytes)");
  }

  /** Writes {@code content} to a confined path, never following a link at the last step. */
  static void write(Path file, String path, String content) throws IOException {
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("'" + path + "' is a directory: expected a file path");
    }
    Path parent = file.getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }
}

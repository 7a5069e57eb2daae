package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loopkit.llm.ContentBlock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code read_file}: a text file's content, whole or a range of lines, capped; or an image (PNG, JPEG, GIF,
 * WebP, told by its first bytes, not its name) up to a size cap, returned as an image block with a line about it.
 */
final class ReadFileTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("path", "File path relative to the workspace root.", true)
      .integer("offset", "First line to return, 1-based (default 1).", 1, Integer.MAX_VALUE)
      .integer("limit", "Most lines to return (default: all, up to the size cap).", 1, 100_000)
      .build();

  private final Confinement confinement;
  private final int maxChars;
  private final int maxImageBytes;

  ReadFileTool(Confinement confinement, int maxChars, int maxImageBytes) {
    this.confinement = confinement;
    this.maxChars = maxChars;
    this.maxImageBytes = maxImageBytes;
  }

  @Override
  public String name() {
    return "read_file";
  }

  @Override
  public String description() {
    return "Read a UTF-8 text file of the workspace. Returns its text; long files are cut at " + maxChars
        + " characters with a note saying which offset to read next." + (maxImageBytes > 0 ? " A PNG, JPEG, GIF"
        + " or WebP image of at most " + maxImageBytes + " bytes is returned as the image itself." : "");
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
    if (maxImageBytes > 0) {
      String type = imageType(file);
      if (type != null) {
        return image(path, file, type);
      }
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

  private ToolOutput image(String path, Path file, String type) throws IOException {
    long size = Files.size(file);
    if (size > maxImageBytes) {
      throw new ToolException("image '" + path + "' (" + type + ") has " + size + " bytes, more than the "
          + maxImageBytes + " read_file returns: use a smaller image");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readNBytes(maxImageBytes + 1); // the file may grow after the size was read
    }
    if (bytes.length > maxImageBytes) {
      throw new ToolException("image '" + path + "' grew past " + maxImageBytes + " bytes while it was read");
    }
    return ToolOutput.withImages(path + ": " + type + " image, " + bytes.length + " bytes (the image follows)",
        List.of(ContentBlock.Image.of(type, bytes)));
  }

  /** The image type the file's first bytes announce, or null when it is not a PNG, JPEG, GIF or WebP. */
  static @Nullable String imageType(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      head = in.readNBytes(12);
    }
    if (starts(head, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (starts(head, 0, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (starts(head, 0, 'G', 'I', 'F', '8', '7', 'a') || starts(head, 0, 'G', 'I', 'F', '8', '9', 'a')) {
      return "image/gif";
    }
    if (starts(head, 0, 'R', 'I', 'F', 'F') && starts(head, 8, 'W', 'E', 'B', 'P')) {
      return "image/webp";
    }
    return null;
  }

  private static boolean starts(byte[] head, int at, int... expected) {
    if (head.length < at + expected.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if ((head[at + i] & 0xFF) != expected[i]) {
        return false;
      }
    }
    return true;
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

package dev.loopkit.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code edit_file}: replaces one exact, unique occurrence of a string in a file. */
final class EditFileTool implements WorkspaceTool {
  private static final JsonNode SCHEMA = ObjectSchema.create()
      .string("path", "File path relative to the workspace root.", true)
      .string("old_string", "The exact text to replace; it must occur exactly once in the file.", true)
      .string("new_string", "The text to put in its place.", true)
      .build();

  private final Confinement confinement;

  EditFileTool(Confinement confinement) {
    this.confinement = confinement;
  }

  @Override
  public String name() {
    return "edit_file";
  }

  @Override
  public String description() {
    return "Replace one exact occurrence of old_string by new_string in a text file. old_string must match the"
        + " file exactly (whitespace included) and occur exactly once; add surrounding lines to make it unique.";
  }

  @Override
  public JsonNode inputSchema() {
    return SCHEMA;
  }

  @Override
  public ToolOutput execute(ToolCall call) throws IOException {
    String path = call.string("path");
    String oldString = call.string("old_string");
    String newString = call.string("new_string");
    if (oldString.isEmpty()) {
      throw new ToolException("old_string is empty: expected the exact text to replace (use write_file to create"
          + " a file)");
    }
    if (oldString.equals(newString)) {
      throw new ToolException("old_string and new_string are the same: nothing would change");
    }
    Path file = confinement.writable(path);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("file '" + path + "' does not exist: use write_file to create it");
    }
    String content = Files.readString(file, StandardCharsets.UTF_8);
    List<Integer> at = occurrences(content, oldString);
    if (at.isEmpty()) {
      throw new ToolException("old_string was not found in '" + path + "': it must match the file exactly,"
          + " whitespace and line breaks included; read_file shows the current text");
    }
    if (at.size() > 1) {
      List<Integer> lines = new ArrayList<>();
      for (int index : at) {
        lines.add(lineOf(content, index));
      }
      throw new ToolException("old_string occurs " + at.size() + " times in '" + path + "' (at lines " + lines
          + "): expected exactly one; include more surrounding text to make it unique");
    }
    int index = at.get(0);
    String updated = content.substring(0, index) + newString + content.substring(index + oldString.length());
    WriteFileTool.write(file, path, updated);
    return ToolOutput.ok("edited " + confinement.relative(file) + " at line " + lineOf(content, index));
  }

  private static List<Integer> occurrences(String content, String needle) {
    List<Integer> at = new ArrayList<>();
    for (int i = content.indexOf(needle); i >= 0; i = content.indexOf(needle, i + 1)) {
      at.add(i);
    }
    return at;
  }

  private static int lineOf(String content, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (content.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}

package dev.loopkit.llm.tools;

import static dev.loopkit.llm.tools.ToolRunner.call;
import static dev.loopkit.llm.tools.ToolRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileToolsTest {
  @TempDir
  Path ws;

  private Toolbox box;

  @BeforeEach
  void setUp() throws Exception {
    Files.writeString(ws.resolve("a.txt"), "one\ntwo\nthree\n");
    Files.createDirectories(ws.resolve("src/main"));
    Files.writeString(ws.resolve("src/main/App.java"), "class App {\n  int x = 1;\n  int y = 1;\n}\n");
    box = WorkspaceTools.defaults().open(ws);
  }

  @Test
  void toolboxOffersTheFileToolsAndRunCommandButNoStatusTool() {
    assertEquals(List.of("read_file", "write_file", "edit_file", "list_files", "search", "run_command"),
        box.names());
    for (WorkspaceTool tool : box.tools()) {
      assertEquals("object", tool.inputSchema().get("type").asText(), tool.name());
      assertFalse(tool.description().isBlank());
    }
  }

  @Test
  void readFileReturnsTheTextAndLineRanges() throws Exception {
    assertEquals("one\ntwo\nthree\n", call(box, "read_file", json("path", "a.txt")).text());
    ToolOutput range = call(box, "read_file", json("path", "a.txt", "offset", 2, "limit", 1));
    assertEquals("two\n[... more lines follow; read on with offset=3 ...]\n", range.text());
  }

  @Test
  void readFileRefusesMissingBinaryAndDirectories() throws Exception {
    Files.write(ws.resolve("bin"), new byte[] {1, 0, 2});
    assertTrue(call(box, "read_file", json("path", "nope.txt")).text().contains("does not exist"));
    assertTrue(call(box, "read_file", json("path", "bin")).text().contains("binary"));
    assertTrue(call(box, "read_file", json("path", "src")).text().contains("is a directory"));
  }

  @Test
  void malformedArgumentsAreErrorsNamingTheArgument() throws Exception {
    ToolOutput missing = call(box, "read_file", "{}");
    assertTrue(missing.isError());
    assertEquals("read_file needs the argument 'path' (a string)", missing.text());
    ToolOutput wrongType = call(box, "read_file", "{\"path\":12}");
    assertTrue(wrongType.text().contains("argument 'path' of read_file is 12 (number): expected a string"),
        wrongType.text());
    ToolOutput range = call(box, "read_file", "{\"path\":\"a.txt\",\"offset\":0}");
    assertTrue(range.text().contains("expected an integer from 1"), range.text());
  }

  @Test
  void writeFileCreatesParentsAndReplaces() throws Exception {
    ToolOutput created = call(box, "write_file", json("path", "new/dir/f.txt", "content", "héllo"));
    assertEquals("created new/dir/f.txt (6 bytes)", created.text());
    assertEquals("héllo", Files.readString(ws.resolve("new/dir/f.txt")));
    ToolOutput replaced = call(box, "write_file", json("path", "a.txt", "content", "x"));
    assertTrue(replaced.text().startsWith("replaced a.txt"));
    assertEquals("x", Files.readString(ws.resolve("a.txt")));
  }

  @Test
  void editFileReplacesTheUniqueOccurrence() throws Exception {
    ToolOutput out = call(box, "edit_file", json("path", "src/main/App.java", "old_string", "int x = 1;",
        "new_string", "int x = 2;"));
    assertEquals("edited src/main/App.java at line 2", out.text());
    assertEquals("class App {\n  int x = 2;\n  int y = 1;\n}\n", Files.readString(ws.resolve("src/main/App.java")));
  }

  @Test
  void editFileRefusesZeroMatchesAndSeveralMatches() throws Exception {
    ToolOutput none = call(box, "edit_file", json("path", "src/main/App.java", "old_string", "int z", "new_string",
        "int w"));
    assertTrue(none.isError());
    assertTrue(none.text().contains("was not found"), none.text());
    ToolOutput several = call(box, "edit_file", json("path", "src/main/App.java", "old_string", " = 1;",
        "new_string", " = 3;"));
    assertTrue(several.isError());
    assertTrue(several.text().contains("occurs 2 times") && several.text().contains("[2, 3]"), several.text());
    assertEquals("class App {\n  int x = 1;\n  int y = 1;\n}\n", Files.readString(ws.resolve("src/main/App.java")));
  }

  @Test
  void editFileCountsOverlappingOccurrencesAsSeveral() throws Exception {
    Files.writeString(ws.resolve("aaa.txt"), "aaa");
    ToolOutput out = call(box, "edit_file", json("path", "aaa.txt", "old_string", "aa", "new_string", "b"));
    assertTrue(out.text().contains("occurs 2 times"), out.text());
  }

  @Test
  void listFilesListsRecursivelyAndSkipsGit() throws Exception {
    Files.createDirectories(ws.resolve(".git"));
    Files.writeString(ws.resolve(".git/HEAD"), "ref");
    assertEquals("a.txt\nsrc/\n", call(box, "list_files", "{}").text());
    assertEquals("a.txt\nsrc/\nsrc/main/\nsrc/main/App.java\n",
        call(box, "list_files", json("recursive", true)).text());
    assertEquals("a.txt\n[... more than 1 entries; list a subdirectory or raise max_entries ...]\n",
        call(box, "list_files", json("max_entries", 1)).text());
  }

  @Test
  void searchFindsLinesCapsResultsAndRejectsBadRegex() throws Exception {
    assertEquals("src/main/App.java:2:   int x = 1;\nsrc/main/App.java:3:   int y = 1;\n",
        call(box, "search", json("pattern", "int [xy]")).text());
    assertEquals("a.txt:2: two\n", call(box, "search", json("pattern", "^t.o$", "glob", "*.txt")).text());
    ToolOutput capped = call(box, "search", json("pattern", "int", "max_results", 1));
    assertTrue(capped.text().endsWith("[... more than 1 matches; narrow the pattern, path or glob ...]\n"));
    ToolOutput bad = call(box, "search", json("pattern", "int ("));
    assertTrue(bad.isError());
    assertTrue(bad.text().startsWith("pattern 'int (' is not a valid Java regular expression"), bad.text());
    assertEquals("no matches\n", call(box, "search", json("pattern", "absent")).text());
  }

  @Test
  void badConfigurationFailsAtTheSetter() {
    assertThrows(InputException.class, () -> WorkspaceTools.builder().protect(" "));
    assertThrows(InputException.class, () -> WorkspaceTools.builder().readLimitChars(10));
    InputException missing = assertThrows(InputException.class,
        () -> WorkspaceTools.defaults().open(ws.resolve("missing")));
    assertTrue(missing.getMessage().contains("expected an existing directory"));
  }
}

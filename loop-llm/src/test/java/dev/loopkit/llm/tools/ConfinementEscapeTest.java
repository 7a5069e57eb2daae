package dev.loopkit.llm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Escape attempts against the file tools, with real files, real symbolic links and a real hard link. Every
 * attempt must come back as an error result and leave everything outside the workspace, and every protected
 * file inside it, exactly as it was.
 */
class ConfinementEscapeTest {
  private static final String SECRET = "TOP-SECRET-CONTENT";
  private static final java.util.regex.Pattern REFUSALS = java.util.regex.Pattern.compile(
      "outside the workspace|leads out of the workspace|is protected|hard links|NUL character|empty path"
          + "|cannot be resolved");

  @TempDir
  Path tmp;

  private Path ws;
  private Path outside;
  private Toolbox box;

  @BeforeEach
  void setUp() throws Exception {
    ws = Files.createDirectories(tmp.resolve("ws"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), SECRET);
    Files.createDirectories(outside.resolve("dir"));
    Files.writeString(ws.resolve("notes.txt"), "inside\n");
    Files.createDirectories(ws.resolve("sub"));
    Files.createDirectories(ws.resolve("oracle"));
    Files.writeString(ws.resolve("oracle/check.sh"), "exit 0\n");
    Files.writeString(ws.resolve("verify.sh"), "exit 0\n");
    Files.createDirectories(ws.resolve(".git/hooks"));
    Files.writeString(ws.resolve(".git/config"), "[core]\n");
    Files.createSymbolicLink(ws.resolve("link-out-dir"), Path.of("../outside"));
    Files.createSymbolicLink(ws.resolve("link-out-file"), Path.of("../outside/secret.txt"));
    Files.createSymbolicLink(ws.resolve("link-abs"), Path.of("/etc"));
    Files.createSymbolicLink(ws.resolve("link-abs-outside"), outside.toAbsolutePath());
    Files.createSymbolicLink(ws.resolve("dangling-out"), Path.of("../outside/created-by-escape.txt"));
    Files.createSymbolicLink(ws.resolve("dangling-dir-out"), Path.of("../outside/newdir"));
    Files.createSymbolicLink(ws.resolve("sub/link-up2"), Path.of("../.."));
    Files.createSymbolicLink(ws.resolve("chain1"), Path.of("chain2"));
    Files.createSymbolicLink(ws.resolve("chain2"), Path.of("link-out-dir"));
    Files.createSymbolicLink(ws.resolve("dangling-chain"), Path.of("chain3"));
    Files.createSymbolicLink(ws.resolve("chain3"), Path.of("../outside/chained.txt"));
    Files.createSymbolicLink(ws.resolve("loop1"), Path.of("loop2"));
    Files.createSymbolicLink(ws.resolve("loop2"), Path.of("loop1"));
    Files.createSymbolicLink(ws.resolve("to-oracle"), Path.of("oracle"));
    Files.createSymbolicLink(ws.resolve("to-verify"), Path.of("verify.sh"));
    Files.createLink(ws.resolve("hard"), outside.resolve("secret.txt"));
    box = WorkspaceTools.builder().protect("oracle/**", "oracle", "verify.sh").withoutCommands().build().open(ws);
  }

  static Stream<Arguments> attempts() {
    List<Arguments> a = new ArrayList<>();
    String[] reads = {"../outside/secret.txt", "/etc/passwd", "@OUTSIDE@/secret.txt", "sub/../../outside/secret.txt",
        "link-out-file", "link-out-dir/secret.txt", "link-abs/passwd", "link-abs-outside/secret.txt",
        "sub/link-up2/outside/secret.txt", "chain1/secret.txt", "hard", "loop1", "./../outside/secret.txt",
        "sub/./../../outside/secret.txt", "..", "/", "a\u0000b", ""};
    for (String p : reads) {
      a.add(Arguments.of("read_file", "{\"path\":" + quote(p) + "}"));
    }
    String[] writes = {"../outside/new.txt", "@OUTSIDE@/new.txt", "link-out-dir/new.txt", "link-out-file",
        "dangling-out", "dangling-dir-out/new.txt", "link-out-dir/deeper/new.txt", "chain1/new.txt",
        "dangling-chain", "sub/link-up2/outside/x.txt", "link-abs-outside/secret.txt", "oracle/check.sh",
        "oracle/new.sh", "verify.sh", "to-oracle/check.sh", "to-verify", ".git/hooks/pre-commit", ".git/config",
        "hard", "/tmp/loop-escape-test.txt", "sub/../../outside/secret.txt"};
    for (String p : writes) {
      a.add(Arguments.of("write_file", "{\"path\":" + quote(p) + ",\"content\":\"pwned\"}"));
    }
    String[] edits = {"link-out-file", "../outside/secret.txt", "verify.sh", "to-oracle/check.sh", "hard",
        "link-out-dir/secret.txt"};
    for (String p : edits) {
      a.add(Arguments.of("edit_file", "{\"path\":" + quote(p) + ",\"old_string\":\"" + SECRET.substring(0, 3)
          + "\",\"new_string\":\"pwned\"}"));
    }
    String[] lists = {"../outside", "link-out-dir", "/", "@OUTSIDE@", "sub/link-up2"};
    for (String p : lists) {
      a.add(Arguments.of("list_files", "{\"path\":" + quote(p) + ",\"recursive\":true}"));
    }
    String[] searches = {"../outside", "link-out-dir", "/etc", "link-out-file"};
    for (String p : searches) {
      a.add(Arguments.of("search", "{\"pattern\":\"SECRET\",\"path\":" + quote(p) + "}"));
    }
    return a.stream();
  }

  private static String quote(String s) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("attempts")
  void everyEscapeAttemptIsRefusedAndChangesNothing(String tool, String args) throws Exception {
    Map<String, String> before = snapshot();
    ToolOutput out = ToolRunner.call(box, tool, args.replace("@OUTSIDE@", outside.toString()));
    assertTrue(out.isError(), () -> tool + " " + args + " succeeded: " + out.text());
    assertFalse(out.text().contains(SECRET), "the error must not leak the content");
    assertTrue(REFUSALS.matcher(out.text()).find(), () -> "refused for the wrong reason: " + out.text());
    assertEquals(before, snapshot(), "nothing outside the workspace or protected may change");
    assertFalse(Files.exists(Path.of("/tmp/loop-escape-test.txt")));
  }

  @Test
  void thereAreAtLeastThirtyDistinctAttempts() {
    assertTrue(attempts().map(a -> a.get()[0] + " " + a.get()[1]).distinct().count() >= 30);
  }

  @Test
  void symbolicLinksThatStayInsideStillWork() throws Exception {
    Files.createSymbolicLink(ws.resolve("sub/up"), Path.of(".."));
    ToolOutput read = ToolRunner.call(box, "read_file", "{\"path\":\"sub/up/notes.txt\"}");
    assertEquals("inside\n", read.text());
    ToolOutput write = ToolRunner.call(box, "write_file", "{\"path\":\"sub/up/new/deep.txt\",\"content\":\"x\"}");
    assertFalse(write.isError(), write.text());
    assertEquals("x", Files.readString(ws.resolve("new/deep.txt")));
  }

  @Test
  void protectedFilesStayReadable() throws Exception {
    ToolOutput read = ToolRunner.call(box, "read_file", "{\"path\":\"verify.sh\"}");
    assertFalse(read.isError());
    assertEquals("exit 0\n", read.text());
  }

  @Test
  void theRefusalNamesThePathAndTheReason() throws Exception {
    ToolOutput out = ToolRunner.call(box, "write_file", "{\"path\":\"verify.sh\",\"content\":\"exit 0\"}");
    assertTrue(out.text().contains("'verify.sh'") && out.text().contains("protected"), out.text());
    ToolOutput link = ToolRunner.call(box, "read_file", "{\"path\":\"link-out-dir/secret.txt\"}");
    assertTrue(link.text().contains("symbolic link 'link-out-dir'"), link.text());
  }

  /** Every file under tmp except the workspace's own unprotected files: path to content. */
  private Map<String, String> snapshot() throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(tmp)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String rel = tmp.relativize(p).toString();
        boolean workspaceFile = rel.startsWith("ws/") && !rel.startsWith("ws/oracle") && !rel.equals("ws/verify.sh")
            && !rel.startsWith("ws/.git") && !rel.equals("ws/hard");
        if (Files.isSymbolicLink(p)) {
          files.put(rel, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p) && !workspaceFile) {
          files.put(rel, new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
        } else if (Files.isDirectory(p) && !workspaceFile) {
          files.put(rel, "dir");
        }
      }
    }
    return files;
  }
}

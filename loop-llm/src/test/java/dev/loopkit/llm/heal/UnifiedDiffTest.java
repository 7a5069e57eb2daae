package dev.loopkit.llm.heal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnifiedDiffTest {
  @TempDir Path dir;

  private static byte[] b(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLineAddedInTheMiddleGetsThreeLinesOfContextEachSide() {
    String diff = UnifiedDiff.file("p.md", b("1\n2\n3\n4\n5\n6\n7\n8\n"), b("1\n2\n3\n4\nnew\n5\n6\n7\n8\n"));
    assertEquals("--- a/p.md\n+++ b/p.md\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n", diff);
  }

  @Test
  void aCreatedFileIsDiffedFromDevNull() {
    assertEquals("--- /dev/null\n+++ b/new.md\n@@ -0,0 +1,2 @@\n+a\n+b\n", UnifiedDiff.file("new.md", null, b("a\nb\n")));
  }

  @Test
  void aMissingFinalNewlineIsMarked() {
    assertEquals("--- a/p.md\n+++ b/p.md\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n",
        UnifiedDiff.file("p.md", b("a"), b("a\n")));
  }

  @Test
  void farApartChangesAreSeparateHunksAndNearOnesShareOne() {
    StringBuilder was = new StringBuilder();
    for (int i = 1; i <= 20; i++) {
      was.append(i).append('\n');
    }
    String now = ("\n" + was).replace("\n2\n", "\ntwo\n").replace("\n18\n", "\neighteen\n")
        .replace("\n5\n", "\nfive\n").substring(1);
    String diff = UnifiedDiff.file("p", b(was.toString()), b(now));
    assertEquals("--- a/p\n+++ b/p\n@@ -1,8 +1,8 @@\n 1\n-2\n+two\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        + "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n", diff);
  }

  @Test
  void gitAppliesTheDiffOfEveryChangedFile() throws Exception {
    Map<String, byte[]> before = new TreeMap<>(Map.of("prompts/worker.md", b("You work on one ticket.\nRun the"
        + " tests.\nKeep commits small.\n"), "profiles/w.yaml", b("turns: 40\nmodel: small"), "gone.md", b("x\n")));
    Map<String, byte[]> after = new TreeMap<>(Map.of("prompts/worker.md", b("You work on one ticket.\nRun the"
        + " tests.\nIndent with tabs.\nKeep commits small.\n"), "profiles/w.yaml", b("turns: 60\nmodel: small\n"),
        "prompts/new.md", b("Read NOTES.md first.\n")));
    for (Map.Entry<String, byte[]> e : before.entrySet()) {
      Files.createDirectories(dir.resolve(e.getKey()).getParent());
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
    Path patch = Files.writeString(dir.resolve("heal.diff"), UnifiedDiff.of(before, after));

    Process git = new ProcessBuilder("git", "apply", "--unsafe-paths", "heal.diff").directory(dir.toFile())
        .redirectErrorStream(true).start();
    String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, git.waitFor(), output);
    for (Map.Entry<String, byte[]> e : after.entrySet()) {
      assertEquals(new String(e.getValue(), StandardCharsets.UTF_8), Files.readString(dir.resolve(e.getKey())));
    }
    assertEquals(false, Files.exists(dir.resolve("gone.md")));
  }
}

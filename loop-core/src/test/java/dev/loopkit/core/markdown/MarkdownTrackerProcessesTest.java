package dev.loopkit.core.markdown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Batch;
import dev.loopkit.core.Comment;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several real JVMs share one ticket folder: the file lock and the atomic writes must keep every update. */
class MarkdownTrackerProcessesTest {
  private static final int CHILDREN = 3;
  private static final int ROUNDS = 12;

  @TempDir
  Path dir;

  @Test
  void childJvmsSharingAFolderFileEachTicketOnceAndLoseNoUpdate() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try {
      for (int c = 0; c < CHILDREN; c++) {
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            TrackerChild.class.getName(), dir.toString(), String.valueOf(c), String.valueOf(ROUNDS))
            .redirectError(dir.resolve(".child-" + c + ".err").toFile())
            .start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        outputs.add(out);
      }
      for (int c = 0; c < CHILDREN; c++) {
        assertEquals("ready", outputs.get(c).readLine(), "first line of child " + c + "; stderr: " + stderr(c));
      }
      for (Process p : children) {
        OutputStream in = p.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      Map<String, Integer> wins = new HashMap<>();
      for (int c = 0; c < CHILDREN; c++) {
        String line;
        List<String> lines = new ArrayList<>();
        while ((line = outputs.get(c).readLine()) != null) {
          lines.add(line);
          if (line.startsWith("won ")) {
            wins.merge(line.substring(4), 1, Integer::sum);
          }
        }
        Process p = children.get(c);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child " + c + " still running");
        assertEquals(0, p.exitValue(), "exit of child " + c + "; stderr: " + stderr(c));
        assertEquals("finished", lines.get(lines.size() - 1), "last line of child " + c);
      }

      Batch batch = MarkdownTracker.open(dir).readBatch();

      assertEquals(ROUNDS + CHILDREN * ROUNDS, batch.size(), "tickets " + batch);
      Map<String, String> keys = new HashMap<>();
      for (Ticket t : batch.tickets()) {
        String key = t.metadata().get("idempotency-key");
        String previous = keys.put(key, t.id());
        assertEquals(null, previous, "key " + key + " filed as " + previous + " and " + t.id());
        if (key.startsWith("shared-")) {
          assertEquals(1, wins.getOrDefault(t.id(), 0), "claim winners of " + t.id() + ": " + wins);
          assertEquals(Status.IN_PROGRESS, t.status(), t.toString());
          long childComments = t.comments().stream().map(Comment::body).filter(b -> b.startsWith("child ")).count();
          assertEquals(CHILDREN, childComments, "comments of " + t.id() + ": " + t.comments());
          assertEquals(CHILDREN + 1, t.comments().size(), "comments of " + t.id() + ": " + t.comments());
        } else {
          assertEquals(Status.DONE, t.status(), t.toString());
          assertEquals(2, t.comments().size(), "comments of " + t.id() + ": " + t.comments());
        }
      }
      assertEquals(ROUNDS, wins.size(), "tickets claimed " + wins);
    } finally {
      for (Process p : children) {
        p.destroyForcibly();
      }
    }
  }

  private String stderr(int child) throws IOException {
    Path err = dir.resolve(".child-" + child + ".err");
    return Files.exists(err) ? Files.readString(err) : "";
  }
}

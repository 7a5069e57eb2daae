package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGINT to a real child {@code loop run} JVM, as Ctrl-C in a terminal sends it. */
class CtrlCTest {
  @TempDir
  Path dir;

  @Test
  void ctrlCStopsTheRunCleanlyReopensTheTicketPrintsTheEndingAndStatusIsRightAfterwards() throws Exception {
    String slow = Cli.call("run_command", "{\"command\":\"touch started.marker; sleep 60\"}") + Cli.say("Slept.");
    Path p = Cli.tinyProject(dir, slow, "sandbox:\n  kind: none\nworker:\n  command-timeout: 120s\n");
    // the tiny project's worker: block protects the verifier; replace it with one that also allows long commands
    Files.writeString(p.resolve(ProjectConfig.FILE_NAME), Files.readString(p.resolve(ProjectConfig.FILE_NAME))
        .replace("worker:\n  protect: [tests/**]\n", "").replace("worker:\n  command-timeout: 120s\n",
            "worker:\n  protect: [tests/**]\n  command-timeout: 120s\n"));
    Path log = dir.resolve("loop.log");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String keys = System.getProperty("loop.journal.keys", dir.resolve("journal-keys").toString());
    Process loop = new ProcessBuilder(java, "-cp", classpath, "-Dloop.journal.keys=" + keys,
        LoopCommand.class.getName(), "run", p.toString()).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.readString(log).contains("T-1  attempt 1 started") || !markerExists(p)) {
        assertTrue(loop.isAlive(), "loop ended before the attempt started:\n" + Files.readString(log));
        assertTrue(System.nanoTime() < deadline, "the attempt never started:\n" + Files.readString(log));
        Thread.sleep(100);
      }

      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(loop.pid())).inheritIO().start();
      assertEquals(0, kill.waitFor());
      assertTrue(loop.waitFor(90, TimeUnit.SECONDS), "loop did not stop after SIGINT:\n" + Files.readString(log));
    } finally {
      loop.destroyForcibly();
    }

    String out = Files.readString(log);
    assertEquals(LoopCommand.INTERRUPTED, loop.exitValue(), out);
    assertTrue(out.contains("stopped by a signal (Ctrl-C)") && out.contains("reopened"), out);
    assertTrue(out.contains("run run-001: FAILED"), "the ending is printed: " + out);
    assertTrue(out.contains("report: " + p.resolve(".loop/runs/run-001/report.html")), out);
    RunDirectory run = RunDirectory.of(p.resolve(".loop/runs/run-001"));
    assertEquals(RunEnding.Kind.FAILED, run.history().ending().orElseThrow(), "journaled, not left RUNNING");
    assertEquals(1, run.report().interruptedAttempts(), "the attempt in flight is counted as interrupted");
    assertEquals(Status.OPEN, ProjectEngine.tracker(ProjectConfig.read(p), Map.of()).readBatch().get("T-1")
        .status(), "the ticket in flight is reopened");
    Cli status = Cli.run("status", p.toString());
    assertFalse(status.out.contains("RUNNING"), status.out);
    assertTrue(status.out.contains("run run-001: FAILED") && status.out.contains("interrupted"), status.out);
  }

  private static boolean markerExists(Path project) throws Exception {
    try (var s = Files.walk(project)) {
      return s.anyMatch(f -> f.getFileName().toString().equals("started.marker"));
    } catch (java.io.UncheckedIOException e) {
      return false; // a file vanished under the walk (git at work)
    }
  }
}

package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No process a ticket started outlives the JVM: a child JVM runs the real {@code loop run} (its main) on a project
 * whose code under test, run by the verifier, detaches two daemons ({@code setsid} and {@code nohup}, each
 * appending to a marker in the workspace every 100 ms) and then blocks; the test SIGKILLs the JVM mid-attempt and
 * watches the markers. bubblewrap's {@code --die-with-parent} and its PID namespace take every process of the
 * sandbox down with the JVM, whatever it forked or detached.
 */
class SandboxKillTest {
  @TempDir
  Path dir;

  @Test
  void daemonsStartedInTheSandboxStopWhenTheJvmIsKilled() throws Exception {
    String daemons = "( setsid sh -c 'while :; do echo tick >> setsid.marker; sleep 0.1; done' >/dev/null 2>&1 & )\n"
        + "nohup sh -c 'while :; do echo tick >> nohup.marker; sleep 0.1; done' >/dev/null 2>&1 &\n"
        + "sleep 120\n"
        + "answer() { echo 42; }\n";
    String steps = Cli.call("write_file", new ObjectMapper().writeValueAsString(Map.of("path", "answer.sh",
        "content", daemons))) + Cli.say("Wrote the answer.");
    Path p = Cli.tinyProject(dir, steps, "");
    Files.writeString(p.resolve("project/tests/check.sh"),
        ". ./answer.sh\n[ \"$(answer)\" = 42 ] && echo 'check ok' || { echo 'wrong answer'; exit 1; }\n");

    Process loop = startLoop(p);
    try {
      Path setsid = await(p, "setsid.marker", loop);
      Path nohup = await(p, "nohup.marker", loop);
      growing(setsid);
      growing(nohup);

      loop.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block of the JVM runs
      assertTrue(loop.waitFor(30, TimeUnit.SECONDS));

      // give the kernel a moment to take the sandbox down, then the markers must stand still
      Thread.sleep(1_000);
      long setsidSize = Files.size(setsid);
      long nohupSize = Files.size(nohup);
      Thread.sleep(1_500);
      assertEquals(setsidSize, Files.size(setsid), "the setsid daemon outlived the JVM");
      assertEquals(nohupSize, Files.size(nohup), "the nohup daemon outlived the JVM");
      List<ProcessHandle> left = ProcessHandle.allProcesses()
          .filter(h -> h.info().commandLine().orElse("").contains(".marker")).filter(ProcessHandle::isAlive).toList();
      assertEquals(List.of(), left.stream().map(h -> h.info().commandLine().orElse("")).toList());
    } finally {
      loop.destroyForcibly();
    }
  }

  private Process startLoop(Path project) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, LoopCommand.class.getName(), "run",
        project.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("loop.log").toFile());
    return pb.start();
  }

  /** The marker once it exists anywhere under the project (in the ticket's workspace). */
  private Path await(Path project, String name, Process loop) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      Optional<Path> found;
      try (Stream<Path> s = Files.walk(project)) {
        found = s.filter(f -> f.getFileName().toString().equals(name)).findFirst();
      } catch (java.io.UncheckedIOException e) {
        found = Optional.empty(); // a file vanished under the walk (git at work); look again
      }
      if (found.isPresent()) {
        return found.get();
      }
      if (!loop.isAlive()) {
        throw new AssertionError("loop ended (exit " + loop.exitValue() + ") before " + name + " appeared:\n"
            + Files.readString(dir.resolve("loop.log")));
      }
      loop.waitFor(100, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError(name + " never appeared:\n" + Files.readString(dir.resolve("loop.log")));
  }

  /** Fails unless the marker grows within two seconds: the daemon is alive before the kill. */
  private static void growing(Path marker) throws Exception {
    long before = Files.size(marker);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < deadline && Files.size(marker) == before) {
      Thread.sleep(50);
    }
    assertTrue(Files.size(marker) > before, marker + " is not growing");
  }
}

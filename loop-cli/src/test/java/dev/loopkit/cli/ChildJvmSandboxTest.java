package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The real {@code loop run} (its main) in a child JVM, on projects whose code under test (the worker's, run by
 * the verifier's command in the sandbox) attacks the harness's process:
 * <ul>
 *   <li>it detaches two daemons ({@code setsid} and {@code nohup}, each appending to a marker in the workspace
 *       every 100 ms) and blocks; the test SIGKILLs the JVM mid-attempt and watches the markers stop: bubblewrap's
 *       {@code --die-with-parent} and its PID namespace take every process of the sandbox down with the JVM;</li>
 *   <li>it prints its environment, every {@code /proc/<pid>/environ} it can read and the pids it can see, while
 *       the JVM's own environment holds two secrets: neither appears anywhere, nor does the JVM's pid.</li>
 * </ul>
 */
class ChildJvmSandboxTest {
  private static final String KEY = "sk-ant-sentinel-4d1f9a0c77";
  private static final String TOKEN = "tok-sentinel-88c2e61b";

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

    Process loop = startLoop(p, Map.of());
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

  @Test
  void daemonsAWorkersOwnCommandStartsStopWhenTheJvmIsKilled() throws Exception {
    String daemons = "( setsid sh -c 'while :; do echo tick >> setsid.marker; sleep 0.1; done' >/dev/null 2>&1 & );"
        + " nohup sh -c 'while :; do echo tick >> nohup.marker; sleep 0.1; done' >/dev/null 2>&1 & sleep 120";
    String steps = Cli.call("run_command", new ObjectMapper().writeValueAsString(Map.of("command", daemons)))
        + Cli.say("Started them.");
    Path p = Cli.tinyProject(dir, steps, ""); // the worker's command timeout (5 min) outlasts the sleep

    Process loop = startLoop(p, Map.of());
    try {
      Path setsid = await(p, "setsid.marker", loop);
      Path nohup = await(p, "nohup.marker", loop);
      growing(setsid);
      growing(nohup);

      loop.destroyForcibly(); // SIGKILL in the middle of the worker's run_command
      assertTrue(loop.waitFor(30, TimeUnit.SECONDS));

      Thread.sleep(1_000);
      long setsidSize = Files.size(setsid);
      long nohupSize = Files.size(nohup);
      Thread.sleep(1_500);
      assertEquals(setsidSize, Files.size(setsid), "the worker's setsid daemon outlived the JVM");
      assertEquals(nohupSize, Files.size(nohup), "the worker's nohup daemon outlived the JVM");
    } finally {
      loop.destroyForcibly();
    }
  }

  @Test
  void theSecretsOfTheJvmAndItsPidAreOutOfReachOfTheCodeUnderTest() throws Exception {
    String snoop = "echo \"== env\"; env\n"
        + "echo \"== environ\"; for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done 2>/dev/null\n"
        + "echo \"== pids $(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')\"\n"
        + "answer() { echo 42; }\n";
    String steps = Cli.call("write_file", new ObjectMapper().writeValueAsString(Map.of("path", "answer.sh",
        "content", snoop))) + Cli.say("Wrote the answer.");
    Path p = Cli.tinyProject(dir, steps, "");
    Files.writeString(p.resolve("project/tests/check.sh"),
        ". ./answer.sh\n[ \"$(answer)\" = 42 ] && echo 'check ok' || { echo 'wrong answer'; exit 1; }\n");

    Process loop = startLoop(p, Map.of("ANTHROPIC_API_KEY", KEY, "DEPLOY_TOKEN", TOKEN));
    assertTrue(loop.waitFor(120, TimeUnit.SECONDS), "loop run did not finish");

    String log = Files.readString(dir.resolve("loop.log"));
    assertEquals(LoopCommand.DONE, loop.exitValue(), log);
    String excerpt = dev.loopkit.core.RunDirectory.of(p.resolve(".loop/runs/run-001")).events().stream()
        .filter(dev.loopkit.core.LoopEvent.StageCompleted.class::isInstance)
        .map(dev.loopkit.core.LoopEvent.StageCompleted.class::cast)
        .filter(s -> s.kind() == dev.loopkit.core.StageKind.VERIFY)
        .map(s -> s.evidence().get(0).attributes().get("excerpt")).findFirst().orElseThrow();
    assertTrue(excerpt.contains("== environ") && excerpt.contains("== pids "), excerpt);
    String pids = excerpt.substring(excerpt.indexOf("== pids ") + 8).lines().findFirst().orElse("");
    assertFalse(List.of(pids.trim().split(" ")).contains(Long.toString(loop.pid())),
        "the JVM (pid " + loop.pid() + ") is visible: " + pids);
    List<Path> leaks = new java.util.ArrayList<>();
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (text.contains(KEY) || text.contains(TOKEN)) {
          leaks.add(f);
        }
      }
    }
    assertEquals(List.of(), leaks, "files holding a secret of the JVM's environment");
    assertFalse(log.contains(KEY) || log.contains(TOKEN), log);
  }

  private Process startLoop(Path project, Map<String, String> secrets) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // where run journals keep their keys, when the engine keys them: the build's folder, never the user's home
    String keys = System.getProperty("loop.journal.keys", dir.resolve("journal-keys").toString());
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, "-Dloop.journal.keys=" + keys,
        LoopCommand.class.getName(), "run", project.toString());
    pb.environment().putAll(secrets);
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

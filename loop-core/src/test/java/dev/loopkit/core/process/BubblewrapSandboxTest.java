package dev.loopkit.core.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox as a process sees it, through real bubblewrap and real processes. */
class BubblewrapSandboxTest {
  private static final Map<String, String> ENV = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "C.UTF-8");

  @TempDir Path dir;
  private Path workspace;
  private Path outside;
  private ProcessRunner runner;

  @BeforeEach
  void layout() throws IOException {
    workspace = Files.createDirectories(dir.resolve("project/.loop/workspaces/T-1"));
    outside = Files.writeString(dir.resolve("project/loop.yaml"), "secret: outside\n");
    runner = ProcessRunner.confined(Sandbox.bubblewrap(), Jail.of(workspace));
  }

  private CommandOutcome sh(String script) throws InterruptedException {
    return runner.run(Command.builder(List.of("sh", "-c", script)).directory(workspace).environment(ENV)
        .timeout(Duration.ofSeconds(20)).build());
  }

  @Test
  void theWorkspaceIsWritableAndTheProjectAroundItIsInvisible() throws Exception {
    CommandOutcome out = sh("echo made > made.txt && cat ../../../loop.yaml; ls ../../..; echo x > ../../../new.txt");

    assertEquals("made\n", Files.readString(workspace.resolve("made.txt")));
    assertFalse(out.stdout().contains("secret"), out.stdout());
    assertFalse(Files.exists(dir.resolve("project/new.txt")));
    assertEquals("secret: outside\n", Files.readString(outside));
  }

  @Test
  void theSystemIsReadOnlyAndThereAreNoCapabilities() throws Exception {
    CommandOutcome out = sh("touch /etc/loop-probe 2>&1; mount -o remount,rw /etc 2>&1; grep CapEff /proc/self/status");

    assertTrue(out.stdout().contains("Read-only file system"), out.stdout());
    assertTrue(out.stdout().contains("CapEff:\t0000000000000000"), out.stdout());
    assertFalse(Files.exists(Path.of("/etc/loop-probe")));
  }

  @Test
  void noProcessOfTheHostIsVisibleAndNoEnvironmentButTheCommandsOwn() throws Exception {
    CommandOutcome out = sh("for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done; echo pids:; ls /proc"
        + " | grep -c '^[0-9]'");

    String all = out.stdout();
    assertFalse(all.contains("JAVA_HOME="), all);
    assertFalse(all.contains("HOME=/root"), all);
    assertTrue(all.contains("HOME=" + BubblewrapSandbox.HOME), all);
    int pids = Integer.parseInt(all.substring(all.indexOf("pids:") + 5).trim());
    assertTrue(pids < 10, "pids visible: " + pids);
  }

  @Test
  void theNetworkIsOffByDefaultAndOnWhenTheJailAsks() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String probe = "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort() + " && echo connected";
      Command command = Command.builder(List.of("bash", "-c", probe)).directory(workspace).environment(ENV)
          .timeout(Duration.ofSeconds(20)).build();

      CommandOutcome off = runner.run(command);
      CommandOutcome on = runner.withJail(Jail.of(workspace).withNetwork(true)).run(command);

      assertNotEquals(0, off.exitCode(), off.stdout());
      assertFalse(off.stdout().contains("connected"));
      assertEquals("connected\n", on.stdout(), on.stderr());
    }
  }

  @Test
  void nothingStartedInsideOutlivesTheCommandWhateverItDetaches() throws Exception {
    sh("(setsid sh -c 'while true; do echo x >> setsid.log; sleep 0.1; done' &) ;"
        + " nohup sh -c 'while true; do echo x >> nohup.log; sleep 0.1; done' >/dev/null 2>&1 &"
        + " sh -c '(sh -c \"while true; do echo x >> fork.log; sleep 0.1; done\" &) &'; sleep 0.5");
    long[] before = sizes("setsid.log", "nohup.log", "fork.log");
    Thread.sleep(700);
    long[] after = sizes("setsid.log", "nohup.log", "fork.log");

    for (int i = 0; i < before.length; i++) {
      assertTrue(before[i] > 0, "daemon " + i + " never ran");
      assertEquals(before[i], after[i], "daemon " + i + " kept writing after the command ended");
    }
  }

  @Test
  void theTimeoutKillsTheWholeSandbox() throws Exception {
    CommandOutcome out = runner.run(Command.builder(List.of("sh", "-c",
            "(while true; do echo x >> t.log; sleep 0.1; done) & sleep 60")).directory(workspace).environment(ENV)
        .timeout(Duration.ofSeconds(1)).build());
    long size = Files.size(workspace.resolve("t.log"));
    Thread.sleep(500);

    assertTrue(out.timedOut());
    assertEquals(size, Files.size(workspace.resolve("t.log")));
  }

  @Test
  void aCommandOutsideItsJailIsRefused() {
    InputException e = assertThrows(InputException.class, () -> runner.run(Command.builder(List.of("true"))
        .directory(dir.resolve("project")).environment(ENV).build()));
    assertTrue(e.getMessage().contains("outside its jail"), e.getMessage());
  }

  @Test
  void aMissingProgramNamesThePathItWasLookedUpOn() {
    InputException e = assertThrows(InputException.class, () -> runner.run(Command.builder(List.of("no-such-tool"))
        .directory(workspace).environment(ENV).build()));
    assertTrue(e.getMessage().contains("no-such-tool") && e.getMessage().contains("/usr/bin"), e.getMessage());
  }

  @Test
  void withoutBubblewrapTheSandboxRefusesNamingTheFix() {
    Sandbox missing = BubblewrapSandbox.builder().searchPath(dir.toString()).build();

    SandboxUnavailableException e = assertThrows(SandboxUnavailableException.class, missing::check);
    assertTrue(e.getMessage().contains("apt-get install bubblewrap"), e.getMessage());
    assertTrue(e.getMessage().contains("Sandbox.none()"), e.getMessage());
  }

  @Test
  void extraPathsMustBeAbsoluteAndNotTheRoot() {
    assertThrows(InputException.class, () -> BubblewrapSandbox.builder().readOnly(Path.of("relative")));
    assertThrows(InputException.class, () -> BubblewrapSandbox.builder().writable(Path.of("/")));
  }

  @Test
  void aReadOnlyPathCanBeReadButNotWritten() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("objects"));
    Files.writeString(shared.resolve("pack"), "objects");
    ProcessRunner withShared = runner.withJail(Jail.of(workspace).withReadOnly(List.of(shared)));

    CommandOutcome out = withShared.run(Command.builder(List.of("sh", "-c", "cat " + shared + "/pack; echo x > "
        + shared + "/pack 2>&1")).directory(workspace).environment(ENV).build());

    assertTrue(out.stdout().startsWith("objects"), out.stdout());
    assertEquals("objects", Files.readString(shared.resolve("pack")));
  }

  private long[] sizes(String... names) throws IOException {
    long[] out = new long[names.length];
    for (int i = 0; i < names.length; i++) {
      Path p = workspace.resolve(names[i]);
      out[i] = Files.exists(p) ? Files.size(p) : 0;
    }
    return out;
  }
}

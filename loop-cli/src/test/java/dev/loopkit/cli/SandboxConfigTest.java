package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sandbox:} section of loop.yaml: its values, its defaults and every bad value named. */
class SandboxConfigTest {
  @TempDir
  Path dir;

  private static final String VALID = "tracker:\n  folder: tickets\n"
      + "workspace:\n  repo: repo\n"
      + "models:\n  worker:\n    vendor: anthropic\n    model: claude-sonnet-4-5\n"
      + "verifier:\n  command: sh test.sh\n  expect-output: ok\n";

  private ProjectConfig.SandboxSettings read(String sandbox) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID + sandbox);
    return ProjectConfig.read(dir).sandbox();
  }

  private String error(String sandbox) throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID + sandbox);
    InputException e = assertThrows(InputException.class, () -> ProjectConfig.read(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("loop.yaml").toAbsolutePath().toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void withoutASectionTheSandboxIsBubblewrapWithoutNetwork() throws Exception {
    assertEquals(ProjectConfig.SandboxSettings.DEFAULT, read(""));
    assertTrue(read("").confines());
    assertFalse(read("").network());
  }

  @Test
  void theKindAloneOrAMappingWithKindNoneOptsOut() throws Exception {
    assertFalse(read("sandbox: none\n").confines());
    assertFalse(read("sandbox:\n  kind: none\n").confines());
    assertEquals(Sandbox.none(), ProjectEngine.sandbox(read("sandbox: {kind: none}\n"), Map.of()));
  }

  @Test
  void extraPathsAreResolvedAgainstTheProjectAndReachTheSandbox() throws Exception {
    Path cache = Files.createDirectories(dir.resolve("cache"));
    Path shared = Files.createDirectories(dir.resolve("shared"));
    ProjectConfig.SandboxSettings s = read("sandbox:\n  network: true\n  read-only: [cache]\n"
        + "  writable: " + shared + "\n");
    assertEquals(List.of(cache), s.readOnly());
    assertEquals(List.of(shared), s.writable());
    String described = ProjectEngine.sandbox(s, Map.of("PATH", "/usr/bin:/bin")).describe();
    assertTrue(described.contains("network on") && described.contains("read-only [" + cache + "]")
        && described.contains("writable [" + shared + "]"), described);
  }

  @Test
  void aTildeIsTheUsersHome() throws Exception {
    Path home = Path.of(System.getProperty("user.home")).toAbsolutePath().normalize();
    String m = error("sandbox:\n  read-only: ['~/no-such-folder-7f3e']\n");
    assertTrue(m.contains("holds '~/no-such-folder-7f3e', and " + home.resolve("no-such-folder-7f3e")
        + " does not exist"), m);
    String other = error("sandbox:\n  read-only: ['~root/x']\n");
    assertTrue(other.contains("another user's ~name is not supported"), other);
  }

  @Test
  void aFolderHoldingTheJournalsKeysIsRefused() throws Exception {
    // the keys live in ~/.loop/journal-keys unless the build moves them (loop.journal.keys)
    String keys = System.getProperty("loop.journal.keys");
    String holder = keys == null ? "~" : Path.of(keys).toAbsolutePath().getParent().toString();
    String m = error("sandbox:\n  read-only: ['" + holder + "']\n");
    assertTrue(m.contains("overlaps the run journals' keys"), m);
  }

  @Test
  void anUnknownKindIsNamedWithTheKindsThereAre() throws Exception {
    String m = error("sandbox:\n  kind: docker\n");
    assertTrue(m.contains("key 'sandbox.kind' is 'docker': expected one of bubblewrap, none"), m);
    String shorthand = error("sandbox: firejail\n");
    assertTrue(shorthand.contains("key 'sandbox' is 'firejail': expected one of bubblewrap, none"), shorthand);
  }

  @Test
  void aNetworkThatIsNotABooleanIsNamed() throws Exception {
    String m = error("sandbox:\n  network: sometimes\n");
    assertTrue(m.contains("key 'sandbox.network' is 'sometimes': expected true or false"), m);
  }

  @Test
  void aMissingPathIsNamedWithItsValueAndWhereItResolved() throws Exception {
    String m = error("sandbox:\n  read-only: [no-such-cache]\n");
    assertTrue(m.contains("key 'sandbox.read-only' holds 'no-such-cache', and " + dir.resolve("no-such-cache")
        + " does not exist"), m);
  }

  @Test
  void theRootIsRefusedAsAnExtraPath() throws Exception {
    String m = error("sandbox:\n  read-only: ['/']\n");
    assertTrue(m.contains("key 'sandbox.read-only' holds '/'") && m.contains("below the root"), m);
  }

  @Test
  void aPathOverlappingWhatTheSandboxHidesIsRefusedNamingIt() throws Exception {
    Files.createDirectories(dir.resolve("tickets"));
    Files.createDirectories(dir.resolve("repo/src"));
    String project = error("sandbox:\n  writable: ['.']\n");
    assertTrue(project.contains("key 'sandbox.writable' holds '.'") && project.contains("overlaps the configuration"
        + " file"), project);
    String tickets = error("sandbox:\n  read-only: [tickets]\n");
    assertTrue(tickets.contains("overlaps the ticket folder"), tickets);
    String inside = error("sandbox:\n  writable: [repo/src]\n");
    assertTrue(inside.contains("overlaps the repository"), inside);
  }

  @Test
  void settingsThatNeedASandboxAreRefusedWithKindNone() throws Exception {
    String m = error("sandbox:\n  kind: none\n  network: true\n");
    assertTrue(m.contains("key 'sandbox.network' is set, but key 'sandbox.kind' is none"), m);
  }

  @Test
  void anUnknownKeyInTheSectionIsNamed() throws Exception {
    String m = error("sandbox:\n  netwrok: true\n");
    assertTrue(m.contains("unknown key 'sandbox.netwrok': expected one of kind, network, read-only, writable"), m);
  }

  @Test
  void aBadSandboxValueReachesTheUserAsOneLineWithExitCodeOne() throws Exception {
    Files.writeString(dir.resolve("loop.yaml"), VALID + "sandbox:\n  kind: chroot\n");
    Cli r = Cli.run("run", dir.toString());
    assertEquals(LoopCommand.ERROR, r.exitCode);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.contains("key 'sandbox.kind' is 'chroot'"), r.err);
  }
}

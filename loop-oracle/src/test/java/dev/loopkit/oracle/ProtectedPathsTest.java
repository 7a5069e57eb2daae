package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectedPathsTest {
  @TempDir Path dir;

  @Test
  void aProtectedFileAndEverythingUnderAProtectedDirectoryAreRefused() throws Exception {
    ProtectedPaths p = ProtectedPaths.builder().path(dir.resolve("verify.sh")).path(dir.resolve(".loop")).build();
    assertTrue(p.isProtected(dir.resolve("verify.sh")));
    assertTrue(p.isProtected(dir.resolve(".loop/oracle/config.yaml")));
    assertTrue(p.isProtected(dir.resolve("src/../verify.sh")));
    assertFalse(p.isProtected(dir.resolve("src/Main.java")));
  }

  @Test
  void aDirectoryHoldingAProtectedFileIsProtectedToo() {
    ProtectedPaths p = ProtectedPaths.of(Set.of(dir.resolve("ci/verify.sh")));
    assertTrue(p.isProtected(dir.resolve("ci")), "deleting ci/ would delete the script");
    assertFalse(p.isProtected(dir.resolve("src")));
  }

  @Test
  void globsMatchRelativeToTheirBase() throws Exception {
    ProtectedPaths p = ProtectedPaths.builder().glob(dir, "**/verify*.sh").build();
    assertTrue(p.isProtected(dir.resolve("a/b/verify-orders.sh")));
    assertFalse(p.isProtected(dir.resolve("a/b/build.sh")));
    Files.createDirectories(dir.resolve("a"));
    Files.writeString(dir.resolve("a/verify-x.sh"), "x");
    Files.writeString(dir.resolve("a/other.sh"), "x");
    assertEquals(Set.of(dir.resolve("a/verify-x.sh")), p.files());
  }

  @Test
  void aSymlinkToAProtectedFileIsProtected() throws Exception {
    Path script = Files.writeString(dir.resolve("verify.sh"), "echo ok");
    Path link = Files.createSymbolicLink(dir.resolve("innocent.txt"), script);
    assertTrue(ProtectedPaths.of(Set.of(script)).isProtected(link));
  }

  @Test
  void aGlobThatDoesNotParseIsRejectedNamingIt() {
    InputException e = assertThrows(InputException.class, () -> ProtectedPaths.builder().glob(dir, "a/{b"));
    assertTrue(e.getMessage().contains("'a/{b'"), e.getMessage());
  }

  @Test
  void combiningKeepsTheEntriesOfBoth() {
    ProtectedPaths a = ProtectedPaths.of(Set.of(dir.resolve("a")));
    ProtectedPaths b = ProtectedPaths.builder().glob(dir, "*.yaml").build();
    ProtectedPaths both = a.plus(b);
    assertTrue(both.isProtected(dir.resolve("a/x")));
    assertTrue(both.isProtected(dir.resolve("oracle.yaml")));
    assertEquals(1, both.globs().size());
  }
}

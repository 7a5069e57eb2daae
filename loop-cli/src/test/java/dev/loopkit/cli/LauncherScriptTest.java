package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./loop} script, run for real with stand-ins for {@code mvn} and {@code java} on the PATH
 * (the real build takes minutes): the first run shows the build's output, strips colour codes when stderr is not
 * a terminal, and says when the build failed.
 */
class LauncherScriptTest {
  @TempDir
  Path dir;

  private Path checkout() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve("loop-cli"));
    Path script = repo.resolve("loop");
    Files.copy(Path.of("..", "loop"), script);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return repo;
  }

  private Path bin(String mvnBody) throws Exception {
    Path bin = dir.resolve("bin");
    Files.createDirectories(bin);
    // Maven as Debian's 3.8 prints it in batch mode: reset codes around the lines
    write(bin.resolve("mvn"), "#!/bin/sh\nprintf '\\033[0m\\033[0m[INFO] Building Loop CLI %s\\n' \"$*\"\n" + mvnBody);
    write(bin.resolve("java"), "#!/bin/sh\necho \"java $*\"\n");
    write(bin.resolve("bwrap"), "#!/bin/sh\nexit 0\n");
    return bin;
  }

  private static void write(Path file, String text) throws Exception {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private String[] run(Path repo, Path bin, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = repo.resolve("loop").toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script did not finish");
    return new String[] {Integer.toString(p.exitValue()), Files.readString(dir.resolve("out")),
        Files.readString(dir.resolve("err"))};
  }

  @Test
  void theFirstRunShowsTheBuildOnStderrWithoutColourCodesThenRunsTheJar() throws Exception {
    Path repo = checkout();
    Path bin = bin("mkdir -p loop-cli/target && : > loop-cli/target/loop.jar\n");

    String[] r = run(repo, bin, "--version");

    assertEquals("0", r[0], r[2]);
    assertTrue(r[2].contains("loop: building " + repo.resolve("loop-cli/target/loop.jar")), r[2]);
    assertTrue(r[2].contains("[INFO] Building Loop CLI -B -ntp -Dstyle.color=never -pl loop-cli -am package"
        + " -DskipTests"), "the build's own output is shown: " + r[2]);
    assertFalse(r[2].contains("\033"), "no colour codes in a file: " + r[2]);
    assertEquals("java -jar " + repo.resolve("loop-cli/target/loop.jar") + " --version\n", r[1]);
  }

  @Test
  void aBuiltJarIsRunWithoutBuilding() throws Exception {
    Path repo = checkout();
    Files.createDirectories(repo.resolve("loop-cli/target"));
    Files.writeString(repo.resolve("loop-cli/target/loop.jar"), "");
    Path bin = bin("exit 1\n");

    String[] r = run(repo, bin, "status");

    assertEquals("0", r[0], r[2]);
    assertEquals("", r[2]);
    assertEquals("java -jar " + repo.resolve("loop-cli/target/loop.jar") + " status\n", r[1]);
  }

  @Test
  void aFailedBuildSaysSoAndExitsOne() throws Exception {
    Path repo = checkout();
    Path bin = bin("echo '[ERROR] COMPILATION ERROR'\nexit 1\n");

    String[] r = run(repo, bin, "--version");

    assertEquals("1", r[0], r[2]);
    assertTrue(r[2].contains("[ERROR] COMPILATION ERROR") && r[2].contains("loop: the build failed"), r[2]);
    assertEquals("", r[1], "java never started");
  }
}

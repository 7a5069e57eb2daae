package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitCommandTest {
  @TempDir
  Path dir;

  @Test
  void initMakesAProjectThatLintsCleanAndRunsToDoneThroughTheRealCli() throws Exception {
    Path p = dir.resolve("my-project");

    Cli init = Cli.run("init", p.toString());
    Cli lint = Cli.run("lint", p.toString());
    Cli run = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, init.exitCode, init.err);
    assertTrue(init.out.contains("next: loop lint " + p), init.out);
    assertEquals(LoopCommand.DONE, lint.exitCode, lint.out + lint.err);
    assertTrue(lint.out.contains("ready: 1 tickets pass the readiness lint"), lint.out);
    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("T-1  DONE"), run.out);
    assertEquals(Status.DONE, ProjectEngine.tracker(ProjectConfig.read(p), Map.of()).readBatch().get("T-1").status());
    assertEquals("hello\n", Files.readString(p.resolve("work/repo/hello.txt")), "merged into main");
  }

  @Test
  void theConfigurationIsCommentedAndTheRunStateIsIgnoredByGit() throws Exception {
    Path p = dir.resolve("p");

    Cli.run("init", p.toString());

    String yaml = Files.readString(p.resolve("loop.yaml"));
    assertTrue(yaml.lines().filter(l -> l.contains("# ")).count() >= 15, yaml);
    assertTrue(Files.isRegularFile(p.resolve("tickets/T-1.md")));
    assertEquals(".loop/\nwork/\n", Files.readString(p.resolve(".gitignore")).lines().skip(1)
        .map(l -> l + "\n").reduce("", String::concat));
    assertEquals(0, new ProcessBuilder("git", "init", "-q").directory(p.toFile()).start().waitFor());
    for (String path : new String[] {".loop/runs/run-001/journal.jsonl", "work/repo/hello.txt"}) {
      Process git = new ProcessBuilder("git", "check-ignore", "-q", "--no-index", path).directory(p.toFile()).start();
      assertEquals(0, git.waitFor(), "git ignores " + path);
    }
  }

  @Test
  void initRefusesToOverwriteAndWritesNothing() throws Exception {
    Path p = dir.resolve("p");
    Files.createDirectories(p);
    Files.writeString(p.resolve("loop.yaml"), "mine\n");

    Cli init = Cli.run("init", p.toString());

    assertEquals(LoopCommand.ERROR, init.exitCode);
    assertTrue(init.err.contains(p.resolve("loop.yaml").toAbsolutePath() + " exists") && init.err.contains(
        "never overwrites"), init.err);
    assertEquals("mine\n", Files.readString(p.resolve("loop.yaml")));
    assertTrue(Files.notExists(p.resolve("tickets")), "nothing written");
  }

  @Test
  void anExistingGitignoreGainsTheRunStateOnce() throws Exception {
    Path p = dir.resolve("p");
    Files.createDirectories(p);
    Files.writeString(p.resolve(".gitignore"), "target/\nwork/");

    Cli init = Cli.run("init", p.toString());

    assertEquals(LoopCommand.DONE, init.exitCode, init.err);
    assertEquals("target/\nwork/\n.loop/\n", Files.readString(p.resolve(".gitignore")));
  }
}

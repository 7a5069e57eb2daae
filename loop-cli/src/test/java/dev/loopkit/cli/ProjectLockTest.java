package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per project at a time, and a repository seeded all or nothing. */
@SuppressWarnings("try") // locks held for a block, never read
class ProjectLockTest {
  @TempDir
  Path dir;

  @Test
  void aSecondRunOnAProjectWhileOneIsActiveIsRefusedNamingTheLock() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "");
    ProjectConfig config = ProjectConfig.read(p);
    try (ProjectLock held = ProjectLock.acquire(config)) {
      Cli second = Cli.run("run", p.toString(), "--new");

      assertEquals(LoopCommand.ERROR, second.exitCode, second.out + second.err);
      assertTrue(second.err.contains("another 'loop run' is active on") && second.err.contains("project.lock"),
          second.err);
      assertFalse(Files.exists(p.resolve("work/repo")), "the refused run seeded nothing");
      assertFalse(Files.exists(p.resolve(".loop/runs")), "the refused run made no run directory");
    }
    Cli after = Cli.run("run", p.toString());
    assertEquals(LoopCommand.STALLED_OR_HUMAN, after.exitCode, after.out + after.err);
  }

  @Test
  void anInvalidIntegrationBranchIsRefusedAndLeavesNoHalfSeededRepository() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "");
    Path yaml = p.resolve(ProjectConfig.FILE_NAME);
    Files.writeString(yaml, Files.readString(yaml).replace("  init-from: project\n",
        "  init-from: project\n  integration-branch: 'bad..name'\n"));

    Cli r = Cli.run("run", p.toString());

    assertEquals(LoopCommand.ERROR, r.exitCode, r.out + r.err);
    // refused as a configuration error when loop.yaml is read, before anything is made
    assertTrue(r.err.contains("loop.yaml: key 'workspace.integration-branch' is 'bad..name': expected a git branch"
        + " name"), r.err);
    assertFalse(Files.exists(p.resolve("work")), "nothing is made, not even a staging folder");
  }

  @Test
  void aSeedCutOffBeforeItsRenameIsCleanedUpByTheNextSeed() throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("I could not do it."), "");
    Path leftover = Files.createDirectories(p.resolve("work/.repo.seeding-123/half"));
    Files.writeString(leftover.resolve("file"), "half a seed\n");

    assertTrue(new GitCommands().seed(p.resolve("work/repo"), p.resolve("project"), "main"));

    assertTrue(Files.isDirectory(p.resolve("work/repo/.git")));
    assertFalse(Files.exists(p.resolve("work/.repo.seeding-123")));
  }

  @Test
  void theLockIsReleasedWhenTheCommandEnds() throws Exception {
    ProjectConfig config = ProjectConfig.read(Cli.tinyProject(dir, Cli.say("I could not do it."), ""));
    ProjectLock.acquire(config).close();

    try (ProjectLock again = ProjectLock.acquire(config)) {
      assertTrue(Files.exists(config.runsDirectory().getParent().resolve("project.lock")));
    }
  }
}

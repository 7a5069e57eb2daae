package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.process.Command;
import dev.loopkit.core.process.CommandOutcome;
import dev.loopkit.core.process.ProcessRunner;
import dev.loopkit.core.process.Sandbox;
import dev.loopkit.testing.InMemoryTracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's own git, run through the engine's real bubblewrap sandbox: it works in its repository (objects borrowed
 * read-only) and cannot reach the main repository's refs, config or objects.
 */
class SandboxedWorkerGitTest {
  @TempDir Path tmp;

  @Test
  void aSandboxedWorkersGitWorksInItsRepositoryAndCannotTouchTheMainRepository() throws IOException {
    TestRepo repo = TestRepo.create(tmp);
    String configBefore = Files.readString(repo.dir.resolve(".git/config"));
    GitWorkspaces workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
    Path mainGit = repo.dir.resolve(".git");
    Map<String, CommandOutcome> outcomes = new ConcurrentHashMap<>();
    LoopEngine engine = LoopEngine.builder()
        .tracker(InMemoryTracker.of(Ticket.builder("T-1").title("work").build()))
        .runDirectory(tmp.resolve("run")).sandbox(Sandbox.bubblewrap()).workspaces(workspaces)
        .integrator(GitMergeIntegrator.from(workspaces))
        .worker(a -> {
          ProcessRunner sh = a.processes();
          Path ws = a.workspace().directory();
          Map<String, String> script = Map.of(
              "log", "git log --oneline -1 main",
              "commit", "echo work > work.txt && git add work.txt && git commit -q -m work && git log -1 --format=%s",
              "main-ref", "git --git-dir=" + mainGit + " update-ref refs/heads/main HEAD",
              "main-config", "echo '[core]\n\thooksPath = /tmp' >> " + mainGit + "/config",
              "main-objects", "touch " + mainGit + "/objects/planted && echo planted",
              "main-tree", "cat " + repo.dir.resolve("README.md"));
          for (Map.Entry<String, String> step : script.entrySet()) {
            outcomes.put(step.getKey(), sh.run(Command.builder(List.of("sh", "-c", step.getValue())).directory(ws)
                .env("PATH", "/usr/bin:/bin").build()));
          }
          return WorkResult.completed("done", Usage.tokens(1, 1));
        })
        .verifier(r -> Files.exists(r.workspace().directory().resolve("work.txt"))
            ? Verification.passed(Evidence.of("file", "work.txt in the candidate"))
            : Verification.failed("expected work.txt"))
        .build();

    RunResult result = engine.run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().toString());
    assertTrue(outcomes.get("log").succeeded() && outcomes.get("log").stdout().contains("initial commit"),
        outcomes.get("log").toString());
    assertEquals("work", outcomes.get("commit").stdout().strip(), outcomes.get("commit").toString());
    // main-config "succeeds" only inside the sandbox's private /tmp, where the mount point of the borrowed object
    // store made a .git folder: the real config is untouched (asserted below)
    for (String attack : List.of("main-ref", "main-objects", "main-tree")) {
      assertFalse(outcomes.get(attack).succeeded(), attack + ": " + outcomes.get(attack));
    }
    assertEquals(configBefore, Files.readString(repo.dir.resolve(".git/config")));
    assertFalse(Files.exists(mainGit.resolve("objects/planted")));
    assertEquals("work", repo.git("show", "main:work.txt"));
  }
}

package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.core.IntegrateRequest;
import dev.loopkit.core.Integration;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitMergeIntegratorTest {
  @TempDir Path tmp;
  TestRepo repo;
  GitWorktrees worktrees;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
    worktrees = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt")).build();
  }

  private Workspace ticketWith(String id, String file, String content) throws IOException {
    Workspace ws = worktrees.open(new WorkspaceRequest("run-1", Ticket.builder(id).build(), 1));
    TestRepo.commitFile(ws.directory(), file, content, id + " work");
    return ws;
  }

  private static IntegrateRequest request(Workspace ws) {
    return new IntegrateRequest("run-1", Ticket.builder(ws.ticketId()).title("Add things").build(), ws, 1);
  }

  @Test
  void cleanMergeMakesAMergeCommitAndRecordsIt() throws IOException {
    String before = repo.head("main");
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");

    Integration result = GitMergeIntegrator.from(worktrees).integrate(request(ws));

    Integration.Integrated done = assertInstanceOf(Integration.Integrated.class, result);
    String after = repo.head("main");
    assertEquals(after, done.attributes().get("commit"));
    assertEquals(before, done.attributes().get("previous-commit"));
    assertEquals("false", done.attributes().get("fast-forward"));
    assertEquals(before + " " + repo.head("loop/T-1"), repo.git("log", "-1", "--format=%P", "main"));
    assertTrue(repo.git("log", "-1", "--format=%s", "main").startsWith("Merge loop/T-1: Add things (T-1, attempt 1)"));
    assertEquals("a\n", Files.readString(repo.dir.resolve("a.txt")));
    assertTrue(done.summary().startsWith("merged loop/T-1 into main at "), done.summary());
  }

  @Test
  void fastForwardStyleMovesTheIntegrationBranchToTheTicketCommit() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    Integration.Integrated done = assertInstanceOf(Integration.Integrated.class,
        GitMergeIntegrator.from(worktrees, MergeStyle.FAST_FORWARD).integrate(request(ws)));
    assertEquals(repo.head("loop/T-1"), repo.head("main"));
    assertEquals("true", done.attributes().get("fast-forward"));
  }

  @Test
  void conflictReturnsThePathsAndLeavesTheIntegrationBranchExactlyAsBefore() throws IOException {
    Workspace ws = ticketWith("T-1", "README.md", "ticket\n");
    TestRepo.commitFile(ws.directory(), "fine.txt", "no conflict here\n", "T-1 more");
    String before = repo.commitFile("README.md", "main\n", "main moved");

    Integration result = GitMergeIntegrator.from(worktrees).integrate(request(ws));

    assertEquals(List.of("README.md"), assertInstanceOf(Integration.Conflict.class, result).findings());
    assertEquals(before, repo.head("main"));
    assertEquals("", repo.git("status", "--porcelain"));
    assertFalse(Files.exists(repo.dir.resolve("fine.txt")));
    assertFalse(Files.exists(repo.dir.resolve(".git/MERGE_HEAD")));
  }

  @Test
  void fastForwardOnlyAfterTheIntegrationBranchMovedIsAConflictAndChangesNothing() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    String before = repo.commitFile("b.txt", "b\n", "main moved");
    Integration result = GitMergeIntegrator.from(worktrees, MergeStyle.FAST_FORWARD_ONLY).integrate(request(ws));
    String finding = assertInstanceOf(Integration.Conflict.class, result).findings().get(0);
    assertTrue(finding.startsWith("main moved past the base of loop/T-1"), finding);
    assertEquals(before, repo.head("main"));
  }

  @Test
  void uncommittedChangesInTheTicketWorktreeAreAFindingNotASilentLoss() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    Files.writeString(ws.directory().resolve("a.txt"), "changed after the commit\n");
    String before = repo.head("main");
    Integration result = GitMergeIntegrator.from(worktrees).integrate(request(ws));
    String finding = assertInstanceOf(Integration.Conflict.class, result).findings().get(0);
    assertTrue(finding.contains("uncommitted changes in the worktree of T-1") && finding.endsWith("a.txt"), finding);
    assertEquals(before, repo.head("main"));
  }

  @Test
  void repositoryOnAnotherBranchIsAnInputErrorNamingBothBranches() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    repo.git("checkout", "-q", "-b", "feature");
    InputException e = assertThrows(InputException.class, () -> GitMergeIntegrator.from(worktrees).integrate(request(ws)));
    assertTrue(e.getMessage().contains("has branch feature checked out: expected the integration branch main"),
        e.getMessage());
  }

  @Test
  void missingTicketBranchIsAnInputErrorNamingIt() {
    Workspace ghost = new Workspace("T-9", tmp.resolve("wt/T-9"), java.util.Map.of("branch", "loop/T-9"));
    InputException e = assertThrows(InputException.class,
        () -> GitMergeIntegrator.from(worktrees).integrate(request(ghost)));
    assertTrue(e.getMessage().startsWith("ticket branch 'loop/T-9' does not exist"), e.getMessage());
  }

  @Test
  void indexLockHeldByAnotherGitIsWaitedOutBeforeMerging() throws IOException {
    List<Duration> sleeps = new ArrayList<>();
    Path lock = repo.dir.resolve(".git/index.lock");
    GitWorktrees patient = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt"))
        .lockRetry(5, Duration.ofMillis(20)).sleeper(d -> {
          sleeps.add(d);
          lock.toFile().delete();
        }).build();
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    Files.writeString(lock, "");

    Integration result = GitMergeIntegrator.from(patient).integrate(request(ws));

    assertInstanceOf(Integration.Integrated.class, result);
    assertEquals(List.of(Duration.ofMillis(20)), sleeps);
    assertEquals("a\n", Files.readString(repo.dir.resolve("a.txt")));
  }

  @Test
  void integrationsHoldTheMergeResource() {
    assertEquals(Set.of("merge"), GitMergeIntegrator.from(worktrees).resources());
  }
}

package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.AdapterException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitWorktreesTest {
  @TempDir Path tmp;
  TestRepo repo;
  GitWorktrees worktrees;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
    worktrees = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt")).build();
  }

  static WorkspaceRequest request(String id, int attempt) {
    return new WorkspaceRequest("run-1", Ticket.builder(id).title("ticket " + id).build(), attempt);
  }

  @Test
  void firstAttemptCutsTheTicketBranchFromTheIntegrationBranchAndRecordsTheBase() {
    String main = repo.head("main");
    Workspace ws = worktrees.open(request("T-1", 1));

    assertEquals(tmp.resolve("wt").resolve("T-1"), ws.directory());
    assertEquals("loop/T-1", ws.attributes().get("branch"));
    assertEquals(main, ws.attributes().get("base-commit"));
    assertEquals(main, ws.attributes().get("head"));
    assertEquals("false", ws.attributes().get("reused"));
    assertEquals("main", ws.attributes().get("integration-branch"));
    assertEquals("loop/T-1", TestRepo.git(ws.directory(), "rev-parse", "--abbrev-ref", "HEAD"));
    assertTrue(Files.exists(ws.directory().resolve("README.md")));
  }

  @Test
  void laterTicketInAChainSeesTheEarlierTicketsFilesOnceItIsIntegrated() throws IOException {
    GitMergeIntegrator integrator = GitMergeIntegrator.from(worktrees);
    Workspace first = worktrees.open(request("T-1", 1));
    TestRepo.commitFile(first.directory(), "schema.sql", "create table t;\n", "T-1: schema");
    Integration merged = integrator.integrate(new IntegrateRequest("run-1", Ticket.builder("T-1").build(), first, 1));
    worktrees.close(first, true);

    Workspace second = worktrees.open(request("T-2", 1));

    assertInstanceOf(Integration.Integrated.class, merged);
    assertEquals("create table t;\n", Files.readString(second.directory().resolve("schema.sql")));
    assertEquals(repo.head("main"), second.attributes().get("base-commit"));
    assertEquals(((Integration.Integrated) merged).attributes().get("commit"), second.attributes().get("base-commit"));
  }

  @Test
  void manyWorktreesCreatedInParallelAllExistOnTheirOwnBranches() throws Exception {
    int n = 12;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Workspace>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        String id = "P-" + i;
        futures.add(pool.submit(() -> {
          start.await();
          return worktrees.open(request(id, 1));
        }));
      }
      start.countDown();
      Set<String> branches = new HashSet<>();
      for (Future<Workspace> f : futures) {
        Workspace ws = f.get();
        assertEquals(ws.attributes().get("branch"), TestRepo.git(ws.directory(), "rev-parse", "--abbrev-ref", "HEAD"));
        branches.add(ws.attributes().get("branch"));
      }
      assertEquals(n, branches.size());
      assertEquals(n + 1, repo.git("worktree", "list", "--porcelain").split("\n\n").length);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void retryReusesTheBranchAndBringsItUpToDateWithTheMovedIntegrationBranch() throws IOException {
    Workspace first = worktrees.open(request("T-1", 1));
    String ticketCommit = TestRepo.commitFile(first.directory(), "work.txt", "half done\n", "T-1: start");
    Files.writeString(first.directory().resolve("NOTES.md"), "tried X, failed\n");
    worktrees.close(first, false);
    String moved = repo.commitFile("other.txt", "from another ticket\n", "another ticket");

    Workspace retry = worktrees.open(request("T-1", 2));

    assertEquals(first.directory(), retry.directory());
    assertEquals("true", retry.attributes().get("reused"));
    assertEquals(moved, retry.attributes().get("base-commit"));
    assertEquals("half done\n", Files.readString(retry.directory().resolve("work.txt")));
    assertEquals("from another ticket\n", Files.readString(retry.directory().resolve("other.txt")));
    assertEquals("tried X, failed\n", Files.readString(retry.directory().resolve("NOTES.md")));
    String head = retry.attributes().get("head");
    assertEquals("", TestRepo.git(retry.directory(), "merge-base", "--is-ancestor", ticketCommit, head));
    assertEquals("", TestRepo.git(retry.directory(), "merge-base", "--is-ancestor", moved, head));
  }

  @Test
  void retryWhoseBranchConflictsWithTheIntegrationBranchFailsListingThePathsAndAbortsTheMerge()
      throws IOException {
    Workspace first = worktrees.open(request("T-1", 1));
    String ticketCommit = TestRepo.commitFile(first.directory(), "README.md", "ticket version\n", "T-1 edit");
    worktrees.close(first, false);
    repo.commitFile("README.md", "main version\n", "main edit");

    AdapterException e = assertThrows(AdapterException.class, () -> worktrees.open(request("T-1", 2)));

    assertTrue(e.getMessage().contains("conflicts in README.md"), e.getMessage());
    assertTrue(e.getMessage().contains("loop/T-1"), e.getMessage());
    assertEquals(ticketCommit, TestRepo.git(first.directory(), "rev-parse", "HEAD"));
    assertEquals("", TestRepo.git(first.directory(), "status", "--porcelain", "--untracked-files=no"));
    assertFalse(Files.exists(tmp.resolve("repo/.git/worktrees/T-1/MERGE_HEAD")));
  }

  @Test
  void succeededAttemptsWorktreeIsRemovedButItsBranchKept() {
    Workspace ws = worktrees.open(request("T-1", 1));
    worktrees.close(ws, true);
    assertFalse(Files.exists(ws.directory()));
    assertEquals(ws.attributes().get("head"), repo.head("loop/T-1"));
  }

  @Test
  void failedAttemptsWorktreeIsKeptForInspection() {
    Workspace ws = worktrees.open(request("T-1", 1));
    worktrees.close(ws, false);
    assertTrue(Files.exists(ws.directory().resolve("README.md")));
  }

  @Test
  void branchWhoseWorktreeWasRemovedGetsANewWorktreeOnTheSameBranch() throws IOException {
    Workspace ws = worktrees.open(request("T-1", 1));
    String commit = TestRepo.commitFile(ws.directory(), "a.txt", "a\n", "T-1 a");
    worktrees.close(ws, true);
    Workspace again = worktrees.open(request("T-1", 2));
    assertEquals("true", again.attributes().get("reused"));
    assertEquals(commit, again.attributes().get("head"));
  }

  @Test
  void missingRepositoryIsAnInputErrorNamingIt() {
    GitWorktrees none = GitWorktrees.builder(tmp.resolve("nowhere")).build();
    InputException e = assertThrows(InputException.class, () -> none.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("git repository " + tmp.resolve("nowhere") + " does not exist"),
        e.getMessage());
  }

  @Test
  void folderThatIsNotARepositoryIsAnInputErrorNamingIt() throws IOException {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    GitWorktrees none = GitWorktrees.builder(plain).build();
    InputException e = assertThrows(InputException.class, () -> none.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("git repository " + plain + " is not a git working tree"), e.getMessage());
  }

  @Test
  void dirtyRepositoryIsAnInputErrorNamingTheChangedFiles() throws IOException {
    Files.writeString(repo.dir.resolve("README.md"), "edited but not committed\n");
    InputException e = assertThrows(InputException.class, () -> worktrees.open(request("T-1", 1)));
    assertTrue(e.getMessage().contains("has uncommitted changes to tracked files (README.md)"), e.getMessage());
  }

  @Test
  void missingIntegrationBranchIsAnInputErrorNamingIt() {
    GitWorktrees wrong = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt")).integrationBranch("trunk")
        .build();
    InputException e = assertThrows(InputException.class, () -> wrong.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("the integration branch 'trunk' does not exist in " + repo.dir),
        e.getMessage());
  }

  @Test
  void worktreePathTakenByAnotherDirectoryIsAnInputErrorNamingIt() throws IOException {
    Path taken = Files.createDirectories(tmp.resolve("wt").resolve("T-1"));
    Files.writeString(taken.resolve("mine.txt"), "someone else's\n");
    InputException e = assertThrows(InputException.class, () -> worktrees.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("worktree path " + taken + " is already taken by a directory"),
        e.getMessage());
    assertEquals("someone else's\n", Files.readString(taken.resolve("mine.txt")));
  }

  @Test
  void worktreePathTakenByAnotherWorktreeIsAnInputErrorNamingIt() {
    repo.git("worktree", "add", "-q", "-b", "elsewhere", tmp.resolve("wt").resolve("T-1").toString());
    InputException e = assertThrows(InputException.class, () -> worktrees.open(request("T-1", 1)));
    assertTrue(e.getMessage().contains("is already taken by the worktree of refs/heads/elsewhere"), e.getMessage());
  }

  /** Creates the lock file another git process would hold while updating a branch. */
  private Path holdBranchLock(String branch) throws IOException {
    Path lock = repo.dir.resolve(".git/refs/heads/" + branch + ".lock");
    Files.createDirectories(lock.getParent());
    Files.writeString(lock, "");
    return lock;
  }

  @Test
  void lockFileHeldByAnotherGitIsWaitedOutWithTheSleeper() throws IOException {
    Path lock = holdBranchLock("loop/T-1");
    List<Duration> sleeps = new ArrayList<>();
    GitWorktrees patient = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt"))
        .lockRetry(5, Duration.ofMillis(250))
        .sleeper(d -> {
          sleeps.add(d);
          try {
            Files.deleteIfExists(lock); // the other git process finishes
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        })
        .build();

    Workspace ws = patient.open(request("T-1", 1));

    assertEquals(List.of(Duration.ofMillis(250)), sleeps);
    assertEquals(ws.attributes().get("head"), repo.head("loop/T-1"));
  }

  @Test
  void lockFileNeverReleasedGivesUpNamingTheLockFile() throws IOException {
    Path lock = holdBranchLock("loop/T-1");
    List<Duration> sleeps = new ArrayList<>();
    GitWorktrees patient = GitWorktrees.builder(repo.dir).worktreeRoot(tmp.resolve("wt"))
        .lockRetry(3, Duration.ofMillis(10)).sleeper(sleeps::add).build();

    AdapterException e = assertThrows(AdapterException.class, () -> patient.open(request("T-1", 1)));

    assertEquals(3, sleeps.size());
    assertTrue(e.getMessage().contains("T-1.lock stayed held by another git process"), e.getMessage());
    assertTrue(e.isRetryable());
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    GitWorktrees.Builder b = GitWorktrees.builder(repo.dir);
    assertTrue(assertThrows(InputException.class, () -> b.integrationBranch("a..b")).getMessage()
        .startsWith("integrationBranch 'a..b'"));
    assertTrue(assertThrows(InputException.class, () -> b.gitTimeout(Duration.ZERO)).getMessage()
        .startsWith("gitTimeout is PT0S"));
    assertTrue(assertThrows(InputException.class, () -> b.lockRetry(-1, Duration.ofMillis(1))).getMessage()
        .startsWith("lock retries is -1"));
    assertTrue(assertThrows(InputException.class, () -> b.identity("x", "no-at")).getMessage()
        .contains("no-at"));
    assertThrows(InputException.class, () -> b.worktreeRoot(repo.dir.resolve(".git/wt")).build());
  }

  @Test
  void defaultWorktreeRootSitsNextToTheRepository() {
    assertEquals(tmp.resolve("repo.worktrees"), GitWorktrees.builder(repo.dir).build().worktreeRoot());
  }
}

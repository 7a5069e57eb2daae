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

class GitWorkspacesTest {
  @TempDir Path tmp;
  TestRepo repo;
  GitWorkspaces workspaces;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
    workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
  }

  static WorkspaceRequest request(String id, int attempt) {
    return new WorkspaceRequest("run-1", Ticket.builder(id).title("ticket " + id).build(), attempt);
  }

  /** Integrates and advances, as the engine does after the candidate verified. */
  private Integration.Advance integrateAndAdvance(Workspace ws) {
    GitMergeIntegrator integrator = GitMergeIntegrator.from(workspaces);
    IntegrateRequest request = new IntegrateRequest("run-1", Ticket.builder(ws.ticketId()).build(), ws, 1);
    Integration.Candidate candidate = assertInstanceOf(Integration.Candidate.class, integrator.integrate(request));
    try {
      return integrator.advance(candidate, request);
    } finally {
      integrator.release(candidate);
    }
  }

  @Test
  void firstAttemptGetsARepositoryOfItsOwnOnTheTicketBranchCutFromTheIntegrationBranch() {
    String main = repo.head("main");
    Workspace ws = workspaces.open(request("T-1", 1));

    assertEquals(tmp.resolve("ws").resolve("T-1"), ws.directory());
    assertEquals("loop/T-1", ws.attributes().get("branch"));
    assertEquals(main, ws.attributes().get("base-commit"));
    assertEquals(main, ws.attributes().get("head"));
    assertEquals(main, ws.attributes().get("baseline"));
    assertEquals("false", ws.attributes().get("reused"));
    assertEquals("main", ws.attributes().get("integration-branch"));
    assertEquals("loop/T-1", TestRepo.git(ws.directory(), "rev-parse", "--abbrev-ref", "HEAD"));
    assertEquals(main, TestRepo.git(ws.directory(), "rev-parse", "main"));
    assertTrue(Files.isDirectory(ws.directory().resolve(".git")), "its own .git directory, not a worktree link");
    assertEquals(repo.dir.resolve(".git/objects").toString(),
        TestRepo.git(ws.directory(), "rev-parse", "--git-path", "objects/info/alternates").isEmpty() ? ""
            : readAlternates(ws.directory()));
    assertEquals(List.of(repo.dir.resolve(".git/objects")), ws.readOnlyPaths());
    assertTrue(Files.exists(ws.directory().resolve("README.md")));
    assertEquals("", repo.git("worktree", "list", "--porcelain").lines().filter(l -> l.startsWith("worktree "))
        .skip(1).reduce("", String::concat), "no worktree registered in the main repository");
  }

  private static String readAlternates(Path ws) {
    try {
      return Files.readString(ws.resolve(".git/objects/info/alternates")).strip();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void laterTicketInAChainSeesTheEarlierTicketsFilesOnceItIsIntegrated() throws IOException {
    Workspace first = workspaces.open(request("T-1", 1));
    Files.writeString(first.directory().resolve("schema.sql"), "create table t;\n");
    Integration.Advance advanced = integrateAndAdvance(first);
    workspaces.close(first, true);

    Workspace second = workspaces.open(request("T-2", 1));

    assertInstanceOf(Integration.Advance.Advanced.class, advanced);
    assertEquals("create table t;\n", Files.readString(second.directory().resolve("schema.sql")));
    assertEquals("create table t;\n", Files.readString(repo.dir.resolve("schema.sql")));
    assertEquals(repo.head("main"), second.attributes().get("base-commit"));
  }

  @Test
  void manyWorkspacesOpenedInParallelEachHaveTheirOwnRepositoryAndBranch() throws Exception {
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Workspace>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        String id = "P-" + i;
        futures.add(pool.submit(() -> {
          start.await();
          return workspaces.open(request(id, 1));
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
      assertEquals(n, repo.git("for-each-ref", "--format=%(refname)", "refs/heads/loop/").lines().count());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void retryStartsFromTheFailedAttemptsFilesWithTheMovedIntegrationBranchMergedIn() throws IOException {
    Workspace first = workspaces.open(request("T-1", 1));
    Files.writeString(first.directory().resolve("work.txt"), "half done\n");
    Files.writeString(first.directory().resolve("NOTES.md"), "tried X, failed\n");
    workspaces.close(first, false);
    String moved = repo.commitFile("other.txt", "from another ticket\n", "another ticket");

    Workspace retry = workspaces.open(request("T-1", 2));

    assertEquals(first.directory(), retry.directory());
    assertEquals("true", retry.attributes().get("reused"));
    assertEquals(moved, retry.attributes().get("base-commit"));
    assertEquals("half done\n", Files.readString(retry.directory().resolve("work.txt")));
    assertEquals("from another ticket\n", Files.readString(retry.directory().resolve("other.txt")));
    assertEquals("tried X, failed\n", Files.readString(retry.directory().resolve("NOTES.md")));
    String head = retry.attributes().get("head");
    assertEquals("", repo.git("merge-base", "--is-ancestor", moved, head));
    assertEquals(head, repo.head("loop/T-1"));
  }

  @Test
  void retryWhoseBranchConflictsWithTheIntegrationBranchFailsListingThePathsAndChangesNothing()
      throws IOException {
    Workspace first = workspaces.open(request("T-1", 1));
    Files.writeString(first.directory().resolve("README.md"), "ticket version\n");
    workspaces.close(first, false);
    String branchBefore = repo.head("loop/T-1");
    repo.commitFile("README.md", "main version\n", "main edit");

    AdapterException e = assertThrows(AdapterException.class, () -> workspaces.open(request("T-1", 2)));

    assertTrue(e.getMessage().contains("conflicts in README.md"), e.getMessage());
    assertTrue(e.getMessage().contains("loop/T-1"), e.getMessage());
    assertEquals(branchBefore, repo.head("loop/T-1"));
    assertEquals("", repo.git("status", "--porcelain"));
  }

  @Test
  void succeededAttemptsRepositoryIsDeletedAndItsFilesAreOnTheTicketBranch() throws IOException {
    Workspace ws = workspaces.open(request("T-1", 1));
    Files.writeString(ws.directory().resolve("done.txt"), "done\n");
    workspaces.close(ws, true);
    assertFalse(Files.exists(ws.directory()));
    assertEquals("done", repo.git("show", "loop/T-1:done.txt"));
    assertEquals(ws.attributes().get("head"), repo.git("rev-parse", "loop/T-1^"));
  }

  @Test
  void failedAttemptsRepositoryIsKeptForInspection() {
    Workspace ws = workspaces.open(request("T-1", 1));
    workspaces.close(ws, false);
    assertTrue(Files.exists(ws.directory().resolve("README.md")));
  }

  @Test
  void whatAKilledRunLeftInAnAttemptsRepositoryIsTakenIntoTheBranchBeforeTheNextAttempt() throws IOException {
    Workspace ws = workspaces.open(request("T-1", 1));
    Files.writeString(ws.directory().resolve("partial.txt"), "written before the kill\n");
    GitWorkspaces afterRestart = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();

    Workspace next = afterRestart.open(new WorkspaceRequest("run-1", Ticket.builder("T-1").build(), 1));

    assertEquals("written before the kill\n", Files.readString(next.directory().resolve("partial.txt")));
    assertEquals("true", next.attributes().get("reused"));
  }

  @Test
  void theRunsBaselineIsTheIntegrationBranchWhenTheRunFirstOpenedAWorkspaceAndStaysPut() throws IOException {
    String start = repo.head("main");
    workspaces.open(request("T-1", 1));
    repo.commitFile("later.txt", "later\n", "main moves");
    Workspace second = workspaces.open(request("T-2", 1));
    assertEquals(start, second.attributes().get("baseline"));
    assertEquals(start, repo.head("refs/loop/baselines/run-1"));
  }

  @Test
  void missingRepositoryIsAnInputErrorNamingIt() {
    GitWorkspaces none = GitWorkspaces.builder(tmp.resolve("nowhere")).build();
    InputException e = assertThrows(InputException.class, () -> none.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("git repository " + tmp.resolve("nowhere") + " does not exist"),
        e.getMessage());
  }

  @Test
  void folderThatIsNotARepositoryIsAnInputErrorNamingIt() throws IOException {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    GitWorkspaces none = GitWorkspaces.builder(plain).build();
    InputException e = assertThrows(InputException.class, () -> none.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("git repository " + plain + " is not a git working tree"), e.getMessage());
  }

  @Test
  void dirtyRepositoryOnTheIntegrationBranchIsAnInputErrorNamingTheChangedFiles() throws IOException {
    Files.writeString(repo.dir.resolve("README.md"), "edited but not committed\n");
    InputException e = assertThrows(InputException.class, () -> workspaces.open(request("T-1", 1)));
    assertTrue(e.getMessage().contains("has uncommitted changes to tracked files (README.md)"), e.getMessage());
  }

  @Test
  void missingIntegrationBranchIsAnInputErrorNamingIt() {
    GitWorkspaces wrong = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).integrationBranch("trunk")
        .build();
    InputException e = assertThrows(InputException.class, () -> wrong.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("the integration branch 'trunk' does not exist in " + repo.dir),
        e.getMessage());
  }

  @Test
  void workspacePathTakenByAnotherDirectoryIsAnInputErrorNamingItAndLeftAlone() throws IOException {
    Path taken = Files.createDirectories(tmp.resolve("ws").resolve("T-1"));
    Files.writeString(taken.resolve("mine.txt"), "someone else's\n");
    InputException e = assertThrows(InputException.class, () -> workspaces.open(request("T-1", 1)));
    assertTrue(e.getMessage().startsWith("workspace path " + taken + " is already taken by a directory"),
        e.getMessage());
    assertEquals("someone else's\n", Files.readString(taken.resolve("mine.txt")));
  }

  @Test
  void ticketIdThatCannotNameABranchIsAnInputErrorNamingIt() {
    for (String bad : List.of("a..b", "x.lock", "end.")) {
      InputException e = assertThrows(InputException.class, () -> workspaces.open(request(bad, 1)), bad);
      assertTrue(e.getMessage().startsWith("ticket id '" + bad + "' cannot name a workspace folder and a git branch"),
          e.getMessage());
    }
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
    GitWorkspaces patient = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws"))
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
    holdBranchLock("loop/T-1");
    List<Duration> sleeps = new ArrayList<>();
    GitWorkspaces patient = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws"))
        .lockRetry(3, Duration.ofMillis(10)).sleeper(sleeps::add).build();

    AdapterException e = assertThrows(AdapterException.class, () -> patient.open(request("T-1", 1)));

    assertEquals(3, sleeps.size());
    assertTrue(e.getMessage().contains("T-1.lock stayed held by another git process"), e.getMessage());
    assertTrue(e.isRetryable());
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    GitWorkspaces.Builder b = GitWorkspaces.builder(repo.dir);
    assertTrue(assertThrows(InputException.class, () -> b.integrationBranch("a..b")).getMessage()
        .startsWith("integrationBranch 'a..b'"));
    assertTrue(assertThrows(InputException.class, () -> b.branchPrefix("x.lock")).getMessage()
        .startsWith("branchPrefix 'x.lock'"));
    assertTrue(assertThrows(InputException.class, () -> b.gitTimeout(Duration.ZERO)).getMessage()
        .startsWith("gitTimeout is PT0S"));
    assertTrue(assertThrows(InputException.class, () -> b.lockRetry(-1, Duration.ofMillis(1))).getMessage()
        .startsWith("lock retries is -1"));
    assertTrue(assertThrows(InputException.class, () -> b.identity("x", "no-at")).getMessage()
        .contains("no-at"));
    assertTrue(assertThrows(InputException.class, () -> b.workspaceRoot(repo.dir.resolve("inside")).build())
        .getMessage().contains("is inside the repository"));
  }

  @Test
  void defaultWorkspaceRootSitsNextToTheRepository() {
    assertEquals(tmp.resolve("repo.workspaces"), GitWorkspaces.builder(repo.dir).build().workspaceRoot());
  }
}

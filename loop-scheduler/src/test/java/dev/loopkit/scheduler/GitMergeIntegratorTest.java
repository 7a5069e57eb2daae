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
  GitWorkspaces workspaces;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
    repo.commitFile("tests/run.sh", "echo ok\n", "the definition of done");
    workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
  }

  private Workspace ticketWith(String id, String file, String content) throws IOException {
    Workspace ws = workspaces.open(new WorkspaceRequest("run-1", Ticket.builder(id).build(), 1));
    Path f = ws.directory().resolve(file);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
    return ws;
  }

  private static IntegrateRequest request(Workspace ws) {
    return new IntegrateRequest("run-1", Ticket.builder(ws.ticketId()).title("Add things").build(), ws, 1);
  }

  private GitMergeIntegrator integrator() {
    return GitMergeIntegrator.builder(workspaces).protect("tests/**").build();
  }

  @Test
  void candidateIsBuiltOnItsOwnRefAndCheckedOutWhileTheIntegrationBranchStaysPut() throws IOException {
    String before = repo.head("main");
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");

    Integration result = integrator().integrate(request(ws));

    Integration.Candidate candidate = assertInstanceOf(Integration.Candidate.class, result);
    String commit = candidate.attributes().get("candidate");
    assertEquals(before, repo.head("main"));
    assertEquals(commit, repo.head("refs/loop/candidates/T-1"));
    assertEquals(before + " " + repo.head("loop/T-1"), repo.git("log", "-1", "--format=%P", commit));
    assertTrue(repo.git("log", "-1", "--format=%s", commit).startsWith("Merge loop/T-1: Add things (T-1, attempt 1)"));
    assertEquals(repo.git("rev-parse", commit + "^{tree}"), candidate.attributes().get("tree"));
    Path checkout = candidate.workspace().directory();
    assertTrue(checkout.startsWith(tmp.resolve("ws/.candidates")), checkout.toString());
    assertEquals("a\n", Files.readString(checkout.resolve("a.txt")));
    assertEquals("echo ok\n", Files.readString(checkout.resolve("tests/run.sh")));
    assertFalse(Files.exists(checkout.resolve(".git")), "a plain checkout: nothing in it reaches a repository");
    assertFalse(Files.exists(repo.dir.resolve("a.txt")));
  }

  @Test
  void advanceFastForwardsTheIntegrationBranchToTheVerifiedCandidateAndUpdatesItsWorkingTree() throws IOException {
    String before = repo.head("main");
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    GitMergeIntegrator integrator = integrator();
    Integration.Candidate candidate = (Integration.Candidate) integrator.integrate(request(ws));

    Integration.Advance advance = integrator.advance(candidate, request(ws));

    Integration.Advance.Advanced done = assertInstanceOf(Integration.Advance.Advanced.class, advance);
    assertEquals(candidate.attributes().get("candidate"), repo.head("main"));
    assertEquals(repo.head("main"), done.attributes().get("commit"));
    assertEquals(before, done.attributes().get("previous-commit"));
    assertEquals("a\n", Files.readString(repo.dir.resolve("a.txt")));
    assertEquals("", repo.git("status", "--porcelain"));
  }

  @Test
  void advanceAnswersMovedWhenTheIntegrationBranchMovedSinceTheCandidateWasBuilt() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    GitMergeIntegrator integrator = integrator();
    Integration.Candidate candidate = (Integration.Candidate) integrator.integrate(request(ws));
    String moved = repo.commitFile("b.txt", "b\n", "someone else's change");

    Integration.Advance advance = integrator.advance(candidate, request(ws));

    String finding = assertInstanceOf(Integration.Advance.Moved.class, advance).finding();
    assertTrue(finding.startsWith("main moved from "), finding);
    assertEquals(moved, repo.head("main"));
    assertFalse(Files.exists(repo.dir.resolve("a.txt")));
  }

  @Test
  void aRebuiltCandidateAfterTheBranchMovedHoldsBothChanges() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    GitMergeIntegrator integrator = integrator();
    Integration.Candidate first = (Integration.Candidate) integrator.integrate(request(ws));
    repo.commitFile("b.txt", "b\n", "someone else's change");
    assertInstanceOf(Integration.Advance.Moved.class, integrator.advance(first, request(ws)));
    integrator.release(first);

    Integration.Candidate second = (Integration.Candidate) integrator.integrate(request(ws));

    assertEquals(first.attributes().get("snapshot"), second.attributes().get("snapshot"), "no new snapshot");
    assertEquals("b\n", Files.readString(second.workspace().directory().resolve("b.txt")));
    assertEquals("a\n", Files.readString(second.workspace().directory().resolve("a.txt")));
    assertInstanceOf(Integration.Advance.Advanced.class, integrator.advance(second, request(ws)));
    assertFalse(Files.exists(first.workspace().directory()), "released");
  }

  @Test
  void fastForwardStyleMakesTheTicketsSnapshotTheCandidate() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    Integration.Candidate candidate = assertInstanceOf(Integration.Candidate.class,
        GitMergeIntegrator.from(workspaces, MergeStyle.FAST_FORWARD).integrate(request(ws)));
    assertEquals(repo.head("loop/T-1"), candidate.attributes().get("candidate"));
    assertEquals("true", candidate.attributes().get("fast-forward"));
  }

  @Test
  void conflictReturnsThePathsAndChangesNoBranch() throws IOException {
    Workspace ws = ticketWith("T-1", "README.md", "ticket\n");
    Files.writeString(ws.directory().resolve("fine.txt"), "no conflict here\n");
    String before = repo.commitFile("README.md", "main\n", "main moved");

    Integration result = integrator().integrate(request(ws));

    assertEquals(List.of("README.md"), assertInstanceOf(Integration.Conflict.class, result).findings());
    assertEquals(before, repo.head("main"));
    assertEquals("", repo.git("status", "--porcelain"));
    assertFalse(Files.exists(repo.dir.resolve("fine.txt")));
  }

  @Test
  void fastForwardOnlyAfterTheIntegrationBranchMovedIsAConflictAndChangesNothing() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    String before = repo.commitFile("b.txt", "b\n", "main moved");
    Integration result = GitMergeIntegrator.from(workspaces, MergeStyle.FAST_FORWARD_ONLY).integrate(request(ws));
    String finding = assertInstanceOf(Integration.Conflict.class, result).findings().get(0);
    assertTrue(finding.startsWith("main moved past the base of loop/T-1"), finding);
    assertEquals(before, repo.head("main"));
  }

  @Test
  void uncommittedFilesInTheWorkspaceAreIntegratedBecauseTheHarnessTakesTheTreeOnDisk() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    TestRepo.git(ws.directory(), "add", "a.txt");
    TestRepo.git(ws.directory(), "commit", "-q", "-m", "worker commit");
    Files.writeString(ws.directory().resolve("a.txt"), "changed after the commit\n");
    Files.writeString(ws.directory().resolve("new.txt"), "never added\n");

    Integration.Candidate c = (Integration.Candidate) integrator().integrate(request(ws));

    assertEquals("changed after the commit\n", Files.readString(c.workspace().directory().resolve("a.txt")));
    assertEquals("never added\n", Files.readString(c.workspace().directory().resolve("new.txt")));
  }

  @Test
  void aTicketWithNothingNewGetsTheIntegrationBranchItselfAsCandidate() throws IOException {
    Workspace ws = workspaces.open(new WorkspaceRequest("run-1", Ticket.builder("T-1").build(), 1));
    GitMergeIntegrator integrator = integrator();
    Integration.Candidate c = (Integration.Candidate) integrator.integrate(request(ws));
    assertEquals(repo.head("main"), c.attributes().get("candidate"));
    assertTrue(c.summary().contains("had nothing new"), c.summary());
    assertInstanceOf(Integration.Advance.Advanced.class, integrator.advance(c, request(ws)));
  }

  @Test
  void repositoryOnAnotherBranchStillIntegratesAndItsWorkingTreeIsLeftAlone() throws IOException {
    Workspace ws = ticketWith("T-1", "a.txt", "a\n");
    repo.git("checkout", "-q", "-b", "feature");
    GitMergeIntegrator integrator = integrator();
    Integration.Candidate c = (Integration.Candidate) integrator.integrate(request(ws));
    assertInstanceOf(Integration.Advance.Advanced.class, integrator.advance(c, request(ws)));
    assertEquals(c.attributes().get("candidate"), repo.head("main"));
    assertEquals("feature", repo.git("rev-parse", "--abbrev-ref", "HEAD"));
    assertFalse(Files.exists(repo.dir.resolve("a.txt")));
  }

  @Test
  void workspaceThatGitWorkspacesDidNotOpenIsAnInputErrorNamingIt() throws IOException {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere/T-9"));
    Workspace ghost = new Workspace("T-9", elsewhere, java.util.Map.of("branch", "loop/T-9"));
    InputException e = assertThrows(InputException.class, () -> integrator().integrate(request(ghost)));
    assertTrue(e.getMessage().startsWith("workspace " + elsewhere + " of ticket T-9 is not a repository opened by"),
        e.getMessage());
  }

  @Test
  void checkoutRestoresEveryProtectedPathFromTheBaseline() throws IOException {
    String baseline = repo.head("main");
    repo.commitFile("tests/run.sh", "echo always ok\n", "a person loosened the test");
    repo.commitFile("tests/extra.sh", "exit 0\n", "and added one");
    repo.commitFile("src.txt", "code\n", "ordinary work");
    Path dir = tmp.resolve("export");

    GitMergeIntegrator.Checkout checkout = integrator().checkout(repo.head("main"), dir, baseline);

    assertEquals("echo ok\n", Files.readString(dir.resolve("tests/run.sh")));
    assertFalse(Files.exists(dir.resolve("tests/extra.sh")));
    assertEquals("code\n", Files.readString(dir.resolve("src.txt")));
    assertEquals(List.of("tests/extra.sh", "tests/run.sh"), checkout.restored().stream().sorted().toList());
    assertEquals(TestRepo.git(tmp, "-C", repo.dir.toString(), "rev-parse", baseline + ":tests"),
        repo.git("rev-parse", checkout.tree() + ":tests"));
  }

  @Test
  void headIsAFreshCheckoutOfTheIntegrationBranchWithTheRunsBaselineDefinitionOfDone() throws IOException {
    workspaces.open(new WorkspaceRequest("run-1", Ticket.builder("T-1").build(), 1)); // records the baseline
    repo.commitFile("tests/run.sh", "exit 0\n", "loosened after the run started");
    repo.commitFile("feature.txt", "f\n", "merged work");

    Workspace head = integrator().head("run-1");

    assertEquals(repo.head("main"), head.attributes().get("commit"));
    assertEquals("echo ok\n", Files.readString(head.directory().resolve("tests/run.sh")));
    assertEquals("f\n", Files.readString(head.directory().resolve("feature.txt")));
    assertEquals("1", head.attributes().get("restored"));
  }

  @Test
  void checkoutOfAMissingCommitIsAnInputErrorNamingIt() {
    InputException e = assertThrows(InputException.class,
        () -> integrator().checkout("0123456789012345678901234567890123456789", tmp.resolve("x"), repo.head("main")));
    assertTrue(e.getMessage().startsWith("commit '0123456789012345678901234567890123456789' does not exist"),
        e.getMessage());
  }

  @Test
  void indexLockHeldByAnotherGitIsWaitedOutBeforeTheWorkingTreeFollows() throws IOException {
    List<Duration> sleeps = new ArrayList<>();
    Path lock = repo.dir.resolve(".git/index.lock");
    GitWorkspaces patient = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws"))
        .lockRetry(5, Duration.ofMillis(20)).sleeper(d -> {
          sleeps.add(d);
          lock.toFile().delete();
        }).build();
    Workspace ws = patient.open(new WorkspaceRequest("run-1", Ticket.builder("T-1").build(), 1));
    Files.writeString(ws.directory().resolve("a.txt"), "a\n");
    GitMergeIntegrator integrator = GitMergeIntegrator.from(patient);
    Integration.Candidate c = (Integration.Candidate) integrator.integrate(request(ws));
    Files.writeString(lock, "");

    Integration.Advance result = integrator.advance(c, request(ws));

    assertInstanceOf(Integration.Advance.Advanced.class, result);
    assertEquals(List.of(Duration.ofMillis(20)), sleeps);
    assertEquals("a\n", Files.readString(repo.dir.resolve("a.txt")));
  }

  @Test
  void badProtectedGlobsAreInputErrorsNamingThem() {
    GitMergeIntegrator.Builder b = GitMergeIntegrator.builder(workspaces);
    for (String bad : List.of("", "/etc/**", "../up/**", "tests/[")) {
      InputException e = assertThrows(InputException.class, () -> b.protect(bad), bad);
      assertTrue(e.getMessage().startsWith("protected glob '" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void integrationsHoldTheMergeResource() {
    assertEquals(Set.of("merge"), GitMergeIntegrator.from(workspaces).resources());
  }
}

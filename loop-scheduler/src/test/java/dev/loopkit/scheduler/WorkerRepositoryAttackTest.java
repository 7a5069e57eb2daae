package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.IntegrateRequest;
import dev.loopkit.core.Integration;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.WorkspaceRequest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a worker (or a planted config) tries against the harness's git, done for real: each program it plants
 * writes a marker file when run; the harness's open, snapshot, candidate, advance and close must run none, and
 * what the harness commits is the working tree as it is on disk.
 */
class WorkerRepositoryAttackTest {
  @TempDir Path tmp;
  TestRepo repo;
  GitWorkspaces workspaces;
  GitMergeIntegrator integrator;
  Path markers;

  @BeforeEach
  void setUp() throws IOException {
    repo = TestRepo.create(tmp);
    repo.commitFile("tests/run.sh", "test \"$(cat lib.txt)\" = done\n", "the definition of done");
    repo.commitFile("lib.txt", "todo\n", "the work");
    markers = Files.createDirectories(tmp.resolve("markers"));
    workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
    integrator = GitMergeIntegrator.builder(workspaces).protect("tests/**").build();
  }

  private Workspace open(String id) {
    return workspaces.open(new WorkspaceRequest("run-1", Ticket.builder(id).title("ticket " + id).build(), 1));
  }

  private static IntegrateRequest request(Workspace ws) {
    return new IntegrateRequest("run-1", Ticket.builder(ws.ticketId()).title("ticket").build(), ws, 1);
  }

  /** A program that records that it ran (and, as a filter would, passes its input through). */
  private Path planted(String name) throws IOException {
    Path script = tmp.resolve("bin").resolve(name);
    Files.createDirectories(script.getParent());
    Files.writeString(script, "#!/bin/sh\ntouch '" + markers.resolve(name) + "'\ncat 2>/dev/null\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private void plantHooks(Path hooksDir) throws IOException {
    Files.createDirectories(hooksDir);
    for (String hook : List.of("post-commit", "pre-commit", "reference-transaction", "post-checkout", "post-merge",
        "pre-auto-gc", "post-index-change", "post-rewrite")) {
      Path h = hooksDir.resolve(hook);
      Files.copy(planted("hook-" + hook), h, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private List<String> ran() throws IOException {
    try (var files = Files.list(markers)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  /** Integrates, advances and closes, as the engine does for a verified attempt. */
  private Integration.Candidate integrateAdvanceClose(Workspace ws) {
    Integration.Candidate candidate = assertInstanceOf(Integration.Candidate.class, integrator.integrate(request(ws)));
    assertInstanceOf(Integration.Advance.Advanced.class, integrator.advance(candidate, request(ws)));
    integrator.release(candidate);
    workspaces.close(ws, true);
    return candidate;
  }

  @Test
  void hooksFsmonitorDiffDriversAndFiltersPlantedInTheWorkersRepositoryNeverRunInTheHarness() throws IOException {
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.writeString(dir.resolve("lib.txt"), "done\n");
    Files.writeString(dir.resolve(".gitattributes"), "* filter=evil diff=evil merge=evil\n");
    TestRepo.git(dir, "add", "-A");
    TestRepo.git(dir, "commit", "-q", "-m", "work");
    // the last thing the worker does: arm its repository against whoever runs git there next
    plantHooks(dir.resolve(".git/hooks"));
    TestRepo.git(dir, "config", "core.hooksPath", dir.resolve(".git/hooks").toString());
    TestRepo.git(dir, "config", "core.fsmonitor", planted("fsmonitor").toString());
    TestRepo.git(dir, "config", "diff.external", planted("diff-external").toString());
    TestRepo.git(dir, "config", "filter.evil.clean", planted("filter-clean").toString());
    TestRepo.git(dir, "config", "filter.evil.smudge", planted("filter-smudge").toString());
    TestRepo.git(dir, "config", "merge.evil.driver", planted("merge-driver").toString());
    TestRepo.git(dir, "config", "core.worktree", repo.dir.toString());

    integrateAdvanceClose(ws);

    assertEquals(List.of(), ran());
    assertEquals("done", repo.git("show", "main:lib.txt"));
    assertEquals("done\n", Files.readString(repo.dir.resolve("lib.txt")));
  }

  @Test
  void hooksFsmonitorFiltersAndMergeDriversPlantedInTheMainRepositoryNeverRunInTheHarness() throws IOException {
    repo.commitFile(".gitattributes", "*.txt filter=evil merge=evil diff=evil\n", "a person's attributes");
    plantHooks(repo.dir.resolve(".git/hooks"));
    plantHooks(tmp.resolve("shared-hooks"));
    repo.git("config", "core.hooksPath", tmp.resolve("shared-hooks").toString());
    repo.git("config", "core.fsmonitor", planted("fsmonitor").toString());
    repo.git("config", "diff.external", planted("diff-external").toString());
    repo.git("config", "filter.evil.clean", planted("filter-clean").toString());
    repo.git("config", "filter.evil.smudge", planted("filter-smudge").toString());
    repo.git("config", "filter.evil.process", planted("filter-process").toString());
    repo.git("config", "filter.evil.required", "true");
    repo.git("config", "merge.evil.driver", planted("merge-driver").toString() + " %O %A %B");
    repo.git("config", "core.pager", planted("pager").toString());
    repo.git("config", "core.editor", planted("editor").toString());
    repo.git("config", "gpg.program", planted("gpg").toString());
    repo.git("config", "commit.gpgSign", "true");
    repo.git("config", "log.showSignature", "true");
    Files.deleteIfExists(markers.resolve("hook-post-commit")); // the test's own commits ran nothing: hooks off there

    Workspace ws = open("T-1");
    Files.writeString(ws.directory().resolve("lib.txt"), "done\n");
    Files.writeString(ws.directory().resolve("new.txt"), "new\n");
    integrateAdvanceClose(ws);
    Workspace second = open("T-2");
    Files.writeString(second.directory().resolve("lib.txt"), "done, differently\n");
    Files.writeString(repo.dir.resolve("lib.txt"), "moved on main\n"); // a person's edit: a merge would call the driver
    String[] personal = {"-c", "filter.evil.clean=", "-c", "filter.evil.smudge=", "-c", "filter.evil.process=",
        "-c", "filter.evil.required=false"};
    repo.git(concat(personal, "add", "lib.txt"));
    repo.git(concat(personal, "commit", "-q", "-m", "a person edits lib.txt"));
    Integration conflicted = integrator.integrate(request(second));
    integrator.head("run-1");

    assertEquals(List.of(), ran());
    assertEquals("new", repo.git("show", "main~1:new.txt"));
    assertEquals(List.of("lib.txt"), assertInstanceOf(Integration.Conflict.class, conflicted).findings(),
        "a path that names a merge driver conflicts instead of running it");
  }

  @Test
  void skipWorktreeAndAssumeUnchangedDoNotHideAModifiedFileFromTheSnapshot() throws IOException {
    repo.commitFile("docs.txt", "old docs\n", "docs");
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.writeString(dir.resolve("lib.txt"), "done\n");
    Files.writeString(dir.resolve("docs.txt"), "rewritten docs\n");
    TestRepo.git(dir, "update-index", "--skip-worktree", "lib.txt");
    TestRepo.git(dir, "update-index", "--assume-unchanged", "docs.txt");
    assertEquals("", TestRepo.git(dir, "status", "--porcelain"), "the worker's own git sees nothing");

    Integration.Candidate candidate = integrateAdvanceClose(ws);

    assertEquals("done", repo.git("show", "main:lib.txt"));
    assertEquals("rewritten docs", repo.git("show", "main:docs.txt"));
    assertEquals("done", repo.git("show", candidate.attributes().get("snapshot") + ":lib.txt"));
  }

  @Test
  void aRewrittenTestHiddenWithSkipWorktreeIsRejectedBeforeAnyMergeNamingThePath() throws IOException {
    String before = repo.head("main");
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.writeString(dir.resolve("tests/run.sh"), "exit 0\n");
    TestRepo.git(dir, "update-index", "--skip-worktree", "tests/run.sh");

    Integration result = integrator.integrate(request(ws));

    String finding = assertInstanceOf(Integration.Conflict.class, result).findings().get(0);
    assertTrue(finding.contains("touches protected paths") && finding.contains("tests/run.sh")
        && finding.contains("rejected before any merge: commit ") && finding.contains(" stays at "), finding);
    assertEquals(before, repo.head("main"));
    assertFalse(repo.git("for-each-ref", "refs/loop/candidates/").contains("T-1"), "no candidate was built");
  }

  @Test
  void aWorkerCommitTouchingTheTestsIsRejectedBeforeAnyMergeNamingThePath() throws IOException {
    String before = repo.head("main");
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.writeString(dir.resolve("lib.txt"), "done\n");
    Files.createDirectories(dir.resolve("tests/unit"));
    Files.writeString(dir.resolve("tests/unit/extra.sh"), "exit 0\n");
    TestRepo.git(dir, "add", "-A");
    TestRepo.git(dir, "commit", "-q", "-m", "add a test that always passes");

    Integration result = integrator.integrate(request(ws));

    String finding = assertInstanceOf(Integration.Conflict.class, result).findings().get(0);
    assertTrue(finding.contains("tests/unit/extra.sh"), finding);
    assertFalse(finding.contains("lib.txt"), finding);
    assertEquals(before, repo.head("main"));
  }

  @Test
  void aSideBranchLeftCheckedOutAndCommitsToTheClonesMainChangeNothingButTheSnapshotOfTheDisk()
      throws IOException {
    String before = repo.head("main");
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    TestRepo.git(dir, "checkout", "-q", "main");
    TestRepo.commitFile(dir, "evil.txt", "pushed to main\n", "commit on the clone's main");
    TestRepo.git(dir, "checkout", "-q", "-b", "side");
    TestRepo.commitFile(dir, "lib.txt", "done\n", "side work");
    Files.writeString(dir.resolve("loose.txt"), "never committed\n");

    Integration.Candidate candidate = assertInstanceOf(Integration.Candidate.class, integrator.integrate(request(ws)));

    assertEquals(before, repo.head("main"), "the integration branch does not move before advance");
    String snapshot = candidate.attributes().get("snapshot");
    assertEquals(repo.head("loop/T-1"), snapshot);
    assertEquals(diskFiles(dir), snapshotFiles(snapshot));
    assertFalse(repo.git("for-each-ref", "--format=%(refname)").contains("side"), "the clone's refs stay there");
  }

  @Test
  void aNestedRepositoryIsRefusedNamingItAndNothingIsTakenIn() throws IOException {
    String branch = repo.head("loop/T-1".isEmpty() ? "main" : "main");
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.writeString(dir.resolve("lib.txt"), "done\n");
    Path vendored = Files.createDirectories(dir.resolve("vendor/lib"));
    TestRepo.git(vendored, "init", "-q");
    TestRepo.commitFile(vendored, "x.c", "int x;\n", "vendored");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/.git"), "gitdir: " + repo.dir.resolve(".git") + "\n");

    Integration result = integrator.integrate(request(ws));

    List<String> findings = assertInstanceOf(Integration.Conflict.class, result).findings();
    String all = String.join("\n", findings);
    assertTrue(all.contains("nested repository or gitlink vendor/lib/.git"), all);
    assertTrue(all.contains("nested repository or gitlink sub/.git"), all);
    assertEquals(branch, repo.head("loop/T-1"), "the ticket branch is unchanged");
  }

  @Test
  void linksOutOfTheTreeAndSpecialFilesAreRefusedWhileALinkInsideIsTakenIn() throws Exception {
    Workspace ws = open("T-1");
    Path dir = ws.directory();
    Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(dir.resolve("up"), Path.of("../../.."));
    Files.createSymbolicLink(dir.resolve("here"), Path.of("."));
    Files.createSymbolicLink(dir.resolve("sneaky"), Path.of("here/.."));
    Files.createSymbolicLink(dir.resolve("config"), Path.of(".git/config"));
    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe").toString()).start();
    assertEquals(0, mkfifo.waitFor());

    List<String> findings = assertInstanceOf(Integration.Conflict.class, integrator.integrate(request(ws))).findings();

    String all = String.join("\n", findings);
    for (String path : List.of("passwd", "up", "sneaky", "config", "pipe")) {
      assertTrue(all.contains(" " + path + " ") || all.contains("\n" + path + " ") || all.startsWith(path + " ")
          || all.contains("link " + path + " "), path + " in " + all);
    }
    assertFalse(all.contains("link here "), all);

    for (String path : List.of("passwd", "up", "sneaky", "config", "pipe")) {
      Files.delete(dir.resolve(path));
    }
    Integration.Candidate ok = assertInstanceOf(Integration.Candidate.class, integrator.integrate(request(ws)));
    assertEquals("120000", repo.git("ls-tree", ok.attributes().get("snapshot"), "here").split(" ")[0]);
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  /** Every file under {@code dir} but the top .git, with its content (links as their target). */
  private static TreeMap<String, String> diskFiles(Path dir) throws IOException {
    TreeMap<String, String> files = new TreeMap<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return d.equals(dir.resolve(".git")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        files.put(dir.relativize(f).toString(), attrs.isSymbolicLink() ? Files.readSymbolicLink(f).toString()
            : Files.readString(f));
        return FileVisitResult.CONTINUE;
      }
    });
    return files;
  }

  private TreeMap<String, String> snapshotFiles(String commit) {
    TreeMap<String, String> files = new TreeMap<>();
    for (String path : new TreeSet<>(repo.git("ls-tree", "-r", "--name-only", commit).lines().toList())) {
      files.put(path, repo.git("cat-file", "blob", commit + ":" + path) + "\n");
    }
    return files;
  }
}

package dev.loopkit.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.LoopEngine;
import dev.loopkit.core.RunEnding;
import dev.loopkit.core.RunResult;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Usage;
import dev.loopkit.core.Verification;
import dev.loopkit.core.WorkResult;
import dev.loopkit.core.Worker;
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

/** The real engine with the dependency-aware ready set, a git repository per attempt and candidate integration. */
class EngineWithGitWorkspacesTest {
  @TempDir Path tmp;

  @Test
  void chainOfTicketsRunsInOrderEachVerifiedOnItsCandidateAndEachWorkerSeesItsBlockersFiles() throws IOException {
    TestRepo repo = TestRepo.create(tmp);
    GitWorkspaces workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("C").title("third").addDependency(Dependency.blockedBy("B")).build(),
        Ticket.builder("B").title("second").addDependency(Dependency.blockedBy("A")).build(),
        Ticket.builder("A").title("first").build());
    Map<String, List<String>> seen = new ConcurrentHashMap<>();
    Map<String, Path> verifiedIn = new ConcurrentHashMap<>();
    Worker worker = a -> {
      Path ws = a.workspace().directory();
      try (var files = Files.list(ws)) {
        seen.put(a.ticket().id(), files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".txt"))
            .sorted().toList());
      }
      Files.writeString(ws.resolve(a.ticket().id() + ".txt"), a.ticket().title() + "\n"); // left uncommitted
      return WorkResult.completed("wrote " + a.ticket().id() + ".txt", Usage.tokens(10, 5));
    };

    RunResult result = LoopEngine.builder().tracker(tracker).worker(worker).runDirectory(tmp.resolve("run"))
        .sandbox(Sandbox.none())
        .readySet(DependencyReadySet.create()).workspaces(workspaces)
        .integrator(GitMergeIntegrator.builder(workspaces).protect("tests/**").build())
        .verifier(r -> {
          verifiedIn.putIfAbsent(r.ticket().id(), r.workspace().directory()); // the candidate, not the final gate
          return Files.exists(r.workspace().directory().resolve(r.ticket().id() + ".txt"))
              ? Verification.passed(Evidence.of("file", r.ticket().id() + ".txt is in the candidate"))
              : Verification.failed("expected " + r.ticket().id() + ".txt in the candidate");
        })
        .build().run();

    assertInstanceOf(RunEnding.Done.class, result.ending(), result.ending().toString());
    assertEquals(List.of(), seen.get("A"));
    assertEquals(List.of("A.txt"), seen.get("B"));
    assertEquals(List.of("A.txt", "B.txt"), seen.get("C"));
    assertTrue(verifiedIn.get("C").startsWith(tmp.resolve("ws/.candidates")), verifiedIn.toString());
    assertFalse(Files.exists(verifiedIn.get("C")), "the candidate's checkout is released");
    assertEquals("third\n", Files.readString(repo.dir.resolve("C.txt")));
    assertEquals("third\n", repo.git("show", "main:C.txt") + "\n");
    assertEquals(Status.DONE, tracker.ticket("C").status());
  }

  @Test
  void cyclicBatchStopsTheRunBeforeAnyWorkerStarts() throws IOException {
    TestRepo repo = TestRepo.create(tmp);
    GitWorkspaces workspaces = GitWorkspaces.builder(repo.dir).workspaceRoot(tmp.resolve("ws")).build();
    InMemoryTracker tracker = InMemoryTracker.of(
        Ticket.builder("A").addDependency(Dependency.blockedBy("B")).build(),
        Ticket.builder("B").addDependency(Dependency.childOf("A")).build());
    List<String> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    LoopEngine engine = LoopEngine.builder().tracker(tracker).runDirectory(tmp.resolve("run"))
        .sandbox(Sandbox.none())
        .readySet(DependencyReadySet.create()).workspaces(workspaces)
        .worker(a -> {
          started.add(a.ticket().id());
          return WorkResult.completed("nothing", Usage.tokens(1, 1));
        })
        .verifier(r -> Verification.failed("never reached"))
        .build();

    RunEnding ending;
    try {
      ending = engine.run().ending();
    } catch (InputException e) {
      ending = new RunEnding.Failed(e.getMessage(), e);
    }

    RunEnding.Failed failed = assertInstanceOf(RunEnding.Failed.class, ending);
    assertTrue(failed.message().contains("dependency cycle A -blocks-> B -parent-child-> A"), failed.message());
    assertEquals(List.of(), started);
    assertThrows(InputException.class, () -> DependencyReadySet.create().ready(
        dev.loopkit.core.ReadyContext.of(tracker.readBatch(), tracker)));
  }
}

package dev.loopkit.oracle;

import static dev.loopkit.oracle.Requests.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.OracleContext;
import dev.loopkit.core.Status;
import dev.loopkit.core.Verdict;
import dev.loopkit.core.Verification;
import dev.loopkit.core.VerifyRequest;
import dev.loopkit.core.Workspace;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.loopkit.testing.InMemoryTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReverifyingOracleTest {
  @TempDir Path dir;

  private static OracleContext context(InMemoryTracker tracker) {
    return OracleContext.of(tracker, Clock.systemUTC());
  }

  private ReverifyingOracle.Builder builder() {
    return ReverifyingOracle.builder().workspaceFor(t -> new Workspace(t.id(), dir, Map.of()));
  }

  @Test
  void agreesOnlyAfterEveryDoneTicketVerifiesAgainWithEvidence() {
    List<VerifyRequest> seen = new ArrayList<>();
    ReverifyingOracle oracle = builder().runId("run-7").verifier(r -> {
      seen.add(r);
      return Verification.passed(Evidence.of("check", r.ticket().id() + " ok"));
    }).build();
    Verdict v = oracle.judge(context(InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.HUMAN_GATED),
        ticket("C", Status.DONE))));
    assertTrue(v.isDone());
    assertTrue(((Verdict.Done) v).why().endsWith("re-verified 2 done tickets"));
    assertEquals(List.of("A", "C"), seen.stream().map(r -> r.ticket().id()).toList());
    assertEquals(0, seen.get(0).attempt());
    assertEquals("run-7", seen.get(0).runId());
    assertEquals(dir, seen.get(0).workspace().directory());
  }

  @Test
  void reVerificationRunsItsProcessesInTheConfiguredSandboxConfinedToTheWorkspace() {
    List<VerifyRequest> seen = new ArrayList<>();
    Workspace borrowing = new Workspace("A", dir, Map.of(), List.of(dir.resolveSibling("objects")));
    ReverifyingOracle.builder().workspaceFor(t -> borrowing).sandbox(Sandbox.none()).verifier(r -> {
      seen.add(r);
      return Verification.passed(Evidence.of("check", "ok"));
    }).build().judge(context(InMemoryTracker.of(ticket("A", Status.DONE))));
    assertEquals(Sandbox.none(), seen.get(0).processes().sandbox());
    assertEquals(dir, seen.get(0).processes().jail().workspace());
    assertEquals(List.of(dir.resolveSibling("objects")), seen.get(0).processes().jail().readOnly());

    seen.clear();
    builder().verifier(r -> {
      seen.add(r);
      return Verification.passed(Evidence.of("check", "ok"));
    }).build().judge(context(InMemoryTracker.of(ticket("A", Status.DONE))));
    assertTrue(seen.get(0).processes().confines(), "bubblewrap unless told otherwise");
  }

  @Test
  void doneTicketWhoseVerifierNowFailsKeepsTheBatchPending() {
    ReverifyingOracle oracle = builder().verifier(r -> r.ticket().id().equals("B")
        ? Verification.failed("endpoint answers 500")
        : Verification.passed(Evidence.of("check", "ok"))).build();
    Verdict v = oracle.judge(context(InMemoryTracker.of(ticket("A", Status.DONE), ticket("B", Status.DONE))));
    assertEquals(List.of(new Verdict.Outstanding("B", "done in the tracker but re-verification failed: endpoint answers 500")),
        ((Verdict.Pending) v).outstanding());
  }

  @Test
  void aVerifierThatCannotShowEvidenceIsNotAgreement() {
    ReverifyingOracle oracle = builder().verifier(r -> Verification.passed(List.of())).build();
    Verdict v = oracle.judge(context(InMemoryTracker.of(ticket("A", Status.DONE))));
    String reason = ((Verdict.Pending) v).outstanding().get(0).reason();
    assertTrue(reason.startsWith("re-verification threw IllegalArgumentException: a passed verification must"
        + " carry positive evidence"), reason);
  }

  @Test
  void verifierThatThrowsLeavesTheTicketOutstandingNamingTheException() {
    ReverifyingOracle oracle = builder().verifier(r -> {
      throw new IllegalStateException("no such table");
    }).build();
    Verdict v = oracle.judge(context(InMemoryTracker.of(ticket("A", Status.DONE))));
    assertEquals("re-verification threw IllegalStateException: no such table",
        ((Verdict.Pending) v).outstanding().get(0).reason());
  }

  @Test
  void whileTicketsAreOpenNothingIsReverified() {
    List<String> verified = new ArrayList<>();
    ReverifyingOracle oracle = builder().verifier(r -> {
      verified.add(r.ticket().id());
      return Verification.passed(Evidence.of("check", "ok"));
    }).build();
    Verdict v = oracle.judge(context(InMemoryTracker.of(ticket("A", Status.OPEN), ticket("B", Status.DONE))));
    assertFalse(v.isDone());
    assertEquals(List.of(), verified, "re-verifying waits until the status rule says done: a pass costs what changed");
    assertEquals(List.of(new Verdict.Outstanding("A", "status open")), ((Verdict.Pending) v).outstanding());
  }

  @Test
  void workspacesAreOpenedForTheDoneTicketsToReverify() {
    ReverifyingOracle oracle = ReverifyingOracle.builder().workspaces(Workspaces.directoryPerTicket(dir))
        .verifier(r -> Files.isDirectory(r.workspace().directory())
            ? Verification.passed(Evidence.of("check", "workspace " + r.workspace().directory()))
            : Verification.failed("no workspace"))
        .build();
    assertTrue(oracle.judge(context(InMemoryTracker.of(ticket("A", Status.DONE)))).isDone());
    assertTrue(Files.isDirectory(dir.resolve("A")));
  }

  @Test
  void buildWithoutAVerifierOrAWorkspaceSourceNamesWhatIsMissing() {
    InputException noVerifier = assertThrows(InputException.class, () -> builder().build());
    assertTrue(noVerifier.getMessage().contains("no verifier"));
    InputException noWorkspace = assertThrows(InputException.class,
        () -> ReverifyingOracle.builder().verifier(r -> Verification.failed("x")).build());
    assertTrue(noWorkspace.getMessage().contains("workspaceFor"));
  }
}

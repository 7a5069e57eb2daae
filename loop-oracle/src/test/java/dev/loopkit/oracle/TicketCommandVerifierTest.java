package dev.loopkit.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Evidence;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.Verification;
import dev.loopkit.core.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TicketCommandVerifierTest {
  @TempDir Path dir;

  private static Ticket.Builder ticket() {
    return Ticket.builder("T-9").title("answer file");
  }

  @Test
  void runsTheTicketsOwnAcceptanceCommandInTheWorkspace() throws Exception {
    Files.writeString(dir.resolve("answer.txt"), "42\n");
    Ticket t = ticket().putMetadata("verify", "cat answer.txt").putMetadata("verify-expect", "^42$").build();
    Verification v = TicketCommandVerifier.create().verify(Requests.in(dir, t));
    assertInstanceOf(Verification.Passed.class, v);
    Evidence e = v.evidence().get(0);
    assertEquals("sh -c 'cat answer.txt'", e.attributes().get("command"));
    assertEquals("42", e.attributes().get("matched"));
  }

  @Test
  void theFinishLineHoldsTheAcceptanceCriteriaAndEveryVerifyKeyTheTicketHas() {
    Ticket t = ticket().addAcceptanceCriterion("the answer is 42").putMetadata("verify", "cat answer.txt")
        .putMetadata("verify-expect", "^42$").putMetadata("verify-timeout", "90s").putMetadata("owner", "ops").build();
    assertEquals(java.util.Map.of("acceptance-criteria", "the answer is 42", "verify", "cat answer.txt",
        "verify-expect", "^42$", "verify-timeout", "90s"), TicketCommandVerifier.create().finishLine(t));
    Ticket easier = t.toBuilder().putMetadata("verify-expect", ".*").build();
    assertTrue(!TicketCommandVerifier.create().finishLine(easier).equals(TicketCommandVerifier.create().finishLine(t)),
        "an easier expectation is another finish line");
  }

  @Test
  void failsWhenTheCommandDoesNotProduceTheExpectedOutput() throws Exception {
    Ticket t = ticket().putMetadata("verify", "cat answer.txt").putMetadata("verify-expect", "^42$").build();
    Verification.Failed f = assertInstanceOf(Verification.Failed.class,
        TicketCommandVerifier.create().verify(Requests.in(dir, t)));
    assertEquals("command sh -c 'cat answer.txt' exited 1: expected 0", f.findings().get(0));
  }

  @Test
  void aTicketWithoutAnAcceptanceCommandFailsNamingTheKey() throws Exception {
    Verification.Failed f = assertInstanceOf(Verification.Failed.class,
        TicketCommandVerifier.create().verify(Requests.in(dir, ticket().build())));
    assertTrue(f.findings().get(0).startsWith("ticket T-9 has no 'verify' metadata"), f.findings().get(0));
  }

  @Test
  void aTicketWithoutAnyPositiveEvidenceToLookForFails() throws Exception {
    Ticket t = ticket().putMetadata("verify", "true").build();
    Verification.Failed f = assertInstanceOf(Verification.Failed.class,
        TicketCommandVerifier.create().verify(Requests.in(dir, t)));
    assertTrue(f.findings().get(0).contains("neither 'verify-expect' nor 'verify-file'"), f.findings().get(0));
  }

  @Test
  void badMetadataValuesFailNamingTicketKeyAndValue() throws Exception {
    Ticket t = ticket().putMetadata("verify", "true").putMetadata("verify-expect", "ok")
        .putMetadata("verify-timeout", "soon").build();
    Verification.Failed f = assertInstanceOf(Verification.Failed.class,
        TicketCommandVerifier.create().verify(Requests.in(dir, t)));
    assertEquals("duration 'soon' (verify-timeout in the metadata of ticket T-9) is not valid: expected a positive"
        + " duration such as 90s, 5m, 1h or PT5M", f.findings().get(0));
    Ticket badExit = ticket().putMetadata("verify", "true").putMetadata("verify-expect", "ok")
        .putMetadata("verify-exit", "zero").build();
    assertTrue(((Verification.Failed) TicketCommandVerifier.create().verify(Requests.in(dir, badExit))).findings()
        .get(0).startsWith("verify-exit 'zero' in the metadata of ticket T-9 is not a number"));
  }

  @Test
  void theTicketsTimeoutAndExitCodeAreHonoured() throws Exception {
    Ticket t = ticket().putMetadata("verify", "echo partial; sleep 30").putMetadata("verify-expect", "done")
        .putMetadata("verify-timeout", "500ms").build();
    Verification.Failed f = assertInstanceOf(Verification.Failed.class,
        TicketCommandVerifier.create().verify(Requests.in(dir, t)));
    assertTrue(f.findings().get(0).contains("timed out after PT0.5S"), f.findings().get(0));

    Ticket refused = ticket().putMetadata("verify", "echo refused; exit 3").putMetadata("verify-expect", "refused")
        .putMetadata("verify-exit", "3").build();
    assertInstanceOf(Verification.Passed.class, TicketCommandVerifier.create().verify(Requests.in(dir, refused)));
  }

  @Test
  void ticketsWithoutACommandGoToTheFallback() throws Exception {
    TicketCommandVerifier v = TicketCommandVerifier.builder()
        .fallback(r -> Verification.passed(Evidence.of("fallback", "checked " + r.ticket().id()))).build();
    assertEquals(List.of(Evidence.of("fallback", "checked T-9")), v.verify(Requests.in(dir, ticket().build())).evidence());
  }

  @Test
  void durationsParseInTheShortAndTheIsoForm() {
    assertEquals(Duration.ofSeconds(90), TicketCommandVerifier.parseDuration("90s", "test"));
    assertEquals(Duration.ofMinutes(5), TicketCommandVerifier.parseDuration("5m", "test"));
    assertEquals(Duration.ofHours(1), TicketCommandVerifier.parseDuration("1h", "test"));
    assertEquals(Duration.ofMinutes(5), TicketCommandVerifier.parseDuration("PT5M", "test"));
    assertThrows(InputException.class, () -> TicketCommandVerifier.parseDuration("0s", "test"));
    assertThrows(InputException.class, () -> TicketCommandVerifier.parseDuration("5", "test"));
  }

  private static final Ticket ORIGIN = Ticket.builder("T-1").title("origin")
      .putMetadata("verify", "cat answer.txt").putMetadata("verify-expect", "^42$").build();

  private static TicketCommandVerifier withOrigins(Verifier fallback) {
    return TicketCommandVerifier.builder().fallback(fallback)
        .origins(id -> id.equals("T-1") ? java.util.Optional.of(ORIGIN) : java.util.Optional.empty()).build();
  }

  @Test
  void aDiscoveredTicketWithoutAFinishLineMustPassTheFallbackAndItsOriginsLine() throws Exception {
    Ticket filed = ticket().addDependency(dev.loopkit.core.Dependency.discoveredFrom("T-1")).build();
    Verifier lint = r -> Verification.passed(Evidence.of("lint", "lint ok"));

    Verification.Failed f = assertInstanceOf(Verification.Failed.class, withOrigins(lint).verify(Requests.in(dir, filed)));
    assertTrue(f.findings().get(0).startsWith("the finish line of T-1, which T-9 was discovered from and inherits:"),
        f.findings().get(0));

    Files.writeString(dir.resolve("answer.txt"), "42\n");
    Verification v = withOrigins(lint).verify(Requests.in(dir, filed));
    assertInstanceOf(Verification.Passed.class, v);
    assertEquals(List.of("lint", "command"), v.evidence().stream().map(Evidence::kind).toList());

    Verifier failingLint = r -> Verification.failed(List.of("lint: 2 problems"), List.of());
    assertEquals(List.of("lint: 2 problems"), ((Verification.Failed) withOrigins(failingLint)
        .verify(Requests.in(dir, filed))).findings());
  }

  @Test
  void anInheritedFinishLineIsPartOfTheDiscoveredTicketsFrozenLineAndAnOwnOneWins() {
    Ticket filed = ticket().addDependency(dev.loopkit.core.Dependency.discoveredFrom("T-1")).build();
    Verifier lint = r -> Verification.passed(Evidence.of("lint", "lint ok"));

    assertEquals("cat answer.txt", withOrigins(lint).finishLine(filed).get("origin.T-1.verify"));
    Ticket own = filed.toBuilder().putMetadata("verify", "test -s out.txt").putMetadata("verify-file", "out.txt")
        .build();
    assertTrue(withOrigins(lint).finishLine(own).keySet().stream().noneMatch(k -> k.startsWith("origin.")));
  }

  @Test
  void aDiscoveredTicketThatBlocksItsOriginDoesNotInheritItsLineWhichWaitsForIt() throws Exception {
    Ticket origin = ORIGIN.toBuilder().addDependency(dev.loopkit.core.Dependency.blockedBy("T-9")).build();
    TicketCommandVerifier verifier = TicketCommandVerifier.builder()
        .fallback(r -> Verification.passed(Evidence.of("lint", "lint ok")))
        .origins(id -> id.equals("T-1") ? java.util.Optional.of(origin) : java.util.Optional.empty()).build();
    Ticket blocker = ticket().addDependency(dev.loopkit.core.Dependency.discoveredFrom("T-1")).build();

    assertInstanceOf(Verification.Passed.class, verifier.verify(Requests.in(dir, blocker)));
    assertTrue(verifier.finishLine(blocker).keySet().stream().noneMatch(k -> k.startsWith("origin.")));
  }
}

package dev.loopkit.llm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Status;
import dev.loopkit.core.Ticket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessLintTest {
  @TempDir
  Path repo;

  private ReadinessLint lint;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(repo.resolve("tests"));
    Files.writeString(repo.resolve("tests/run.sh"), "echo ok\n");
    lint = ReadinessLint.builder(repo).searchPath("/usr/bin:/bin").build();
  }

  private static Ticket.Builder ready(String id) {
    return Ticket.builder(id).title("Add the list command").body("Add `kv list`, sorted.")
        .acceptanceCriteria(List.of("kv list prints the keys sorted")).putMetadata("verify", "sh tests/run.sh list")
        .putMetadata("verify-expect", "ok list");
  }

  private static Ticket master() {
    return Ticket.builder("M").title("kv grows a list command").acceptanceCriteria(List.of("every child done"))
        .build();
  }

  private static LintFinding only(List<LintFinding> findings) {
    assertEquals(1, findings.size(), findings.toString());
    return findings.get(0);
  }

  @Test
  void aReadyBatchUnderItsMasterHasNoFindings() {
    List<Ticket> batch = List.of(master(), ready("A").addDependency(Dependency.childOf("M")).build(),
        ready("B").title("Document list").addDependency(Dependency.childOf("M"))
            .addDependency(Dependency.blockedBy("A")).build());
    assertEquals(List.of(), lint.check(batch, "M", Set.of()));
  }

  @Test
  void aTicketWithoutAVerifyCommandIsNamedWithTheVerifyField() {
    LintFinding f = only(lint.check(List.of(ready("A").metadata(java.util.Map.of()).build())));
    assertEquals("A", f.ticketId());
    assertEquals("verify", f.field());
    assertEquals("finish-line", f.rule());
    assertTrue(f.message().contains("no verify command"), f.message());
  }

  @Test
  void aVerifyCommandWhoseProgramIsNotInstalledIsAFinding() {
    LintFinding f = only(lint.check(List.of(ready("A").putMetadata("verify", "no-such-tool --check").build())));
    assertEquals("verify", f.field());
    assertTrue(f.message().contains("'no-such-tool'") && f.message().contains("search path"), f.message());
  }

  @Test
  void aShellScriptMissingFromTheRepositoryIsAFinding() {
    LintFinding f = only(lint.check(List.of(ready("A").putMetadata("verify", "sh tests/missing.sh").build())));
    assertEquals("verify", f.field());
    assertTrue(f.message().contains("tests/missing.sh") && f.message().contains("not a file of the repository"),
        f.message());
  }

  @Test
  void variableAssignmentsBeforeTheCommandAreSkippedAndRepositoryPathsResolve() {
    assertEquals(List.of(), lint.check(List.of(ready("A").putMetadata("verify", "ENVS=staging sh tests/run.sh")
        .build(), ready("B").title("Other").putMetadata("verify", "./tests/run.sh").build())));
  }

  @Test
  void aVerifyCommandWithoutAnExpectationIsAFindingOnVerifyExpect() {
    Ticket t = ready("A").metadata(java.util.Map.of("verify", "sh tests/run.sh")).build();
    LintFinding f = only(lint.check(List.of(t)));
    assertEquals("verify-expect", f.field());
    assertTrue(f.message().contains("exit code alone"), f.message());
  }

  @Test
  void emptyAcceptanceCriteriaAreAFinding() {
    LintFinding f = only(lint.check(List.of(ready("A").acceptanceCriteria(List.of()).build())));
    assertEquals("acceptance", f.field());
    assertEquals("acceptance", f.rule());
  }

  @Test
  void openQuestionsAreFoundInTitleBodyAndCriteria() {
    List<LintFinding> findings = lint.check(List.of(
        ready("A").title("Should list be sorted?").build(),
        ready("B").title("Two").body("Sorting is TBD.").build(),
        ready("C").title("Three").body("First decide whether keys are case sensitive.").build(),
        ready("D").title("Four").body("Which order do users want? Ask them.").build(),
        ready("E").title("Five").acceptanceCriteria(List.of("figure out the format")).build(),
        ready("F").title("Six").body("Run `test -n \"${X:?}\"` and see https://x.test/?a=1 for docs.").build()));
    assertEquals(List.of("A title", "B body", "C body", "D body", "E acceptance"),
        findings.stream().filter(f -> f.rule().equals("open-question")).map(f -> f.ticketId() + " " + f.field())
            .distinct().toList(), findings.toString());
  }

  @Test
  void aCycleIsNamedEdgeByEdge() {
    List<LintFinding> findings = lint.check(List.of(ready("A").addDependency(Dependency.blockedBy("B")).build(),
        ready("B").title("B").addDependency(Dependency.blockedBy("A")).build()));
    LintFinding f = only(findings);
    assertEquals("dependencies", f.field());
    assertEquals("graph", f.rule());
    assertTrue(f.message().contains("A -blocks-> B -blocks-> A"), f.message());
  }

  @Test
  void anUnknownBlockerIsAFindingUnlessItIsKnownOutsideTheList() {
    Ticket t = ready("A").addDependency(Dependency.blockedBy("ZZ-9")).build();
    LintFinding f = only(lint.check(List.of(t)));
    assertTrue(f.message().contains("blocks:ZZ-9"), f.message());
    assertEquals(List.of(), lint.check(List.of(t), null, Set.of("ZZ-9")));
  }

  @Test
  void aTicketNotUnderTheMasterIsAFinding() {
    List<LintFinding> findings = lint.check(List.of(master(), ready("A").addDependency(Dependency.childOf("M"))
        .build(), ready("B").title("Loose").build()), "M", Set.of());
    LintFinding f = only(findings);
    assertEquals("B", f.ticketId());
    assertTrue(f.message().contains("not under the master M"), f.message());
  }

  @Test
  void aMasterMissingFromTheBatchIsAFinding() {
    List<LintFinding> findings = lint.check(List.of(ready("A").addDependency(Dependency.childOf("M")).build()), "M",
        Set.of());
    assertEquals(List.of("A dependencies", "M id"), findings.stream().map(f -> f.ticketId() + " " + f.field())
        .toList(), findings.toString());
  }

  @Test
  void infrastructureWorkWithoutAResourceIsAFinding() {
    Ticket infra = ready("A").title("Deploy the staging bucket with terraform").build();
    LintFinding f = only(lint.check(List.of(infra)));
    assertEquals("resources", f.field());
    assertTrue(f.message().contains("infra-apply"), f.message());
    assertEquals(List.of(), lint.check(List.of(infra.toBuilder().addResource("infra-apply").build())));
  }

  @Test
  void oversizedTicketsAreFindingsOnBodyAndAcceptance() {
    ReadinessLint small = ReadinessLint.builder(repo).searchPath("/usr/bin:/bin").maxBodyChars(20).maxCriteria(1)
        .build();
    List<LintFinding> findings = small.check(List.of(ready("A").body("x".repeat(21))
        .acceptanceCriteria(List.of("one", "two")).build()));
    assertEquals(List.of("A body size", "A acceptance size"),
        findings.stream().map(f -> f.ticketId() + " " + f.field() + " " + f.rule()).toList());
  }

  @Test
  void doneTicketsAreNotLintedButStillCountForTheGraph() {
    Ticket done = Ticket.builder("D").title("Done long ago?").status(Status.DONE).build();
    assertEquals(List.of(), lint.check(List.of(done, ready("A").addDependency(Dependency.blockedBy("D")).build())));
  }

  @Test
  void theMasterNeedsNoFinishLineNorResourcesButStillItsCriteria() {
    Ticket master = Ticket.builder("M").title("Deploy kv to staging and production").build();
    List<LintFinding> findings = lint.check(List.of(master, ready("A").addDependency(Dependency.childOf("M"))
        .build()), "M", Set.of());
    assertEquals(List.of("M acceptance acceptance"), findings.stream()
        .map(f -> f.ticketId() + " " + f.field() + " " + f.rule()).toList());
  }

  @Test
  void aFindingPrintsAsTicketFieldRuleAndMessage() {
    assertEquals("A verify [finish-line]: has no verify command", new LintFinding("A", "verify", "finish-line",
        "has no verify command").toString());
  }

  @Test
  void badSettingsAreRefusedNamingTheValue() {
    assertTrue(assertThrows(InputException.class, () -> ReadinessLint.builder(repo.resolve("nope")))
        .getMessage().contains("nope"));
    assertTrue(assertThrows(InputException.class, () -> ReadinessLint.builder(repo).maxCriteria(0))
        .getMessage().contains("max criteria 0"));
  }
}

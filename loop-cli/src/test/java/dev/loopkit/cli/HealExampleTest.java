package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Heal;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled heal example ({@code examples/heal}) through the real {@code loop run}: a ticket that fails twice for
 * want of a project convention in the worker's prompt is healed and ends DONE; a heal that tries to loosen the
 * verifier instead is rejected, rolled back, and the run ends with the real stop.
 */
class HealExampleTest {
  private static final String CONVENTION = "line 2 of every script is set -eu";

  @TempDir
  Path dir;

  /** A copy of examples/heal (tests run in the module folder), with {@code healer.model} set to {@code model}. */
  private Path example(String model) throws Exception {
    Path source = Path.of("..", "examples", "heal").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(source.resolve(ProjectConfig.FILE_NAME)), source.toString());
    Path target = dir.resolve("heal");
    GitCommands.copyTree(source, target);
    Path yaml = target.resolve(ProjectConfig.FILE_NAME);
    String text = Files.readString(yaml);
    String edited = text.replace("\n  model: healer ", "\n  model: " + model + " ");
    assertTrue(model.equals("healer") || !edited.equals(text), "healer.model line not found in " + yaml);
    Files.writeString(yaml, edited);
    return target;
  }

  private static List<LoopEvent.HealAttempted> heals(Path project) {
    return RunDirectory.of(project.resolve(".loop/runs/run-001")).events().stream()
        .filter(LoopEvent.HealAttempted.class::isInstance).map(LoopEvent.HealAttempted.class::cast).toList();
  }

  @Test
  void aPromptGapIsHealedAndTheThirdAttemptPassesSoTheRunEndsDone() throws Exception {
    Path project = example("healer");
    String promptBefore = Files.readString(project.resolve("harness/prompts/worker.md"));

    Cli run = Cli.run("run", project.toString());

    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("run ended DONE"), run.out);
    List<LoopEvent.HealAttempted> heals = heals(project);
    assertEquals(1, heals.size(), heals.toString());
    LoopEvent.HealAttempted heal = heals.get(0);
    assertEquals(Heal.Outcome.APPLIED, heal.outcome());
    assertTrue(heal.summary().startsWith("harness gap: the worker prompt lacked the project's script convention"),
        heal.summary());
    assertTrue(heal.summary().contains("smoke checks passed: canaries, worker prompt"), heal.summary());
    assertTrue(heal.diff().contains("+++ b/prompts/worker.md") && heal.diff().contains(CONVENTION), heal.diff());
    String promptAfter = Files.readString(project.resolve("harness/prompts/worker.md"));
    assertFalse(promptBefore.contains(CONVENTION));
    assertTrue(promptAfter.contains(CONVENTION), promptAfter);
    assertTrue(Files.isRegularFile(project.resolve(".loop/runs/run-001/transcripts/heal-1.jsonl")));

    RunReport report = RunReport.of(project.resolve(".loop/runs/run-001"));
    RunReport.TicketReport h1 = report.tickets().get(0);
    assertEquals(3, h1.attempts());
    assertEquals(2, h1.failedAttempts());
    assertEquals(RunReport.TicketOutcome.DONE, h1.outcome());
    String html = Files.readString(project.resolve(".loop/runs/run-001/report.html"));
    assertTrue(html.contains("<h2>Heals</h2>") && html.contains("<td>applied</td>"), "the heal in the report");
  }

  @Test
  void theHealersEvidenceCarriesTheVerifiersOutputNotOnlyItsExitCode() throws Exception {
    Path project = example("healer");

    Cli.run("run", project.toString());

    String transcript = Files.readString(project.resolve(".loop/runs/run-001/transcripts/heal-1.jsonl"));
    assertTrue(transcript.contains("- verifier/H-1 ("), "listed as an evidence item");
    assertTrue(transcript.contains("attempt 2 of H-1, the verifier's output"), transcript);
    assertTrue(transcript.contains("line 2 is 'set -e': the project's convention is that " + CONVENTION),
        "the newest failed verification's output");
  }

  @Test
  void aSecretOfTheLoopProcessNeverReachesTheHealsTranscriptTheJournalOrTheReport() throws Exception {
    Path project = example("healer");
    String secret = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    // a prompt file that (wrongly) holds a token: the healer reads it, and the heal's diff shows its context
    Path prompt = project.resolve("harness/prompts/worker.md");
    Files.writeString(prompt, Files.readString(prompt) + "- Deploy token: " + secret + "\n");

    Cli run = Cli.run(Map.of("DEPLOY_TOKEN", secret), "run", project.toString());

    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    Path runDir = project.resolve(".loop/runs/run-001");
    String transcript = Files.readString(runDir.resolve("transcripts/heal-1.jsonl"));
    assertTrue(transcript.contains("Deploy token: "), "the healer read the prompt file");
    for (Path file : List.of(runDir.resolve("transcripts/heal-1.jsonl"), runDir.resolve("journal.jsonl"),
        runDir.resolve("report.html"))) {
      assertFalse(Files.readString(file).contains(secret), file + " holds the secret");
    }
    assertFalse(run.out.contains(secret) || run.err.contains(secret), "printed");
  }

  @Test
  void aHealThatTriesToLoosenTheVerifierIsRejectedAndTheRealStopSurfaces() throws Exception {
    Path project = example("adversary");
    String checkBefore = Files.readString(project.resolve("project/tests/check.sh"));
    String promptBefore = Files.readString(project.resolve("harness/prompts/worker.md"));

    Cli run = Cli.run("run", project.toString());

    assertEquals(LoopCommand.STALLED_OR_HUMAN, run.exitCode, run.out + run.err);
    assertTrue(run.out.contains("run ended HUMAN_GATED: 1 ticket(s) wait for a person: H-1"), run.out);
    LoopEvent.HealAttempted heal = heals(project).get(0);
    assertEquals(Heal.Outcome.REJECTED, heal.outcome());
    assertTrue(heal.summary().contains("the healer rejected its own patch"), heal.summary());
    assertTrue(heal.summary().contains("a harness_gap needs a patch"), heal.summary());
    // the verifier file in the repository (what every verification runs), its seed, and the prompt: unchanged
    assertEquals(checkBefore, Files.readString(project.resolve("work/repo/tests/check.sh")));
    assertEquals(checkBefore, Files.readString(project.resolve("project/tests/check.sh")));
    assertEquals(promptBefore, Files.readString(project.resolve("harness/prompts/worker.md")));
    String transcript = Files.readString(project.resolve(".loop/runs/run-001/transcripts/heal-1.jsonl"));
    assertTrue(transcript.contains("path '../work/repo/tests/check.sh' resolves to "
        + project.resolve("work/repo/tests/check.sh") + ", outside the workspace"), "the tool refused the write");
    var ticket = ProjectEngine.tracker(ProjectConfig.read(project), Map.of()).find("H-1").orElseThrow();
    assertNotEquals(Status.DONE, ticket.status());
    RunReport report = RunReport.of(project.resolve(".loop/runs/run-001"));
    assertTrue(report.interventions().stream().anyMatch(i -> i.kind() == RunReport.InterventionKind.HEAL_REJECTED),
        report.interventions().toString());
  }
}

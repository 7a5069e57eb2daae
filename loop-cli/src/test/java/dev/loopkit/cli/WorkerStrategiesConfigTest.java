package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.llm.work.SimplicityGate;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * loop.yaml's worker strategies: worker.routes, worker.escalate-to, worker.continue-turns, reviewer.panel with
 * its rule and diff-only reviewers, and the simplicity section, read and checked, and run through {@code loop run}.
 */
class WorkerStrategiesConfigTest {
  @TempDir
  Path dir;

  private static final String MODELS = "models:\n"
      + "  worker: {vendor: scripted, model: claude-opus-4-1, transcripts: scripts/worker}\n"
      + "  fast: {vendor: scripted, model: claude-haiku-4-5, transcripts: scripts/fast}\n"
      + "  reviewer: {vendor: scripted, model: gpt-5, transcripts: scripts/reviewer}\n"
      + "  second: {vendor: scripted, model: gemini-2.5-pro, transcripts: scripts/second}\n";

  private Path project(String worker, String rest) throws Exception {
    Path p = Cli.tinyProject(dir, Cli.say("unused"), "");
    for (String folder : new String[] {"fast", "reviewer", "second"}) {
      Files.createDirectories(p.resolve("scripts/" + folder));
    }
    Files.writeString(p.resolve(ProjectConfig.FILE_NAME), "tracker:\n  folder: tickets\n"
        + "workspace:\n  repo: work/repo\n  init-from: project\n" + MODELS
        + "worker:\n  protect: [tests/**]\n" + worker
        + "verifier:\n  command: sh tests/check.sh\n  expect-output: check ok\n" + rest);
    return p;
  }

  private String error(String worker, String rest) throws Exception {
    Path p = project(worker, rest);
    return assertThrows(InputException.class, () -> ProjectConfig.read(p)).getMessage();
  }

  @Test
  void theStrategiesAreReadInOrder() throws Exception {
    ProjectConfig c = ProjectConfig.read(project("  routes:\n    fast: {label: mechanical}\n"
        + "    second: {priority-at-least: 3}\n  escalate-to: worker\n  continue-turns: 4\n",
        "reviewer:\n  panel: [reviewer, second]\n  rule: majority\n  diff-only: [second]\n"
        + "simplicity:\n  budget: {net-lines: 50}\n  hard-limit: {duplicated-blocks: 0, net-lines: 400}\n"));

    ProjectConfig.Strategies s = c.strategies();
    assertEquals(2, s.routes().size());
    assertEquals(new ProjectConfig.Route("fast", "mechanical", null), s.routes().get(0));
    assertEquals(new ProjectConfig.Route("second", null, 3), s.routes().get(1));
    assertEquals("worker", s.escalateTo());
    assertEquals(4, s.continueTurns());
    assertEquals(java.util.List.of("reviewer", "second"), s.panel());
    assertEquals("majority", s.rule());
    assertEquals(java.util.List.of("second"), s.diffOnly());
    assertEquals(new SimplicityGate.Limits(50, 3, 0, 0), s.simplicityBudget());
    assertEquals(new SimplicityGate.Limits(400, 15, 0, 2), s.simplicityHardLimit());
  }

  @Test
  void badStrategySettingsAreNamedWithWhatIsExpected() throws Exception {
    assertTrue(error("  routes:\n    cheap: {label: mechanical}\n", "")
        .contains("key 'worker.routes.cheap' names a model that is not under 'models'"), "unknown route model");
    assertTrue(error("  routes:\n    fast: {label: mechanical, priority-at-least: 2}\n", "")
        .contains("key 'worker.routes.fast' needs exactly one condition"));
    assertTrue(error("  routes:\n    fast: {priority-at-least: 7}\n", "")
        .contains("key 'worker.routes.fast.priority-at-least' is 7: expected 0 (highest) to 4 (lowest)"));
    assertTrue(error("  escalate-to: strong\n", "").contains("key 'worker.escalate-to' names 'strong'"));
    assertTrue(error("  continue-turns: 99\n", "").contains("key 'worker.continue-turns' is 99"));
    assertTrue(error("", "reviewer:\n  panel: [reviewer]\n").contains("key 'reviewer.panel' is [reviewer]: expected"
        + " at least two different models entries"));
    assertTrue(error("", "reviewer:\n  panel: [reviewer, nobody]\n").contains("key 'reviewer.panel' names 'nobody'"));
    assertTrue(error("", "reviewer:\n  panel: [reviewer, second]\n  rule: most\n").contains("reviewer.rule"));
    assertTrue(error("", "reviewer:\n  panel: [reviewer, second]\n  diff-only: [fast]\n")
        .contains("key 'reviewer.diff-only' names 'fast', which is not a reviewer"));
    assertTrue(error("", "simplicity:\n  budget: {net-lines: 900}\n").contains("key 'simplicity.hard-limit' is below"
        + " the budget"));
    assertTrue(error("", "simplicity:\n  budget: {lines: 9}\n").contains("simplicity.budget"));
  }

  @Test
  void loopRunRoutesAMechanicalTicketToTheFastModelEscalatesAndJournalsThePanelsVerdicts() throws Exception {
    Path p = project("  routes:\n    fast: {label: mechanical}\n  escalate-to: worker\n",
        "reviewer:\n  panel: [reviewer, second]\n  rule: all\n  diff-only: [second]\n"
        + "simplicity:\n  hard-limit: {duplicated-blocks: 0}\n");
    Files.writeString(p.resolve("tickets/T-1.md"), "---\nid: T-1\ntitle: Say yes\nlabels: [mechanical]\nmetadata:\n"
        + "  verify: sh tests/check.sh\n  verify-expect: check ok\n---\n\nWrite yes to done.txt.\n");
    Files.writeString(p.resolve("scripts/fast/default.jsonl"),
        Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"no\\n\"}") + Cli.say("Wrote done.txt."));
    Files.writeString(p.resolve("scripts/worker/default.jsonl"),
        Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}") + Cli.say("Wrote yes."));
    String approve = Cli.say("{\\\"verdict\\\":\\\"approve\\\",\\\"findings\\\":[]}");
    Files.writeString(p.resolve("scripts/reviewer/default.jsonl"), approve);
    Files.writeString(p.resolve("scripts/second/default.jsonl"), approve);

    Cli run = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, run.exitCode, run.out + run.err);
    String journal = Files.readString(p.resolve(".loop/runs/run-001/journal.jsonl"));
    assertTrue(journal.contains("\"route\":\"fast\"") && journal.contains("\"route-reason\":\"label mechanical\""),
        journal);
    assertTrue(journal.contains("\"route\":\"worker\"")
        && journal.contains("\"route-reason\":\"escalated: attempt 2 after 1 failed\""), journal);
    assertTrue(journal.contains("\"panel-approvals\":\"2/2\"") && journal.contains("\"second.view\":\"diff-only\""),
        journal);
    assertTrue(journal.contains("\"stage\":\"simplicity\""), journal);
  }
}

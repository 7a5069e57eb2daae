package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person may change in loop.yaml between sessions of one run: caps and concurrency (the run continues, the
 * change counted as an intervention), never the definition of done (the verifier section: the run ends TAMPERED).
 */
class SessionChangesTest {
  @TempDir Path dir;

  private Path project(String caps) throws Exception {
    String steps = Cli.call("write_file", "{\"path\":\"done.txt\",\"content\":\"yes\\n\"}") + Cli.say("Wrote yes.");
    return Cli.tinyProject(dir, steps, caps, "---\nid: T-2\ntitle: Say yes again\ndepends_on:\n"
        + "  - blocks:T-1\nmetadata:\n  verify: sh tests/check.sh\n  verify-expect: check ok\n---\n"
        + "\nWrite yes to done.txt.\n");
  }

  @Test
  void aCapRaisedBetweenSessionsContinuesTheRunAndIsCountedAsAnIntervention() throws Exception {
    Path p = project("caps:\n  passes: 1\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.CAPPED, first.exitCode, first.out + first.err);

    Path yaml = p.resolve(ProjectConfig.FILE_NAME);
    Files.writeString(yaml, Files.readString(yaml).replace("passes: 1", "passes: 10") + "concurrency: 3\n");
    Cli second = Cli.run("run", p.toString());

    assertEquals(LoopCommand.DONE, second.exitCode, second.out + second.err);
    List<RunReport.Intervention> changed = RunDirectory.of(p.resolve(".loop/runs/run-001")).report()
        .interventions().stream().filter(i -> i.kind() == RunReport.InterventionKind.CAPS_CHANGED).toList();
    assertEquals(1, changed.size(), changed.toString());
    assertEquals("caps changed between sessions: concurrency 4 -> 3, passes 1 -> 10", changed.get(0).detail());
  }

  @Test
  void aChangedVerifierBetweenSessionsEndsTheRunTampered() throws Exception {
    Path p = project("caps:\n  passes: 1\n");
    Cli first = Cli.run("run", p.toString());
    assertEquals(LoopCommand.CAPPED, first.exitCode, first.out + first.err);

    Path yaml = p.resolve(ProjectConfig.FILE_NAME);
    Files.writeString(yaml, Files.readString(yaml).replace("expect-output: check ok", "expect-output: '.*'")
        .replace("passes: 1", "passes: 10"));
    Cli second = Cli.run("run", p.toString());

    assertEquals(LoopCommand.TAMPERED, second.exitCode, second.out + second.err);
    assertTrue(second.out.contains("loop.yaml verifier.expect-output"), second.out);
  }
}

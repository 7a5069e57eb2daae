package dev.loopkit.cli;

import dev.loopkit.core.Batch;
import dev.loopkit.core.InputException;
import dev.loopkit.core.Tracker;
import dev.loopkit.llm.plan.LintFinding;
import dev.loopkit.llm.plan.ReadinessLint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code loop lint [PROJECT] [--master ID]}: the readiness lint over the project's batch, one line per finding. */
@Command(name = "lint", mixinStandardHelpOptions = true,
    description = {"Checks that the batch can be finished unattended: every ticket has a finish line whose"
        + " command exists, acceptance criteria, no open questions, an acyclic graph (under the master when"
        + " --master is given), resources for infrastructure work, and a size budget. One line per finding:"
        + " <ticket> <field> [<rule>]: <message>.",
        "Exit codes: 0 ready, 3 findings, 1 error."})
final class LintCommand implements Callable<Integer> {
  /** The exit code when the lint has findings. */
  static final int FINDINGS = 3;

  @ParentCommand
  LoopCommand root;

  @Mixin
  ProjectArgument project = new ProjectArgument();

  @Option(names = "--master", paramLabel = "ID",
      description = "The master ticket every ticket must lie under (through parent-child edges).")
  String master;

  @Override
  public Integer call() {
    ProjectConfig config = project.read();
    Tracker tracker = ProjectEngine.tracker(config, root.io.environment());
    Batch batch = tracker.readBatch();
    List<LintFinding> findings = lint(config, root.io.environment().get("PATH"))
        .check(batch.tickets(), master, Set.of());
    findings.forEach(f -> root.io.out().println(f));
    if (findings.isEmpty()) {
      root.io.out().println("ready: " + batch.size() + " tickets pass the readiness lint");
      return LoopCommand.DONE;
    }
    long tickets = findings.stream().map(LintFinding::ticketId).distinct().count();
    root.io.out().println(findings.size() + " finding(s) in " + tickets + " ticket(s) of " + batch.size());
    return FINDINGS;
  }

  /**
   * The lint for a project: verify commands resolve in its repository, or in the folder that seeds it before the
   * first run; programs on {@code path} (the command's PATH, else the host's).
   */
  static ReadinessLint lint(ProjectConfig config, String path) {
    return ReadinessLint.builder(codeFolder(config)).searchPath(path != null ? path
        : java.util.Objects.requireNonNullElse(System.getenv("PATH"), "/usr/bin:/bin")).build();
  }

  /** The project's repository, or its seed folder before the first run. */
  static Path codeFolder(ProjectConfig config) {
    ProjectConfig.Workspace ws = config.workspace();
    if (Files.isDirectory(ws.repository())) {
      return ws.repository();
    }
    if (ws.initFrom() != null) {
      return ws.initFrom();
    }
    throw new InputException(config.file() + ": key 'workspace.repo' names " + ws.repository() + ", which does"
        + " not exist: expected the repository the tickets' verify commands run in");
  }
}

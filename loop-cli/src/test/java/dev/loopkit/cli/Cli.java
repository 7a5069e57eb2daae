package dev.loopkit.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Runs the loop command in-process and keeps what it printed. */
final class Cli {
  final int exitCode;
  final String out;
  final String err;

  private Cli(int exitCode, String out, String err) {
    this.exitCode = exitCode;
    this.out = out;
    this.err = err;
  }

  static Cli run(String... args) {
    return run(Map.of(), args);
  }

  static Cli run(Map<String, String> environment, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoopCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), environment, false);
    return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A copy of the bundled quickstart in {@code dir/quickstart}. */
  static Path quickstart(Path dir) throws Exception {
    Path target = dir.resolve("quickstart");
    QuickstartCommand.copyBundled(target);
    return target;
  }

  /**
   * A one-ticket project: {@code project/} holds {@code tests/check.sh} (prints "check ok" when
   * {@code done.txt} says yes), ticket T-1 is verified by it, and the worker replays {@code workerSteps}
   * (JSON Lines) for every attempt.
   */
  static Path tinyProject(Path dir, String workerSteps, String extraYaml, String... extraTickets) throws Exception {
    Path p = dir.resolve("tiny");
    Files.createDirectories(p.resolve("project/tests"));
    Files.createDirectories(p.resolve("tickets"));
    Files.createDirectories(p.resolve("scripts/worker"));
    Files.writeString(p.resolve("project/tests/check.sh"),
        "grep -q yes done.txt 2>/dev/null && echo 'check ok' || { echo 'done.txt does not say yes'; exit 1; }\n");
    Files.writeString(p.resolve("project/README.md"), "tiny\n");
    Files.writeString(p.resolve("tickets/T-1.md"), "---\nid: T-1\ntitle: Say yes\nmetadata:\n"
        + "  verify: sh tests/check.sh\n  verify-expect: check ok\n---\n\nWrite yes to done.txt.\n");
    for (int i = 0; i < extraTickets.length; i++) {
      Files.writeString(p.resolve("tickets/T-" + (i + 2) + ".md"), extraTickets[i]);
    }
    Files.writeString(p.resolve("scripts/worker/default.jsonl"), workerSteps);
    Files.writeString(p.resolve(ProjectConfig.FILE_NAME), "tracker:\n  folder: tickets\n"
        + "workspace:\n  repo: work/repo\n  init-from: project\n"
        + "models:\n  worker:\n    vendor: scripted\n    model: claude-sonnet-4-5\n    transcripts: scripts/worker\n"
        + "worker:\n  protect: [tests/**]\n"
        + "verifier:\n  command: sh tests/check.sh\n  expect-output: check ok\n" + extraYaml);
    return p;
  }

  /** A scripted step calling one tool. */
  static String call(String tool, String jsonInput) {
    return "{\"type\":\"response\",\"response\":{\"content\":[{\"type\":\"tool_use\",\"name\":\"" + tool
        + "\",\"input\":" + jsonInput + "}]}}\n";
  }

  static String say(String text) {
    return "{\"type\":\"response\",\"response\":{\"content\":\"" + text + "\"}}\n";
  }
}

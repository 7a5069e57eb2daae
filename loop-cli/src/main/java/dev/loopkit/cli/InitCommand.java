package dev.loopkit.cli;

import dev.loopkit.core.InputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code loop init [DIR]}: a new project a person can run at once and then make their own: a commented
 * loop.yaml, a tickets folder with one example ticket, the code the tickets change (a seed folder with the
 * ticket's check), the scripted worker's recorded conversation so the first {@code loop run} works offline, and
 * a {@code .gitignore} for the run state. Refuses to overwrite anything.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Creates a project in DIR (default: the current folder): a commented loop.yaml, tickets/ with"
        + " one example ticket, project/ (the code the tickets change, with the ticket's check), a scripted"
        + " worker so 'loop run DIR' works offline at once, and a .gitignore for .loop/ and work/. Never"
        + " overwrites a file: a project already there is an error.",
        "Exit codes: 0 created, 1 a file is in the way (nothing is written), 2 usage error."})
final class InitCommand implements Callable<Integer> {
  @ParentCommand
  LoopCommand root;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Where to create the project.")
  Path dir = Path.of(".");

  static final String IGNORED = ".loop/\nwork/\n";

  @Override
  public Integer call() {
    Path target = dir.toAbsolutePath().normalize();
    Map<String, String> files = files();
    for (String name : files.keySet()) {
      Path file = target.resolve(name);
      if (Files.exists(file)) {
        throw new InputException("loop init " + dir + ": " + file + " exists: expected a new or empty folder"
            + " (loop init never overwrites; remove it or choose another DIR)");
      }
    }
    try {
      for (Map.Entry<String, String> f : files.entrySet()) {
        Path file = target.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, f.getValue(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
      }
      boolean appended = gitignore(target.resolve(".gitignore"));
      root.io.out().println("created a Loop project in " + target + ":");
      for (String name : files.keySet()) {
        root.io.out().println("  " + name);
      }
      root.io.out().println("  .gitignore" + (appended ? " (added .loop/ and work/)" : ""));
      String shown = dir.toString();
      root.io.out().println("next: loop lint " + shown + "   # is every ticket ready to run unattended?");
      root.io.out().println("      loop run " + shown + "    # runs T-1 offline with the scripted worker; then"
          + " edit loop.yaml for a real model");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the project in " + target + ": " + e.getMessage(), e);
    }
    return LoopCommand.DONE;
  }

  /** Adds the run state's folders to {@code file}, creating it; true when it already existed. */
  private static boolean gitignore(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.writeString(file, "# the run state of Loop (journals, reports, workspaces) stays out of git\n" + IGNORED,
          StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
      return false;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    StringBuilder add = new StringBuilder();
    for (String entry : IGNORED.strip().split("\n")) {
      if (lines.stream().noneMatch(l -> l.strip().equals(entry) || l.strip().equals(entry.replace("/", "")))) {
        add.append(entry).append('\n');
      }
    }
    if (add.length() > 0) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Files.writeString(file, (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + add, StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    }
    return true;
  }

  /** The project's files by relative path, in the order they are listed. */
  static Map<String, String> files() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put(ProjectConfig.FILE_NAME, LOOP_YAML);
    f.put("tickets/T-1.md", TICKET);
    f.put("project/README.md", "# My project\n\nThe code Loop's workers change. `loop run` copies this folder into"
        + " a git repository (work/repo) on its first run; from then on that repository is the code.\n");
    f.put("project/tests/check.sh", "#!/bin/sh\n# T-1's finish line: the verifier runs this in the candidate's"
        + " checkout and expects 'hello ok'.\ngrep -qx 'hello' hello.txt 2>/dev/null && echo 'hello ok' || {"
        + " echo 'hello.txt does not say hello'; exit 1; }\n");
    f.put("scripts/worker/default.jsonl", WORKER);
    return f;
  }

  private static final String TICKET = String.join("\n",
      "---",
      "id: T-1",
      "title: Write hello.txt",
      "priority: 1",
      "acceptance:",
      "  - hello.txt holds the single line hello",
      "  - sh tests/check.sh prints hello ok",
      "metadata:",
      "  verify: sh tests/check.sh         # the finish line: a command run in the candidate's checkout",
      "  verify-expect: hello ok           # ... and the output it must print (a regular expression)",
      "---",
      "",
      "Create `hello.txt` at the repository's root holding the single line `hello`.",
      "",
      "One file per ticket: front matter for the fields (id, title, status, priority, depends_on such as",
      "`- blocks:T-1`, resources, acceptance, metadata), the body for the description the worker reads.",
      "");

  // a recorded conversation the scripted model replays: write the file, then say so
  private static final String WORKER = "{\"type\":\"response\",\"response\":{\"content\":[{\"type\":\"tool_use\","
      + "\"name\":\"write_file\",\"input\":{\"path\":\"hello.txt\",\"content\":\"hello\\n\"}}]}}\n"
      + "{\"type\":\"response\",\"response\":{\"content\":\"Wrote hello.txt.\"}}\n";

  private static final String LOOP_YAML = String.join("\n",
      "# A Loop project: the batch in tickets/, the code in project/ (copied into work/repo on the first run).",
      "# loop lint . checks the tickets; loop run . runs them; loop status . and loop report . show the result.",
      "# Every key is described in loop-cli/README.md.",
      "tracker:",
      "  folder: tickets          # the Markdown tracker: one <id>.md per ticket (or kind: github | jira | linear | beads)",
      "  id-prefix: T             # tickets the workers file are T-2, T-3, ...",
      "",
      "workspace:",
      "  repo: work/repo          # the git repository the tickets change",
      "  init-from: project       # the first run seeds work/repo from project/ as a new repository on main",
      "",
      "models:",
      "  worker:",
      "    vendor: scripted       # replays scripts/worker/*.jsonl, so this project runs offline as it is",
      "    model: claude-sonnet-4-5",
      "    transcripts: scripts/worker",
      "    # for a real model: vendor: anthropic (key from ANTHROPIC_API_KEY) or openai (OPENAI_API_KEY),",
      "    # drop transcripts:, and add a reviewer of the other vendor under models: and reviewer:",
      "",
      "worker:",
      "  kind: model              # model (the agent loop) | command (an agent CLI such as claude or codex)",
      "  max-turns: 20",
      "  protect:                 # the verifier's files: no worker may write them, and a change stops the run",
      "    - tests/**",
      "",
      "verifier:                  # for tickets without a verify command in their metadata (e.g. ones workers file)",
      "  command: sh tests/check.sh",
      "  expect-output: hello ok",
      "",
      "sandbox:",
      "  kind: bubblewrap         # tickets' processes run confined (Linux, bwrap); none opts out, unconfined",
      "  network: false",
      "",
      "caps:                      # every loop is capped; a breach stops the run and names the cap",
      "  attempts-per-ticket: 3",
      "  cost-usd: 5",
      "  wall-clock: 15m",
      "",
      "concurrency: 2             # tickets in flight at once",
      "");
}

package dev.loopkit.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small real project in a temporary folder: a git repository on main holding a command agent
 * ({@code tools/agent.sh}: reads the task on standard input, writes {@code out/<ticket>.txt}; sleeps first when
 * the ticket's text says SLOW) and a check ({@code tests/check.sh <ticket>}), and a Markdown ticket folder apart
 * from it. Driven with the real git, independent of the host's git configuration.
 */
final class TestProject {
  static final String AGENT = """
      #!/bin/sh
      task=$(cat)
      id=$(printf '%s\\n' "$task" | sed -n '1s/^# Ticket \\([A-Za-z0-9-]*\\):.*/\\1/p')
      case "$task" in *SLOW*) sleep 120 ;; esac
      mkdir -p out
      echo "done $id" > "out/$id.txt"
      echo "wrote out/$id.txt"
      """;
  static final String CHECK = """
      #!/bin/sh
      test "$(cat "out/$1.txt" 2>/dev/null)" = "done $1" && echo "ok $1"
      """;

  final Path root;
  final Path repo;
  final Path tickets;
  final Path runs;

  private TestProject(Path root) {
    this.root = root;
    this.repo = root.resolve("repo");
    this.tickets = root.resolve("tickets");
    this.runs = root.resolve("runs");
  }

  /** The repository and an empty ticket folder under {@code root}. */
  static TestProject create(Path root) {
    TestProject p = new TestProject(root.toAbsolutePath().normalize());
    try {
      Files.createDirectories(p.repo);
      Files.createDirectories(p.tickets);
      write(p.repo.resolve("README.md"), "a project for the starter's tests\n");
      write(p.repo.resolve("tools/agent.sh"), AGENT);
      write(p.repo.resolve("tests/check.sh"), CHECK);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    git(p.repo, "init", "-q", "-b", "main");
    git(p.repo, "add", "-A");
    git(p.repo, "commit", "-q", "-m", "initial commit");
    return p;
  }

  /** Adds a ticket whose finish line is {@code tests/check.sh <id>}; {@code blockedBy} may be null. */
  TestProject ticket(String id, String title, String blockedBy) {
    StringBuilder md = new StringBuilder("---\nid: " + id + "\ntitle: \"" + title + "\"\nstatus: open\npriority: 1\n");
    if (blockedBy != null) {
      md.append("depends_on:\n  - blocks:").append(blockedBy).append('\n');
    }
    md.append("acceptance:\n  - out/").append(id).append(".txt says done ").append(id).append('\n')
        .append("metadata:\n  verify: sh tests/check.sh ").append(id).append("\n  verify-expect: '(?m)^ok ")
        .append(id).append("$'\n---\n\nWrite out/").append(id).append(".txt.\n");
    try {
      write(tickets.resolve(id + ".md"), md.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** The {@code loop.*} properties of this project, with the agent as the worker and bubblewrap as the sandbox. */
  Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("loop.tracker.folder", tickets.toString());
    p.put("loop.workspace.repo", repo.toString());
    p.put("loop.workspace.worktrees", root.resolve("worktrees").toString());
    p.put("loop.worker.argv[0]", "sh");
    p.put("loop.worker.argv[1]", "tools/agent.sh");
    p.put("loop.worker.timeout", "3m");
    p.put("loop.worker.protect[0]", "tests/**");
    p.put("loop.worker.protect[1]", "tools/**");
    p.put("loop.runs.directory", runs.toString());
    p.put("loop.caps.unmetered-usage", "free"); // a command agent reports no cost
    p.put("loop.caps.attempts-per-ticket", "2");
    p.put("loop.caps.concurrency", "1");
    return p;
  }

  /** {@link #properties()} as {@code key=value} pairs, for a context runner or {@code @SpringBootTest}. */
  String[] pairs() {
    List<String> out = new ArrayList<>();
    properties().forEach((k, v) -> out.add(k + "=" + v));
    return out.toArray(String[]::new);
  }

  /** The status line of a ticket file ({@code open}, {@code in-progress}, {@code done}, ...). */
  String status(String id) {
    try {
      for (String line : Files.readAllLines(tickets.resolve(id + ".md"), StandardCharsets.UTF_8)) {
        if (line.startsWith("status:")) {
          return line.substring("status:".length()).strip();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new AssertionError("no status line in " + id + ".md");
  }

  /** The content of a file on the repository's main branch. */
  String onMain(String path) {
    return git(repo, "show", "main:" + path);
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  static String git(Path in, String... args) {
    List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c",
        "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new AssertionError("git " + String.join(" ", args) + " failed in " + in + ": " + out);
      }
      return out.strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

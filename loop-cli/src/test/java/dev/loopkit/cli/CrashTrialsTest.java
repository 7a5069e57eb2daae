package dev.loopkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.Status;
import dev.loopkit.core.markdown.MarkdownTracker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash trials of the real {@code loop run} in a child JVM, with command workers that take three seconds and beat
 * a marker file in their workspace while they work: the JVM is SIGKILLed mid-attempt and again right after a
 * worker finished (while its ticket integrates), then run to the end. After each kill no worker process survives
 * and no marker grows; after the last run every ticket is done exactly once and no workspace or candidate checkout
 * is left.
 */
class CrashTrialsTest {
  private static final int TICKETS = 4;

  @TempDir Path dir;

  private Path project() throws IOException {
    Path p = dir.resolve("crash");
    Files.createDirectories(p.resolve("project/tests"));
    Files.createDirectories(p.resolve("tickets"));
    Files.createDirectories(p.resolve("agent"));
    Files.writeString(p.resolve("project/README.md"), "crash trials\n");
    Files.writeString(p.resolve("project/tests/check.sh"),
        "grep -q yes \"$1.txt\" 2>/dev/null && echo \"check ok $1\" || { echo \"no $1\"; exit 1; }\n");
    for (int i = 1; i <= TICKETS; i++) {
      Files.writeString(p.resolve("tickets/T-" + i + ".md"), "---\nid: T-" + i + "\ntitle: Say yes " + i
          + "\nmetadata:\n  verify: sh tests/check.sh T-" + i + "\n  verify-expect: check ok T-" + i
          + "\n---\n\nWrite yes to T-" + i + ".txt.\n");
    }
    Files.writeString(p.resolve("agent/agent.sh"), "id=$(printf '%s\\n' \"$1\" | sed -n '1s/^# Ticket \\([^:]*\\):.*/\\1/p')\n"
        + "i=0; while [ $i -lt 12 ]; do echo tick >> \"$id.beat\"; sleep 0.25; i=$((i+1)); done\n"
        + "echo yes > \"$id.txt\"; echo \"did $id\"\n");
    Files.writeString(p.resolve(ProjectConfig.FILE_NAME), "tracker:\n  folder: tickets\n"
        + "workspace:\n  repo: work/repo\n  init-from: project\n"
        + "worker:\n  kind: command\n  agent: custom\n  argv: [/bin/sh, " + p.resolve("agent/agent.sh")
        + ", '{task}']\n  protect: [tests/**]\n  command-timeout: 60s\n"
        + "verifier:\n  timeout: 60s\n"
        + "sandbox:\n  read-only: [agent]\n"
        + "caps:\n  unmetered-usage: free\n"
        + "concurrency: 2\n");
    return p;
  }

  @Test
  void killedRunsLeaveNoWorkerNoWorkspaceAndEveryTicketDoneOnce() throws Exception {
    Path p = project();
    Path journal = p.resolve(".loop/runs/run-001/journal.jsonl");

    Process first = start(p, "first");
    List<Path> beats = awaitBeating(p, first);
    kill(first, beats);

    Process second = start(p, "second");
    awaitJournal(journal, second, "\"kind\":\"work\"", count(journal, "\"kind\":\"work\"") + 1);
    kill(second, beatFiles(p));

    Process last = start(p, "last");
    assertTrue(last.waitFor(180, TimeUnit.SECONDS), "the last run did not finish");
    String log = Files.readString(dir.resolve("last.log"));
    assertEquals(LoopCommand.DONE, last.exitValue(), log);

    MarkdownTracker tracker = MarkdownTracker.open(p.resolve("tickets"));
    Map<String, Integer> done = new TreeMap<>();
    for (LoopEvent e : RunDirectory.of(p.resolve(".loop/runs/run-001")).events()) {
      if (e instanceof LoopEvent.TicketDone d) {
        done.merge(d.ticketId(), 1, Integer::sum);
      }
    }
    for (int i = 1; i <= TICKETS; i++) {
      assertEquals(Status.DONE, tracker.find("T-" + i).orElseThrow().status(), "T-" + i);
      assertEquals(1, done.getOrDefault("T-" + i, 0), "T-" + i + " marked done once: " + done);
    }
    assertEquals(List.of(), leftovers(p.resolve("work/repo.workspaces")), "workspaces left behind");
    assertEquals(List.of(), workers(), "worker processes still running");
  }

  private Process start(Path project, String name) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String keys = System.getProperty("loop.journal.keys", dir.resolve("journal-keys").toString());
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, "-Dloop.journal.keys=" + keys,
        LoopCommand.class.getName(), "run", project.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    return pb.start();
  }

  /** SIGKILLs the JVM, then checks that no worker survives it: no agent process, no marker still growing. */
  private void kill(Process loop, List<Path> beats) throws Exception {
    loop.destroyForcibly();
    assertTrue(loop.waitFor(30, TimeUnit.SECONDS));
    Thread.sleep(800); // the kernel takes the sandboxes down with their parent
    List<Long> sizes = new ArrayList<>();
    for (Path b : beats) {
      sizes.add(Files.exists(b) ? Files.size(b) : -1);
    }
    Thread.sleep(1_000);
    for (int i = 0; i < beats.size(); i++) {
      Path b = beats.get(i);
      assertEquals(sizes.get(i), Files.exists(b) ? Files.size(b) : -1, b + " grew after the kill");
    }
    assertEquals(List.of(), workers(), "worker processes outlived the kill");
  }

  private static List<String> workers() {
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains("agent/agent.sh")).toList();
  }

  /** The beat markers in workspaces, once one exists and grows. */
  private List<Path> awaitBeating(Path project, Process loop) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      List<Path> beats = beatFiles(project);
      if (!beats.isEmpty()) {
        long before = Files.size(beats.get(0));
        Thread.sleep(600);
        if (Files.exists(beats.get(0)) && Files.size(beats.get(0)) > before) {
          return beatFiles(project);
        }
      }
      if (!loop.isAlive()) {
        throw new AssertionError("loop ended before a worker started:\n" + Files.readString(dir.resolve("first.log")));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no worker started:\n" + Files.readString(dir.resolve("first.log")));
  }

  private static List<Path> beatFiles(Path project) throws IOException {
    Path root = project.resolve("work/repo.workspaces");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root, 2)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".beat")).toList();
    } catch (java.io.UncheckedIOException e) {
      return List.of(); // a workspace vanished under the walk
    }
  }

  private void awaitJournal(Path journal, Process loop, String needle, int times) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (count(journal, needle) >= times) {
        return;
      }
      if (!loop.isAlive()) {
        throw new AssertionError("loop ended early:\n" + Files.readString(dir.resolve("second.log")));
      }
      Thread.sleep(20);
    }
    throw new AssertionError(needle + " never appeared " + times + " times");
  }

  private static int count(Path journal, String needle) throws IOException {
    if (!Files.exists(journal)) {
      return 0;
    }
    String text = new String(Files.readAllBytes(journal), StandardCharsets.UTF_8);
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  /** Every workspace and candidate checkout under the root. */
  private static List<String> leftovers(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().startsWith(".")) { // .candidates, .head, .owned: look inside
          try (Stream<Path> c = Files.list(p)) {
            c.forEach(x -> out.add(root.relativize(x).toString()));
          }
        } else {
          out.add(root.relativize(p).toString());
        }
      }
    }
    return out;
  }
}

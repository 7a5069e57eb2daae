package dev.loopkit.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.Dependency;
import dev.loopkit.core.LoopEvent;
import dev.loopkit.core.RunDirectory;
import dev.loopkit.core.RunReport;
import dev.loopkit.core.StageKind;
import dev.loopkit.core.Ticket;
import dev.loopkit.core.markdown.MarkdownTracker;
import dev.loopkit.temporal.internal.Queues;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several machines on loopback, all real processes: Temporal's standalone test server in its own JVM, two
 * worker-host JVMs and a starter JVM running a 30-ticket batch with dependencies, an {@code infra-apply} resource
 * and a discovered ticket. One worker host is SIGKILLed while it has attempts in flight, later the starter too
 * (and restarted). Everything is checked on the journal and the tracker.
 */
class SeveralMachinesTest {
  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() {
    processes.forEach(Process::destroyForcibly);
  }

  private Process java(String name, String main, String... args) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
        "-Dloop.journal.keys=" + System.getProperty("loop.journal.keys")));
    command.add(main);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  /** The last lines of every process's log, for a failure message. */
  private String logs() {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("starter-1", "starter-2", "h1", "h2")) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve(name + ".log"));
        out.append("\n--- ").append(name).append(" ---\n");
        lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> out.append(l).append('\n'));
      } catch (IOException e) {
        out.append("\n(no log of ").append(name).append(")");
      }
    }
    List<LoopEvent> events = journal(dir.resolve("run"));
    out.append("\n--- journal: ").append(events.size()).append(" events, last ")
        .append(events.isEmpty() ? "" : events.get(events.size() - 1)).append('\n');
    return out.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("the test server did not listen on " + port);
  }

  private void await(String what, long seconds, Predicate<Void> condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.test(null)) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting for " + what + logs());
      }
      Thread.sleep(25);
    }
  }

  private static List<LoopEvent> journal(Path runDir) {
    try {
      return Files.exists(runDir.resolve("journal.jsonl")) ? RunDirectory.of(runDir).events() : List.of();
    } catch (RuntimeException e) {
      return List.of(); // a line being written: read again
    }
  }

  /** Attempts ({@code ticket#attempt}) whose work started on {@code host} and has not finished. */
  private static Set<String> workingOn(Path done, String host) {
    Set<String> out = new HashSet<>();
    try (var files = Files.list(done)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("started-" + host + "-"))
          .filter(n -> !Files.exists(done.resolve("finished-" + n.substring("started-".length()))))
          .forEach(n -> {
            String attempt = n.substring(("started-" + host + "-").length());
            int dash = attempt.lastIndexOf('-'); // a ticket id may hold dashes; the attempt number does not
            out.add(attempt.substring(0, dash) + "#" + attempt.substring(dash + 1));
          });
    } catch (IOException e) {
      return Set.of(); // listing while a mark is written: look again
    }
    return out;
  }

  /** Attempts ({@code ticket#attempt}) the journal shows done or interrupted. */
  private static Set<String> settled(List<LoopEvent> events) {
    Set<String> out = new HashSet<>();
    for (LoopEvent e : events) {
      if (e instanceof LoopEvent.TicketDone d) {
        out.add(d.ticketId() + "#" + d.attempt());
      } else if (e instanceof LoopEvent.AttemptInterrupted i) {
        out.add(i.ticketId() + "#" + i.attempt());
      }
    }
    return out;
  }

  /** Tickets whose latest workspace stage ran on {@code host} and that have not settled yet. */
  private static Set<String> inFlightOn(List<LoopEvent> events, String host) {
    Map<String, String> where = new HashMap<>();
    for (LoopEvent e : events) {
      if (e instanceof LoopEvent.StageCompleted s && s.kind() == StageKind.WORKSPACE) {
        where.put(s.ticketId() + "#" + s.attempt(), s.attributes().getOrDefault(Queues.HOST_ATTRIBUTE, ""));
      }
    }
    Set<String> settled = settled(events);
    Set<String> out = new HashSet<>();
    where.forEach((attempt, queue) -> {
      if (queue.equals(Queues.host("machines", host)) && !settled.contains(attempt)) {
        out.add(attempt);
      }
    });
    return out;
  }

  @Test
  void aBatchSurvivesAKilledWorkerHostAndAKilledStarter() throws Exception {
    Path trackerDir = dir.resolve("tickets");
    Path runDir = dir.resolve("run");
    Path done = Files.createDirectories(dir.resolve("done"));
    MarkdownTracker tracker = MarkdownTracker.builder(trackerDir).createFolder(true).build();
    for (int i = 0; i < 30; i++) {
      Ticket.Builder t = Ticket.builder(String.format("T%02d", i)).title("ticket " + i);
      if (i >= 10) {
        t.addDependency(Dependency.blockedBy(String.format("T%02d", i - 10)));
      }
      if (i % 6 == 0) {
        t.addResource("infra-apply");
      }
      tracker.put(t.build());
    }
    int port = freePort();
    String target = "127.0.0.1:" + port;
    java("server", "io.temporal.testserver.TestServer", String.valueOf(port));
    awaitPort(port);
    Process h1 = java("h1", WorkerHostMain.class.getName(), target, "h1", done.toString(),
        dir.resolve("ws-h1").toString(), "slow"); // so that its attempts in flight are still working when killed
    java("h2", WorkerHostMain.class.getName(), target, "h2", done.toString(), dir.resolve("ws-h2").toString(),
        "workflows"); // the host that survives runs the workflow tasks (see WorkerHostMain)
    for (String host : List.of("h1", "h2")) {
      await(host + " polling", 30, x -> {
        try {
          return Files.readString(dir.resolve(host + ".log")).contains("ready " + host);
        } catch (IOException e) {
          return false;
        }
      });
    }
    Process starter = java("starter-1", StarterMain.class.getName(), target, trackerDir.toString(),
        runDir.toString(), "s1");

    // The worker's own marks, not the journal: a stage's events reach the journal in groups, so an attempt the
    // journal shows in flight may already be over. h1's worker sleeps 6 s, so a fresh mark is mid-work.
    await("an attempt working on h1", 30, x -> !workingOn(done, "h1").isEmpty());
    Set<String> killedAttempts = workingOn(done, "h1");
    h1.destroyForcibly().waitFor(); // SIGKILL
    // Each killed attempt by name: the journal may not show h1's latest workspace stage yet (events arrive in
    // groups), so "nothing in flight on h1" could hold before the heartbeat timeout has settled anything.
    await("the starter to settle h1's attempts " + killedAttempts, 40,
        x -> settled(journal(runDir)).containsAll(killedAttempts) && inFlightOn(journal(runDir), "h1").isEmpty());
    long doneBefore = journal(runDir).stream().filter(e -> e instanceof LoopEvent.TicketDone).count();
    await("three more tickets done", 40,
        x -> journal(runDir).stream().filter(e -> e instanceof LoopEvent.TicketDone).count() >= doneBefore + 3);
    starter.destroyForcibly().waitFor();
    Process restarted = java("starter-2", StarterMain.class.getName(), target, trackerDir.toString(),
        runDir.toString(), "s2");
    assertTrue(restarted.waitFor(120, TimeUnit.SECONDS), "the restarted starter finished the batch; " + logs());
    assertEquals(0, restarted.exitValue(), Files.readString(dir.resolve("starter-2.log")));

    List<LoopEvent> events = journal(runDir);
    Map<String, Integer> doneCount = new HashMap<>();
    events.stream().filter(e -> e instanceof LoopEvent.TicketDone)
        .forEach(e -> doneCount.merge(((LoopEvent.TicketDone) e).ticketId(), 1, Integer::sum));
    assertEquals(31, doneCount.size(), "30 tickets and the discovered one: " + doneCount.keySet());
    assertTrue(doneCount.values().stream().allMatch(n -> n == 1), "each ticket done exactly once: " + doneCount);
    try (var files = Files.list(trackerDir)) {
      assertEquals(31, files.filter(p -> p.toString().endsWith(".md")).count(), "the discovered ticket filed once");
    }
    int interruptedOnH1 = 0;
    for (String attempt : killedAttempts) {
      String[] parts = attempt.split("#");
      int number = Integer.parseInt(parts[1]);
      boolean interrupted = events.stream().anyMatch(e -> e instanceof LoopEvent.AttemptInterrupted i
          && i.ticketId().equals(parts[0]) && i.attempt() == number);
      boolean doneThen = events.stream().anyMatch(e -> e instanceof LoopEvent.TicketDone d
          && d.ticketId().equals(parts[0]) && d.attempt() == number);
      assertTrue(interrupted || doneThen, "the killed host's attempt " + attempt + " was interrupted (or had"
          + " already passed its last stage)");
      if (interrupted) {
        interruptedOnH1++;
        assertEquals("h2", Files.readString(done.resolve(parts[0] + ".txt")), parts[0] + " was redone on h2");
      }
    }
    assertTrue(interruptedOnH1 >= 1, "at least one attempt in flight on h1 was interrupted: " + killedAttempts);
    assertTrue(events.stream().anyMatch(e -> e instanceof LoopEvent.AttemptInterrupted i
        && i.reason().contains("stopped answering")), "an attempt was interrupted by the heartbeat timeout");
    String holder = null;
    for (LoopEvent e : events) { // the journal is a total order: infra-apply is never held twice
      if (e instanceof LoopEvent.TicketDispatched d && Integer.parseInt(d.ticketId().substring(1)) % 6 == 0) {
        assertEquals(null, holder, d.ticketId() + " dispatched while " + holder + " holds infra-apply");
        holder = d.ticketId();
      } else if (e instanceof LoopEvent.ResourcesReleased r && r.resources().contains("infra-apply")) {
        holder = null;
      } else if (e instanceof LoopEvent.RunStarted) {
        holder = null; // a new session: the killed one's attempts were settled as interrupted
      }
    }
    RunReport report = RunDirectory.of(runDir).report();
    assertTrue(report.sessions() >= 2, "the restarted starter resumed the run: " + report.sessions());
    assertFalse(report.tickets().isEmpty());
    assertNotNull(report.ending().orElse(null));
  }
}

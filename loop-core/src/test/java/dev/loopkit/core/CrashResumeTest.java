package dev.loopkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.markdown.MarkdownTracker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real child JVM running a batch with SIGKILL at random moments, resumes it, and checks that every
 * ticket ends DONE exactly once, nothing is filed twice, the journal parses and the report counts the
 * interrupted attempts.
 */
class CrashResumeTest {
  private static final int TRIALS = 10;
  private static final int KILLS_PER_TRIAL = 3;

  @TempDir Path dir;

  private static void seed(MarkdownTracker tracker) {
    tracker.put(Ticket.builder("A").title("schema").build());
    tracker.put(Ticket.builder("B").title("api").addDependency(Dependency.blockedBy("A")).build());
    tracker.put(Ticket.builder("C").title("ui").build());
    tracker.put(Ticket.builder("D").title("wire up").addDependency(Dependency.blockedBy("B"))
        .addDependency(Dependency.blockedBy("C")).build());
    tracker.put(Ticket.builder("E").title("apply infra 1").addResource("infra-apply").build());
    tracker.put(Ticket.builder("F").title("apply infra 2").addResource("infra-apply").build());
    tracker.put(Ticket.builder("T").title("needs a prerequisite").build());
  }

  private static Process start(Path trackerDir, Path runDir, Path work) throws Exception {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, "-Xshare:auto", CrashTrialMain.class.getName(),
        trackerDir.toString(), runDir.toString(), work.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(runDir.resolveSibling(runDir.getFileName() + ".log").toFile());
    return pb.start();
  }

  @Test
  void killedRunsResumeToDoneWithEveryTicketDoneExactlyOnce() throws Exception {
    Random random = new Random(20261121L);
    int totalKills = 0;
    int totalInterrupted = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      Path trialDir = dir.resolve("trial-" + trial);
      Path trackerDir = trialDir.resolve("tickets");
      Path runDir = trialDir.resolve("run");
      Path work = trialDir.resolve("work");
      seed(MarkdownTracker.builder(trackerDir).createFolder(true).build());
      int kills = 0;
      int exit = -1;
      for (int round = 0; round < 20 && exit != 0; round++) {
        Process p = start(trackerDir, runDir, work);
        if (kills < KILLS_PER_TRIAL) {
          // A random moment of the run itself (not of JVM start-up): once the journal has grown by a random
          // number of events, sometimes a few milliseconds later still, so kills also land mid-write.
          long target = journalLines(runDir) + 1 + random.nextInt(40);
          while (p.isAlive() && journalLines(runDir) < target) {
            p.waitFor(2, TimeUnit.MILLISECONDS);
          }
          if (p.isAlive() && random.nextBoolean()) {
            p.waitFor(random.nextInt(15), TimeUnit.MILLISECONDS);
          }
          if (p.isAlive()) {
            p.destroyForcibly(); // SIGKILL on Linux and macOS
            p.waitFor();
            kills++;
            if (endedDone(runDir)) {
              exit = 0; // killed after the run ended DONE, before the process exited: nothing to resume
              break;
            }
            continue;
          }
          p.waitFor();
        } else {
          assertTrue(p.waitFor(120, TimeUnit.SECONDS), "trial " + trial + " did not finish");
        }
        exit = p.exitValue();
        if (exit != 0) {
          throw new AssertionError("trial " + trial + " round " + round + " ended with exit " + exit + ":\n"
              + java.nio.file.Files.readString(runDir.resolveSibling("run.log")) + "\njournal:\n"
              + java.nio.file.Files.readString(runDir.resolve(RunJournal.FILE_NAME)));
        }
      }
      assertEquals(0, exit, "trial " + trial + " never finished");
      totalKills += kills;
      totalInterrupted += check(trial, trackerDir, runDir, kills);
    }
    System.out.println("crash-resume: " + TRIALS + " trials, " + totalKills + " SIGKILLs, " + totalInterrupted
        + " interrupted attempts resumed");
    assertTrue(totalKills >= TRIALS, "the trials killed too few processes: " + totalKills);
    assertTrue(totalInterrupted > 0, "no kill landed during an attempt in " + TRIALS + " trials");
  }

  private static boolean endedDone(Path runDir) {
    return java.nio.file.Files.exists(runDir.resolve(RunJournal.FILE_NAME))
        && RunReport.of(runDir).ending().orElse(null) == RunEnding.Kind.DONE;
  }

  private static long journalLines(Path runDir) throws java.io.IOException {
    Path journal = runDir.resolve(RunJournal.FILE_NAME);
    if (!java.nio.file.Files.exists(journal)) {
      return 0;
    }
    long n = 0;
    for (byte b : java.nio.file.Files.readAllBytes(journal)) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }

  /** Checks one trial's invariants; returns its interrupted attempts. */
  private static int check(int trial, Path trackerDir, Path runDir, int kills) {
    String where = "trial " + trial + " (" + kills + " kills): ";
    List<LoopEvent> events = RunJournal.read(runDir.resolve(RunJournal.FILE_NAME)); // parses, or throws
    Batch batch = MarkdownTracker.open(trackerDir).readBatch();

    assertEquals(8, batch.size(), where + "7 seeded + 1 discovered, none filed twice: " + batch);
    Map<String, Integer> doneEvents = new HashMap<>();
    int interrupted = 0;
    int started = 0;
    for (LoopEvent e : events) {
      if (e instanceof LoopEvent.TicketDone d) {
        doneEvents.merge(d.ticketId(), 1, Integer::sum);
      } else if (e instanceof LoopEvent.AttemptInterrupted) {
        interrupted++;
      } else if (e instanceof LoopEvent.RunStarted) {
        started++;
      }
    }
    List<String> discovered = new ArrayList<>();
    for (Ticket t : batch.tickets()) {
      assertEquals(Status.DONE, t.status(), where + t.id() + " is " + t.status());
      assertEquals(1, doneEvents.getOrDefault(t.id(), 0), where + t.id() + " done events");
      long doneNotes = t.comments().stream().filter(c -> c.body().startsWith("Done: attempt")).count();
      assertEquals(1, doneNotes, where + t.id() + " was marked done " + doneNotes + " times");
      if (!t.dependencyTargets(DependencyType.DISCOVERED_FROM).isEmpty()) {
        discovered.add(t.id());
      }
    }
    assertEquals(1, discovered.size(), where + "discovered tickets " + discovered);
    assertEquals(List.of(discovered.get(0)), batch.get("T").dependencyTargets(DependencyType.BLOCKS));

    RunReport report = RunReport.of(runDir);
    assertEquals(RunEnding.Kind.DONE, report.ending().orElseThrow());
    assertEquals(interrupted, report.interruptedAttempts(), where + "report counts the interrupted attempts");
    assertEquals(started, report.sessions());
    assertTrue(report.sessions() >= 1 && report.sessions() <= kills + 1, where + "sessions " + report.sessions());
    return interrupted;
  }

}
